//! Who is calling: the `Caller` extractor accepts a built-in sign-in token, an OpenID Connect
//! JWT (when configured) or an API key, and resolves it to the [`Actor`] it acts for.

pub mod credentials;
pub mod device;
pub mod oidc;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use invite_core::PublicOfficerEmail;

use crate::actor::Actor;
use crate::auth::credentials::{API_KEY_PREFIX, OIDC_SESSION};
use crate::error::ApiError;
use crate::services::sign_in;
use crate::state::AppState;
use crate::telemetry::TraceId;

/// The extractor of the authenticated officer: handlers take a `Caller` and hand its
/// [`Actor`] to the services.
#[derive(Debug, Clone)]
pub struct Caller(Actor);

impl Caller {
    pub fn actor(&self) -> &Actor {
        &self.0
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers
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
    proxied(req.headers())
}

fn proxied(headers: &HeaderMap) -> bool {
    [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-real-ip",
    ]
    .iter()
    .any(|name| headers.contains_key(*name))
}

/// The refusal of the built-in sign-in (or its tokens) through a proxy.
pub fn refuse_through_proxy(req: &HttpRequest) -> Result<(), ApiError> {
    refuse_proxied(req.headers())
}

fn refuse_proxied(headers: &HeaderMap) -> Result<(), ApiError> {
    if proxied(headers) {
        tracing::warn!("built-in sign-in refused: the request came through a proxy");
        return Err(ApiError::Forbidden(
            "The built-in sign-in answers only direct local requests, not requests through a \
             proxy. Sign in with your identity provider."
                .into(),
        ));
    }
    Ok(())
}

/// The outcome of authenticating a request that carried credentials, reached before its
/// handler's extractors ran (see [`authenticate_first`]).
struct Authenticated(Result<Caller, ApiError>);

/// Authenticates a request to the API that carries an `Authorization` header before its
/// handler's extractors run. They run side by side: without this, a body extractor that
/// finishes first (a JSON error) would answer before a refused credential is known (an API
/// key is looked up in the database), and a caller with a revoked key would learn how the
/// body is judged. The [`Caller`] extractor then reads the outcome.
pub async fn authenticate_first(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.path().starts_with("/api/")
        && req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION)
        && let Some(state) = req.app_data::<web::Data<AppState>>().cloned()
    {
        let trace_id = trace_id_of(&req.extensions());
        // Inside the request's span (`telemetry::trace_requests` wraps this middleware).
        let traceparent = crate::trace_export::traceparent(&tracing::Span::current());
        let outcome = authenticate(state, req.headers().clone(), trace_id, traceparent).await;
        req.extensions_mut().insert(Authenticated(outcome));
    }
    next.call(req).await
}

/// The actor of a request whose credentials [`authenticate_first`] accepted, for the route
/// guard (`routes::guard`), which runs before the handler's [`Caller`].
pub fn authenticated_actor(extensions: &actix_web::dev::Extensions) -> Option<Actor> {
    match extensions.get::<Authenticated>() {
        Some(Authenticated(Ok(caller))) => Some(caller.0.clone()),
        _ => None,
    }
}

fn trace_id_of(extensions: &actix_web::dev::Extensions) -> String {
    extensions
        .get::<TraceId>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

async fn authenticate(
    state: web::Data<AppState>,
    headers: HeaderMap,
    trace_id: String,
    traceparent: Option<String>,
) -> Result<Caller, ApiError> {
    let token = bearer(&headers).ok_or_else(|| {
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
            traceparent,
            device: None,
        }));
    }

    if let Some(verifier) = &state.oidc {
        // The server's own session after an OpenID Connect sign-in (`POST /auth/oidc-session`).
        if is_symmetric(&token) {
            let claims = tokens::verify(&token, state.config.token_secret.expose())
                .ok()
                .filter(|c| c.via.as_deref() == Some(OIDC_SESSION))
                .ok_or_else(|| {
                    ApiError::Unauthorized("The sign-in token is invalid or expired.".into())
                })?;
            return Ok(Caller(Actor {
                officer_id: claims.sub,
                email: claims.email,
                api_key: None,
                trace_id,
                traceparent,
                device: claims.device_type,
            }));
        }
        let verified = verifier.verify(&token).await.map_err(oidc_refusal)?;
        let (officer, device) = provider_officer(&state, &verified).await?;
        return Ok(Caller(Actor {
            officer_id: officer.id,
            email: officer.email,
            api_key: None,
            trace_id,
            traceparent,
            device,
        }));
    }

    refuse_proxied(&headers)?;
    let claims = tokens::verify(&token, state.config.token_secret.expose())
        .map_err(|_| ApiError::Unauthorized("The sign-in token is invalid or expired.".into()))?;
    // The built-in sign-in only issues officers' tokens; a token for anyone else is refused as
    // an identity provider's would be, whoever signed it.
    if PublicOfficerEmail::parse(&claims.email).is_err() {
        return Err(ApiError::Unauthorized(
            "Only public officers can sign in.".into(),
        ));
    }
    Ok(Caller(Actor {
        officer_id: claims.sub,
        email: claims.email,
        api_key: None,
        trace_id,
        traceparent,
        device: claims.device_type,
    }))
}

/// The officer a verified provider token names (a public officer, by issuer and subject), and
/// the device its device-rule claim says.
pub async fn provider_officer(
    state: &AppState,
    verified: &oidc::Verified,
) -> Result<(crate::db::officers::OfficerRow, Option<String>), ApiError> {
    let email = PublicOfficerEmail::parse(&verified.email)
        .map_err(|_| ApiError::Unauthorized("Only public officers can sign in.".into()))?;
    let officer = sign_in::officer_for_subject(
        &state.pool,
        verified.issuer.clone(),
        verified.subject.clone(),
        email,
    )
    .await?;
    let device = state
        .config
        .device_policy
        .claim
        .as_deref()
        .and_then(|claim| verified.text_claim(claim));
    Ok((officer, device))
}

/// Whether a JWT says it is signed with a shared secret (the server's own tokens).
fn is_symmetric(token: &str) -> bool {
    jsonwebtoken::decode_header(token).is_ok_and(|header| {
        matches!(
            header.alg,
            jsonwebtoken::Algorithm::HS256
                | jsonwebtoken::Algorithm::HS384
                | jsonwebtoken::Algorithm::HS512
        )
    })
}

/// The answer to a provider token that does not verify, or a provider that cannot be asked.
pub fn oidc_refusal(error: oidc::OidcError) -> ApiError {
    match error {
        oidc::OidcError::Invalid(reason) => {
            tracing::info!(%reason, "bearer token refused");
            ApiError::Unauthorized("The sign-in token is invalid or expired.".into())
        }
        oidc::OidcError::Provider(reason) => ApiError::unavailable("The identity provider", reason),
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        if let Some(Authenticated(outcome)) = req.extensions_mut().remove::<Authenticated>() {
            return Box::pin(std::future::ready(outcome));
        }
        let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
            return Box::pin(std::future::ready(Err(ApiError::internal(
                "application state missing",
            ))));
        };
        Box::pin(authenticate(
            state,
            req.headers().clone(),
            trace_id_of(&req.extensions()),
            crate::trace_export::traceparent(&tracing::Span::current()),
        ))
    }
}
