//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};

use crate::services::with_conn;
use crate::state::AppState;

/// Liveness: 200 while the process runs.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process runs")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Readiness: 200 when the database answers, else 503.
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "The database answers"),
    (status = 503, description = "The database does not answer", body = invite_core::api::Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, crate::error::ApiError> {
    use diesel::r2d2::R2D2Connection;
    with_conn(&state.pool, |conn| {
        conn.ping()
            .map_err(|e| crate::error::ApiError::unavailable("The database", e))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ready"))
}
