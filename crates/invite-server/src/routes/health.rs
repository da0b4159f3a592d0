//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};

use crate::db::Unavailable;
use crate::state::AppState;

/// Liveness: 200 while the process runs.
#[utoipa::path(tag = "operations", responses((status = 200, description = "The process runs")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Prometheus metrics of this process (text exposition format): request latency by route and
/// status, invitations by channel, batch sizes, delivery attempts by outcome, the outbox's
/// backlog and the age of its longest-due job, and the database pool's use. Scrape every
/// replica directly; keep it off the public URL (the load balancer of `docker-compose.yml`
/// refuses it).
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "The metrics", content_type = "text/plain; version=0.0.4", body = String),
))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    // The backlog is read from the database, within the readiness probe's wait; without it the
    // rest is still reported.
    let backlog = web::block(move || {
        let mut conn = pool.get_within(READY_CHECKOUT).ok()?;
        let now = crate::db::now();
        let backlog = crate::db::outbox::backlog(&mut conn, now).ok()?;
        let oldest_due_age = backlog.oldest_due_at.map_or(0.0, |at| {
            (now - at).num_milliseconds().max(0) as f64 / 1000.0
        });
        Some((backlog, oldest_due_age))
    })
    .await
    .ok()
    .flatten();
    let text = state.metrics.render(&state.pool, backlog);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}

/// The longest the readiness probe waits for a connection: a load balancer must hear within
/// about a second whether to send this replica traffic.
const READY_CHECKOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// Readiness: 200 when the database answers, else 503 — at once while the database is known
/// to be away, within about half a second when it has just gone. A replica whose every
/// connection is busy is ready (it is loaded, not broken; taking it out of rotation would move
/// its load onto the others).
#[utoipa::path(tag = "operations", responses(
    (status = 200, description = "The database answers"),
    (status = 503, description = "The database does not answer", body = invite_core::api::Problem, content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before asking again"))),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, crate::error::ApiError> {
    use diesel::r2d2::R2D2Connection;
    let pool = state.pool.clone();
    let answer = web::block(move || match pool.get_within(READY_CHECKOUT) {
        Ok(mut conn) => conn
            .ping()
            .map(|_| "ready")
            .map_err(|e| crate::error::ApiError::unavailable("The database", e)),
        Err(Unavailable::Busy) => Ok("ready (every database connection is busy)"),
        Err(down) => Err(down.into()),
    })
    .await??;
    Ok(HttpResponse::Ok().content_type("text/plain").body(answer))
}
