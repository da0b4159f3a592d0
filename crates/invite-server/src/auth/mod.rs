//! Who is calling: the `Caller` extractor accepts a built-in sign-in token, an OpenID Connect
//! JWT (when configured) or an API key, and resolves it to the [`Actor`] it acts for.

pub mod oidc;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use invite_core::PublicOfficerEmail;
use sha2::{Digest, Sha256};

use crate::actor::Actor;
use crate::error::ApiError;
use crate::services::sign_in;
use crate::state::AppState;
use crate::telemetry::TraceId;

/// API key secrets start with this, so a bearer value is recognisable without a lookup.
pub const API_KEY_PREFIX: &str = "iu_";

/// The extractor of the authenticated officer: handlers take a `Caller` and hand its
/// [`Actor`] to the services.
#[derive(Debug, Clone)]
pub struct Caller(Actor);

impl Caller {
    pub fn actor(&self) -> &Actor {
        &self.0
    }
}

pub fn hash_api_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Whether a request came through a proxy (it says so in `Forwarded` or the `X-Forwarded-*`
/// and `X-Real-IP` headers proxies add). The built-in sign-in answers only direct requests: a
/// proxy in front means the server faces a network.
pub fn through_proxy(req: &HttpRequest) -> bool {
    [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-real-ip",
    ]
    .iter()
    .any(|name| req.headers().contains_key(*name))
}

/// The refusal of the built-in sign-in (or its tokens) through a proxy.
pub fn refuse_through_proxy(req: &HttpRequest) -> Result<(), ApiError> {
    if through_proxy(req) {
        tracing::warn!("built-in sign-in refused: the request came through a proxy");
        return Err(ApiError::Forbidden(
            "The built-in sign-in answers only direct local requests, not requests through a \
             proxy. Sign in with your identity provider."
                .into(),
        ));
    }
    Ok(())
}

async fn authenticate(req: HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let trace_id = req
        .extensions()
        .get::<TraceId>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let token = bearer(&req).ok_or_else(|| {
        ApiError::Unauthorized("Sign in, or send an API key as a bearer token.".into())
    })?;

    if token.starts_with(API_KEY_PREFIX) {
        let (officer, key_name) = sign_in::officer_for_api_key(&state.pool, &token)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("The API key is unknown or revoked.".into()))?;
        return Ok(Caller(Actor {
            officer_id: officer.id,
            email: officer.email,
            api_key: Some(key_name),
            trace_id,
        }));
    }

    if let Some(verifier) = &state.oidc {
        let email = verifier.verify(&token).await.map_err(|e| match e {
            oidc::OidcError::Invalid(reason) => {
                tracing::info!(%reason, "bearer token refused");
                ApiError::Unauthorized("The sign-in token is invalid or expired.".into())
            }
            oidc::OidcError::Provider(reason) => {
                ApiError::unavailable("The identity provider", reason)
            }
        })?;
        let email = PublicOfficerEmail::parse(&email)
            .map_err(|_| ApiError::Unauthorized("Only public officers can sign in.".into()))?;
        let officer = sign_in::officer_for_email(&state.pool, email).await?;
        return Ok(Caller(Actor {
            officer_id: officer.id,
            email: officer.email,
            api_key: None,
            trace_id,
        }));
    }

    refuse_through_proxy(&req)?;
    let claims = tokens::verify(&token, state.config.token_secret.expose())
        .map_err(|_| ApiError::Unauthorized("The sign-in token is invalid or expired.".into()))?;
    Ok(Caller(Actor {
        officer_id: claims.sub,
        email: claims.email,
        api_key: None,
        trace_id,
    }))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}
