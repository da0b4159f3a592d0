//! Delivery of invitations upstream through the outbox in `db::outbox`: the worker that claims
//! and settles jobs, the gateways it sends through, and when a failed job is tried again.
//!
//! Email is delivered today, to the built-in dev mailbox (`mailbox`); SMTP, TechPass and SEED
//! gateways come next behind the same kind of trait.

pub mod email;
pub mod mailbox;
pub mod retry;
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

/// Sends an email. Implemented by the dev mailbox; SMTP next.
pub trait EmailSender: Send + Sync {
    fn send<'a>(&'a self, email: &'a email::OutgoingEmail) -> Sending<'a>;
}
