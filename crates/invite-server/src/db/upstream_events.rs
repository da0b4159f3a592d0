//! What TechPass and SEED events change: webhook receipts (each `webhook-id` once) and the
//! invitation statuses, moved only by an event newer than the one that set them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::api::{SeedStatus, TechpassStatus, UpstreamSource};

use super::DbConnection;
use super::invitations::{InvitationRow, search_text};
use super::schema::{invitations, webhook_receipts};

/// Records that `webhook_id` from `source` arrived. `false`: it had arrived before (a replay).
pub fn record_receipt(
    conn: &mut DbConnection,
    source: UpstreamSource,
    webhook_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row = (
        webhook_receipts::source.eq(source.as_str()),
        webhook_receipts::webhook_id.eq(webhook_id),
        webhook_receipts::received_at.eq(now),
    );
    // ON CONFLICT DO NOTHING, not a caught unique violation: on PostgreSQL that would abort
    // the surrounding transaction.
    let inserted = super::on_backend!(conn, |c| diesel::insert_into(webhook_receipts::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Forgets receipts from before `before`: their timestamps are refused as stale by now.
pub fn purge_receipts(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(webhook_receipts::table.filter(webhook_receipts::received_at.lt(before)))
        .execute(conn)
}

/// What TechPass reported.
pub enum TechpassOutcome<'a> {
    /// Onboarded, with the names TechPass holds (kept where TechPass sends none).
    Onboarded {
        first_name: Option<&'a str>,
        last_name: Option<&'a str>,
    },
    Failed {
        reason: &'a str,
    },
}

/// Applies a TechPass outcome that happened at `at`, unless the current status comes from a
/// later event. Returns whether the invitation changed.
pub fn apply_techpass(
    conn: &mut DbConnection,
    invitation: &InvitationRow,
    outcome: TechpassOutcome<'_>,
    at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let newer = invitations::table
        .filter(invitations::id.eq(&invitation.id))
        .filter(
            invitations::techpass_event_at
                .is_null()
                .or(invitations::techpass_event_at.lt(at)),
        );
    let updated = match outcome {
        TechpassOutcome::Onboarded {
            first_name,
            last_name,
        } => {
            let mut fields = invitation.fields.clone();
            if let Some(name) = first_name.filter(|n| !n.trim().is_empty()) {
                fields.first_name = Some(name.trim().to_owned());
            }
            if let Some(name) = last_name.filter(|n| !n.trim().is_empty()) {
                fields.last_name = Some(name.trim().to_owned());
            }
            diesel::update(newer)
                .set((
                    invitations::techpass_status.eq(TechpassStatus::Onboarded),
                    invitations::first_name.eq(&fields.first_name),
                    invitations::last_name.eq(&fields.last_name),
                    invitations::search_text.eq(search_text(&fields)),
                    invitations::failure_reason.eq(None::<String>),
                    invitations::techpass_event_at.eq(at),
                    invitations::updated_at.eq(now),
                ))
                .execute(conn)?
        }
        TechpassOutcome::Failed { reason } => diesel::update(newer)
            .set((
                invitations::techpass_status.eq(TechpassStatus::Failed),
                invitations::failure_reason.eq(reason),
                invitations::techpass_event_at.eq(at),
                invitations::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

/// Applies a SEED outcome (`Err` carries the failure's reason) that happened at `at`, unless
/// the current SEED status comes from a later event, or SEED is not required.
pub fn apply_seed(
    conn: &mut DbConnection,
    invitation_id: &str,
    outcome: Result<(), &str>,
    at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let newer = invitations::table
        .filter(invitations::id.eq(invitation_id))
        .filter(invitations::seed_status.ne(SeedStatus::NotRequired))
        .filter(
            invitations::seed_event_at
                .is_null()
                .or(invitations::seed_event_at.lt(at)),
        );
    let updated = match outcome {
        Ok(()) => diesel::update(newer)
            .set((
                invitations::seed_status.eq(SeedStatus::Onboarded),
                invitations::seed_event_at.eq(at),
                invitations::updated_at.eq(now),
            ))
            .execute(conn)?,
        Err(reason) => diesel::update(newer)
            .set((
                invitations::seed_status.eq(SeedStatus::Failed),
                invitations::failure_reason.eq(reason),
                invitations::seed_event_at.eq(at),
                invitations::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(updated == 1)
}
