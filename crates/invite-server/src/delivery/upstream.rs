//! Calls to an HTTP upstream (TechPass, SEED) with reqwest: a pooled rustls client per
//! upstream, a bearer token, a per-request timeout, the job id as `Idempotency-Key`, and the
//! answer classified: 2xx done; 5xx, 408, 429 (with its `Retry-After`), timeouts and
//! connection errors retried, and 401/403 too (our credentials are wrong: the operator's to
//! fix, not the invitee's fault); any other 4xx final.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Serialize;
use tracing::Instrument;

use super::Failure;
use crate::config::{Secret, UpstreamConfig};

/// How much of an error answer is kept as its reason.
const REASON_BYTES: usize = 300;

pub struct Upstream {
    /// For messages: `TechPass`, `SEED`.
    pub name: &'static str,
    client: reqwest::Client,
    base_url: String,
    token: Secret,
}

impl Upstream {
    pub fn new(name: &'static str, config: &UpstreamConfig) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(StdDuration::from_secs(config.timeout_secs))
            .connect_timeout(StdDuration::from_secs(config.timeout_secs.min(5)))
            .user_agent(concat!("invite-users/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("{name} client: {e}"))?;
        Ok(Self {
            name,
            client,
            base_url: config.base_url.clone(),
            token: config.token.clone(),
        })
    }

    /// POSTs `body` as JSON to `path` (below the base URL), once per `idempotency_key`.
    pub async fn post(
        &self,
        path: &str,
        body: &impl Serialize,
        idempotency_key: &str,
    ) -> Result<(), Failure> {
        let request = self
            .client
            .post(self.url(path))
            .header("Idempotency-Key", idempotency_key)
            .json(body);
        self.judged(self.call("POST", path, request).await?)
            .await
            .map(drop)
    }

    /// POSTs `body` and reads the JSON answer (a question, not an action: no idempotency key).
    pub async fn post_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, Failure> {
        let request = self.client.post(self.url(path)).json(body);
        let response = self.judged(self.call("POST", path, request).await?).await?;
        self.read_json(response).await
    }

    /// GETs `path` as JSON; `None` when the upstream does not know it (404).
    pub async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, Failure> {
        let response = self
            .call("GET", path, self.client.get(self.url(path)))
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = self.judged(response).await?;
        self.read_json(response).await.map(Some)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends with the token, as a span of the current trace (continued upstream by a
    /// `traceparent` when traces are exported). No answer at all (a timeout, no connection) is
    /// retryable.
    async fn call(
        &self,
        method: &str,
        path: &str,
        mut request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Failure> {
        let span = tracing::info_span!(
            "upstream",
            otel.name = format!("{} {method} {path}", self.name),
            otel.kind = "client",
            upstream = self.name,
        );
        if let Some(traceparent) = crate::trace_export::traceparent(&span) {
            request = request.header("traceparent", traceparent);
        }
        request
            .bearer_auth(self.token.expose())
            .send()
            .instrument(span)
            .await
            .map_err(|error| {
                let what = if error.is_timeout() {
                    "did not answer in time"
                } else if error.is_connect() {
                    "could not be reached"
                } else {
                    "could not be called"
                };
                Failure::Retryable {
                    // Without the URL's query or the error's own URL: nothing secret leaks.
                    reason: format!("{} {what} ({})", self.name, without_url(&error)),
                    retry_after: None,
                }
            })
    }

    /// A 2xx answer, or the failure its status means.
    async fn judged(&self, response: reqwest::Response) -> Result<reqwest::Response, Failure> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(response.headers(), Utc::now());
        let detail = error_detail(response).await;
        Err(classify(self.name, status, retry_after, &detail))
    }

    async fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, Failure> {
        response.json().await.map_err(|e| Failure::Retryable {
            reason: format!("{} answered something unreadable: {e}", self.name),
            retry_after: None,
        })
    }
}

fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(url.as_str(), "…");
    }
    text
}

/// What the upstream said went wrong: a problem's `detail` or `title`, an error's `message` or
/// `error`, or the first bytes of the body.
async fn error_detail(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= 4096 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&body);
    let from_json = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|json| {
            ["detail", "message", "error", "title"]
                .iter()
                .find_map(|key| json.get(key)?.as_str().map(str::to_owned))
        });
    let detail = from_json.unwrap_or_else(|| text.trim().to_owned());
    let mut cut = detail.len().min(REASON_BYTES);
    while !detail.is_char_boundary(cut) {
        cut -= 1;
    }
    detail[..cut].to_owned()
}

/// Retry or give up, by the status the upstream answered.
pub fn classify(
    name: &str,
    status: StatusCode,
    retry_after: Option<Duration>,
    detail: &str,
) -> Failure {
    let said = if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    };
    let reason = format!("{name} answered {}{said}", status.as_u16());
    let retryable = status.is_server_error()
        || matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
        );
    if retryable {
        Failure::Retryable {
            reason,
            retry_after,
        }
    } else {
        Failure::Permanent { reason }
    }
}

/// `Retry-After` as a wait: delay-seconds or an HTTP date (RFC 9110).
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<i64>() {
        return (seconds >= 0).then(|| Duration::seconds(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).max(Duration::zero()))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).expect("header"));
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(
            retry_after(&headers("120"), now),
            Some(Duration::seconds(120))
        );
        assert_eq!(
            retry_after(&headers("Wed, 02 Dec 2026 10:01:30 GMT"), now),
            Some(Duration::seconds(90))
        );
        assert_eq!(
            retry_after(&headers("Wed, 02 Dec 2026 09:00:00 GMT"), now),
            Some(Duration::zero())
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&headers("-5"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn server_errors_throttling_timeouts_and_our_credentials_retry_other_client_errors_do_not() {
        for status in [500, 502, 503, 429, 408, 401, 403] {
            let status = StatusCode::from_u16(status).expect("status");
            assert!(
                matches!(
                    classify("TechPass", status, None, ""),
                    Failure::Retryable { .. }
                ),
                "{status}"
            );
        }
        for status in [400, 404, 409, 410, 422] {
            let status = StatusCode::from_u16(status).expect("status");
            assert!(
                matches!(
                    classify("TechPass", status, None, ""),
                    Failure::Permanent { .. }
                ),
                "{status}"
            );
        }
        assert_eq!(
            classify("SEED", StatusCode::CONFLICT, None, "already provisioned").reason(),
            "SEED answered 409: already provisioned"
        );
    }
}
