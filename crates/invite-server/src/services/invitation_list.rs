//! Invite User Status as a list: the caller's invitations newest first, filtered and searched,
//! and the change feed (`updated_since`) with which an agency system stays in sync.

use chrono::{DateTime, NaiveDateTime, Utc};
use invite_core::api::{InvitationPage, SeedStatus, TechpassStatus};
use invite_core::limits::EMAIL_MAX;

use super::cursor;
use super::with_conn;
use crate::actor::Actor;
use crate::db::invitations::{self as repo, InvitationRow, ListQuery};
use crate::db::{self, Pool};
use crate::error::ApiError;

pub const MAX_PAGE: i64 = 100;
pub const DEFAULT_PAGE: i64 = 25;
pub const MAX_QUERY_CHARS: usize = 200;

/// Query parameters of the list, as received.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (of the same listing: a change-feed cursor is not a
    /// cursor of the newest-first list).
    #[param(max_length = 200, pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Case-insensitive text matched against first and last name, email and organisation.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub techpass_status: Option<TechpassStatus>,
    pub seed_status: Option<SeedStatus>,
    /// The change feed: only invitations whose `updated_at` is at or after this time
    /// (RFC 3339, e.g. `2026-12-03T08:00:00Z`), oldest change first instead of newest first.
    pub updated_since: Option<DateTime<Utc>>,
    /// Only the invitation(s) of this email address, matched exactly (case-insensitively).
    #[param(max_length = 254)]
    pub email: Option<String>,
}

/// The order a listing walks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Newest invitation first, by `invited_at`.
    Newest,
    /// The change feed: oldest change first, by `updated_at`.
    Changes,
}

impl ListParams {
    fn order(&self) -> Order {
        match self.updated_since {
            Some(_) => Order::Changes,
            None => Order::Newest,
        }
    }
}

/// Trimmed, lower-cased and non-empty, or none; 400 beyond `max` characters.
fn search_text(name: &str, value: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    let value = value
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty());
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        return Err(ApiError::BadRequest(format!(
            "{name} must be at most {max} characters."
        )));
    }
    Ok(value)
}

/// The query the parameters ask for: pages of `page` rows when given (a download), else of
/// the validated `limit`; and the order it walks in.
pub fn list_query(params: ListParams, page: Option<i64>) -> Result<(ListQuery, Order), ApiError> {
    let order = params.order();
    // Checked also for a download, which pages by itself: a bad `limit` is a bad request.
    let requested = cursor::page_size(params.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let limit = page.unwrap_or(requested);
    let after = cursor::parse(params.cursor.as_deref())?;
    let query = ListQuery {
        limit,
        after,
        updated_since: params.updated_since.map(|t| t.naive_utc()),
        email: search_text("email", params.email, EMAIL_MAX)?,
        q: search_text("q", params.q, MAX_QUERY_CHARS)?,
        techpass_status: params.techpass_status,
        seed_status: params.seed_status,
    };
    Ok((query, order))
}

/// Where a row stands in a listing of `order`: the time its cursor holds.
pub fn position(order: Order, row: &InvitationRow) -> NaiveDateTime {
    match order {
        Order::Newest => row.invited_at,
        Order::Changes => row.updated_at,
    }
}

pub async fn list(
    pool: &Pool,
    actor: &Actor,
    params: ListParams,
) -> Result<InvitationPage, ApiError> {
    let (query, order) = list_query(params, None)?;
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let mut rows = repo::list(conn, &officer_id, &query)?;
        let more = rows.len() as i64 > query.limit;
        rows.truncate(query.limit as usize);
        let next_cursor = more
            .then(|| {
                rows.last()
                    .map(|r| cursor::encode(position(order, r), &r.id))
            })
            .flatten();
        let now = db::now();
        Ok(InvitationPage {
            items: rows
                .iter()
                .map(|r| r.to_api(now))
                .collect::<Result<_, _>>()?,
            next_cursor,
        })
    })
    .await
}
