//! The gateways the worker delivers through, chosen by the settings: SMTP or the dev mailbox for
//! email; the real TechPass and SEED APIs, or their built-in stand-ins (called over HTTP by the
//! same clients). A configured upstream always wins: a stand-in never runs beside it.

use std::sync::Arc;
use std::time::Duration;

use super::directory::{AccountLookup, Directory};
use super::mailbox::DevMailbox;
use super::seed::SeedClient;
use super::smtp::SmtpSender;
use super::techpass::TechpassClient;
use super::webhooks::WebhookGateway;
use super::{EmailSender, Provisioner, Reconciler};
use crate::config::{Config, Secret};
use crate::standins::seed::SeedStandin;
use crate::standins::techpass::TechpassStandin;
use crate::standins::{Local, Standins};

pub struct Gateways {
    pub email: Arc<dyn EmailSender>,
    /// The dev mailbox, when it is the email gateway.
    pub mailbox: Option<Arc<DevMailbox>>,
    pub techpass: Arc<dyn Provisioner>,
    pub techpass_revocations: Arc<dyn Provisioner>,
    pub seed: Arc<dyn Provisioner>,
    pub techpass_reader: Arc<dyn Reconciler>,
    pub seed_reader: Arc<dyn Reconciler>,
    pub standins: Standins,
    pub techpass_webhook_secret: Secret,
    pub seed_webhook_secret: Secret,
    /// TechPass's sign-up for an invitation, where its link (`/accept/…`) leads; `{reference}`
    /// stands for the invitation id.
    pub signup_link: String,
    /// The invitation links' base: `{public URL}/accept`.
    pub accept_base: String,
    pub directory: Arc<Directory>,
    pub webhooks: Arc<WebhookGateway>,
}

pub fn build(config: &Config, local: &Local) -> Result<Gateways, String> {
    let (email, mailbox): (Arc<dyn EmailSender>, _) = match &config.email.smtp {
        Some(smtp) => {
            tracing::info!(host = %smtp.host, port = smtp.port, tls = ?smtp.tls, "emails go out through the SMTP relay");
            (Arc::new(SmtpSender::new(&config.email.from, smtp)?), None)
        }
        None => {
            tracing::info!("no SMTP relay configured: emails go to the dev mailbox");
            let mailbox = Arc::new(DevMailbox::default());
            (mailbox.clone(), Some(mailbox))
        }
    };
    let mut standins = Standins::default();
    let techpass_config = match &config.techpass {
        Some(c) => {
            tracing::info!(url = %c.base_url, "TechPass requests go to the configured API");
            c.clone()
        }
        None => {
            tracing::info!(
                "no TechPass configured: the built-in stand-in answers at /dev/techpass"
            );
            let c = local.upstream("/dev/techpass");
            standins.techpass = Some(Arc::new(TechpassStandin::new(
                c.clone(),
                local.events_url("techpass"),
            )));
            c
        }
    };
    let seed_config = match &config.seed {
        Some(c) => {
            tracing::info!(url = %c.base_url, "SEED requests go to the configured API");
            c.clone()
        }
        None => {
            tracing::info!("no SEED configured: the built-in stand-in answers at /dev/seed");
            let c = local.upstream("/dev/seed");
            standins.seed = Some(Arc::new(SeedStandin::new(
                c.clone(),
                local.events_url("seed"),
                Duration::from_millis(config.standin_seed_delay_ms),
            )));
            c
        }
    };
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| local.base_url.clone());
    let signup_link = if standins.techpass.is_some() {
        format!("{public_url}/dev/techpass/signup?reference={{reference}}")
    } else {
        config.delivery.signup_url.clone()
    };
    let techpass = Arc::new(TechpassClient::new(&techpass_config)?);
    let techpass_lookup: Arc<dyn AccountLookup> = match &standins.techpass {
        Some(standin) => standin.clone(),
        None => Arc::new(techpass.lookup()),
    };
    let seed = Arc::new(SeedClient::new(&seed_config)?);
    Ok(Gateways {
        email,
        mailbox,
        techpass_revocations: Arc::new(techpass.revocations()),
        techpass_reader: techpass.clone(),
        techpass,
        seed_reader: seed.clone(),
        seed,
        standins,
        techpass_webhook_secret: techpass_config.webhook_secret,
        seed_webhook_secret: seed_config.webhook_secret,
        signup_link,
        accept_base: format!("{public_url}/accept"),
        directory: Arc::new(Directory::new(
            techpass_lookup,
            Duration::from_millis(config.directory_timeout_ms),
            Duration::from_secs(60),
        )),
        webhooks: Arc::new(WebhookGateway::new(config.webhook_allow_local)?),
    })
}
