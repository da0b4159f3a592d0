//! What every request shares: the database pool, the configuration, the identity provider.

use std::sync::Arc;

use crate::auth::oidc::OidcVerifier;
use crate::config::Config;
use crate::db::Pool;

pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    pub oidc: Option<Arc<OidcVerifier>>,
}

impl AppState {
    /// The built-in sign-in answers only when allowed and no identity provider is configured.
    pub fn dev_login_enabled(&self) -> bool {
        self.config.dev_login && self.oidc.is_none()
    }
}
