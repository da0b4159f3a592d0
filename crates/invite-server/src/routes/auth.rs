//! Sign-in: the built-in dev-login, the SPA's sign-in configuration, and who am I.

use actix_web::{get, post, web};
use invite_core::api::{AuthConfig, DevLoginRequest, Officer, OidcSessionRequest, Problem, SignIn};
use invite_core::{Field, FieldError, PublicOfficerEmail};

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::services::sign_in;
use crate::state::AppState;

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

/// Built-in sign-in for local use and tests: any public-officer address signs in. On only
/// when the server was started with `INVITES_DEV_LOGIN=true`, and only for direct requests.
/// Answers 404 when it is off or the server uses an OpenID Connect provider.
#[utoipa::path(tag = "auth", request_body = DevLoginRequest, responses(
    (status = 200, body = SignIn),
    (status = 403, description = "The request came through a proxy (`Forwarded`, `X-Forwarded-For`)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "OpenID Connect is configured", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a public officer's address", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/dev-login")]
pub async fn dev_login(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<web::Json<SignIn>, ApiError> {
    // Off, through a proxy, or over its rate: answered by the route guard (`routes::table`).
    let body: DevLoginRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("The JSON body is not valid: {e}.")))?;
    let email = PublicOfficerEmail::parse(&body.email)
        .map_err(|code| ApiError::validation(vec![FieldError::new(Field::Email, code)]))?;
    let device = body
        .device_type
        .as_deref()
        .unwrap_or(invite_core::device::DEFAULT_DEVICE_TYPE);
    if !invite_core::device::DEVICE_TYPES
        .iter()
        .any(|(value, _)| *value == device)
    {
        let types: Vec<&str> = invite_core::device::DEVICE_TYPES
            .iter()
            .map(|(value, _)| *value)
            .collect();
        let message = format!("Choose one of {}.", types.join(", "));
        return Err(ApiError::Validation {
            detail: format!("device_type must be one of {}.", types.join(", ")),
            errors: vec![FieldError {
                field: "device_type".into(),
                code: "invalid_device_type".into(),
                message,
            }],
        });
    }
    Ok(web::Json(
        sign_in::dev_login(&state.pool, &state.config, email, device).await?,
    ))
}

/// Finishes an OpenID Connect sign-in (authorization code flow with PKCE): the provider's ID
/// token — and its access token, for providers that answer the officer's address from UserInfo
/// only — for the server's own session token, used as the bearer from then on. The ID token is
/// verified (issuer, audience, `azp`, expiry, the `nonce` when given); UserInfo must name the
/// same subject. Answers 404 when no identity provider is configured.
#[utoipa::path(tag = "auth", request_body = OidcSessionRequest, responses(
    (status = 200, body = SignIn),
    (status = 401, description = "The tokens do not name a public officer whose address the provider vouches for", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The address is another sign-in account's officer", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No identity provider is configured", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "The identity provider cannot be reached", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/oidc-session")]
pub async fn oidc_session(
    state: web::Data<AppState>,
    body: web::Json<OidcSessionRequest>,
) -> Result<web::Json<SignIn>, ApiError> {
    let Some(verifier) = &state.oidc else {
        return Err(ApiError::NotFound(
            "No identity provider is configured; use the built-in sign-in.".into(),
        ));
    };
    let body = body.into_inner();
    let verified = verifier
        .sign_in(
            &body.id_token,
            body.access_token.as_deref(),
            body.nonce.as_deref(),
        )
        .await
        .map_err(crate::auth::oidc_refusal)?;
    let (officer, device) = crate::auth::provider_officer(&state, &verified).await?;
    Ok(web::Json(sign_in::oidc_session(
        &state.config,
        &officer,
        device.as_deref(),
    )?))
}

/// The signed-in officer.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = Officer),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Officer>, ApiError> {
    let actor = caller.actor();
    let officer = Officer {
        id: db::parse_id("officers", &actor.officer_id)?,
        email: actor.email.clone(),
        can_invite: true,
        cannot_invite_because: None,
    };
    if actor.via_api_key() {
        // An API key is not asked for a device (see `auth::device`).
        return Ok(web::Json(officer));
    }
    Ok(web::Json(crate::auth::device::officer(
        officer,
        &state.config.device_policy,
        actor.device.as_deref(),
    )))
}
