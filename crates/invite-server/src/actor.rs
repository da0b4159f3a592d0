//! The acting officer: who does something, through which door, under which trace id. Every
//! use case in `services` takes one; `auth::Caller` (the actix extractor) only produces it.

/// The officer a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub officer_id: String,
    pub email: String,
    /// The name of the API key the request authenticated with (an agency system); none for
    /// an officer signed in.
    pub api_key: Option<String>,
    /// The request's trace id, stored with what it writes (audit events).
    pub trace_id: String,
    /// The request span's W3C `traceparent` when traces are exported, stored with the delivery
    /// jobs it makes (their attempts join the request's trace).
    pub traceparent: Option<String>,
    /// The device type the sign-in token says the officer uses (the device rule's claim);
    /// none for an API key, or when the token does not say.
    pub device: Option<String>,
}

impl Actor {
    /// Whether an agency system acts, through an API key.
    pub fn via_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    /// Whom a rate limit counts: the officer signed in, or each of their API keys apart (an
    /// agency system's traffic does not use up the officer's own allowance).
    pub fn rate_key(&self) -> String {
        match &self.api_key {
            Some(key) => format!("key:{}:{key}", self.officer_id),
            None => format!("officer:{}", self.officer_id),
        }
    }

    /// Who acts, as the history records it: the officer, or their API key.
    pub fn source(&self) -> invite_core::api::EventSource {
        match self.via_api_key() {
            true => invite_core::api::EventSource::ApiKey,
            false => invite_core::api::EventSource::Officer,
        }
    }

    /// The audit channel of actions that are not invitations (key management, resends).
    pub fn audit_channel(&self) -> &'static str {
        if self.via_api_key() { "api" } else { "spa" }
    }

    /// Who acts, as a history names them: the officer's email, or the API key's name.
    pub fn label(&self) -> String {
        match &self.api_key {
            Some(name) => format!("API key \"{name}\" of {}", self.email),
            None => self.email.clone(),
        }
    }
}
