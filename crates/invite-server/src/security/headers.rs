//! Security headers. Each kind of response gets the narrowest Content-Security-Policy it works
//! under:
//!
//! - the SPA: its own scripts, the WebAssembly module (`'wasm-unsafe-eval'`) and the inline
//!   module script that starts it, by hash; API calls to itself and the identity provider;
//! - the server-rendered pages (`/accept/…`, the stand-ins' `/dev/…`): their one inline
//!   stylesheet by hash, forms posting to this server (and redirecting to TechPass's sign-up);
//! - Swagger UI: its scripts and styles from this server;
//! - everything else (the API, JSON, downloads): nothing at all.
//!
//! Every response: `frame-ancestors 'none'`, `X-Content-Type-Options: nosniff`,
//! `Referrer-Policy: no-referrer`, and HSTS when `INVITES_HSTS` is set. `/api` answers are
//! `Cache-Control: no-store`: they hold personal data.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::config::{Config, origin_of};
use crate::routes::html::PAGE_STYLE;

/// The headers, built once at start-up.
pub struct SecurityHeaders {
    spa: HeaderValue,
    pages: HeaderValue,
    docs: HeaderValue,
    data: HeaderValue,
    hsts: Option<HeaderValue>,
}

/// Common to every policy: no framing, no `<base>`, no plugins.
const COMMON: &str = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

impl SecurityHeaders {
    /// `index_html` is the SPA's start page (its inline scripts are allowed by hash);
    /// `signup_link` is where an accepted invitation's form redirects.
    pub fn new(config: &Config, index_html: Option<&str>, signup_link: &str) -> Self {
        let scripts: String = index_html
            .map(inline_scripts)
            .unwrap_or_default()
            .iter()
            .map(|script| format!(" '{}'", sha256_source(script)))
            .collect();
        let mut connect: Vec<String> = vec!["'self'".into()];
        connect.extend(
            config
                .oidc
                .as_ref()
                .and_then(|oidc| origin_of(&oidc.issuer)),
        );
        connect.extend(config.http.csp_connect_src.iter().cloned());
        let signup = origin_of(signup_link)
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        let value = |policy: String| {
            HeaderValue::from_str(&policy).expect("policies are built from origins and hashes")
        };
        Self {
            spa: value(format!(
                "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{scripts}; \
                 style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src {}; \
                 form-action 'self'; {COMMON}",
                connect.join(" ")
            )),
            pages: value(format!(
                "default-src 'none'; style-src '{}'; form-action 'self'{signup}; {COMMON}",
                sha256_source(PAGE_STYLE)
            )),
            docs: value(format!(
                "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data:; connect-src 'self'; form-action 'self'; {COMMON}"
            )),
            data: value(format!("default-src 'none'; {COMMON}")),
            hsts: config
                .http
                .hsts
                .then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
        }
    }

    fn policy_for(&self, path: &str) -> &HeaderValue {
        if path.starts_with("/api/")
            || path.starts_with("/api-docs/")
            || matches!(path, "/api" | "/healthz" | "/readyz" | "/metrics")
        {
            &self.data
        } else if path.starts_with("/swagger-ui") {
            &self.docs
        } else if path.starts_with("/accept/") || path.starts_with("/dev/") {
            &self.pages
        } else {
            &self.spa
        }
    }
}

/// The middleware: adds the headers to every response.
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(policies) = req.app_data::<web::Data<SecurityHeaders>>().cloned() else {
        return next.call(req).await;
    };
    let path = req.path().to_owned();
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        policies.policy_for(&path).clone(),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if let Some(hsts) = &policies.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    if path.starts_with("/api/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// The contents of every `<script>` without a `src` in `html`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            scripts.push(&body[..close]);
        }
        rest = &body[close..];
    }
    scripts
}

/// A CSP hash source (`sha256-…`) of `text`.
fn sha256_source(text: &str) -> String {
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = "<head><script src=\"/a.js\"></script><script type=\"module\">boot()</script>\
                    </head><body><script>two</script></body>";
        assert_eq!(inline_scripts(html), ["boot()", "two"]);
        assert!(inline_scripts("<script>unclosed").is_empty());
    }

    #[test]
    fn hash_sources_match_the_csp_spec_example() {
        // The CSP spec's example: `alert('Hello, world.');`
        assert_eq!(
            sha256_source("alert('Hello, world.');"),
            "sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng="
        );
    }
}
