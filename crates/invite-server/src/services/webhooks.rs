//! Webhook endpoints: an officer (or their API key) registers where the events of their
//! invitations go, rotates the signing secret, reads each endpoint's delivery log, deletes it.

use chrono::Duration;
use invite_core::FieldError;
use invite_core::api::{
    InvitationEventType, JobState, WebhookDelivery, WebhookDeliveryPage, WebhookEndpoint,
    WebhookEndpointDraft, WebhookEndpointList, WebhookEndpointWithSecret,
};

use super::{cursor, with_conn};
use crate::actor::Actor;
use crate::db::webhooks::{self as repo, EndpointRecord};
use crate::db::{self, CorruptRow, Pool, history, parse_id, to_utc};
use crate::delivery::webhooks::refuse_url;
use crate::error::ApiError;
use crate::webhooks::signature;

pub const URL_MAX: usize = 2000;
pub const DESCRIPTION_MAX: usize = 200;
/// Endpoints an officer may have at once.
pub const MAX_ENDPOINTS: i64 = 10;
/// How long a rotated secret keeps signing next to the new one.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
const DEFAULT_PAGE: i64 = 25;
const MAX_PAGE: i64 = 500;

fn not_found() -> ApiError {
    ApiError::NotFound("There is no webhook endpoint with this id.".into())
}

fn field_error(field: &str, code: &str, message: &str) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// The draft's problems, all at once; the cleaned description when there are none.
fn validate(
    draft: &WebhookEndpointDraft,
    allow_local: bool,
) -> Result<Option<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let url = draft.url.trim();
    if draft.url.chars().count() > URL_MAX {
        errors.push(field_error(
            "url",
            "too_long",
            "The URL must be at most 2,000 characters.",
        ));
    } else if let Some(reason) = refuse_url(url, allow_local) {
        errors.push(field_error("url", "invalid_url", &reason));
    }
    if draft.event_types.is_empty() {
        errors.push(field_error(
            "event_types",
            "required",
            "Choose at least one event type to receive.",
        ));
    }
    let description = draft
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    // The limit holds for the value as sent (the document's `maxLength`).
    let sent_chars = draft
        .description
        .as_deref()
        .map_or(0, |d| d.chars().count());
    if sent_chars > DESCRIPTION_MAX {
        errors.push(field_error(
            "description",
            "too_long",
            "The description must be at most 200 characters.",
        ));
    } else if let Some(d) = description {
        if d.chars().any(char::is_control) {
            errors.push(field_error(
                "description",
                "control_character",
                "The description must be one line of text.",
            ));
        } else if d.chars().any(invite_core::text::is_invisible_format) {
            errors.push(field_error(
                "description",
                "invisible_character",
                "The description must not contain invisible formatting characters.",
            ));
        }
    }
    if errors.is_empty() {
        Ok(description.map(str::to_owned))
    } else {
        Err(errors)
    }
}

fn to_api(record: &EndpointRecord) -> Result<WebhookEndpoint, CorruptRow> {
    let event_types = record
        .event_types
        .split(',')
        .map(|t| {
            InvitationEventType::from_wire(t).ok_or_else(|| CorruptRow {
                table: "webhook_endpoints",
                row_id: record.id.clone(),
                problem: format!("event type {t:?} is unknown"),
            })
        })
        .collect::<Result<_, _>>()?;
    let now = db::now();
    Ok(WebhookEndpoint {
        id: parse_id("webhook_endpoints", &record.id)?,
        url: record.url.clone(),
        description: record.description.clone(),
        event_types,
        created_at: to_utc(record.created_at),
        previous_secret_expires_at: record
            .previous_secret_until
            .filter(|until| *until > now)
            .map(to_utc),
    })
}

pub async fn create(
    pool: &Pool,
    actor: &Actor,
    draft: WebhookEndpointDraft,
    allow_local: bool,
) -> Result<WebhookEndpointWithSecret, ApiError> {
    let description = validate(&draft, allow_local).map_err(|errors| ApiError::Validation {
        detail: format!(
            "{} {} invalid.",
            errors.len(),
            if errors.len() == 1 {
                "field is"
            } else {
                "fields are"
            }
        ),
        errors,
    })?;
    let mut types: Vec<&str> = draft.event_types.iter().map(|t| t.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    let record = EndpointRecord {
        id: uuid::Uuid::new_v4().to_string(),
        officer_id: actor.officer_id.clone(),
        url: draft.url.trim().to_owned(),
        description,
        event_types: types.join(","),
        secret: signature::new_secret(),
        previous_secret: None,
        previous_secret_until: None,
        created_at: db::now(),
        deleted_at: None,
    };
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        // The insert comes first (on SQLite a transaction that reads before it writes fails
        // when another writer commits in between); one too many rolls it back.
        crate::db::transaction(conn, |conn| {
            repo::insert(conn, &record)?;
            if repo::count(conn, &officer_id)? > MAX_ENDPOINTS {
                return Err(ApiError::Conflict(format!(
                    "You have {MAX_ENDPOINTS} webhook endpoints, the most there can be; delete \
                     one first."
                )));
            }
            tracing::info!(endpoint_id = %record.id, "webhook endpoint created");
            Ok(WebhookEndpointWithSecret {
                endpoint: to_api(&record)?,
                secret: record.secret.clone(),
            })
        })
    })
    .await
}

pub async fn list(pool: &Pool, actor: &Actor) -> Result<WebhookEndpointList, ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let items = repo::list(conn, &officer_id)?
            .iter()
            .map(to_api)
            .collect::<Result<_, _>>()?;
        Ok(WebhookEndpointList { items })
    })
    .await
}

pub async fn get(pool: &Pool, actor: &Actor, id: uuid::Uuid) -> Result<WebhookEndpoint, ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let record = repo::find(conn, &officer_id, &id.to_string())?.ok_or_else(not_found)?;
        Ok(to_api(&record)?)
    })
    .await
}

pub async fn delete(pool: &Pool, actor: &Actor, id: uuid::Uuid) -> Result<(), ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        if repo::delete(conn, &officer_id, &id.to_string(), db::now())? {
            tracing::info!(endpoint_id = %id, "webhook endpoint deleted");
            Ok(())
        } else {
            Err(not_found())
        }
    })
    .await
}

/// A new signing secret; the old one keeps signing for a day so that receivers can switch.
pub async fn rotate_secret(
    pool: &Pool,
    actor: &Actor,
    id: uuid::Uuid,
) -> Result<WebhookEndpointWithSecret, ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let id = id.to_string();
        let record = repo::find(conn, &officer_id, &id)?.ok_or_else(not_found)?;
        let secret = signature::new_secret();
        let until = db::now() + Duration::hours(ROTATION_OVERLAP_HOURS);
        if !repo::rotate_secret(conn, &record, &secret, until)? {
            return Err(ApiError::Conflict(
                "The secret was rotated by another request meanwhile; rotate again if you need \
                 a secret of your own."
                    .into(),
            ));
        }
        let rotated = repo::find(conn, &officer_id, &id)?.ok_or_else(not_found)?;
        tracing::info!(endpoint_id = %id, "webhook secret rotated");
        Ok(WebhookEndpointWithSecret {
            endpoint: to_api(&rotated)?,
            secret,
        })
    })
    .await
}

/// The endpoint's deliveries, newest first.
pub async fn deliveries(
    pool: &Pool,
    actor: &Actor,
    id: uuid::Uuid,
    limit: Option<i64>,
    cursor: Option<String>,
) -> Result<WebhookDeliveryPage, ApiError> {
    let limit = cursor::page_size(limit, DEFAULT_PAGE, MAX_PAGE)?;
    let after = cursor::parse(cursor.as_deref())?;
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let id = id.to_string();
        repo::find(conn, &officer_id, &id)?.ok_or_else(not_found)?;
        let mut jobs = repo::deliveries(conn, &id, after, limit)?;
        let more = jobs.len() as i64 > limit;
        jobs.truncate(limit as usize);
        let event_ids: Vec<&str> = jobs.iter().filter_map(|j| j.event_id.as_deref()).collect();
        let events: std::collections::HashMap<String, String> =
            history::find_many(conn, &event_ids)?
                .into_iter()
                .map(|e| (e.id, e.action))
                .collect();
        let items = jobs
            .iter()
            .map(|job| {
                let corrupt = |problem: &str| CorruptRow {
                    table: "delivery_jobs",
                    row_id: job.id.clone(),
                    problem: problem.into(),
                };
                let event_id = job.event_id.as_deref().ok_or_else(|| corrupt("no event"))?;
                let event_type = events
                    .get(event_id)
                    .and_then(|a| InvitationEventType::from_wire(a))
                    .ok_or_else(|| corrupt("its event is missing"))?;
                Ok(WebhookDelivery {
                    id: parse_id("delivery_jobs", &job.id)?,
                    event_id: parse_id("delivery_jobs.event_id", event_id)?,
                    event_type,
                    invitation_id: parse_id("delivery_jobs.invitation_id", &job.invitation_id)?,
                    state: job.state,
                    attempts: job.attempts,
                    last_error: job.last_error.clone(),
                    next_attempt_at: (job.state == JobState::Pending)
                        .then(|| to_utc(job.run_after)),
                    created_at: to_utc(job.created_at),
                    updated_at: to_utc(job.updated_at),
                })
            })
            .collect::<Result<_, CorruptRow>>()?;
        let next_cursor = more
            .then(|| jobs.last().map(|j| cursor::encode(j.created_at, &j.id)))
            .flatten();
        Ok(WebhookDeliveryPage { items, next_cursor })
    })
    .await
}
