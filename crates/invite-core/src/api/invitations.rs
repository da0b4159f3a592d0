//! Invitations as the API returns them: one, a page, and their history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::invitee::InvitationFields;
use crate::vocabulary::{Channel, EventSource, InvitationEventType, SeedStatus, TechpassStatus};

/// An invitation as returned by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: Uuid,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub fields: InvitationFields,
    pub channel: Channel,
    pub invited_at: DateTime<Utc>,
    pub last_sent_at: DateTime<Utc>,
    pub techpass_status: TechpassStatus,
    pub seed_status: SeedStatus,
    /// Whether `POST …/resend` would send now.
    pub can_resend: bool,
    /// When a resend is next allowed; null once onboarded or failed.
    pub next_resend_at: Option<DateTime<Utc>>,
    /// Why the invitation failed, in words for the officer (for example, the invitee's mail
    /// server refused the address); null unless a status is `failed`.
    pub failure_reason: Option<String>,
    /// When the officer revoked it; null unless `techpass_status` is `revoked`.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Until when the invitee can take the invitation up: an officer's registration link (5
    /// days from the latest email), a vendor's account activation (30 days from its creation).
    /// Null before the first delivery and once onboarded or ended. Past it, the status is
    /// `expired`.
    pub expires_at: Option<DateTime<Utc>>,
    /// Until when SEED onboarding can be completed (30 days from the SEED request); null unless
    /// `seed_status` is `pending` and the request went out.
    pub seed_expires_at: Option<DateTime<Utc>>,
    /// When anything about the invitation last changed (a status, a send, a revocation): the
    /// key of the change feed (`GET /invitations?updated_since=`).
    pub updated_at: DateTime<Utc>,
}

/// One page of invitations, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationPage {
    pub items: Vec<Invitation>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One change in an invitation's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationEvent {
    /// Unique; also the `webhook-id` of the event's webhook deliveries.
    pub id: Uuid,
    pub invitation_id: Uuid,
    #[serde(rename = "type")]
    pub event_type: InvitationEventType,
    pub source: EventSource,
    /// Who: the officer's email, or the API key's name; null for TechPass, SEED and the
    /// service itself.
    pub actor: Option<String>,
    /// More about it, in words: why it failed, for example.
    pub detail: Option<String>,
    /// The request's trace id, when a request made the change.
    pub trace_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// One page of an invitation's history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationEventPage {
    pub items: Vec<InvitationEvent>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}
