//! Reading batches: the officer's batches newest first, one batch with its counts and first
//! rows, and the pages of its rows. A 50,000-row batch is read a page at a time, so that no
//! response carries all of it.

use invite_core::api::{
    Batch, BatchDelivery, BatchPage, BatchRowPage, BatchRowStatus, BatchSummary,
};

use super::mapping::{INLINE_ROWS, overview, summary_of, to_api, to_api_row};
use super::not_found;
use crate::actor::Actor;
use crate::db::batches::{self as repo};
use crate::db::{DbConnection, Pool};
use crate::error::ApiError;
use crate::services::{cursor, with_conn};

const MAX_PAGE: i64 = 100;
const DEFAULT_PAGE: i64 = 25;
const MAX_ROWS_PAGE: i64 = 500;
const DEFAULT_ROWS_PAGE: i64 = 100;

/// Query parameters of `GET /batches`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(max_length = 200, pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Query parameters of `GET /batches/{id}/rows`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RowParams {
    /// Page size, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `rows_next_cursor` of the batch, or `next_cursor` of the previous page.
    #[param(max_length = 200, pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Only rows of these statuses, comma-separated: `invalid,failed` lists the rows that need
    /// attention. All rows when absent.
    #[param(pattern = "^(valid|invalid|submitted|failed)(,(valid|invalid|submitted|failed))*$")]
    pub status: Option<String>,
}

fn statuses(param: Option<&str>) -> Result<Vec<BatchRowStatus>, ApiError> {
    // Exactly the documented pattern: `status=` (empty) or a padded name is refused rather
    // than read as "all rows", so a client's typo never silently widens the list.
    let Some(param) = param else {
        return Ok(Vec::new());
    };
    param
        .split(',')
        .map(|s| {
            BatchRowStatus::from_wire(s).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "status must be one or more of valid, invalid, submitted, failed \
                     (comma-separated); {s:?} is none of them."
                ))
            })
        })
        .collect()
}

fn summaries(
    conn: &mut DbConnection,
    batch_ids: &[String],
) -> diesel::QueryResult<std::collections::HashMap<String, BatchSummary>> {
    let mut counts: std::collections::HashMap<String, Vec<(BatchRowStatus, u32)>> =
        std::collections::HashMap::new();
    for (batch_id, status, n) in repo::status_counts(conn, batch_ids)? {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        counts.entry(batch_id).or_default().push((status, n));
    }
    Ok(counts
        .into_iter()
        .map(|(id, counts)| (id, summary_of(counts)))
        .collect())
}

/// The batch with its counts and its first rows; 404 unless it is the officer's.
pub(super) fn load(
    conn: &mut DbConnection,
    officer_id: &str,
    batch_id: &str,
) -> Result<Batch, ApiError> {
    let batch = repo::find(conn, officer_id, batch_id)?.ok_or_else(not_found)?;
    let summary = summaries(conn, std::slice::from_ref(&batch.id))?
        .remove(&batch.id)
        .unwrap_or_default();
    let delivery = if summary.submitted > 0 {
        let (sent, failed, pending) = repo::delivery_counts(conn, batch_id)?;
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        BatchDelivery {
            sent: count(sent),
            failed: count(failed),
            pending: count(pending),
        }
    } else {
        BatchDelivery::default()
    };
    let first = repo::rows_page(conn, batch_id, &[], None, INLINE_ROWS as i64)?;
    Ok(to_api(&batch, summary, delivery, &first)?)
}

pub async fn get(pool: &Pool, actor: &Actor, batch_id: uuid::Uuid) -> Result<Batch, ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        load(conn, &officer_id, &batch_id.to_string())
    })
    .await
}

/// The officer's batches, newest first, with their counts.
pub async fn list(pool: &Pool, actor: &Actor, params: ListParams) -> Result<BatchPage, ApiError> {
    let limit = cursor::page_size(params.limit, DEFAULT_PAGE, MAX_PAGE)?;
    let after = cursor::parse(params.cursor.as_deref())?;
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let mut batches = repo::list(conn, &officer_id, after, limit)?;
        let more = batches.len() as i64 > limit;
        batches.truncate(limit as usize);
        let ids: Vec<String> = batches.iter().map(|b| b.id.clone()).collect();
        let mut summaries = summaries(conn, &ids)?;
        let next_cursor = more
            .then(|| batches.last().map(|b| cursor::encode(b.created_at, &b.id)))
            .flatten();
        let items = batches
            .iter()
            .map(|b| overview(b, summaries.remove(&b.id).unwrap_or_default()))
            .collect::<Result<_, _>>()?;
        Ok(BatchPage { items, next_cursor })
    })
    .await
}

/// One page of the batch's rows, in sheet order, optionally of some statuses only.
pub async fn rows(
    pool: &Pool,
    actor: &Actor,
    batch_id: uuid::Uuid,
    params: RowParams,
) -> Result<BatchRowPage, ApiError> {
    let limit = cursor::page_size(params.limit, DEFAULT_ROWS_PAGE, MAX_ROWS_PAGE)?;
    let after = cursor::parse_row(params.cursor.as_deref())?;
    let statuses = statuses(params.status.as_deref())?;
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let batch_id = batch_id.to_string();
        repo::find(conn, &officer_id, &batch_id)?.ok_or_else(not_found)?;
        let mut rows = repo::rows_page(conn, &batch_id, &statuses, after, limit)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last().map(|r| cursor::encode_row(r.row_number)))
            .flatten();
        Ok(BatchRowPage {
            items: rows.iter().map(to_api_row).collect::<Result<_, _>>()?,
            next_cursor,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_a_comma_separated_list_of_row_statuses() {
        assert_eq!(statuses(None).ok(), Some(vec![]));
        assert_eq!(
            statuses(Some("invalid,failed")).ok(),
            Some(vec![BatchRowStatus::Invalid, BatchRowStatus::Failed])
        );
        assert!(statuses(Some("invalid,")).is_err());
        assert!(statuses(Some("")).is_err());
        assert!(statuses(Some(" invalid")).is_err());
        assert!(statuses(Some("draft")).is_err());
    }
}
