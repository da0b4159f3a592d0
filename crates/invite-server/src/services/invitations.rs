//! Creating, reading, listing and re-sending invitations.

use invite_core::api::{
    Channel, DeliveryKind, Invitation, InvitationEventType, TechpassStatus, UserType,
};
use invite_core::{ErrorCode, FieldError, InvitationDraft, InvitationRequest};

use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::idempotency::{self, Begun, IdempotencyKey};
use super::with_conn;
use crate::actor::Actor;
use crate::db::history::{self, Change};
use crate::db::invitations::{self as repo, InsertError, InvitationRow};
use crate::db::lifecycle;
use crate::db::outbox::{self, JobRecord};
use crate::db::{self, DbConnection, Pool};
use crate::delivery::directory::Directory;
use crate::error::ApiError;

/// The channel an invitation came through: API keys are `api`; signed-in officers use the
/// Email invitation (officers) or Create account (vendors) screen.
pub fn channel_for(actor: &Actor, user_type: UserType) -> Channel {
    match (actor.via_api_key(), user_type) {
        (true, _) => Channel::Api,
        (false, UserType::PublicOfficer) => Channel::EmailInvitation,
        (false, UserType::Vendor) => Channel::CreateAccount,
    }
}

pub fn already_on_techpass() -> ApiError {
    ApiError::ConflictOnField {
        detail: "This email address already has a TechPass account: there is no need to invite it."
            .into(),
        errors: vec![FieldError::new(
            invite_core::Field::Email,
            ErrorCode::AlreadyOnTechpass,
        )],
    }
}

pub fn already_invited(field: invite_core::Field) -> ApiError {
    let detail = match field {
        invite_core::Field::TechpassUsername => "This TechPass username already has an invitation.",
        _ => "This email address already has an invitation.",
    };
    ApiError::ConflictOnField {
        detail: detail.into(),
        errors: vec![FieldError::new(field, ErrorCode::AlreadyInvited)],
    }
}

/// An invitation about to be created.
pub struct NewInvitation {
    /// A fresh UUID, or the id of the batch row it comes from (one row makes at most one
    /// invitation, and sharing the id links the two with a single UPDATE).
    pub id: String,
    pub request: InvitationRequest,
    pub channel: Channel,
}

impl NewInvitation {
    pub fn new(request: InvitationRequest, channel: Channel) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            request,
            channel,
        }
    }
}

/// Inserts validated invitations and their audit events: the one place an invitation is
/// created, with its delivery jobs. Takes the caller's connection so that it joins the
/// surrounding transaction (idempotent create, batch submit).
pub fn insert_invitations(
    conn: &mut DbConnection,
    actor: &Actor,
    new: Vec<NewInvitation>,
) -> Result<Vec<InvitationRow>, InsertError> {
    let at = db::now();
    let rows: Vec<InvitationRow> = new
        .into_iter()
        .map(|n| {
            InvitationRow::new(
                n.id,
                &actor.officer_id,
                n.request.into_fields(),
                n.channel,
                at,
            )
        })
        .collect();
    repo::insert_many(conn, &rows)?;
    // The invitation email and the TechPass request go out through the outbox, committed with
    // the invitation. SEED follows once TechPass reports the account active.
    // A single create's deliveries join its trace; a batch's would put up to 100,000 delivery
    // spans in the submit's one trace, so each of those starts its own.
    let trace = match rows.as_slice() {
        [_] => actor.traceparent.as_deref(),
        _ => None,
    };
    let jobs: Vec<JobRecord> = rows
        .iter()
        .flat_map(|row| {
            [DeliveryKind::Email, DeliveryKind::Techpass]
                .map(|kind| JobRecord::new(&row.id, kind, at).traced(trace))
        })
        .collect();
    outbox::enqueue(conn, &jobs)?;
    let changes: Vec<Change> = rows
        .iter()
        .map(|row| Change::by(actor, InvitationEventType::Created, &row.id))
        .collect();
    history::record(conn, changes, at)?;
    Ok(rows)
}

/// [`insert_invitations`] for one invitation.
pub fn insert_invitation(
    conn: &mut DbConnection,
    actor: &Actor,
    request: InvitationRequest,
    channel: Channel,
) -> Result<InvitationRow, InsertError> {
    let mut rows = insert_invitations(conn, actor, vec![NewInvitation::new(request, channel)])?;
    rows.pop()
        .ok_or_else(|| InsertError::Database(diesel::result::Error::NotFound))
}

/// The outcome of a create: the response status and the invitation (fresh or replayed).
pub struct Created {
    pub invitation: Invitation,
    pub replayed: bool,
}

/// The body's fingerprint. Unlike [`idempotency::request_hash`] it has no scope: keys stored
/// before batches took keys too must still replay (a batch's scoped hash never equals it).
fn request_hash(draft: &InvitationDraft) -> String {
    let canonical = serde_json::to_string(draft).unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

pub async fn create(
    queue: &super::create_queue::CreateQueue,
    actor: &Actor,
    draft: InvitationDraft,
    idempotency_key: Option<IdempotencyKey>,
    directory: &Directory,
) -> Result<Created, ApiError> {
    // Validation needs no database: an invalid body is refused without touching any key.
    let request = draft.parse().map_err(ApiError::validation)?;
    let channel = channel_for(actor, request.user_type());
    // Asked before the transaction (it is a call to TechPass), applied inside it, after a
    // replay would have answered.
    let on_techpass = directory
        .on_techpass(&[request.email().to_owned()])
        .await
        .existing
        .contains(request.email());
    let actor = actor.clone();
    // One savepoint of a group commit (`create_queue`): the key's claim, the invitation and the
    // stored response commit or roll back together.
    queue
        .run(Box::new(move |conn| {
            if let Some(key) = &idempotency_key {
                let hash = request_hash(&draft);
                if let Begun::Replay(body) =
                    idempotency::begin(conn, &actor.officer_id, key, &hash)?
                {
                    let invitation: Invitation =
                        serde_json::from_str(&body).map_err(ApiError::internal)?;
                    return Ok(Created {
                        invitation,
                        replayed: true,
                    });
                }
            }
            if on_techpass {
                return Err(already_on_techpass());
            }
            let row = insert_invitation(conn, &actor, request, channel).map_err(|e| match e {
                InsertError::AlreadyInvited(field) => already_invited(field),
                InsertError::Database(e) => e.into(),
            })?;
            let invitation = row.to_api(db::now())?;
            if let Some(key) = &idempotency_key {
                let body = serde_json::to_string(&invitation).map_err(ApiError::internal)?;
                idempotency::finish(conn, &actor.officer_id, key, &body)?;
            }
            Ok(Created {
                invitation,
                replayed: false,
            })
        }))
        // Queueing for the group commit and the commit itself, as one span of the request.
        .instrument(tracing::info_span!("group commit"))
        .await
}

pub async fn get(pool: &Pool, actor: &Actor, id: uuid::Uuid) -> Result<Invitation, ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let row =
            repo::find_for_officer(conn, &officer_id, &id.to_string())?.ok_or_else(not_found)?;
        Ok(row.to_api(db::now())?)
    })
    .await
}

pub fn not_found() -> ApiError {
    ApiError::NotFound("There is no invitation with this id.".into())
}

pub async fn resend(pool: &Pool, actor: &Actor, id: uuid::Uuid) -> Result<Invitation, ApiError> {
    let actor = actor.clone();
    with_conn(pool, move |conn| {
        let id = id.to_string();
        let now = db::now();
        // The conditional UPDATE comes first: it is the whole decision, and on SQLite a write
        // first takes the write lock up front.
        let sent = crate::db::transaction(conn, |conn| -> Result<bool, ApiError> {
            let sent = repo::mark_resent(conn, &actor.officer_id, &id, now)?;
            if sent {
                let job = JobRecord::new(&id, DeliveryKind::Email, now)
                    .traced(actor.traceparent.as_deref());
                outbox::enqueue(conn, &[job])?;
                let change = Change::by(&actor, InvitationEventType::Resent, &id);
                history::record(conn, vec![change], now)?;
            }
            Ok(sent)
        })?;
        let row = repo::find_for_officer(conn, &actor.officer_id, &id)?.ok_or_else(not_found)?;
        if sent {
            return Ok(row.to_api(now)?);
        }
        match row.techpass_status {
            TechpassStatus::Onboarded => {
                return Err(ApiError::Conflict(
                    "This user has already onboarded to TechPass.".into(),
                ));
            }
            TechpassStatus::Failed => {
                return Err(ApiError::Conflict(format!(
                    "This invitation failed, so it cannot be resent: {} Invite the user again \
                     (with the address corrected if it was wrong).",
                    row.failure_reason
                        .as_deref()
                        .unwrap_or("no reason was recorded.")
                )));
            }
            TechpassStatus::Revoked | TechpassStatus::Expired => {
                return Err(ApiError::Conflict(format!(
                    "This invitation was {}, so it cannot be resent. Invite the user again.",
                    row.techpass_status.label().to_lowercase()
                )));
            }
            TechpassStatus::Pending => {}
        }
        let wait = (row.next_resend_at() - now).num_seconds().max(1);
        Err(ApiError::TooManyRequests {
            detail: format!(
                "Invitations can be sent once a day. You can resend after {} UTC.",
                row.next_resend_at().format("%Y-%m-%d %H:%M")
            ),
            retry_after_secs: wait,
        })
    })
    .await
}

/// Revokes a pending invitation: its undelivered jobs are cancelled, TechPass is told (a job of
/// its own), and the email and username are free for a new invitation. Revoking a revoked
/// invitation again answers it as it is.
pub async fn revoke(pool: &Pool, actor: &Actor, id: uuid::Uuid) -> Result<Invitation, ApiError> {
    let actor = actor.clone();
    with_conn(pool, move |conn| {
        let id = id.to_string();
        let now = db::now();
        crate::db::transaction(conn, |conn| -> Result<(), ApiError> {
            if lifecycle::revoke(conn, &actor.officer_id, &id, now)? {
                outbox::cancel_pending(conn, &id, now)?;
                let job = JobRecord::new(&id, DeliveryKind::TechpassRevoke, now)
                    .traced(actor.traceparent.as_deref());
                outbox::enqueue(conn, &[job])?;
                let change = Change::by(&actor, InvitationEventType::Revoked, &id);
                history::record(conn, vec![change], now)?;
            }
            Ok(())
        })?;
        let row = repo::find_for_officer(conn, &actor.officer_id, &id)?.ok_or_else(not_found)?;
        match row.techpass_status {
            TechpassStatus::Revoked => Ok(row.to_api(now)?),
            TechpassStatus::Onboarded => Err(ApiError::Conflict(
                "This user has already onboarded to TechPass; there is no invitation left to revoke."
                    .into(),
            )),
            status => Err(ApiError::Conflict(format!(
                "Only a pending invitation can be revoked; this one is {}.",
                status.label().to_lowercase()
            ))),
        }
    })
    .await
}
