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
    AuthConfig, Batch, BatchRow, DevLoginRequest, Invitation, InvitationPage, Officer, Problem,
    SeedStatus, SignIn, TechpassStatus,
};
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::session::SessionState;

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

/// What the identity provider's token endpoint answers.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TokenResponse {
    pub id_token: Option<String>,
    pub access_token: Option<String>,
    pub expires_in: Option<i64>,
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

impl Api {
    pub fn new(session: SessionState) -> Self {
        Self { session }
    }

    pub async fn auth_config(self) -> Result<AuthConfig, Problem> {
        self.get("/auth/config", &[]).await
    }

    pub async fn dev_login(self, email: &str) -> Result<SignIn, Problem> {
        let body = DevLoginRequest {
            email: email.to_owned(),
        };
        self.send(Method::POST, &api_url("/auth/dev-login"), json(&body)?, &[])
            .await
    }

    /// Who a token belongs to; used right after an OpenID Connect sign-in, before the session
    /// exists.
    pub async fn me(self, token: &str) -> Result<Officer, Problem> {
        let bearer = format!("Bearer {token}");
        self.send(
            Method::GET,
            &api_url("/me"),
            Body::Empty,
            &[("Authorization", &bearer)],
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
        let q = query.q.trim();
        if !q.is_empty() {
            params.push(("q", q));
        }
        if let Some(status) = query.techpass_status {
            params.push(("techpass_status", status.as_str()));
        }
        if let Some(status) = query.seed_status {
            params.push(("seed_status", status.as_str()));
        }
        if let Some(cursor) = cursor {
            params.push(("cursor", cursor));
        }
        self.get("/invitations", &params).await
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

    pub async fn batch(self, id: Uuid) -> Result<Batch, Problem> {
        self.get(&format!("/batches/{id}"), &[]).await
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
        let mut url = api_url(path);
        if !query.is_empty() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{k}={}", crate::routes::encode_component(v)))
                .collect();
            url = format!("{url}?{}", pairs.join("&"));
        }
        self.send(Method::GET, &url, Body::Empty, &[]).await
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
        let headers = response.headers();
        let raw = Raw {
            status: response.status(),
            status_text: response.status_text(),
            content_type: headers.get("content-type").unwrap_or_default(),
            trace_id: headers.get("x-trace-id"),
            body: response.text().await.unwrap_or_default(),
        };
        self.judge(raw)
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

fn api_url(path: &str) -> String {
    format!("{BASE}{path}")
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Body, Problem> {
    serde_json::to_string(value)
        .map(Body::Json)
        .map_err(|e| synthesised(0, "The request could not be made", &e.to_string(), None))
}

impl Raw {
    fn into_problem(self) -> Problem {
        if self.content_type.contains("json")
            && let Ok(mut problem) = serde_json::from_str::<Problem>(&self.body)
        {
            if problem.trace_id.is_empty() {
                problem.trace_id = self.trace_id.unwrap_or_default();
            }
            return problem;
        }
        let title = match self.status {
            400 => "The request was not accepted",
            401 => "Your session has ended",
            403 => "You do not have access to this",
            404 => "Not found",
            408 | 504 => "The server took too long to answer",
            409 => "This conflicts with an existing record",
            413 => "The file is too large",
            422 => "Some fields are invalid",
            429 => "Too many requests",
            500..=599 => "Something went wrong on our side",
            _ => "The request failed",
        };
        let status = match self.status_text.trim() {
            "" => self.status.to_string(),
            text => format!("{} {text}", self.status),
        };
        let detail = format!("The server answered {status}. Try again later.");
        synthesised(self.status, title, &detail, self.trace_id)
    }
}

/// A problem found on this side, before or without any answer from the server.
pub fn local_problem(title: &str, detail: &str) -> Problem {
    synthesised(0, title, detail, None)
}

/// Random bytes from the browser's cryptographic generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    if let Ok(crypto) = window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes
}

/// A fresh `Idempotency-Key`: a random (version 4) UUID.
pub fn new_idempotency_key() -> String {
    uuid::Builder::from_random_bytes(random_bytes())
        .into_uuid()
        .to_string()
}

/// A problem made on this side, for answers that did not carry one.
fn synthesised(status: u16, title: &str, detail: &str, trace_id: Option<String>) -> Problem {
    Problem {
        problem_type: "about:blank".to_owned(),
        title: title.to_owned(),
        status,
        detail: detail.to_owned(),
        trace_id: trace_id.unwrap_or_default(),
        support_email: String::new(),
        errors: Vec::new(),
    }
}

fn unreachable_server() -> Problem {
    synthesised(
        0,
        "We could not reach the server",
        "Check your network connection, then try again.",
        None,
    )
}

fn browser_problem(error: wasm_bindgen::JsValue) -> Problem {
    let detail = error
        .as_string()
        .unwrap_or_else(|| "Your browser refused the request.".into());
    synthesised(0, "The request could not be made", &detail, None)
}

#[cfg(target_arch = "wasm32")]
async fn upload(
    url: &str,
    token: Option<String>,
    form: &web_sys::FormData,
    on_progress: impl Fn(u8) + 'static,
) -> Result<Raw, Problem> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    /// Detaches the progress handler when the upload ends or its future is dropped, so the
    /// browser never calls a freed closure.
    struct Progress {
        target: web_sys::XmlHttpRequestUpload,
        _handler: Closure<dyn FnMut(ProgressEvent)>,
    }
    impl Drop for Progress {
        fn drop(&mut self) {
            self.target.set_onprogress(None);
        }
    }

    let xhr = XmlHttpRequest::new().map_err(browser_problem)?;
    xhr.open("POST", url).map_err(browser_problem)?;
    if let Some(token) = token {
        xhr.set_request_header("Authorization", &format!("Bearer {token}"))
            .map_err(browser_problem)?;
    }
    let handler = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            on_progress((event.loaded() / event.total() * 100.0).clamp(0.0, 100.0) as u8);
        }
    });
    let target = xhr.upload().map_err(browser_problem)?;
    target.set_onprogress(Some(handler.as_ref().unchecked_ref()));
    let _progress = Progress {
        target,
        _handler: handler,
    };

    let finished = js_sys::Promise::new(&mut |resolve, reject| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
        xhr.set_onabort(Some(&reject));
        xhr.set_ontimeout(Some(&reject));
    });
    xhr.send_with_opt_form_data(Some(form))
        .map_err(browser_problem)?;
    wasm_bindgen_futures::JsFuture::from(finished)
        .await
        .map_err(|_| unreachable_server())?;

    Ok(Raw {
        status: xhr.status().unwrap_or(0),
        status_text: xhr.status_text().unwrap_or_default(),
        content_type: xhr
            .get_response_header("content-type")
            .ok()
            .flatten()
            .unwrap_or_default(),
        trace_id: xhr.get_response_header("x-trace-id").ok().flatten(),
        body: xhr.response_text().ok().flatten().unwrap_or_default(),
    })
}

/// Uploads need a browser; natively (where only `cargo test` builds this crate) there is none.
#[cfg(not(target_arch = "wasm32"))]
async fn upload(
    _url: &str,
    _token: Option<String>,
    _form: &web_sys::FormData,
    _on_progress: impl Fn(u8) + 'static,
) -> Result<Raw, Problem> {
    Err(unreachable_server())
}

#[cfg(test)]
mod tests;
