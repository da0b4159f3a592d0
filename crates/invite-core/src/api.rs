//! The REST API's data types, shared by server and SPA so that they cannot disagree.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::invitee::{InvitationDraft, InvitationFields};
pub use crate::vocabulary::{
    BatchRowStatus, BatchSource, BatchStatus, Channel, DeliveryKind, EventSource,
    InvitationEventType, JobState, SeedStatus, TechpassStatus, UpstreamSource, UserType,
};

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevLoginRequest {
    /// A public officer's address, e.g. `jane_tan@tech.gov.sg`.
    #[cfg_attr(feature = "openapi", schema(example = "jane_tan@tech.gov.sg"))]
    pub email: String,
    /// The device the officer signs in from, as an identity provider's device claim would say
    /// (see [`crate::device`]); `non_se_gsib` when absent. Lets the device rule be tried
    /// locally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "non_se_gsib"))]
    pub device_type: Option<String>,
}

/// The end of an OpenID Connect sign-in (authorization code flow with PKCE): what the
/// provider's token endpoint answered, and the `nonce` the SPA put in its request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OidcSessionRequest {
    /// The provider's ID token for this client.
    pub id_token: String,
    /// The access token from the same exchange: asked of UserInfo when the ID token does not
    /// carry the officer's address (providers that answer the `email` scope there only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The `nonce` sent with the authorization request; the ID token must carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// The signed-in officer, and whether they may invite from the device they signed in from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Officer {
    pub id: Uuid,
    pub email: String,
    /// Whether the device rule lets this officer invite from here (always true when the
    /// server has no device rule).
    #[serde(default = "yes")]
    pub can_invite: bool,
    /// Why not, in words for the officer, when `can_invite` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cannot_invite_because: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub officer: Officer,
}

/// How the SPA should sign in: the built-in sign-in, or OpenID Connect with PKCE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AuthConfig {
    DevLogin,
    Oidc {
        authorization_endpoint: String,
        token_endpoint: String,
        client_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKey {
    /// What the key is for, e.g. the calling system's name (1–100 characters).
    #[cfg_attr(feature = "openapi", schema(example = "HR onboarding system"))]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the secret, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Shown once; only its hash is stored. Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchSummary {
    pub total: u32,
    pub valid: u32,
    pub invalid: u32,
    pub submitted: u32,
}

/// One spreadsheet row of a batch, with its fields as entered (normalised where valid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRow {
    pub id: Uuid,
    /// The row in sheet `Users` (the header is row 1).
    pub row_number: u32,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub fields: InvitationDraft,
    pub status: BatchRowStatus,
    pub errors: Vec<BatchRowError>,
    pub invitation_id: Option<Uuid>,
}

/// A row error: a field error plus the sheet cell it points at (e.g. `E7`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRowError {
    pub field: String,
    pub code: String,
    pub message: String,
    /// The sheet cell, e.g. `E7`; null for a row sent as JSON.
    pub cell: Option<String>,
}

impl BatchRowError {
    /// The error as an officer reads it: `E7: message`, or the field's label when there is no
    /// cell (`Email address: message`).
    pub fn located(&self) -> String {
        let place = match &self.cell {
            Some(cell) => cell.as_str(),
            None => crate::error::Field::from_name(&self.field)
                .map_or(self.field.as_str(), |f| f.label()),
        };
        format!("{place}: {}", self.message)
    }
}

/// A batch without its rows: what the list of batches shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchOverview {
    pub id: Uuid,
    /// The uploaded file's name, or the `name` given with JSON rows.
    pub filename: String,
    pub source: BatchSource,
    pub created_at: DateTime<Utc>,
    pub status: BatchStatus,
    pub summary: BatchSummary,
}

/// How the invitations of a batch's submitted rows are getting on, counted per invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchDelivery {
    /// The invitation email went out.
    pub sent: u32,
    /// The invitation failed (its `failure_reason` says why).
    pub failed: u32,
    /// Waiting for its first email.
    pub pending: u32,
}

/// A batch with its first rows, in sheet order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub overview: BatchOverview,
    pub delivery: BatchDelivery,
    /// Every row of a batch of up to 500 rows; of a larger one, the first 500 (the rest through
    /// `GET /batches/{id}/rows`, from `rows_next_cursor`).
    pub rows: Vec<BatchRow>,
    /// Pass as `cursor` to `GET /batches/{id}/rows` for the rows after `rows`; null when `rows`
    /// holds them all.
    pub rows_next_cursor: Option<String>,
}

/// Rows to stage as a batch without a spreadsheet: `POST /batches` with `application/json`.
/// They are validated exactly as the rows of an upload; a row's `row_number` is its position
/// in `rows`, from 1, and its errors name fields, not cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRowsRequest {
    /// Shown as the batch's `filename`; `rows.json` when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 255))]
    pub name: Option<String>,
    /// 1–50,000 rows, each with the fields `POST /invitations` takes (`user_type` also as
    /// the template's `Public officer` / `Vendor`).
    pub rows: Vec<InvitationDraft>,
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

/// One page of the caller's batches, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchPage {
    pub items: Vec<BatchOverview>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One page of a batch's rows, in sheet order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRowPage {
    pub items: Vec<BatchRow>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A delivery job, as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryJob {
    pub id: Uuid,
    pub invitation_id: Uuid,
    pub kind: DeliveryKind,
    pub state: JobState,
    /// Attempts so far (counted when an attempt starts).
    pub attempts: i32,
    /// A pending job's next attempt is not before this (the end of its lease while an attempt
    /// runs).
    pub run_after: DateTime<Utc>,
    /// Why the last attempt failed, as the upstream said it.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One page of delivery jobs, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryJobPage {
    pub items: Vec<DeliveryJob>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// What the outbox holds now, over all replicas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryBacklog {
    /// Jobs waiting: due now, backing off after a failure, or being attempted.
    pub pending: i64,
    /// Pending jobs whose time has come (none being attempted or backing off).
    pub due: i64,
    /// Jobs that gave up, waiting for an operator's retry.
    pub dead: i64,
    /// When the longest-waiting due job became due; null when none is due.
    pub oldest_due_at: Option<DateTime<Utc>>,
}

/// An email the dev mailbox received (`GET /api/v1/dev/mailbox`, only while no SMTP relay is
/// configured).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxEmail {
    pub to: String,
    pub reply_to: String,
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Every link in the email, in order.
    pub links: Vec<String>,
    pub received_at: DateTime<Utc>,
}

/// The dev mailbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub items: Vec<MailboxEmail>,
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
