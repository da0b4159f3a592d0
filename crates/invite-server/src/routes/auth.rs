//! Sign-in: the built-in dev-login, the SPA's sign-in configuration, and who am I.

use actix_web::{HttpResponse, get, post, web};
use invite_core::api::{AuthConfig, DevLoginRequest, Officer, Problem, SignIn};
use invite_core::{Field, FieldError, PublicOfficerEmail};

use crate::auth::{Caller, tokens};
use crate::db::officers;
use crate::error::ApiError;
use crate::services::with_conn;
use crate::startup::AppState;

/// How the SPA should sign in: the built-in sign-in or OpenID Connect (authorization code + PKCE).
#[utoipa::path(tag = "auth", responses((status = 200, body = AuthConfig)))]
#[get("/auth/config")]
pub async fn config(state: web::Data<AppState>) -> Result<web::Json<AuthConfig>, ApiError> {
    let Some(verifier) = &state.oidc else {
        return Ok(web::Json(AuthConfig::DevLogin));
    };
    let discovery = verifier
        .discovery()
        .await
        .map_err(|e| ApiError::unavailable("The identity provider", e))?;
    let client_id = state
        .config
        .oidc
        .as_ref()
        .map(|o| o.client_id.clone())
        .unwrap_or_default();
    Ok(web::Json(AuthConfig::Oidc {
        authorization_endpoint: discovery.authorization_endpoint,
        token_endpoint: discovery.token_endpoint,
        client_id,
    }))
}

/// Built-in sign-in for local use and tests: any public-officer address signs in.
/// Answers 404 when the server uses an OpenID Connect provider.
#[utoipa::path(tag = "auth", request_body = DevLoginRequest, responses(
    (status = 200, body = SignIn),
    (status = 404, description = "OpenID Connect is configured", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a public officer's address", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/dev-login")]
pub async fn dev_login(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<web::Json<SignIn>, ApiError> {
    // Checked before the body is read: when switched off, every request is a 404.
    if !state.dev_login_enabled() {
        return Err(ApiError::NotFound(
            "The built-in sign-in is switched off; sign in with your identity provider.".into(),
        ));
    }
    let body: DevLoginRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("The JSON body is not valid: {e}.")))?;
    let email = PublicOfficerEmail::parse(&body.email)
        .map_err(|code| ApiError::validation(vec![FieldError::new(Field::Email, code)]))?;
    let officer = with_conn(&state.pool, move |conn| {
        Ok(officers::find_or_create(conn, email.as_str())?)
    })
    .await?;
    let ttl = chrono::Duration::hours(state.config.token_ttl_hours);
    let (token, expires_at) = tokens::issue(
        &officer.id,
        &officer.email,
        state.config.token_secret.expose(),
        ttl,
    )
    .map_err(ApiError::internal)?;
    tracing::info!(officer_id = %officer.id, "signed in");
    Ok(web::Json(SignIn {
        token,
        expires_at,
        officer: officer.to_api(),
    }))
}

/// The signed-in officer.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = Officer),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/me")]
pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(Officer {
        id: caller.officer_id.parse().unwrap_or_default(),
        email: caller.email,
    })
}
