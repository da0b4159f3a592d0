//! Sign-in through an OpenID Connect provider: authorisation-code flow with PKCE (S256).
//! The state and code verifier wait in `sessionStorage` while the browser visits the provider,
//! which sends it back to the sign-in page with `?code=…&state=…`.

use invite_core::api::{OidcSessionRequest, Problem};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::{Api, local_problem, random_bytes};
use crate::routes::{AppRoute, encode_component};
use crate::session::Session;

const PENDING_KEY: &str = "invite-users.oidc";

/// What the sign-in page needs to finish, kept across the provider's redirect.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    verifier: String,
    /// Sent with the authorization request; the server finds it in the ID token.
    nonce: String,
    /// Where to go once signed in.
    next: String,
}

/// The provider's endpoints and our client id (from `GET /auth/config`).
#[derive(Debug, Clone)]
pub struct Provider {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub client_id: String,
}

fn redirect_uri() -> String {
    let origin = window().location().origin().unwrap_or_default();
    format!("{origin}{}", AppRoute::SignIn.path())
}

fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn base64url(bytes: &[u8]) -> String {
    // btoa takes a "binary string": one character per byte.
    let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
    let standard = window().btoa(&binary).unwrap_or_default();
    standard
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

async fn sha256(text: &str) -> Result<Vec<u8>, Problem> {
    let unavailable = || {
        local_problem(
            "Secure sign-in is not available",
            "Your browser cannot do secure sign-in on this page. Open Invite Users over https.",
        )
    };
    let subtle = window().crypto().map_err(|_| unavailable())?.subtle();
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", text.as_bytes())
        .map_err(|_| unavailable())?;
    let digest = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(|_| unavailable())?;
    Ok(js_sys::Uint8Array::new(&digest).to_vec())
}

/// Sends the browser to the provider's sign-in page.
pub async fn start(provider: &Provider, next: &str) -> Result<(), Problem> {
    let verifier = base64url(&random_bytes::<32>()?);
    let state = base64url(&random_bytes::<16>()?);
    let nonce = base64url(&random_bytes::<16>()?);
    let challenge = base64url(&sha256(&verifier).await?);
    let pending = Pending {
        state: state.clone(),
        verifier,
        nonce: nonce.clone(),
        next: next.to_owned(),
    };
    let stored = serde_json::to_string(&pending)
        .ok()
        .zip(session_storage())
        .is_some_and(|(text, storage)| storage.set_item(PENDING_KEY, &text).is_ok());
    if !stored {
        return Err(local_problem(
            "Sign-in could not start",
            "Your browser blocked session storage. Allow it for this site, then try again.",
        ));
    }
    let separator = if provider.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let params = [
        ("response_type", "code"),
        ("client_id", provider.client_id.as_str()),
        ("redirect_uri", &redirect_uri()),
        ("scope", "openid email profile"),
        ("state", &state),
        ("nonce", &nonce),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", encode_component(v)))
    .collect::<Vec<_>>()
    .join("&");
    let url = format!("{}{separator}{params}", provider.authorization_endpoint);
    window().location().set_href(&url).map_err(|_| {
        local_problem(
            "Sign-in could not start",
            "Your browser refused to open the sign-in page.",
        )
    })
}

/// Completes the sign-in after the provider's redirect: the session, and where to go next.
pub async fn finish(
    api: Api,
    provider: &Provider,
    code: &str,
    state: &str,
) -> Result<(Session, String), Problem> {
    let pending: Option<Pending> = session_storage().and_then(|storage| {
        let text = storage.get_item(PENDING_KEY).ok().flatten();
        let _ = storage.remove_item(PENDING_KEY);
        serde_json::from_str(&text?).ok()
    });
    let Some(pending) = pending.filter(|p| p.state == state) else {
        return Err(local_problem(
            "Sign-in could not be completed",
            "The sign-in response did not match this browser's request. Sign in again.",
        ));
    };
    let redirect_uri = redirect_uri();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri.as_str()),
        ("client_id", provider.client_id.as_str()),
        ("code_verifier", pending.verifier.as_str()),
    ];
    let tokens = api.exchange_code(&provider.token_endpoint, &form).await?;
    let id_token = tokens.id_token.ok_or_else(|| {
        local_problem(
            "Sign-in could not be completed",
            "The identity provider sent no ID token.",
        )
    })?;
    // The server verifies the ID token (and the nonce), asks the provider's UserInfo with the
    // access token when the ID token lacks the address, and answers its own session.
    let request = OidcSessionRequest {
        id_token,
        access_token: tokens.access_token,
        nonce: Some(pending.nonce),
    };
    let signed_in = api.oidc_session(&request).await?;
    Ok((signed_in.into(), pending.next))
}
