//! The SPA's one HTTP client. Every call goes through [`Api::send`], which adds the bearer token
//! and turns any non-2xx answer into the API's [`Problem`]: the server's problem+json when there
//! is one, otherwise one synthesised from the status and the `X-Trace-Id` header. A 401 ends the
//! session, which sends the officer to the sign-in page.
#![cfg_attr(
    not(target_arch = "wasm32"),
    expect(
        clippy::result_large_err,
        reason = "Problem is the API's error as it is; on wasm32, where this runs, it is half the size"
    )
)]

use gloo_net::http::{Method, RequestBuilder};
use invite_core::InvitationDraft;
use invite_core::api::{
    ApiKeyList, AuthConfig, Batch, BatchPage, BatchRow, BatchRowPage, CreatedApiKey,
    DevLoginRequest, Invitation, InvitationEventPage, InvitationPage, Mailbox, OidcSessionRequest,
    Problem, SeedStatus, SignIn, TechpassStatus, WebhookDeliveryPage, WebhookEndpointDraft,
    WebhookEndpointList, WebhookEndpointWithSecret,
};
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::session::SessionState;

mod download;
mod problems;
mod upload;

pub use problems::local_problem;
use problems::{browser_problem, synthesised, unreachable_server};
use upload::upload;

const BASE: &str = "/api/v1";
/// Invitations per page on Invite User Status.
pub const PAGE_SIZE: u32 = 25;

/// The client, provided as context by the app shell.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    session: SessionState,
}

pub fn use_api() -> Api {
    expect_context()
}

/// Filters of `GET /invitations`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvitationQuery {
    pub q: String,
    pub techpass_status: Option<TechpassStatus>,
    pub seed_status: Option<SeedStatus>,
}

impl InvitationQuery {
    /// The filters as query parameters (search text trimmed, empty ones left out).
    fn params(&self) -> Vec<(&'static str, &str)> {
        let mut params = Vec::new();
        let q = self.q.trim();
        if !q.is_empty() {
            params.push(("q", q));
        }
        if let Some(status) = self.techpass_status {
            params.push(("techpass_status", status.as_str()));
        }
        if let Some(status) = self.seed_status {
            params.push(("seed_status", status.as_str()));
        }
        params
    }
}

/// What the identity provider's token endpoint answers.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TokenResponse {
    pub id_token: Option<String>,
    pub access_token: Option<String>,
}

enum Body {
    Empty,
    Json(String),
    /// `application/x-www-form-urlencoded`, already encoded.
    Form(String),
}

/// A response as received, before it is judged.
struct Raw {
    status: u16,
    status_text: String,
    content_type: String,
    trace_id: Option<String>,
    body: String,
}

impl Raw {
    /// What `judge` needs of a response: its status, content type, trace id and text.
    async fn read(response: gloo_net::http::Response) -> Raw {
        let headers = response.headers();
        Raw {
            status: response.status(),
            status_text: response.status_text(),
            content_type: headers.get("content-type").unwrap_or_default(),
            trace_id: headers.get("x-trace-id"),
            body: response.text().await.unwrap_or_default(),
        }
    }
}

impl Api {
    pub fn new(session: SessionState) -> Self {
        Self { session }
    }

    pub async fn auth_config(self) -> Result<AuthConfig, Problem> {
        self.get("/auth/config", &[]).await
    }

    pub async fn dev_login(self, email: &str, device_type: &str) -> Result<SignIn, Problem> {
        let body = DevLoginRequest {
            email: email.to_owned(),
            device_type: Some(device_type.to_owned()),
        };
        self.send(Method::POST, &api_url("/auth/dev-login"), json(&body)?, &[])
            .await
    }

    /// Exchanges the provider's tokens for the server's session (`POST /auth/oidc-session`).
    pub async fn oidc_session(self, request: &OidcSessionRequest) -> Result<SignIn, Problem> {
        self.send(
            Method::POST,
            &api_url("/auth/oidc-session"),
            json(request)?,
            &[],
        )
        .await
    }

    /// Exchanges an authorisation code at the identity provider (OpenID Connect with PKCE).
    pub async fn exchange_code(
        self,
        token_endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<TokenResponse, Problem> {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::routes::encode_component(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(Method::POST, token_endpoint, Body::Form(body), &[])
            .await
    }

    pub async fn create_invitation(
        self,
        draft: &InvitationDraft,
        idempotency_key: &str,
    ) -> Result<Invitation, Problem> {
        let headers = [("Idempotency-Key", idempotency_key)];
        self.send(
            Method::POST,
            &api_url("/invitations"),
            json(draft)?,
            &headers,
        )
        .await
    }

    pub async fn invitations(
        self,
        query: &InvitationQuery,
        cursor: Option<&str>,
    ) -> Result<InvitationPage, Problem> {
        let limit = PAGE_SIZE.to_string();
        let mut params = vec![("limit", limit.as_str())];
        params.extend(query.params());
        if let Some(cursor) = cursor {
            params.push(("cursor", cursor));
        }
        self.get("/invitations", &params).await
    }

    /// Download on Invite User Status: the filtered list as an `.xlsx`.
    pub async fn download_invitations(self, query: &InvitationQuery) -> Result<(), Problem> {
        self.download("/invitations/export", &query.params(), "invitations.xlsx")
            .await
    }

    pub async fn invitation(self, id: Uuid) -> Result<Invitation, Problem> {
        self.get(&format!("/invitations/{id}"), &[]).await
    }

    pub async fn resend(self, id: Uuid) -> Result<Invitation, Problem> {
        self.send(
            Method::POST,
            &api_url(&format!("/invitations/{id}/resend")),
            Body::Empty,
            &[],
        )
        .await
    }

    pub async fn revoke(self, id: Uuid) -> Result<Invitation, Problem> {
        self.send(
            Method::POST,
            &api_url(&format!("/invitations/{id}/revoke")),
            Body::Empty,
            &[],
        )
        .await
    }

    /// The dev mailbox; `None` when the server sends email through SMTP instead (404).
    pub async fn dev_mailbox(self) -> Result<Option<Mailbox>, Problem> {
        match self.get("/dev/mailbox", &[]).await {
            Ok(mailbox) => Ok(Some(mailbox)),
            Err(problem) if problem.status == 404 => Ok(None),
            Err(problem) => Err(problem),
        }
    }

    pub async fn batch(self, id: Uuid) -> Result<Batch, Problem> {
        self.get(&format!("/batches/{id}"), &[]).await
    }

    /// The officer's batches, newest first.
    pub async fn batches(self, cursor: Option<&str>) -> Result<BatchPage, Problem> {
        let mut params = vec![("limit", "25")];
        if let Some(cursor) = cursor {
            params.push(("cursor", cursor));
        }
        self.get("/batches", &params).await
    }

    pub async fn api_keys(self) -> Result<ApiKeyList, Problem> {
        self.get("/api-keys", &[]).await
    }

    pub async fn create_api_key(self, name: &str) -> Result<CreatedApiKey, Problem> {
        let body = json(&serde_json::json!({ "name": name }))?;
        self.send(Method::POST, &api_url("/api-keys"), body, &[])
            .await
    }

    pub async fn revoke_api_key(self, id: Uuid) -> Result<(), Problem> {
        let url = api_url(&format!("/api-keys/{id}"));
        self.send(Method::DELETE, &url, Body::Empty, &[]).await
    }

    pub async fn webhooks(self) -> Result<WebhookEndpointList, Problem> {
        self.get("/webhooks", &[]).await
    }

    pub async fn create_webhook(
        self,
        draft: &WebhookEndpointDraft,
    ) -> Result<WebhookEndpointWithSecret, Problem> {
        self.send(Method::POST, &api_url("/webhooks"), json(draft)?, &[])
            .await
    }

    pub async fn delete_webhook(self, id: Uuid) -> Result<(), Problem> {
        let url = api_url(&format!("/webhooks/{id}"));
        self.send(Method::DELETE, &url, Body::Empty, &[]).await
    }

    pub async fn rotate_webhook_secret(
        self,
        id: Uuid,
    ) -> Result<WebhookEndpointWithSecret, Problem> {
        let url = api_url(&format!("/webhooks/{id}/rotate-secret"));
        self.send(Method::POST, &url, Body::Empty, &[]).await
    }

    pub async fn webhook_deliveries(self, id: Uuid) -> Result<WebhookDeliveryPage, Problem> {
        self.get(&format!("/webhooks/{id}/deliveries"), &[("limit", "25")])
            .await
    }

    pub async fn invitation_events(self, id: Uuid) -> Result<InvitationEventPage, Problem> {
        self.get(&format!("/invitations/{id}/events"), &[("limit", "500")])
            .await
    }

    /// Downloads a file from the API (with the session's token, so not a plain link) and hands
    /// it to the browser as `fallback_name` unless the server names it.
    pub async fn download(
        self,
        path: &str,
        query: &[(&str, &str)],
        fallback_name: &str,
    ) -> Result<(), Problem> {
        let url = api_url_with(path, query);
        let mut builder = RequestBuilder::new(&url).method(Method::GET);
        if let Some(token) = self.session.token() {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        let request = builder
            .build()
            .map_err(|e| synthesised(0, "The request could not be made", &e.to_string(), None))?;
        let response = request.send().await.map_err(|_| unreachable_server())?;
        if !(200..300).contains(&response.status()) {
            return self.judge::<()>(Raw::read(response).await);
        }
        let name = response
            .headers()
            .get("content-disposition")
            .and_then(|d| download::filename(&d))
            .unwrap_or_else(|| fallback_name.to_owned());
        let bytes = response.binary().await.map_err(|_| unreachable_server())?;
        download::save(&bytes, &name).map_err(browser_problem)
    }

    /// One page of a batch's rows in sheet order, optionally only those that need attention.
    pub async fn batch_rows(
        self,
        id: Uuid,
        limit: usize,
        attention_only: bool,
        cursor: Option<&str>,
    ) -> Result<BatchRowPage, Problem> {
        let limit = limit.to_string();
        let mut params = vec![("limit", limit.as_str())];
        if attention_only {
            params.push(("status", "invalid,failed"));
        }
        if let Some(cursor) = cursor {
            params.push(("cursor", cursor));
        }
        self.get(&format!("/batches/{id}/rows"), &params).await
    }

    pub async fn save_row(
        self,
        batch: Uuid,
        row: Uuid,
        draft: &InvitationDraft,
    ) -> Result<BatchRow, Problem> {
        let url = api_url(&format!("/batches/{batch}/rows/{row}"));
        self.send(Method::PUT, &url, json(draft)?, &[]).await
    }

    pub async fn remove_row(self, batch: Uuid, row: Uuid) -> Result<(), Problem> {
        let url = api_url(&format!("/batches/{batch}/rows/{row}"));
        self.send(Method::DELETE, &url, Body::Empty, &[]).await
    }

    pub async fn reset_batch(self, batch: Uuid) -> Result<(), Problem> {
        let url = api_url(&format!("/batches/{batch}/rows"));
        self.send(Method::DELETE, &url, Body::Empty, &[]).await
    }

    pub async fn submit_batch(self, batch: Uuid) -> Result<Batch, Problem> {
        let url = api_url(&format!("/batches/{batch}/submit"));
        self.send(Method::POST, &url, Body::Empty, &[]).await
    }

    /// Uploads a filled-in template as multipart part `file`. Uses XMLHttpRequest rather than
    /// fetch because only it reports upload progress (`on_progress` gets whole percents).
    pub async fn upload_batch(
        self,
        file: &web_sys::File,
        on_progress: impl Fn(u8) + 'static,
    ) -> Result<Batch, Problem> {
        let form = web_sys::FormData::new().map_err(browser_problem)?;
        form.append_with_blob_and_filename("file", file, &file.name())
            .map_err(browser_problem)?;
        let raw = upload(
            &api_url("/batches"),
            self.session.token(),
            &form,
            on_progress,
        )
        .await?;
        self.judge(raw)
    }

    async fn get<T: DeserializeOwned>(
        self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Problem> {
        self.send(Method::GET, &api_url_with(path, query), Body::Empty, &[])
            .await
    }

    /// Sends one request. Calls to the API carry the session's token unless `headers` brings
    /// its own `Authorization`.
    async fn send<T: DeserializeOwned>(
        self,
        method: Method,
        url: &str,
        body: Body,
        headers: &[(&str, &str)],
    ) -> Result<T, Problem> {
        let mut builder = RequestBuilder::new(url).method(method);
        let own_auth = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"));
        if url.starts_with(BASE)
            && !own_auth
            && let Some(token) = self.session.token()
        {
            builder = builder.header("Authorization", &format!("Bearer {token}"));
        }
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        let request = match body {
            Body::Empty => builder.build(),
            Body::Json(text) => builder
                .header("Content-Type", "application/json")
                .body(text),
            Body::Form(text) => builder
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(text),
        }
        .map_err(|e| synthesised(0, "The request could not be made", &e.to_string(), None))?;
        let response = request.send().await.map_err(|_| unreachable_server())?;
        self.judge(Raw::read(response).await)
    }

    /// Decodes a 2xx body, or turns anything else into a [`Problem`].
    fn judge<T: DeserializeOwned>(self, raw: Raw) -> Result<T, Problem> {
        if (200..300).contains(&raw.status) {
            // 204 and other empty bodies decode as `()`.
            let body = if raw.body.trim().is_empty() {
                "null"
            } else {
                raw.body.as_str()
            };
            return serde_json::from_str(body).map_err(|_| {
                synthesised(
                    raw.status,
                    "The server's answer could not be read",
                    "Reload the page and try again.",
                    raw.trace_id.clone(),
                )
            });
        }
        if raw.status == 401 {
            self.session.expire();
        }
        Err(raw.into_problem())
    }
}

/// `api_url(path)` with the query parameters, percent-encoded.
fn api_url_with(path: &str, query: &[(&str, &str)]) -> String {
    let url = api_url(path);
    if query.is_empty() {
        return url;
    }
    let pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::routes::encode_component(v)))
        .collect();
    format!("{url}?{}", pairs.join("&"))
}

fn api_url(path: &str) -> String {
    format!("{BASE}{path}")
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Body, Problem> {
    serde_json::to_string(value)
        .map(Body::Json)
        .map_err(|e| synthesised(0, "The request could not be made", &e.to_string(), None))
}

/// Random bytes from the browser's cryptographic generator. Fails closed: without one there
/// is no PKCE verifier, sign-in state or idempotency key worth the name, so the caller shows
/// the problem instead of going on with zeros.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], Problem> {
    let mut bytes = [0; N];
    window()
        .crypto()
        .ok()
        .and_then(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).ok())
        .map(|_| bytes)
        .ok_or_else(|| {
            local_problem(
                "Your browser cannot do this safely",
                "It gave no cryptographic random numbers. Use a current browser, then try again.",
            )
        })
}

/// A fresh `Idempotency-Key`: a random (version 4) UUID.
pub fn new_idempotency_key() -> Result<String, Problem> {
    Ok(uuid::Builder::from_random_bytes(random_bytes()?)
        .into_uuid()
        .to_string())
}

#[cfg(test)]
mod tests;
