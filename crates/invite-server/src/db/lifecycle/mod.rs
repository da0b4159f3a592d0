//! An invitation's lifecycle: every change of its TechPass and SEED statuses is made here.
//! This module: the deadlines, when they start (a delivery went out) and what happens when they
//! pass (the status becomes `expired`, which frees the email and username), and which pending
//! invitations are due to be read back. `outcomes`: what events, deliveries and officers change.

mod outcomes;

pub use outcomes::{
    TechpassOutcome, apply_seed, apply_techpass, mark_delivery_failed, reopen_failed, revoke,
};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use invite_core::api::{
    DeliveryKind, EventSource, InvitationEventType, JobState, SeedStatus, TechpassStatus, UserType,
};

use super::DbConnection;
use super::history::{self, Change};
use super::invitations::InvitationRow;
use super::outbox::JobRecord;
use super::schema::{delivery_jobs, invitations};

/// How long each deadline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// An officer's registration link, from the latest invitation email.
    pub link: Duration,
    /// A vendor's account, from its creation at TechPass, until it must be activated.
    pub activation: Duration,
    /// SEED onboarding, from the SEED request.
    pub seed: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            link: Duration::days(5),
            activation: Duration::days(30),
            seed: Duration::days(30),
        }
    }
}

/// Starts the deadlines that the jobs just delivered (at `now`) begin: an officer's link with
/// each invitation email (a resend's too), a vendor's activation once with the account, SEED
/// with its request. Only pending statuses get one.
pub fn start(
    conn: &mut DbConnection,
    delivered: &[JobRecord],
    deadlines: Deadlines,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let of = |kind: DeliveryKind| -> Vec<&str> {
        delivered
            .iter()
            .filter(|j| j.kind == kind)
            .map(|j| j.invitation_id.as_str())
            .collect()
    };
    let (emails, accounts, seed) = (
        of(DeliveryKind::Email),
        of(DeliveryKind::Techpass),
        of(DeliveryKind::Seed),
    );
    let pending = invitations::techpass_status.eq(TechpassStatus::Pending);
    if !emails.is_empty() {
        diesel::update(
            invitations::table
                .filter(invitations::id.eq_any(&emails))
                .filter(invitations::user_type.eq(UserType::PublicOfficer))
                .filter(pending),
        )
        .set(invitations::expires_at.eq(now + deadlines.link))
        .execute(conn)?;
    }
    if !accounts.is_empty() {
        diesel::update(
            invitations::table
                .filter(invitations::id.eq_any(&accounts))
                .filter(invitations::user_type.eq(UserType::Vendor))
                .filter(invitations::expires_at.is_null())
                .filter(pending),
        )
        .set(invitations::expires_at.eq(now + deadlines.activation))
        .execute(conn)?;
    }
    if !seed.is_empty() {
        diesel::update(
            invitations::table
                .filter(invitations::id.eq_any(&seed))
                .filter(invitations::seed_status.eq(SeedStatus::Pending)),
        )
        .set(invitations::seed_expires_at.eq(now + deadlines.seed))
        .execute(conn)?;
    }
    Ok(())
}

/// What one sweep expired.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expired {
    pub invitations: usize,
    pub seed: usize,
}

/// Expires what is past its deadline at `now`: pending TechPass statuses (their jobs still
/// waiting are cancelled: nothing more goes out), and pending SEED statuses. Each expiry is in
/// the invitation's history, with the webhook deliveries it owes.
pub fn expire_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Expired> {
    Ok(Expired {
        invitations: expire_side(conn, Side::Techpass, now)?,
        seed: expire_side(conn, Side::Seed, now)?,
    })
}

/// Which of an invitation's deadlines.
#[derive(Debug, Clone, Copy)]
enum Side {
    Techpass,
    Seed,
}

/// Expires the pending statuses of one side past their deadline, in chunks: a batch of 50,000
/// expires at one moment, and SQLite binds at most 32,766 values. Returns how many.
fn expire_side(conn: &mut DbConnection, side: Side, now: NaiveDateTime) -> QueryResult<usize> {
    let mut expired = 0;
    loop {
        let moved = crate::db::transaction(conn, |conn| -> QueryResult<Option<usize>> {
            let due: Vec<String> = match side {
                Side::Techpass => invitations::table
                    .filter(invitations::techpass_status.eq(TechpassStatus::Pending))
                    .filter(invitations::expires_at.le(now))
                    .select(invitations::id)
                    .limit(EXPIRE_CHUNK)
                    .load(conn)?,
                Side::Seed => invitations::table
                    .filter(invitations::seed_status.eq(SeedStatus::Pending))
                    .filter(invitations::seed_expires_at.le(now))
                    .select(invitations::id)
                    .limit(EXPIRE_CHUNK)
                    .load(conn)?,
            };
            if due.is_empty() {
                return Ok(None);
            }
            let these = || invitations::table.filter(invitations::id.eq_any(&due));
            let (moved, event_type): (Vec<String>, _) = match side {
                Side::Techpass => {
                    diesel::update(
                        these().filter(invitations::techpass_status.eq(TechpassStatus::Pending)),
                    )
                    .set((
                        invitations::techpass_status.eq(TechpassStatus::Expired),
                        invitations::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                    diesel::update(
                        delivery_jobs::table
                            .filter(delivery_jobs::invitation_id.eq_any(&due))
                            .filter(delivery_jobs::state.eq(JobState::Pending)),
                    )
                    .set((
                        delivery_jobs::state.eq(JobState::Cancelled),
                        delivery_jobs::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                    // Those this transaction expired (not one another status reached first).
                    let moved = these()
                        .filter(invitations::techpass_status.eq(TechpassStatus::Expired))
                        .filter(invitations::updated_at.eq(now))
                        .select(invitations::id)
                        .load(conn)?;
                    (moved, InvitationEventType::Expired)
                }
                Side::Seed => {
                    diesel::update(
                        these().filter(invitations::seed_status.eq(SeedStatus::Pending)),
                    )
                    .set((
                        invitations::seed_status.eq(SeedStatus::Expired),
                        invitations::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                    let moved = these()
                        .filter(invitations::seed_status.eq(SeedStatus::Expired))
                        .filter(invitations::updated_at.eq(now))
                        .select(invitations::id)
                        .load(conn)?;
                    (moved, InvitationEventType::SeedExpired)
                }
            };
            record_expiries(conn, &moved, event_type, now)?;
            Ok(Some(moved.len()))
        })?;
        match moved {
            Some(moved) => expired += moved,
            None => return Ok(expired),
        }
    }
}

fn record_expiries(
    conn: &mut DbConnection,
    ids: &[String],
    event_type: InvitationEventType,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let changes = ids
        .iter()
        .map(|id| Change::from(EventSource::System, event_type, id))
        .collect();
    history::record(conn, changes, now)
}

/// Invitations expired per transaction.
const EXPIRE_CHUNK: i64 = 1000;

/// Invitations whose state an upstream may have changed without telling us: TechPass pending
/// after its request went out, or SEED pending after its request went out; not read back (nor
/// invited) since `before`; the longest unchecked first.
pub fn due_for_reconciliation(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<InvitationRow>> {
    use diesel::dsl::{exists, sql};
    use diesel::sql_types::Timestamp;
    let asked = |kind: DeliveryKind| {
        exists(
            delivery_jobs::table
                .filter(delivery_jobs::invitation_id.eq(invitations::id))
                .filter(delivery_jobs::kind.eq(kind))
                .filter(delivery_jobs::state.eq(JobState::Done)),
        )
    };
    let checked = sql::<Timestamp>("COALESCE(invitations.reconciled_at, invitations.invited_at)");
    invitations::table
        .filter(
            invitations::techpass_status
                .eq(TechpassStatus::Pending)
                .and(asked(DeliveryKind::Techpass))
                .or(invitations::seed_status
                    .eq(SeedStatus::Pending)
                    .and(asked(DeliveryKind::Seed))),
        )
        .filter(checked.clone().le(before))
        .order(checked.asc())
        .limit(limit)
        .select(InvitationRow::as_select())
        .load(conn)
}

/// Records that these invitations were read back at `now`.
pub fn mark_reconciled(
    conn: &mut DbConnection,
    ids: &[&str],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(invitations::table.filter(invitations::id.eq_any(ids)))
        .set(invitations::reconciled_at.eq(now))
        .execute(conn)
}
