//! `POST /api/v1/upstream-events/{source}`: TechPass and SEED tell us what happened to an
//! invitation, signed per Standard Webhooks with the secret we share with each of them.

use actix_web::{HttpRequest, post, web};
use invite_core::api::{Problem, UpstreamEvent, UpstreamEventReceipt, UpstreamSource};

use crate::error::ApiError;
use crate::services::upstream_events::{self, parse_timestamp};
use crate::state::AppState;
use crate::webhooks::signature::Signed;

/// Largest event accepted; real ones are well under 2 KiB.
pub const EVENT_LIMIT: usize = 64 * 1024;

fn signed(req: &HttpRequest) -> Option<Signed> {
    let header = |name: &str| req.headers().get(name)?.to_str().ok().map(str::to_owned);
    Some(Signed {
        id: header("webhook-id").filter(|id| !id.is_empty() && id.len() <= 256)?,
        timestamp: parse_timestamp(&header("webhook-timestamp")?)?,
        signature: header("webhook-signature")?,
    })
}

/// Receives an event about one invitation. Unsigned, wrongly signed and stale calls (a
/// `webhook-timestamp` more than 5 minutes off) are 401 and change nothing. A `webhook-id` seen
/// before (the sender's retry) is acknowledged again, 200 with `applied: false`, as is an event
/// older than the one behind the current status: each message is applied at most once.
#[utoipa::path(
    tag = "upstream-events",
    security(("standard_webhooks" = [])),
    params(
        ("source" = UpstreamSource, Path, description = "Who sends the event"),
        ("webhook-id" = String, Header, description = "Unique per message; the same id is applied once"),
        ("webhook-timestamp" = i64, Header, description = "Unix seconds; within 5 minutes of our clock"),
        ("webhook-signature" = String, Header, description = "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated if several"),
    ),
    request_body = UpstreamEvent,
    responses(
        (status = 200, body = UpstreamEventReceipt),
        (status = 400, description = "Malformed event", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong signature, or a timestamp more than 5 minutes off", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No invitation with this `data.reference`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The invitee has been invited again since this invitation failed", body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`data.email` is not the invitation's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/upstream-events/{source}")]
pub async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    source: web::Path<UpstreamSource>,
    body: web::Bytes,
) -> Result<web::Json<UpstreamEventReceipt>, ApiError> {
    let source = source.into_inner();
    if body.len() > EVENT_LIMIT {
        return Err(ApiError::PayloadTooLarge {
            detail: format!("An event must be at most {EVENT_LIMIT} bytes."),
            errors: vec![],
        });
    }
    let signed = signed(&req);
    upstream_events::authenticate(
        state.webhook_secret(source),
        signed.clone(),
        &body,
        chrono::Utc::now().timestamp(),
    )?;
    let webhook_id = signed.map(|s| s.id).unwrap_or_default();
    let received = upstream_events::receive(&state.pool, source, webhook_id, &body).await?;
    if received.enqueued {
        state.outbox_wake.notify_one();
    }
    Ok(web::Json(received.receipt))
}
