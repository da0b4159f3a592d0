//! Email over SMTP with lettre: a pooled, async connection to the agency's relay, TLS by
//! STARTTLS (required, never opportunistic), implicit TLS, or none for a local relay.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::response::{Category, Severity};
use lettre::transport::smtp::{self, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::email::OutgoingEmail;
use super::{EmailSender, Failure, Sending};
use crate::config::{SmtpConfig, SmtpTls};

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// For one email, from connecting to the relay's last answer. lettre's own timeout covers
    /// only the connect: a relay that accepts and then says nothing would hold a job for ever.
    timeout: Duration,
    from: Mailbox,
    /// The right-hand side of every `Message-ID`: the sender's domain.
    domain: String,
}

impl SmtpSender {
    /// Checks the settings and builds the pool; connects only when the first email goes out.
    pub fn new(from: &str, config: &SmtpConfig) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("INVITES_EMAIL_FROM={from:?} is not an address: {e}"))?;
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(tls_parameters(config)?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters(config)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_secs)))
            .pool_config(PoolConfig::new().max_size(config.pool_size));
        if let Some((user, password)) = &config.credentials {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self {
            transport: builder.build(),
            timeout: Duration::from_secs(config.timeout_secs),
            domain: from.email.domain().to_owned(),
            from,
        })
    }

    fn message(&self, email: &OutgoingEmail) -> Result<Message, Failure> {
        let to: Mailbox = email.to.parse().map_err(|e| Failure::Permanent {
            reason: format!("the address {} cannot be emailed: {e}", email.to),
        })?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .message_id(Some(format!("<{}@{}>", email.message_id, self.domain)));
        // A reply reaches the officer who invited; an address lettre cannot take is left out
        // rather than holding the invitation back.
        if let Ok(reply_to) = email.reply_to.parse::<Mailbox>() {
            builder = builder.reply_to(reply_to);
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| Failure::Permanent {
                reason: format!("the email could not be built: {e}"),
            })
    }
}

fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(config.host.clone());
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("INVITES_SMTP_CA_FILE {}: {e}", path.display()))?;
        let certificate = Certificate::from_pem(&pem)
            .map_err(|e| format!("INVITES_SMTP_CA_FILE {}: {e}", path.display()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder
        .build_rustls()
        .map_err(|e| format!("SMTP TLS settings: {e}"))
}

/// Whether trying again can help. The relay's 5xx answers about the mailbox or the message
/// (`50z` syntax, `55z` mail system: no such user, message refused) are this invitation's and
/// final. Everything else — 4xx, no connection, timeouts, TLS, and `53z` (authentication: the
/// relay's credentials are wrong) — is the relay's or the operator's to fix, and the job waits
/// for it rather than failing the invitation.
pub fn classify(error: &smtp::Error) -> Failure {
    let reason = format!("the mail server answered: {error}");
    match error.status() {
        Some(code)
            if code.severity == Severity::PermanentNegativeCompletion
                && matches!(code.category, Category::Syntax | Category::MailSystem) =>
        {
            Failure::Permanent { reason }
        }
        _ => Failure::Retryable {
            reason,
            retry_after: None,
        },
    }
}

impl EmailSender for SmtpSender {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> Sending<'a> {
        Box::pin(async move {
            let message = self.message(email)?;
            match tokio::time::timeout(self.timeout, self.transport.send(message)).await {
                Ok(sent) => sent.map(drop).map_err(|e| classify(&e)),
                Err(_) => Err(Failure::Retryable {
                    reason: format!(
                        "the mail server did not answer within {} s",
                        self.timeout.as_secs()
                    ),
                    retry_after: None,
                }),
            }
        })
    }
}
