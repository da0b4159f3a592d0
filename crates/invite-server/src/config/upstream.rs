//! Settings of an HTTP upstream (TechPass, SEED): where it is, its credentials, how long to wait,
//! and the secret its webhooks are signed with.

use super::{Secret, Settings};

#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// `INVITES_<NAME>_URL`: the API's base URL, e.g. `https://api.techpass.gov.sg`.
    pub base_url: String,
    /// `INVITES_<NAME>_TOKEN`: sent as `Authorization: Bearer`; never logged.
    pub token: Secret,
    /// `INVITES_<NAME>_TIMEOUT_SECS` (default 10): for one request, connect to last byte.
    pub timeout_secs: u64,
    /// `INVITES_<NAME>_WEBHOOK_SECRET`: the Standard Webhooks secret (`whsec_…`) the upstream
    /// signs its events with.
    pub webhook_secret: Secret,
}

impl UpstreamConfig {
    /// The upstream `name` (`TECHPASS`, `SEED`), if its URL is set; then token and webhook
    /// secret must be set too.
    pub(super) fn from_settings(
        settings: &Settings<'_>,
        name: &str,
    ) -> Result<Option<Self>, String> {
        let var = |suffix: &str| format!("INVITES_{name}_{suffix}");
        let Some(base_url) = settings.text(&var("URL")) else {
            return Ok(None);
        };
        let required = |suffix: &str| {
            settings
                .text(&var(suffix))
                .map(Secret::new)
                .ok_or_else(|| format!("{} is set, so {} must be too", var("URL"), var(suffix)))
        };
        let config = Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: required("TOKEN")?,
            timeout_secs: settings.parse(&var("TIMEOUT_SECS"), 10)?,
            webhook_secret: required("WEBHOOK_SECRET")?,
        };
        if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://")) {
            return Err(format!(
                "{}={:?} is not an http(s) URL",
                var("URL"),
                config.base_url
            ));
        }
        if config.timeout_secs == 0 {
            return Err(format!("{} must be at least 1", var("TIMEOUT_SECS")));
        }
        Ok(Some(config))
    }
}
