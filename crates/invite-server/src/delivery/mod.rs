//! Delivery of invitations upstream through the outbox in `db::outbox`: the worker that claims
//! and settles jobs, the gateways it sends through, and when a failed job is tried again.
//!
//! Email goes over SMTP (`smtp`) when a relay is configured, else to the built-in dev mailbox
//! (`mailbox`); TechPass and SEED gateways come next behind the same kind of trait.

pub mod email;
pub mod mailbox;
pub mod retry;
pub mod smtp;
pub mod worker;

use std::sync::Arc;

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

/// Where emails go: the sender the worker uses, and the dev mailbox when it is that sender (it
/// then also answers `GET /api/v1/dev/mailbox`).
pub struct EmailGateway {
    pub sender: Arc<dyn EmailSender>,
    pub mailbox: Option<Arc<mailbox::DevMailbox>>,
}

/// The email gateway the settings ask for. A configured relay always wins: the stand-in is
/// never active beside a real gateway.
pub fn email_gateway(config: &crate::config::EmailConfig) -> Result<EmailGateway, String> {
    match &config.smtp {
        Some(smtp_config) => {
            tracing::info!(
                host = %smtp_config.host,
                port = smtp_config.port,
                tls = ?smtp_config.tls,
                "emails go out through the SMTP relay"
            );
            Ok(EmailGateway {
                sender: Arc::new(smtp::SmtpSender::new(&config.from, smtp_config)?),
                mailbox: None,
            })
        }
        None => {
            tracing::info!("no SMTP relay configured: emails go to the dev mailbox");
            let mailbox = Arc::new(mailbox::DevMailbox::default());
            Ok(EmailGateway {
                sender: mailbox.clone(),
                mailbox: Some(mailbox),
            })
        }
    }
}
