//! `/accept/{token}`: the link in the invitation email. `GET` shows who invited whom and why,
//! and changes nothing (mail scanners follow links); only the page's button (`POST`) goes on,
//! to TechPass's sign-up for this invitation. Outside `/api` and the OpenAPI document: it is a
//! page for invitees, not an API.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::html::html_page;
use crate::db;
use crate::delivery::email::escape;
use crate::error::ApiError;
use crate::services::accept::{self, Refusal};
use crate::services::with_conn;
use crate::state::AppState;

fn refused(refusal: Refusal) -> HttpResponse {
    let status = match refusal {
        Refusal::Unknown => StatusCode::NOT_FOUND,
        Refusal::AlreadyOnboarded => StatusCode::OK,
        _ => StatusCode::GONE,
    };
    html_page(
        status,
        refusal.title(),
        None,
        refusal.title(),
        &format!("<p>{}</p>", escape(refusal.explanation())),
    )
}

async fn resolve(
    state: &AppState,
    token: String,
) -> Result<Result<(db::invitations::InvitationRow, String), Refusal>, ApiError> {
    if uuid::Uuid::parse_str(&token).is_err() {
        return Ok(Err(Refusal::Unknown));
    }
    with_conn(&state.pool, move |conn| {
        Ok(accept::resolve(conn, &token, db::now())?)
    })
    .await
}

/// `GET /accept/{token}`.
pub async fn page(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner();
    let (invitation, officer) = match resolve(&state, token.clone()).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refused(refusal)),
    };
    let f = &invitation.fields;
    let username = f
        .techpass_username
        .as_deref()
        .map(|u| {
            format!(
                "<p>Your TechPass username: <strong>{}</strong></p>",
                escape(u)
            )
        })
        .unwrap_or_default();
    let expires = invitation
        .expires_at
        .map(|at| {
            format!(
                "<p>This invitation is valid until {} UTC.</p>",
                at.format("%d %b %Y, %H:%M")
            )
        })
        .unwrap_or_default();
    Ok(html_page(
        StatusCode::OK,
        "Your TechPass invitation",
        None,
        "You are invited to TechPass",
        &format!(
            "<p><strong>{officer}</strong> invited <strong>{email}</strong> to TechPass, the \
             Singapore Government's developer identity platform.</p><p>Why: {reason}</p>\
             {username}{expires}\
             <form method=\"post\" action=\"/accept/{token}\">\
             <button type=\"submit\">Continue to TechPass sign-up</button></form>\
             <p>If you did not expect this invitation, close this page: nothing happens.</p>",
            officer = escape(&officer),
            email = escape(&f.email),
            reason = escape(&f.reason),
            token = escape(&token),
        ),
    ))
}

/// `POST /accept/{token}`: the invitee goes on to TechPass's sign-up for this invitation.
pub async fn accept(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (invitation, _) = match resolve(&state, token.into_inner()).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refused(refusal)),
    };
    tracing::info!(invitation_id = %invitation.id, "invitation link accepted");
    let signup = state.signup_link.replace("{reference}", &invitation.id);
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", signup))
        .finish())
}
