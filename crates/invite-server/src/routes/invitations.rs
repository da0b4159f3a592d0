//! `/api/v1/invitations`: Email invitation, Create account, Invite User Status, Resend invite.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use invite_core::InvitationDraft;
use invite_core::api::{Invitation, InvitationEventPage, InvitationPage, Problem};

use super::idempotency::idempotency_key;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::cursor::PageParams;
use crate::services::history;
use crate::services::invitation_list::{self, ListParams};
use crate::services::invitations;
use crate::state::AppState;

/// Invite one person: a public officer (`user_type: public_officer`, Email invitation) or a
/// vendor (`user_type: vendor`, Create account). Every invalid field is reported at once.
///
/// Send an `Idempotency-Key` header to retry safely: the same key and body return the first
/// response (for 24 hours), also when the retry arrives while the first is still running (it
/// waits for it); the same key with another body is refused with 422. A request that fails
/// leaves no trace of its key.
#[utoipa::path(
    tag = "invitations",
    security(("bearer" = [])),
    request_body = InvitationDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique string (≤ 255 chars), e.g. a UUID, to make retries safe")),
    responses(
        (status = 201, description = "Invited; `Location` names the new invitation", body = Invitation,
            headers(("Location" = String, description = "/api/v1/invitations/{id}"))),
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "That email (or, for vendors, that TechPass username) already has an invitation that is not failed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all listed in `errors`), or Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invitations")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<InvitationDraft>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req, &state)?;
    let created = invitations::create(
        &state.creates,
        caller.actor(),
        body.into_inner(),
        key,
        &state.directory,
    )
    .await?;
    state.outbox_wake.notify_one();
    if !created.replayed {
        state
            .metrics
            .invitations_created(created.invitation.channel, 1);
    }
    let location = format!("/api/v1/invitations/{}", created.invitation.id);
    let mut response = HttpResponse::build(StatusCode::CREATED);
    response.insert_header((LOCATION, location));
    if created.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(created.invitation))
}

/// The caller's own invitations, newest first (Invite User Status); filters combine.
///
/// **Change feed.** With `updated_since`, the list holds the invitations changed at or after
/// that time, oldest change first, so that a system can stay in sync without reading
/// everything: page through with `next_cursor`, remember the last item's `updated_at`, and ask
/// again later with `updated_since` a minute before it (a change that commits late can carry a
/// slightly earlier time); an invitation seen twice is told apart by its `updated_at`.
#[utoipa::path(
    tag = "invitations",
    security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, body = InvitationPage),
        (status = 400, description = "Bad limit, cursor or filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/invitations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ListParams>,
) -> Result<web::Json<InvitationPage>, ApiError> {
    Ok(web::Json(
        invitation_list::list(&state.pool, caller.actor(), params.into_inner()).await?,
    ))
}

/// One of the caller's invitations. Another officer's invitation is 404, as if absent.
#[utoipa::path(
    tag = "invitations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = Invitation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/invitations/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<Invitation>, ApiError> {
    Ok(web::Json(
        invitations::get(&state.pool, caller.actor(), id.into_inner()).await?,
    ))
}

/// Resend invite: sends the invitation email again, at most once a day, while the invitation is
/// pending.
#[utoipa::path(
    tag = "invitations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 202, description = "The email is on its way again", body = Invitation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already onboarded to TechPass, or the invitation failed, was revoked or expired", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Last sent less than 24 hours ago", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds until a resend is allowed"))),
    )
)]
#[post("/invitations/{id}/resend")]
pub async fn resend(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let invitation = invitations::resend(&state.pool, caller.actor(), id.into_inner()).await?;
    state.outbox_wake.notify_one();
    Ok(HttpResponse::Accepted().json(invitation))
}

/// Revokes a pending invitation: nothing more is sent, TechPass is told to withdraw it, and the
/// email (and username) can be invited again. Revoking a revoked invitation answers 200 again.
#[utoipa::path(
    tag = "invitations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "Revoked", body = Invitation),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending: onboarded, failed or expired", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/invitations/{id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<Invitation>, ApiError> {
    let invitation = invitations::revoke(&state.pool, caller.actor(), id.into_inner()).await?;
    state.outbox_wake.notify_one();
    Ok(web::Json(invitation))
}

/// The invitation's history, oldest first (1–500 a page, default 100): who invited, sent,
/// resent and revoked it, and every status change with its time and source (the officer, an
/// API key, TechPass, SEED, or this service).
#[utoipa::path(
    tag = "invitations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), PageParams),
    responses(
        (status = 200, body = InvitationEventPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/invitations/{id}/events")]
pub async fn events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    params: web::Query<PageParams>,
) -> Result<web::Json<InvitationEventPage>, ApiError> {
    let PageParams { limit, cursor } = params.into_inner();
    Ok(web::Json(
        history::events(&state.pool, caller.actor(), id.into_inner(), limit, cursor).await?,
    ))
}
