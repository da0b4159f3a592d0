//! CORS: closed unless `INVITES_CORS_ORIGINS` names the origins whose pages may call the API
//! from a browser (an agency portal). The server's own pages are same-origin and need none of
//! it. Bearer tokens, not cookies, carry sign-in, so credentials are never allowed.

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::Condition;

use crate::config::HttpConfig;

/// The CORS middleware; switched off entirely when no origin is configured.
pub fn middleware(config: &HttpConfig) -> Condition<Cors> {
    let origins = config.cors_origins.clone();
    let enabled = !origins.is_empty();
    let cors = Cors::default()
        .allowed_origin_fn(move |origin, head| {
            origins.iter().any(|o| o.as_bytes() == origin.as_bytes())
                || same_origin(origin.as_bytes(), head.headers().get(header::HOST))
        })
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("traceparent"),
        ])
        .expose_headers([
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("x-trace-id"),
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderName::from_static("x-export-truncated"),
            header::HeaderName::from_static("ratelimit"),
            header::HeaderName::from_static("ratelimit-policy"),
        ])
        .max_age(600);
    Condition::new(enabled, cors)
}

/// A page of this very server (its `Origin` names the host the request was sent to): the
/// SPA's own calls, which a browser marks with `Origin` too.
fn same_origin(origin: &[u8], host: Option<&header::HeaderValue>) -> bool {
    let Some(host) = host else {
        return false;
    };
    [&b"http://"[..], b"https://"]
        .iter()
        .any(|scheme| origin.strip_prefix(*scheme) == Some(host.as_bytes()))
}
