//! Webhooks to agency systems, and the events TechPass and SEED send us.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::vocabulary::{InvitationEventType, JobState};

/// A webhook endpoint to register: where to POST the events of the caller's invitations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointDraft {
    /// `https://…` on the internet (not a private or loopback address), at most 2,000
    /// characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "https://hr.agency.gov.sg/hooks/invite-users",
            max_length = 2000
        )
    )]
    pub url: String,
    /// The event types to receive; at least one.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub event_types: Vec<InvitationEventType>,
    /// What the endpoint is for, at most 200 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub description: Option<String>,
}

/// A registered webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<InvitationEventType>,
    pub created_at: DateTime<Utc>,
    /// While a rotated secret still signs too (next to the new one): until when.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
}

/// A webhook endpoint with its signing secret, shown once: at creation and at rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointWithSecret {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: verify each delivery's `webhook-signature` with it (Standard Webhooks).
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointList {
    pub items: Vec<WebhookEndpoint>,
}

/// One delivery of one event to an endpoint: the endpoint's delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: Uuid,
    /// The event (also the delivery's `webhook-id`).
    pub event_id: Uuid,
    pub event_type: InvitationEventType,
    pub invitation_id: Uuid,
    /// `pending` (tried again with backoff), `done`, `dead` (gave up) or `cancelled` (the
    /// endpoint was deleted first).
    pub state: JobState,
    pub attempts: i32,
    /// What the last failed attempt met.
    pub last_error: Option<String>,
    /// A pending delivery's next attempt.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One page of an endpoint's deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDelivery>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// An event from TechPass or SEED about one invitation, signed per Standard Webhooks.
///
/// TechPass sends `user.onboarded` (the account is active; its names fill in the status page)
/// and `user.failed` (registration refused or the account terminated); SEED sends
/// `provisioning.completed` and `provisioning.failed`. Other types are acknowledged and
/// ignored, so an upstream can add types without breaking us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpstreamEvent {
    #[serde(rename = "type")]
    pub event_type: String,
    /// When it happened at the upstream: an event older than the one that set the current
    /// status changes nothing.
    pub timestamp: DateTime<Utc>,
    pub data: UpstreamEventData,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpstreamEventData {
    /// Our invitation id, as sent in the request's `reference`.
    pub reference: Uuid,
    /// The invitee's email; must be the invitation's.
    pub email: String,
    /// The names the upstream holds (TechPass on `user.onboarded`).
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// Why it failed (`*.failed`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// What an accepted event did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpstreamEventReceipt {
    /// False when the event changed nothing: older than the current status, or of a type we
    /// do not act on.
    pub applied: bool,
}
