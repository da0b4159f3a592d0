//! The operator's view of delivery, and the local dev mailbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::vocabulary::{DeliveryKind, JobState};

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
