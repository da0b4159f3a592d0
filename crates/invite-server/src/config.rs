//! Typed configuration, read once from the environment. Every setting has a default that runs
//! with no setup (SQLite under `./data`, the built-in sign-in); see `.env.example`.

use std::fmt;
use std::path::PathBuf;

/// A value that must never appear in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// OpenID Connect settings; when present, bearer JWTs from this issuer are accepted and the
/// built-in sign-in is switched off.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer URL; discovery is read from `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id registered for the SPA; tokens must carry it as audience.
    pub client_id: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// `sqlite://path`, a bare file path, or `postgres://…`.
    pub database_url: String,
    pub database_pool_size: u32,
    /// Key for signing the built-in sign-in tokens. Several replicas must share it.
    pub token_secret: Secret,
    pub token_ttl_hours: i64,
    pub oidc: Option<OidcConfig>,
    /// Shown in every problem response and in the SPA's error notification.
    pub support_email: String,
    /// The built SPA (`index.html` and `pkg/`); absent means the API runs without the SPA.
    pub spa_dir: PathBuf,
    /// Idempotency keys are remembered for this long.
    pub idempotency_ttl_hours: i64,
    /// `json` for machine-readable logs, anything else for human-readable ones.
    pub log_format: String,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{name}={v:?} is not valid")),
    }
}

impl Config {
    /// Defaults suitable for tests and local runs: SQLite at `database_url`, random port.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 0,
            database_url: database_url.into(),
            database_pool_size: 8,
            token_secret: Secret::new(random_secret()),
            token_ttl_hours: 12,
            oidc: None,
            support_email: "support@invite-users.tech.gov.sg".into(),
            spa_dir: PathBuf::from("frontend/dist"),
            idempotency_ttl_hours: 24,
            log_format: "text".into(),
        }
    }

    /// Reads the environment; unknown or malformed values are reported, not ignored.
    pub fn from_env() -> Result<Self, String> {
        let mut config = Self::for_database(
            var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/invite-users.db".into()),
        );
        config.host = var("HOST").unwrap_or_else(|| "127.0.0.1".into());
        config.port = parsed("PORT", 8080)?;
        config.database_pool_size = parsed("INVITES_DATABASE_POOL_SIZE", 8)?;
        if let Some(secret) = var("INVITES_TOKEN_SECRET") {
            config.token_secret = Secret::new(secret);
        }
        config.token_ttl_hours = parsed("INVITES_TOKEN_TTL_HOURS", 12)?;
        config.support_email = var("INVITES_SUPPORT_EMAIL").unwrap_or(config.support_email);
        config.spa_dir = var("INVITES_SPA_DIR")
            .map(PathBuf::from)
            .unwrap_or(config.spa_dir);
        config.idempotency_ttl_hours = parsed("INVITES_IDEMPOTENCY_TTL_HOURS", 24)?;
        config.log_format = var("INVITES_LOG_FORMAT").unwrap_or(config.log_format);
        config.oidc = match (var("INVITES_OIDC_ISSUER"), var("INVITES_OIDC_CLIENT_ID")) {
            (Some(issuer), Some(client_id)) => Some(OidcConfig { issuer, client_id }),
            (None, None) => None,
            _ => return Err("set both INVITES_OIDC_ISSUER and INVITES_OIDC_CLIENT_ID".into()),
        };
        Ok(config)
    }
}

/// A per-process signing key, used when none is configured: tokens then die with the process,
/// which is right for a local run and wrong for replicas (hence the start-up warning).
fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
