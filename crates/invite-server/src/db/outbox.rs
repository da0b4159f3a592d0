//! The delivery outbox: jobs written in the same transaction as the invitation they deliver,
//! claimed by workers with a lease, and settled only by the claim that holds them.
//!
//! A claim pushes the job's `run_after` to the end of its lease and counts the attempt. A
//! claimed job is therefore simply not due; if its worker dies, it is due again when the lease
//! ends, and the next claim takes it over. Settling checks the claim: completing a claim's jobs
//! needs its owner and lease end, rescheduling or burying one job its owner and attempt number,
//! so a worker whose lease ran out cannot settle a job another worker has since claimed.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use invite_core::api::{DeliveryKind, JobState};

use super::DbConnection;
use super::schema::delivery_jobs;

/// Rows per multi-row INSERT: 11 columns stay well under SQLite's bound-parameter limit.
const INSERT_CHUNK: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = delivery_jobs, treat_none_as_default_value = false)]
pub struct JobRecord {
    pub id: String,
    pub invitation_id: String,
    pub kind: DeliveryKind,
    pub state: JobState,
    /// Claims so far; the current claim's number while one is held.
    pub attempts: i32,
    /// Not before: when the job is due, or when the current claim's lease ends.
    pub run_after: NaiveDateTime,
    /// The worker holding (or last holding) the job.
    pub lease_owner: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A webhook delivery's endpoint.
    pub endpoint_id: Option<String>,
    /// A webhook delivery's event (an `audit_events` row).
    pub event_id: Option<String>,
    /// The W3C `traceparent` of the request that made the job, when traces are exported: its
    /// delivery attempts are spans of that request's trace.
    pub trace_parent: Option<String>,
}

impl JobRecord {
    /// A pending job, due at `at`.
    pub fn new(invitation_id: &str, kind: DeliveryKind, at: NaiveDateTime) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            invitation_id: invitation_id.to_owned(),
            kind,
            state: JobState::Pending,
            attempts: 0,
            run_after: at,
            lease_owner: None,
            last_error: None,
            created_at: at,
            updated_at: at,
            endpoint_id: None,
            event_id: None,
            trace_parent: None,
        }
    }

    /// The job, as part of the trace `traceparent` names (the request that made it).
    pub fn traced(mut self, traceparent: Option<&str>) -> Self {
        self.trace_parent = traceparent.map(str::to_owned);
        self
    }

    /// A pending webhook delivery of `event` (about `invitation_id`) to `endpoint`, due at `at`.
    pub fn webhook(invitation_id: &str, endpoint: &str, event: &str, at: NaiveDateTime) -> Self {
        Self {
            endpoint_id: Some(endpoint.to_owned()),
            event_id: Some(event.to_owned()),
            ..Self::new(invitation_id, DeliveryKind::Webhook, at)
        }
    }
}

/// Stores new jobs. Runs inside the caller's transaction, so jobs commit with their invitation.
pub fn enqueue(conn: &mut DbConnection, jobs: &[JobRecord]) -> QueryResult<()> {
    for chunk in jobs.chunks(INSERT_CHUNK) {
        super::on_backend!(conn, |c| diesel::insert_into(delivery_jobs::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// `$n` placeholders, which SQLite reads too (it numbers them by first appearance: `$1`..`$4`
/// here). `{lock}` is PostgreSQL's row locking, or nothing on SQLite.
const CLAIM: &str = "UPDATE delivery_jobs \
     SET run_after = $1, lease_owner = $2, attempts = attempts + 1, updated_at = $3 \
     WHERE id IN (SELECT id FROM delivery_jobs \
     WHERE state = 'pending' AND run_after <= $3 ORDER BY run_after LIMIT $4{lock}) \
     RETURNING *";

/// Claims up to `limit` due jobs for `owner` until `now + lease`: the longest due, handed out
/// oldest first. On PostgreSQL, concurrent claimers skip each other's rows (`FOR UPDATE SKIP
/// LOCKED`); SQLite has one writer, so its claims are serial.
pub fn claim(
    conn: &mut DbConnection,
    owner: &str,
    limit: i64,
    lease: Duration,
    now: NaiveDateTime,
) -> QueryResult<Vec<JobRecord>> {
    let lock = match conn {
        DbConnection::Pg(_) => " FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    let mut claimed: Vec<JobRecord> = diesel::sql_query(CLAIM.replace("{lock}", lock))
        .bind::<Timestamp, _>(now + lease)
        .bind::<Text, _>(owner)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .get_results(conn)?;
    // `RETURNING` follows no order; hand the jobs out oldest first.
    claimed.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(claimed)
}

/// The rows a claim still holds: this job, pending, with the claim's attempt and owner.
macro_rules! held {
    ($job:expr) => {
        delivery_jobs::table
            .filter(delivery_jobs::id.eq(&$job.id))
            .filter(delivery_jobs::state.eq(JobState::Pending))
            .filter(delivery_jobs::attempts.eq($job.attempts))
            .filter(delivery_jobs::lease_owner.eq(&$job.lease_owner))
    };
}

/// The rows of `$ids` still held by the claim that returned `$first` (one `claim` call: same
/// owner, same lease end).
macro_rules! held_by_claim {
    ($ids:expr, $first:expr) => {
        delivery_jobs::table
            .filter(delivery_jobs::id.eq_any($ids))
            .filter(delivery_jobs::state.eq(JobState::Pending))
            .filter(delivery_jobs::run_after.eq($first.run_after))
            .filter(delivery_jobs::lease_owner.eq(&$first.lease_owner))
    };
}

/// Marks done every job of `jobs` still held by the claim that returned them (one `claim`
/// call: same owner, same lease end). Returns how many were; fewer means some claims were lost.
pub fn complete_claimed(
    conn: &mut DbConnection,
    jobs: &[JobRecord],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let Some(first) = jobs.first() else {
        return Ok(0);
    };
    debug_assert!(
        jobs.iter()
            .all(|j| j.run_after == first.run_after && j.lease_owner == first.lease_owner),
        "one claim's jobs"
    );
    let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    diesel::update(held_by_claim!(ids, first))
        .set((
            delivery_jobs::state.eq(JobState::Done),
            delivery_jobs::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Hands claimed jobs that were never attempted back (a worker stopping): due at once for any
/// worker, their attempt uncounted. Only the claim that returned them (same owner, same lease
/// end) can. Returns how many were handed back.
pub fn release_claimed(
    conn: &mut DbConnection,
    jobs: &[JobRecord],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let Some(first) = jobs.first() else {
        return Ok(0);
    };
    let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    diesel::update(held_by_claim!(ids, first))
        .set((
            delivery_jobs::run_after.eq(now),
            delivery_jobs::attempts.eq(delivery_jobs::attempts - 1),
            delivery_jobs::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Gives a claimed job back, due again at `run_after`, with the reason it failed. `false`: the
/// claim was lost.
pub fn retry_at(
    conn: &mut DbConnection,
    job: &JobRecord,
    error: &str,
    run_after: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(held!(job))
        .set((
            delivery_jobs::run_after.eq(run_after),
            delivery_jobs::last_error.eq(error),
            delivery_jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Gives up on a claimed job (a permanent error, or too many attempts) until an operator
/// revives it. `false`: the claim was lost.
pub fn bury(
    conn: &mut DbConnection,
    job: &JobRecord,
    error: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(held!(job))
        .set((
            delivery_jobs::state.eq(JobState::Dead),
            delivery_jobs::last_error.eq(error),
            delivery_jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Cancels an invitation's jobs that are still pending (it was revoked). A worker holding one
/// of them cannot settle it afterwards. Returns how many were cancelled.
pub fn cancel_pending(
    conn: &mut DbConnection,
    invitation_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        delivery_jobs::table
            .filter(delivery_jobs::invitation_id.eq(invitation_id))
            .filter(delivery_jobs::state.eq(JobState::Pending)),
    )
    .set((
        delivery_jobs::state.eq(JobState::Cancelled),
        delivery_jobs::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Makes a dead job due now, with a fresh count of attempts (an operator's retry). `false`:
/// there is no dead job with this id.
pub fn revive(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        delivery_jobs::table
            .filter(delivery_jobs::id.eq(id))
            .filter(delivery_jobs::state.eq(JobState::Dead)),
    )
    .set((
        delivery_jobs::state.eq(JobState::Pending),
        delivery_jobs::attempts.eq(0),
        delivery_jobs::run_after.eq(now),
        delivery_jobs::lease_owner.eq(None::<String>),
        delivery_jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Jobs in `state`, oldest first, after the keyset position `after` (created, id).
pub fn in_state(
    conn: &mut DbConnection,
    state: JobState,
    after: Option<&(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<JobRecord>> {
    let mut select = delivery_jobs::table
        .filter(delivery_jobs::state.eq(state))
        .order((delivery_jobs::created_at.asc(), delivery_jobs::id.asc()))
        .limit(limit)
        .select(JobRecord::as_select())
        .into_boxed();
    if let Some((at, id)) = after {
        select = select.filter(
            delivery_jobs::created_at
                .gt(*at)
                .or(delivery_jobs::created_at
                    .eq(*at)
                    .and(delivery_jobs::id.gt(id.clone()))),
        );
    }
    select.load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<JobRecord>> {
    delivery_jobs::table
        .find(id)
        .select(JobRecord::as_select())
        .first(conn)
        .optional()
}

/// What waits: pending jobs, the due ones among them and the oldest due time, and dead jobs.
/// Served by the partial indexes on pending and dead jobs; done jobs are never counted.
pub fn backlog(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Backlog> {
    let pending = delivery_jobs::table
        .filter(delivery_jobs::state.eq(JobState::Pending))
        .count()
        .get_result(conn)?;
    let (due, oldest_due_at) = delivery_jobs::table
        .filter(delivery_jobs::state.eq(JobState::Pending))
        .filter(delivery_jobs::run_after.le(now))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(delivery_jobs::run_after),
        ))
        .get_result(conn)?;
    let dead = delivery_jobs::table
        .filter(delivery_jobs::state.eq(JobState::Dead))
        .count()
        .get_result(conn)?;
    Ok(Backlog {
        pending,
        due,
        dead,
        oldest_due_at,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    pub pending: i64,
    pub due: i64,
    pub dead: i64,
    pub oldest_due_at: Option<NaiveDateTime>,
}

/// An invitation's jobs, oldest first.
pub fn of_invitation(conn: &mut DbConnection, invitation_id: &str) -> QueryResult<Vec<JobRecord>> {
    delivery_jobs::table
        .filter(delivery_jobs::invitation_id.eq(invitation_id))
        .order((delivery_jobs::created_at.asc(), delivery_jobs::id.asc()))
        .select(JobRecord::as_select())
        .load(conn)
}
