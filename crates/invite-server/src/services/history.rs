//! An invitation's history (`GET /invitations/{id}/events`), for its officer only.

use invite_core::api::InvitationEventPage;

use super::{cursor, with_conn};
use crate::actor::Actor;
use crate::db::invitations as invitations_repo;
use crate::db::{Pool, history};
use crate::error::ApiError;
use crate::services::invitations::not_found;

const DEFAULT_PAGE: i64 = 100;
const MAX_PAGE: i64 = 500;

pub async fn events(
    pool: &Pool,
    actor: &Actor,
    invitation_id: uuid::Uuid,
    limit: Option<i64>,
    cursor: Option<String>,
) -> Result<InvitationEventPage, ApiError> {
    let limit = cursor::page_size(limit, DEFAULT_PAGE, MAX_PAGE)?;
    let after = cursor::parse(cursor.as_deref())?;
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let id = invitation_id.to_string();
        invitations_repo::find_for_officer(conn, &officer_id, &id)?.ok_or_else(not_found)?;
        let mut events = history::of_invitation(conn, &id, after, limit)?;
        let more = events.len() as i64 > limit;
        events.truncate(limit as usize);
        let next_cursor = more
            .then(|| events.last().map(|e| cursor::encode(e.created_at, &e.id)))
            .flatten();
        Ok(InvitationEventPage {
            items: events
                .iter()
                .map(|e| e.to_api())
                .collect::<Result<_, _>>()?,
            next_cursor,
        })
    })
    .await
}
