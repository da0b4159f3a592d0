//! The REST API's data types, shared by server and SPA so that they cannot disagree: one
//! module per resource, all re-exported here (`invite_core::api::Invitation`).

mod access;
mod batches;
mod integrations;
mod invitations;
mod operations;

use serde::{Deserialize, Serialize};

pub use access::*;
pub use batches::*;
pub use integrations::*;
pub use invitations::*;
pub use operations::*;

use crate::error::FieldError;
pub use crate::vocabulary::{
    BatchRowStatus, BatchSource, BatchStatus, Channel, DeliveryKind, EventSource,
    InvitationEventType, JobState, SeedStatus, TechpassStatus, UpstreamSource, UserType,
};

/// RFC 9457 problem details, with this API's extensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "type": "https://invite-users.tech.gov.sg/problems/validation", "title": "Some fields are invalid",
    "status": 422, "detail": "2 fields are invalid.", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "support_email": "support@invite-users.tech.gov.sg",
    "errors": [{"field": "email", "code": "not_public_officer_email", "message": "Enter a public officer's email address in the format <your_name>@<agency>.gov.sg."}]
})))]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Quote it when you contact support; the server log carries the same id.
    pub trace_id: String,
    pub support_email: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}
