//! `/api/v1/api-keys`: keys for agency systems, acting for the officer who created them.

use actix_web::{HttpResponse, delete, get, post, web};
use invite_core::api::{ApiKeyList, CreateApiKey, CreatedApiKey, Problem};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::api_keys;
use crate::state::AppState;

/// Creates a key. The `secret` is shown only in this response; store it safely.
#[utoipa::path(tag = "api-keys", security(("bearer" = [])), request_body = CreateApiKey, responses(
    (status = 201, body = CreatedApiKey),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Called with an API key: keys are managed by a signed-in officer", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let created = api_keys::create(&state.pool, caller.actor(), body.into_inner().name).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The caller's keys, newest first, revoked ones included (without secrets).
#[utoipa::path(tag = "api-keys", security(("bearer" = [])), responses(
    (status = 200, body = ApiKeyList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Called with an API key: keys are managed by a signed-in officer", body = Problem, content_type = "application/problem+json"),
))]
#[get("/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<ApiKeyList>, ApiError> {
    Ok(web::Json(
        api_keys::list(&state.pool, caller.actor()).await?,
    ))
}

/// Revokes a key; requests with it are refused from now on.
#[utoipa::path(tag = "api-keys", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 204, description = "Revoked"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Called with an API key: keys are managed by a signed-in officer", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/api-keys/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    api_keys::revoke(&state.pool, caller.actor(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
