//! `/api/v1/webhooks`: where the events of the caller's invitations are delivered.

use actix_web::{HttpResponse, delete, get, post, web};
use invite_core::api::{
    Problem, WebhookDeliveryPage, WebhookEndpoint, WebhookEndpointDraft, WebhookEndpointList,
    WebhookEndpointWithSecret,
};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::cursor::PageParams;
use crate::services::webhooks;
use crate::state::AppState;

/// Registers an endpoint for the event types it lists. The answer carries the signing secret,
/// shown this once: every delivery is signed with it per Standard Webhooks (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`). At most 10 endpoints per officer.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), request_body = WebhookEndpointDraft,
    responses(
        (status = 201, body = WebhookEndpointWithSecret, headers(("Location" = String, description = "/api/v1/webhooks/{id}"))),
        (status = 400, description = "Malformed JSON, or an unknown event type", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already 10 endpoints", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an https URL on the internet, no event type, or a bad description", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<WebhookEndpointDraft>,
) -> Result<HttpResponse, ApiError> {
    let created = webhooks::create(
        &state.pool,
        caller.actor(),
        body.into_inner(),
        state.config.webhook_allow_local,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/webhooks/{}", created.endpoint.id),
        ))
        .json(created))
}

/// The caller's endpoints, newest first.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), responses(
    (status = 200, body = WebhookEndpointList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<WebhookEndpointList>, ApiError> {
    Ok(web::Json(
        webhooks::list(&state.pool, caller.actor()).await?,
    ))
}

/// One of the caller's endpoints.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 200, body = WebhookEndpoint),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<WebhookEndpoint>, ApiError> {
    Ok(web::Json(
        webhooks::get(&state.pool, caller.actor(), id.into_inner()).await?,
    ))
}

/// Deletes the endpoint: deliveries still waiting are cancelled; its log stays readable to
/// nobody (the endpoint is gone).
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 204, description = "Deleted"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/webhooks/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    webhooks::delete(&state.pool, caller.actor(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret, shown this once. For 24 hours deliveries carry two signatures (the new
/// secret's and the old one's), so a receiver can switch without missing an event.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 200, body = WebhookEndpointWithSecret),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Rotated by another request at the same moment", body = Problem, content_type = "application/problem+json"),
))]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<WebhookEndpointWithSecret>, ApiError> {
    Ok(web::Json(
        webhooks::rotate_secret(&state.pool, caller.actor(), id.into_inner()).await?,
    ))
}

/// The endpoint's delivery log, newest first (1–100 a page, default 25): each event sent, how
/// many attempts it took, and what the last failed one met.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = uuid::Uuid, Path), PageParams), responses(
    (status = 200, body = WebhookDeliveryPage),
    (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    params: web::Query<PageParams>,
) -> Result<web::Json<WebhookDeliveryPage>, ApiError> {
    let PageParams { limit, cursor } = params.into_inner();
    Ok(web::Json(
        webhooks::deliveries(&state.pool, caller.actor(), id.into_inner(), limit, cursor).await?,
    ))
}
