//! `/api/v1/operator/delivery`: the delivery backlog, dead jobs and their retry, for the
//! officers listed in `INVITES_OPERATORS` (signed in, or with one of their API keys).

use actix_web::{get, post, web};
use invite_core::api::{DeliveryBacklog, DeliveryJob, DeliveryJobPage, JobState, Problem};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::operator;
use crate::state::AppState;

/// Query parameters of the job list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// Which jobs (default `dead`).
    pub state: Option<JobState>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// What the outbox holds now, over all replicas: pending, due and dead jobs, and how long the
/// oldest due job has waited.
#[utoipa::path(tag = "operations", security(("bearer" = [])), responses(
    (status = 200, body = DeliveryBacklog),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The caller is not an operator", body = Problem, content_type = "application/problem+json"),
))]
#[get("/operator/delivery")]
pub async fn backlog(
    state: web::Data<AppState>,
    // An operator: the route guard (`routes::table`); without credentials, 401 here.
    _caller: Caller,
) -> Result<web::Json<DeliveryBacklog>, ApiError> {
    Ok(web::Json(operator::backlog(&state.pool).await?))
}

/// Delivery jobs in one state, oldest first (by default the dead ones, with why they failed).
#[utoipa::path(tag = "operations", security(("bearer" = [])), params(JobParams), responses(
    (status = 200, body = DeliveryJobPage),
    (status = 400, description = "Bad state, limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The caller is not an operator", body = Problem, content_type = "application/problem+json"),
))]
#[get("/operator/delivery/jobs")]
pub async fn jobs(
    state: web::Data<AppState>,
    _caller: Caller,
    params: web::Query<JobParams>,
) -> Result<web::Json<DeliveryJobPage>, ApiError> {
    let params = params.into_inner();
    let page = operator::jobs(
        &state.pool,
        params.state.unwrap_or(JobState::Dead),
        params.limit,
        params.cursor.as_deref(),
    )
    .await?;
    Ok(web::Json(page))
}

/// Retries a dead job now, with a fresh count of attempts. If the job had failed its
/// invitation, the invitation is pending again.
#[utoipa::path(tag = "operations", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 200, description = "Due now", body = DeliveryJob),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The caller is not an operator", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The job is not dead, or its invitee has been invited again since", body = Problem, content_type = "application/problem+json"),
))]
#[post("/operator/delivery/jobs/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    _caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<DeliveryJob>, ApiError> {
    let job = operator::retry(&state.pool, id.into_inner()).await?;
    state.outbox_wake.notify_one();
    Ok(web::Json(job))
}
