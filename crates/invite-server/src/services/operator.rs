//! The operator's view of delivery: the backlog, dead jobs, and retrying one. For the officers
//! listed in `INVITES_OPERATORS` only; the outbox is shared by all officers, so this is the one
//! place where one officer sees jobs of another's invitations.

use invite_core::api::{
    DeliveryBacklog, DeliveryJob, DeliveryJobPage, DeliveryKind, EventSource, InvitationEventType,
    JobState,
};

use super::{cursor, with_conn};
use crate::db::history::{self, Change};
use crate::db::lifecycle;
use crate::db::outbox::{self, JobRecord};
use crate::db::{self, CorruptRow, Pool, is_unique_violation, parse_id, to_utc};
use crate::error::ApiError;

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

fn to_api(job: &JobRecord) -> Result<DeliveryJob, CorruptRow> {
    Ok(DeliveryJob {
        id: parse_id("delivery_jobs", &job.id)?,
        invitation_id: parse_id("delivery_jobs", &job.invitation_id)?,
        kind: job.kind,
        state: job.state,
        attempts: job.attempts,
        run_after: to_utc(job.run_after),
        last_error: job.last_error.clone(),
        created_at: to_utc(job.created_at),
        updated_at: to_utc(job.updated_at),
    })
}

pub async fn backlog(pool: &Pool) -> Result<DeliveryBacklog, ApiError> {
    with_conn(pool, |conn| {
        let backlog = outbox::backlog(conn, db::now())?;
        Ok(DeliveryBacklog {
            pending: backlog.pending,
            due: backlog.due,
            dead: backlog.dead,
            oldest_due_at: backlog.oldest_due_at.map(to_utc),
        })
    })
    .await
}

pub async fn jobs(
    pool: &Pool,
    state: JobState,
    limit: Option<i64>,
    after: Option<&str>,
) -> Result<DeliveryJobPage, ApiError> {
    let limit = cursor::page_size(limit, DEFAULT_PAGE, MAX_PAGE)?;
    let after = cursor::parse(after)?;
    with_conn(pool, move |conn| {
        let mut jobs = outbox::in_state(conn, state, after.as_ref(), limit + 1)?;
        let more = jobs.len() as i64 > limit;
        jobs.truncate(limit as usize);
        let next_cursor = more
            .then(|| jobs.last().map(|j| cursor::encode(j.created_at, &j.id)))
            .flatten();
        Ok(DeliveryJobPage {
            items: jobs.iter().map(to_api).collect::<Result<_, _>>()?,
            next_cursor,
        })
    })
    .await
}

/// Makes a dead job due now with a fresh count of attempts, and its invitation pending again
/// if the job had failed it.
pub async fn retry(pool: &Pool, id: uuid::Uuid) -> Result<DeliveryJob, ApiError> {
    with_conn(pool, move |conn| {
        let id = id.to_string();
        let now = db::now();
        crate::db::transaction(conn, |conn| {
            let job = outbox::find(conn, &id)?.ok_or_else(|| {
                ApiError::NotFound("There is no delivery job with this id.".into())
            })?;
            if job.state != JobState::Dead || !outbox::revive(conn, &id, now)? {
                return Err(ApiError::Conflict(format!(
                    "Only a dead job can be retried; this one is {}.",
                    job.state.as_str()
                )));
            }
            match lifecycle::reopen_failed(conn, &job.invitation_id, job.kind, now) {
                Ok(true) => {
                    let event_type = match job.kind {
                        DeliveryKind::Seed => InvitationEventType::SeedReopened,
                        _ => InvitationEventType::Reopened,
                    };
                    let change = Change::from(EventSource::System, event_type, &job.invitation_id)
                        .with_detail("An operator retried the delivery that failed.");
                    history::record(conn, vec![change], now)?;
                }
                Ok(false) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(ApiError::Conflict(
                        "The invitation's email or username has been invited again since it \
                         failed; retrying would invite the same person twice."
                            .into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
            let revived = outbox::find(conn, &id)?.ok_or_else(|| {
                ApiError::NotFound("There is no delivery job with this id.".into())
            })?;
            Ok(to_api(&revived)?)
        })
    })
    .await
}
