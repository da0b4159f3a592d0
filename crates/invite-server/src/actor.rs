//! The acting officer: who does something, through which door, under which trace id. Every
//! use case in `services` takes one; `auth::Caller` (the actix extractor) only produces it.

/// The officer a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub officer_id: String,
    pub email: String,
    /// True when the request authenticated with an API key (an agency system).
    pub via_api_key: bool,
    /// The request's trace id, stored with what it writes (audit events).
    pub trace_id: String,
}

impl Actor {
    /// The audit channel of actions that are not invitations (key management, resends).
    pub fn audit_channel(&self) -> &'static str {
        if self.via_api_key { "api" } else { "spa" }
    }
}
