//! How the server meets browsers and slow clients: HSTS, CORS, extra CSP sources, and the
//! longest a request may take.

use std::time::Duration;

use super::Settings;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `INVITES_HSTS` (default false): send `Strict-Transport-Security`. Set it when the
    /// server is reached over HTTPS (behind a TLS proxy); browsers then refuse plain HTTP.
    pub hsts: bool,
    /// `INVITES_CORS_ORIGINS`: origins (`https://portal.agency.gov.sg`, comma-separated) whose
    /// pages may call the API from a browser. Empty (the default): none but the server's own.
    pub cors_origins: Vec<String>,
    /// `INVITES_CSP_CONNECT_SRC`: further origins the SPA may call (an identity provider whose
    /// token endpoint is not at its issuer's origin). The issuer's origin is always allowed.
    pub csp_connect_src: Vec<String>,
    /// `INVITES_REQUEST_TIMEOUT_SECS` (default 30): the longest a request (reading its body
    /// included) may take before it is answered 503.
    pub request_timeout: Duration,
    /// `INVITES_SHUTDOWN_TIMEOUT_SECS` (default 30): after SIGTERM, how long requests in flight
    /// may take to finish before the server closes their connections.
    pub shutdown_timeout: Duration,
    /// `INVITES_KEEP_ALIVE_SECS` (default 75, 0 = off): how long an idle connection is kept for
    /// the client's next request. Longer than the idle timeout of the load balancers and
    /// client pools in front (60 s is common), so that the client or the balancer closes an
    /// idle connection, never the server while a request is on its way: a request written to
    /// a connection the server has just closed fails without an answer.
    pub keep_alive: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            hsts: false,
            cors_origins: Vec::new(),
            csp_connect_src: Vec::new(),
            request_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(30),
            keep_alive: Duration::from_secs(75),
        }
    }
}

impl HttpConfig {
    pub(super) fn from_settings(settings: &Settings<'_>) -> Result<Self, String> {
        let defaults = Self::default();
        let timeout = settings.parse(
            "INVITES_REQUEST_TIMEOUT_SECS",
            defaults.request_timeout.as_secs(),
        )?;
        if timeout == 0 {
            return Err("INVITES_REQUEST_TIMEOUT_SECS must be at least 1".into());
        }
        Ok(Self {
            hsts: settings.parse("INVITES_HSTS", defaults.hsts)?,
            cors_origins: origins(settings, "INVITES_CORS_ORIGINS")?,
            csp_connect_src: origins(settings, "INVITES_CSP_CONNECT_SRC")?,
            request_timeout: Duration::from_secs(timeout),
            shutdown_timeout: Duration::from_secs(settings.parse(
                "INVITES_SHUTDOWN_TIMEOUT_SECS",
                defaults.shutdown_timeout.as_secs(),
            )?),
            keep_alive: Duration::from_secs(
                settings.parse("INVITES_KEEP_ALIVE_SECS", defaults.keep_alive.as_secs())?,
            ),
        })
    }
}

/// A comma-separated list of origins, each `scheme://host[:port]` exactly (no path, no `*`).
fn origins(settings: &Settings<'_>, name: &str) -> Result<Vec<String>, String> {
    let Some(list) = settings.text(name) else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            origin_of(o)
                .filter(|origin| origin == o.trim_end_matches('/'))
                .ok_or_else(|| {
                    format!("{name}: {o:?} is not an origin like https://portal.agency.gov.sg")
                })
        })
        .collect()
}

/// The origin (`scheme://host[:port]`) of an `http(s)` URL.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then_some(())?;
    let origin = parsed.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact() {
        assert_eq!(
            origin_of("https://id.agency.gov.sg/realms/x").as_deref(),
            Some("https://id.agency.gov.sg")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:9000/").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(origin_of("ftp://x"), None);
        assert_eq!(origin_of("*"), None);
    }
}
