//! Every status change an invitation can go through, apart from its deadlines (`super`):
//! TechPass's and SEED's outcomes (from their events or read back), a delivery that gave up and
//! an operator's retry that reopens it, and the officer's revocation. Each is one conditional
//! `UPDATE`, so that of two changes racing for the same invitation exactly one applies.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::api::{DeliveryKind, SeedStatus, TechpassStatus};

use crate::db::DbConnection;
use crate::db::invitations::{InvitationRow, search_text};
use crate::db::schema::invitations;

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

/// Marks an invitation failed because its `kind` of delivery gave up: the TechPass status for
/// the email and the TechPass request, the SEED status for SEED. Only a pending status fails
/// (an onboarding that arrived meanwhile stands). A failed TechPass status frees the email and
/// username for a new invitation. Returns whether the invitation changed.
pub fn mark_delivery_failed(
    conn: &mut DbConnection,
    id: &str,
    kind: DeliveryKind,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    move_delivery_status(conn, id, kind, Some(reason), at)
}

/// Undoes `mark_delivery_failed` when an operator retries the job that failed the invitation:
/// the status is pending again and the reason gone. Fails with a unique violation when the
/// email or username has been invited again meanwhile. Returns whether the invitation changed.
pub fn reopen_failed(
    conn: &mut DbConnection,
    id: &str,
    kind: DeliveryKind,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    move_delivery_status(conn, id, kind, None, at)
}

/// Pending → failed with `failure` as the reason, or failed → pending with none.
fn move_delivery_status(
    conn: &mut DbConnection,
    id: &str,
    kind: DeliveryKind,
    failure: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let this = invitations::table.filter(invitations::id.eq(id));
    let common = (
        invitations::failure_reason.eq(failure),
        invitations::updated_at.eq(at),
    );
    let updated = match kind {
        // Telling TechPass of a revocation, or an endpoint of an event, changes nothing here,
        // whatever the outcome.
        DeliveryKind::TechpassRevoke | DeliveryKind::Webhook => return Ok(false),
        DeliveryKind::Email | DeliveryKind::Techpass => {
            let (from, to) = match failure {
                Some(_) => (TechpassStatus::Pending, TechpassStatus::Failed),
                None => (TechpassStatus::Failed, TechpassStatus::Pending),
            };
            diesel::update(this.filter(invitations::techpass_status.eq(from)))
                .set((invitations::techpass_status.eq(to), common))
                .execute(conn)?
        }
        DeliveryKind::Seed => {
            let (from, to) = match failure {
                Some(_) => (SeedStatus::Pending, SeedStatus::Failed),
                None => (SeedStatus::Failed, SeedStatus::Pending),
            };
            diesel::update(this.filter(invitations::seed_status.eq(from)))
                .set((invitations::seed_status.eq(to), common))
                .execute(conn)?
        }
    };
    Ok(updated == 1)
}

/// Revokes the officer's invitation if it is pending. Returns whether it was.
pub fn revoke(
    conn: &mut DbConnection,
    officer_id: &str,
    id: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::officer_id.eq(officer_id))
            .filter(invitations::techpass_status.eq(TechpassStatus::Pending)),
    )
    .set((
        invitations::techpass_status.eq(TechpassStatus::Revoked),
        invitations::revoked_at.eq(at),
        invitations::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
