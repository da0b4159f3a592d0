//! What every request shares: the database pool, the configuration, the identity provider, the
//! delivery worker's wake-up and the dev mailbox.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::oidc::OidcVerifier;
use crate::config::Config;
use crate::db::Pool;
use crate::delivery::mailbox::DevMailbox;

pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    pub oidc: Option<Arc<OidcVerifier>>,
    /// Wakes this process's delivery worker when jobs were enqueued.
    pub outbox_wake: Arc<Notify>,
    /// Where emails go when no SMTP relay is configured; `None` otherwise.
    pub mailbox: Option<Arc<DevMailbox>>,
}

impl AppState {
    /// The built-in sign-in answers only when allowed and no identity provider is configured.
    pub fn dev_login_enabled(&self) -> bool {
        self.config.dev_login && self.oidc.is_none()
    }
}
