//! Receiving a TechPass or SEED event: check its Standard Webhooks signature, accept each
//! `webhook-id` once, and move the invitation's status, never back to an older one. TechPass
//! onboarding an invitee who needs SEED enqueues the SEED request.

use chrono::{DateTime, Duration, NaiveDateTime};
use invite_core::api::{
    DeliveryKind, EventSource, InvitationEventType, SeedStatus, UpstreamEvent,
    UpstreamEventReceipt, UpstreamSource,
};

use super::with_conn;
use crate::config::Secret;
use crate::db::history::{self, Change};
use crate::db::lifecycle::{self, TechpassOutcome};
use crate::db::outbox::{self, JobRecord};
use crate::db::upstream_events as repo;
use crate::db::{self, DbConnection, Pool, invitations, is_unique_violation};
use crate::error::ApiError;
use crate::webhooks::signature::{self, SignatureError, Signed};

/// What a received event did: the receipt for the sender, and whether jobs were enqueued
/// (so the caller wakes the worker).
pub struct Received {
    pub receipt: UpstreamEventReceipt,
    pub enqueued: bool,
}

/// Checks the signature of `body` at `now` (unix seconds) against the source's secrets: one, or
/// several separated by spaces while a secret is rotated (any one of them may sign).
pub fn authenticate(
    secrets: &Secret,
    signed: Option<Signed>,
    body: &[u8],
    now: i64,
) -> Result<(), ApiError> {
    let signed =
        signed.ok_or_else(|| ApiError::Unauthorized(format!("{}.", SignatureError::Missing)))?;
    let mut outcome = Err(SignatureError::BadSecret);
    for secret in secrets.expose().split_whitespace() {
        outcome = signature::verify(secret, &signed, body, now);
        if !matches!(outcome, Err(SignatureError::Mismatch)) {
            break;
        }
    }
    match outcome {
        Ok(()) => Ok(()),
        // A message whose timestamp is far off cannot be told from a captured one replayed.
        Err(SignatureError::Stale) => Err(ApiError::Unauthorized(format!(
            "{}; check the sender's clock.",
            SignatureError::Stale
        ))),
        Err(SignatureError::BadSecret) => Err(ApiError::Internal(
            "the configured webhook secret is not a whsec_ base64 key".into(),
        )),
        Err(e) => Err(ApiError::Unauthorized(format!("{e}."))),
    }
}

/// Applies an authenticated event. Everything it changes, and its receipt, commit together.
pub async fn receive(
    pool: &Pool,
    source: UpstreamSource,
    webhook_id: String,
    body: &[u8],
) -> Result<Received, ApiError> {
    let event: UpstreamEvent = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("The event is not valid: {e}.")))?;
    with_conn(pool, move |conn| {
        let now = db::now();
        crate::db::transaction(conn, |conn| {
            // A sender retries what it could not see acknowledged: the same webhook-id again
            // is answered like the first time, and applied only once.
            if !repo::record_receipt(conn, source, &webhook_id, now)? {
                return Ok(Received {
                    receipt: UpstreamEventReceipt { applied: false },
                    enqueued: false,
                });
            }
            repo::purge_receipts(conn, now - Duration::seconds(2 * signature::TOLERANCE_SECS))?;
            let (applied, enqueued) = apply(conn, source, &event, now)?;
            Ok(Received {
                receipt: UpstreamEventReceipt { applied },
                enqueued,
            })
        })
    })
    .await
}

/// Applies an event (received, or read back by reconciliation) to its invitation, inside the
/// caller's transaction. Returns whether it changed the invitation and whether it enqueued
/// jobs.
pub fn apply(
    conn: &mut DbConnection,
    source: UpstreamSource,
    event: &UpstreamEvent,
    now: NaiveDateTime,
) -> Result<(bool, bool), ApiError> {
    let id = event.data.reference.to_string();
    let (invitation, _) = invitations::find_many_with_officer(conn, &[&id])?
        .pop()
        .ok_or_else(|| {
            ApiError::NotFound(format!("There is no invitation {id} (data.reference)."))
        })?;
    if !invitation
        .fields
        .email
        .eq_ignore_ascii_case(event.data.email.trim())
    {
        return Err(ApiError::Validation {
            detail: "data.email is not the address this invitation was sent to.".into(),
            errors: vec![],
        });
    }
    let at = event.timestamp.naive_utc();
    let reason = |who: &str| {
        format!(
            "{who}: {}",
            event
                .data
                .reason
                .as_deref()
                .unwrap_or("no reason was given.")
        )
    };
    let mut enqueued = false;
    // What the event changed, as the invitation's history records it; none when it changed
    // nothing.
    let change = |applied: bool, from: EventSource, event_type: InvitationEventType| {
        applied.then(|| Change::from(from, event_type, &id).owned_by(&invitation.officer_id))
    };
    let change = match (source, event.event_type.as_str()) {
        (UpstreamSource::Techpass, "user.onboarded") => {
            let outcome = TechpassOutcome::Onboarded {
                first_name: event.data.first_name.as_deref(),
                last_name: event.data.last_name.as_deref(),
            };
            let applied = lifecycle::apply_techpass(conn, &invitation, outcome, at, now)
                .map_err(reinvited)?;
            if applied && invitation.seed_status == SeedStatus::Pending {
                let jobs = outbox::of_invitation(conn, &id)?;
                if !jobs.iter().any(|j| j.kind == DeliveryKind::Seed) {
                    // Part of the trace of the event's request, when there is one.
                    let here = crate::trace_export::traceparent(&tracing::Span::current());
                    let job = JobRecord::new(&id, DeliveryKind::Seed, now).traced(here.as_deref());
                    outbox::enqueue(conn, &[job])?;
                    enqueued = true;
                }
            }
            change(
                applied,
                EventSource::Techpass,
                InvitationEventType::Onboarded,
            )
        }
        (UpstreamSource::Techpass, "user.failed") => {
            let reason = reason("TechPass");
            let outcome = TechpassOutcome::Failed { reason: &reason };
            let applied = lifecycle::apply_techpass(conn, &invitation, outcome, at, now)?;
            change(applied, EventSource::Techpass, InvitationEventType::Failed)
                .map(|c| c.with_detail(&reason))
        }
        (UpstreamSource::Seed, "provisioning.completed") => {
            let applied = lifecycle::apply_seed(conn, &id, Ok(()), at, now)?;
            change(
                applied,
                EventSource::Seed,
                InvitationEventType::SeedOnboarded,
            )
        }
        (UpstreamSource::Seed, "provisioning.failed") => {
            let reason = reason("SEED");
            let applied = lifecycle::apply_seed(conn, &id, Err(&reason), at, now)?;
            change(applied, EventSource::Seed, InvitationEventType::SeedFailed)
                .map(|c| c.with_detail(&reason))
        }
        (_, other) => {
            tracing::info!(event_type = other, "upstream event type ignored");
            None
        }
    };
    let applied = change.is_some();
    if let Some(change) = change {
        enqueued |= history::record(conn, vec![change], now)? > 0;
    }
    tracing::info!(
        source = source.as_str(),
        event_type = %event.event_type,
        invitation_id = %id,
        applied,
        "upstream event"
    );
    Ok((applied, enqueued))
}

/// A failed invitation that TechPass now reports onboarded, while the same person has been
/// invited again: two live invitations for one address cannot be.
fn reinvited(error: diesel::result::Error) -> ApiError {
    if is_unique_violation(&error) {
        ApiError::Conflict(
            "This invitation had failed and its invitee has been invited again since; \
             the newer invitation is the live one."
                .into(),
        )
    } else {
        error.into()
    }
}

/// Reads `webhook-timestamp` (unix seconds).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let seconds: i64 = text.trim().parse().ok()?;
    DateTime::from_timestamp(seconds, 0).map(|_| seconds)
}
