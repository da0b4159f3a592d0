//! Delivery of invitations upstream through the outbox in `db::outbox`: the worker that claims
//! and settles jobs, the gateways it sends through, and when a failed job is tried again.
//!
//! Email goes over SMTP (`smtp`) when a relay is configured, else to the built-in dev mailbox
//! (`mailbox`). TechPass (`techpass`) and SEED (`seed`) are HTTP upstreams (`upstream`) behind
//! the `Provisioner` trait.

pub mod directory;
pub mod email;
pub mod gateways;
pub mod mailbox;
pub mod retry;
pub mod seed;
pub mod smtp;
mod sweeps;
pub mod techpass;
pub mod upstream;
pub mod webhooks;
pub mod wire;
pub mod worker;

use std::future::Future;
use std::pin::Pin;

use chrono::Duration;

/// Why an attempt failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The upstream may accept it later (5xx, 429, a timeout, no connection); `retry_after` is
    /// the upstream's own hint.
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The upstream refused it for good (4xx other than 429), or nothing can deliver it.
    Permanent { reason: String },
}

impl Failure {
    pub fn reason(&self) -> &str {
        match self {
            Failure::Retryable { reason, .. } | Failure::Permanent { reason } => reason,
        }
    }
}

/// A future a gateway returns; boxed so that gateways can sit behind `dyn`.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<(), Failure>> + Send + 'a>>;

/// Sends an email: over SMTP, or into the dev mailbox.
pub trait EmailSender: Send + Sync {
    fn send<'a>(&'a self, email: &'a email::OutgoingEmail) -> Sending<'a>;
}

/// What an upstream currently says about an invitation, as the event it would have sent;
/// `None` while nothing has happened there (or it does not know the invitation).
pub type Checking<'a> = Pin<
    Box<dyn Future<Output = Result<Option<invite_core::api::UpstreamEvent>, Failure>> + Send + 'a>,
>;

/// The event an upstream would have sent about `invitation`: `event_type` reached at `at`.
pub fn read_back_event(
    invitation: &crate::db::invitations::InvitationRow,
    event_type: &str,
    at: chrono::DateTime<chrono::Utc>,
    names: (Option<String>, Option<String>),
    reason: Option<String>,
) -> Result<invite_core::api::UpstreamEvent, Failure> {
    let reference =
        crate::db::parse_id("invitations", &invitation.id).map_err(|e| Failure::Permanent {
            reason: e.to_string(),
        })?;
    Ok(invite_core::api::UpstreamEvent {
        event_type: event_type.into(),
        timestamp: at,
        data: invite_core::api::UpstreamEventData {
            reference,
            email: invitation.fields.email.clone(),
            first_name: names.0,
            last_name: names.1,
            reason,
        },
    })
}

/// Reads an invitation's state back from an upstream, for events that never arrived.
pub trait Reconciler: Send + Sync {
    fn check<'a>(&'a self, invitation: &'a crate::db::invitations::InvitationRow) -> Checking<'a>;
}

/// Asks an upstream (TechPass, SEED) to act for an invitation, once per `idempotency_key`.
pub trait Provisioner: Send + Sync {
    fn request<'a>(
        &'a self,
        invitation: &'a crate::db::invitations::InvitationRow,
        officer_email: &'a str,
        idempotency_key: &'a str,
    ) -> Sending<'a>;
}
