//! What every request shares: the database pool, the configuration, the identity provider, the
//! delivery worker's wake-up, the dev mailbox and stand-ins, and the upstreams' event secrets.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::oidc::OidcVerifier;
use invite_core::api::UpstreamSource;

use crate::config::{Config, Secret};
use crate::db::Pool;
use crate::delivery::directory::Directory;
use crate::delivery::mailbox::DevMailbox;
use crate::standins::Standins;

pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    pub oidc: Option<Arc<OidcVerifier>>,
    /// Wakes this process's delivery worker when jobs were enqueued.
    pub outbox_wake: Arc<Notify>,
    /// Where emails go when no SMTP relay is configured; `None` otherwise.
    pub mailbox: Option<Arc<DevMailbox>>,
    /// The TechPass and SEED stand-ins running in this process (those not configured).
    pub standins: Standins,
    /// TechPass's sign-up for an invitation (`{reference}` = its id): where an accepted
    /// invitation link leads.
    pub signup_link: String,
    /// "Already on TechPass?" (TechPass's directory, or the stand-in's).
    pub directory: Arc<Directory>,
    /// The secrets TechPass's and SEED's events are signed with (the stand-ins' own when they
    /// run).
    pub techpass_webhook_secret: Secret,
    pub seed_webhook_secret: Secret,
    /// What each officer's uploads may do at once on this server.
    pub uploads: Arc<crate::services::batches::Uploads>,
    /// The rate limits' counters (shared through the database on PostgreSQL).
    pub rate: crate::security::rate::RateLimiter,
    /// Single creates, committed in groups (`services::create_queue`).
    pub creates: crate::services::create_queue::CreateQueue,
    /// What `/metrics` reports; the worker counts into the same.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn webhook_secret(&self, source: UpstreamSource) -> &Secret {
        match source {
            UpstreamSource::Techpass => &self.techpass_webhook_secret,
            UpstreamSource::Seed => &self.seed_webhook_secret,
        }
    }

    /// The built-in sign-in answers only when allowed and no identity provider is configured.
    pub fn dev_login_enabled(&self) -> bool {
        self.config.dev_login && self.oidc.is_none()
    }
}
