//! The stand-ins' HTTP side (see `standins`): the TechPass and SEED API calls our gateways make,
//! and the simulated TechPass sign-up page the invitation email links to. Present only while
//! the upstream is not configured (404 otherwise), and not in the OpenAPI document: this is
//! not our API but a stand-in for theirs.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::html::html_page;
use crate::delivery::email::escape;
use crate::delivery::wire::{
    Lookup, LookupAnswer, OfficerInvitation, ProvisioningRequest, Revocation, VendorAccount,
};
use crate::standins::{self, seed, techpass};
use crate::state::AppState;

fn not_here() -> HttpResponse {
    HttpResponse::NotFound().body("The stand-in is off: a real upstream is configured.")
}

/// The stand-in, if it runs and the request carries its token; else the answer to give.
fn admit<'a, S>(
    standin: &'a Option<std::sync::Arc<S>>,
    req: &HttpRequest,
    token: impl Fn(&S) -> &crate::config::Secret,
) -> Result<&'a std::sync::Arc<S>, Box<HttpResponse>> {
    let Some(standin) = standin else {
        return Err(Box::new(not_here()));
    };
    if standins::authorised(req, token(standin)) {
        Ok(standin)
    } else {
        Err(Box::new(unauthorised()))
    }
}

fn bad_body() -> HttpResponse {
    HttpResponse::BadRequest()
        .json(serde_json::json!({ "detail": "the body is not a valid request" }))
}

fn unauthorised() -> HttpResponse {
    HttpResponse::Unauthorized().json(serde_json::json!({ "detail": "bad token" }))
}

/// `POST /dev/techpass/v1/invitations`.
pub async fn techpass_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Option<web::Json<OfficerInvitation>>,
) -> HttpResponse {
    let request = body.and_then(|b| techpass::Request::officer(b.into_inner()));
    techpass_request(&req, &state, request)
}

/// `POST /dev/techpass/v1/accounts`.
pub async fn techpass_account(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Option<web::Json<VendorAccount>>,
) -> HttpResponse {
    let request = body.and_then(|b| techpass::Request::vendor(b.into_inner()));
    techpass_request(&req, &state, request)
}

fn techpass_request(
    req: &HttpRequest,
    state: &AppState,
    request: Option<techpass::Request>,
) -> HttpResponse {
    let standin = match admit(&state.standins.techpass, req, |s| &s.config.token) {
        Ok(standin) => standin,
        Err(refused) => return *refused,
    };
    let Some(request) = request else {
        return bad_body();
    };
    let reference = request.reference;
    standin.accept(request);
    HttpResponse::Created().json(serde_json::json!({ "id": reference, "status": "pending" }))
}

/// `POST /dev/techpass/v1/revocations`.
pub async fn techpass_revocation(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Option<web::Json<Revocation>>,
) -> HttpResponse {
    let standin = match admit(&state.standins.techpass, &req, |s| &s.config.token) {
        Ok(standin) => standin,
        Err(refused) => return *refused,
    };
    let Some(reference) = body.and_then(|b| b.reference.parse::<uuid::Uuid>().ok()) else {
        return bad_body();
    };
    standin.revoke(reference);
    HttpResponse::Ok().json(serde_json::json!({ "id": reference, "status": "revoked" }))
}

/// `POST /dev/techpass/v1/users/lookup`: who already has an (active) account here.
pub async fn techpass_lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Option<web::Json<Lookup>>,
) -> HttpResponse {
    let standin = match admit(&state.standins.techpass, &req, |s| &s.config.token) {
        Ok(standin) => standin,
        Err(refused) => return *refused,
    };
    let Some(body) = body else {
        return bad_body();
    };
    let existing = standin.active_among(&body.emails);
    HttpResponse::Ok().json(LookupAnswer { existing })
}

/// `GET /dev/techpass/v1/invitations/{reference}`.
pub async fn techpass_state(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<uuid::Uuid>,
) -> HttpResponse {
    let standin = match admit(&state.standins.techpass, &req, |s| &s.config.token) {
        Ok(standin) => standin,
        Err(refused) => return *refused,
    };
    match standin.invitee(reference.into_inner()) {
        Some(invitee) => HttpResponse::Ok().json(invitee.state()),
        None => HttpResponse::NotFound().json(serde_json::json!({ "detail": "unknown reference" })),
    }
}

/// `GET /dev/seed/v1/provisioning-requests/{reference}`.
pub async fn seed_state(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<uuid::Uuid>,
) -> HttpResponse {
    let standin = match admit(&state.standins.seed, &req, |s| &s.config.token) {
        Ok(standin) => standin,
        Err(refused) => return *refused,
    };
    match standin.state(reference.into_inner()) {
        Some(body) => HttpResponse::Ok().json(body),
        None => HttpResponse::NotFound().json(serde_json::json!({ "detail": "unknown reference" })),
    }
}

/// `POST /dev/seed/v1/provisioning-requests`.
pub async fn seed_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Option<web::Json<ProvisioningRequest>>,
) -> HttpResponse {
    let standin = match admit(&state.standins.seed, &req, |s| &s.config.token) {
        Ok(standin) => standin,
        Err(refused) => return *refused,
    };
    let Some(request) = body.and_then(|b| seed::Request::of(b.into_inner())) else {
        return bad_body();
    };
    let reference = request.reference;
    standin.accept(request);
    HttpResponse::Accepted().json(serde_json::json!({ "id": reference, "status": "provisioning" }))
}

#[derive(Debug, Deserialize)]
pub struct SignupQuery {
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SignupForm {
    pub reference: String,
    pub first_name: String,
    pub last_name: String,
}

fn page(status: actix_web::http::StatusCode, title: &str, body: &str) -> HttpResponse {
    html_page(
        status,
        &format!("{title} · TechPass (local stand-in)"),
        Some("Simulated TechPass: this local stand-in runs because no TechPass is configured."),
        title,
        body,
    )
}

fn unknown_link() -> HttpResponse {
    page(
        actix_web::http::StatusCode::NOT_FOUND,
        "This link does not work",
        "<p>TechPass has no invitation for this link. Ask the officer who invited you to send \
         the invitation again.</p>",
    )
}

/// `GET /dev/techpass/signup?reference=…`: the page the invitation email links to. Opening it
/// changes nothing; only the button creates the account.
pub async fn signup_page(
    state: web::Data<AppState>,
    query: web::Query<SignupQuery>,
) -> HttpResponse {
    let Some(standin) = &state.standins.techpass else {
        return not_here();
    };
    let invitee = query
        .reference
        .as_deref()
        .and_then(|r| r.parse().ok())
        .and_then(|r| standin.invitee(r));
    let Some(invitee) = invitee else {
        return unknown_link();
    };
    let r = &invitee.request;
    if invitee.revoked {
        return page(
            actix_web::http::StatusCode::GONE,
            "This invitation was withdrawn",
            "<p>The officer who invited you revoked this invitation. Ask them if you still need \
             access.</p>",
        );
    }
    if invitee.active {
        return page(
            actix_web::http::StatusCode::OK,
            "Your account is already active",
            &format!(
                "<p>{} already has a TechPass account.</p>",
                escape(&r.email)
            ),
        );
    }
    let username = r
        .username
        .as_deref()
        .map(|u| format!("<p>Your username: <strong>{}</strong></p>", escape(u)))
        .unwrap_or_default();
    let value = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    page(
        actix_web::http::StatusCode::OK,
        "Create your TechPass account",
        &format!(
            "<p><strong>{invited_by}</strong> invited <strong>{email}</strong> to TechPass.</p>\
             <p>Why: {reason}</p>{username}\
             <form method=\"post\" action=\"/dev/techpass/signup\">\
             <input type=\"hidden\" name=\"reference\" value=\"{reference}\">\
             <label for=\"first_name\">First name</label>\
             <input id=\"first_name\" name=\"first_name\" required maxlength=\"100\" \
             autocomplete=\"given-name\" value=\"{first}\">\
             <label for=\"last_name\">Last name</label>\
             <input id=\"last_name\" name=\"last_name\" required maxlength=\"100\" \
             autocomplete=\"family-name\" value=\"{last}\">\
             <button type=\"submit\">Create my TechPass account</button></form>",
            invited_by = escape(&r.invited_by),
            email = escape(&r.email),
            reason = escape(&r.reason),
            reference = r.reference,
            first = value(&r.first_name),
            last = value(&r.last_name),
        ),
    )
}

/// `POST /dev/techpass/signup`: the invitee creates their account; TechPass reports it.
pub async fn signup(
    state: web::Data<AppState>,
    form: Option<web::Form<SignupForm>>,
) -> HttpResponse {
    let Some(standin) = &state.standins.techpass else {
        return not_here();
    };
    let Some(form) = form else {
        return unknown_link();
    };
    let Ok(reference) = form.reference.parse() else {
        return unknown_link();
    };
    match standin.invitee(reference) {
        None => return unknown_link(),
        Some(invitee) if invitee.revoked => {
            return page(
                actix_web::http::StatusCode::GONE,
                "This invitation was withdrawn",
                "<p>The officer who invited you revoked this invitation.</p>",
            );
        }
        Some(_) => {}
    }
    let (first, last) = (form.first_name.trim(), form.last_name.trim());
    if first.is_empty() || last.is_empty() || first.len() > 100 || last.len() > 100 {
        return page(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "Enter your name",
            "<p>First and last name are required (at most 100 characters each). \
             Go back and enter them.</p>",
        );
    }
    match standin.activate(reference, first, last).await {
        Ok(()) => page(
            actix_web::http::StatusCode::OK,
            "Your TechPass account is active",
            "<p>You can close this page. The officer who invited you now sees you as \
             onboarded.</p>",
        ),
        Err(error) => {
            tracing::warn!(%error, "the TechPass stand-in could not report the sign-up");
            page(
                actix_web::http::StatusCode::BAD_GATEWAY,
                "Your account could not be reported",
                "<p>The account was created, but Invite Users could not be told. Try again in \
                 a moment.</p>",
            )
        }
    }
}
