//! Typed configuration, read once from the environment. Every setting has a default that runs
//! with no setup (SQLite under `./data`, the built-in sign-in); see `.env.example`.

mod device;
mod email;
mod http;
mod rate;
mod traces;
mod uploads;
mod upstream;

use std::fmt;
use std::path::PathBuf;

pub use device::DevicePolicy;
pub use email::{EmailConfig, SmtpConfig, SmtpTls};
pub use http::{HttpConfig, origin_of};
pub use rate::RateLimits;
pub use traces::{TraceExportConfig, TraceProtocol};
pub use uploads::UploadConfig;
pub use upstream::UpstreamConfig;

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
    /// A token naming an unknown key re-fetches the provider's keys at most this often, so a
    /// flood of forged key ids cannot turn into a flood of requests to the provider.
    pub key_refresh_floor: std::time::Duration,
    /// `INVITES_OIDC_EMAILS_ALWAYS_VERIFIED` (default false): the provider issues only
    /// verified addresses, so a token without `email_verified` is taken as verified. Without
    /// it, `email_verified` must be `true`; `false` is refused either way.
    pub emails_always_verified: bool,
}

impl OidcConfig {
    pub const DEFAULT_KEY_REFRESH_FLOOR: std::time::Duration = std::time::Duration::from_secs(5);

    pub fn new(issuer: String, client_id: String) -> Self {
        Self {
            issuer,
            client_id,
            key_refresh_floor: Self::DEFAULT_KEY_REFRESH_FLOOR,
            emails_always_verified: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// `sqlite://path`, a bare file path, or `postgres://…`.
    pub database_url: String,
    pub database_pool_size: u32,
    /// `INVITES_DATABASE_CHECKOUT_TIMEOUT_MS` (default 1000): the longest a request waits for a
    /// database connection before its 503 (see `db::pool`).
    pub database_checkout_timeout: std::time::Duration,
    /// Key for signing the built-in sign-in tokens. Several replicas must share it.
    pub token_secret: Secret,
    /// False when `token_secret` is the random per-process default.
    pub token_secret_configured: bool,
    pub token_ttl_hours: i64,
    /// The built-in sign-in: any public-officer address signs in without a password. On by
    /// default only when listening on loopback; see `from_env`.
    pub dev_login: bool,
    pub oidc: Option<OidcConfig>,
    /// Shown in every problem response and in the SPA's error notification.
    pub support_email: String,
    /// The built SPA (`index.html` and `pkg/`); absent means the API runs without the SPA.
    pub spa_dir: PathBuf,
    /// Idempotency keys are remembered for this long.
    pub idempotency_ttl_hours: i64,
    /// `json` for machine-readable logs, anything else for human-readable ones.
    pub log_format: String,
    /// Trace export over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT` …); `None` exports nothing.
    pub traces: Option<TraceExportConfig>,
    pub delivery: DeliveryConfig,
    pub email: EmailConfig,
    /// TechPass's API (`INVITES_TECHPASS_*`); `None` runs the built-in stand-in.
    pub techpass: Option<UpstreamConfig>,
    /// SEED's API (`INVITES_SEED_*`); `None` runs the built-in stand-in.
    pub seed: Option<UpstreamConfig>,
    /// `INVITES_PUBLIC_URL`: where officers and invitees reach this server (links in emails);
    /// by default its own address.
    pub public_url: Option<String>,
    /// `INVITES_STANDIN_SEED_DELAY_MS` (default 2000): how long the SEED stand-in takes to
    /// provision.
    pub standin_seed_delay_ms: u64,
    /// `INVITES_TECHPASS_LOOKUP_TIMEOUT_MS` (default 1500): the longest an invitation or upload
    /// waits for TechPass's "already has an account?" answer before going on without it.
    pub directory_timeout_ms: u64,
    /// `INVITES_OPERATORS`: the officers (emails, comma-separated) who may use the operator API
    /// (delivery backlog, dead jobs and their retry), signed in or with their API keys.
    pub operators: Vec<String>,
    /// `INVITES_WEBHOOK_ALLOW_LOCAL` (default false): lets webhook endpoints use `http://` and
    /// private or loopback addresses. For local testing only: it lets whoever registers an
    /// endpoint make this server call hosts inside its network.
    pub webhook_allow_local: bool,
    /// Browser-facing headers and request limits.
    pub http: HttpConfig,
    pub uploads: UploadConfig,
    pub rate_limits: RateLimits,
    pub device_policy: DevicePolicy,
}

impl Config {
    /// The database pool's size and checkout timeout.
    pub fn pool_settings(&self) -> crate::db::PoolSettings {
        crate::db::PoolSettings {
            size: self.database_pool_size,
            checkout_timeout: self.database_checkout_timeout,
        }
    }

    pub fn is_operator(&self, email: &str) -> bool {
        self.operators.iter().any(|o| o.eq_ignore_ascii_case(email))
    }
}

/// The delivery outbox's worker.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Whether this replica runs a delivery worker (`INVITES_DELIVERY_WORKER`, default true).
    pub worker: bool,
    /// `INVITES_DELIVERY_LEASE_SECS` (default 60): how long a claimed job is held.
    pub lease_secs: i64,
    /// `INVITES_DELIVERY_POLL_MS` (default 1000): how often an idle worker looks for due jobs.
    pub poll_ms: u64,
    /// `INVITES_DELIVERY_MAX_ATTEMPTS` (default 8) before a job is dead.
    pub max_attempts: i32,
    /// `INVITES_DELIVERY_RETRY_BASE_MS` (default 10000): the wait after a first failed attempt,
    /// doubling with each further one (to at most an hour).
    pub retry_base_ms: i64,
    /// `INVITES_TECHPASS_SIGNUP_URL`: where the invitation email sends the invitee.
    pub signup_url: String,
    /// `INVITES_LINK_VALID_DAYS` (5), `INVITES_ACCOUNT_ACTIVATION_DAYS` (30),
    /// `INVITES_SEED_ONBOARDING_DAYS` (30): TechPass's deadlines, see `db::lifecycle`.
    pub deadlines: crate::db::lifecycle::Deadlines,
    /// `INVITES_EXPIRY_SWEEP_SECS` (default 60): how often a worker expires what is past due.
    pub sweep_secs: u64,
    /// `INVITES_RECONCILE_SECS` (default 300): how often a worker reads pending invitations
    /// back from TechPass and SEED, each at most once per this interval.
    pub reconcile_secs: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            worker: true,
            lease_secs: 60,
            poll_ms: 1000,
            max_attempts: crate::delivery::retry::RetryPolicy::default().max_attempts,
            retry_base_ms: crate::delivery::retry::RetryPolicy::default()
                .base
                .num_milliseconds(),
            signup_url: "https://techpass.gov.sg/".into(),
            deadlines: crate::db::lifecycle::Deadlines::default(),
            sweep_secs: 60,
            reconcile_secs: 300,
        }
    }
}

/// Looks up one setting by name.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Typed access to the settings: blank values count as unset; malformed ones are errors.
struct Settings<'a>(Lookup<'a>);

impl Settings<'_> {
    fn text(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.text(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{name}={v:?} is not valid")),
        }
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
            database_checkout_timeout: crate::db::PoolSettings::DEFAULT_CHECKOUT_TIMEOUT,
            token_secret: Secret::new(random_secret()),
            token_secret_configured: false,
            token_ttl_hours: 12,
            dev_login: true,
            oidc: None,
            support_email: "support@invite-users.tech.gov.sg".into(),
            spa_dir: PathBuf::from("frontend/dist"),
            idempotency_ttl_hours: 24,
            log_format: "text".into(),
            traces: None,
            delivery: DeliveryConfig::default(),
            email: EmailConfig::default(),
            techpass: None,
            seed: None,
            public_url: None,
            directory_timeout_ms: 1500,
            standin_seed_delay_ms: 2000,
            operators: Vec::new(),
            webhook_allow_local: false,
            http: HttpConfig::default(),
            uploads: UploadConfig::default(),
            rate_limits: RateLimits::default(),
            device_policy: DevicePolicy::default(),
        }
    }

    /// Reads the environment; malformed values are reported, not ignored.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, String> {
        let settings = Settings(lookup);
        let var = |name: &str| settings.text(name);
        let mut config = Self::for_database(
            var("DATABASE_URL").unwrap_or_else(|| "sqlite://data/invite-users.db".into()),
        );
        config.host = var("HOST").unwrap_or_else(|| "127.0.0.1".into());
        config.port = settings.parse("PORT", 8080)?;
        config.database_pool_size = settings.parse("INVITES_DATABASE_POOL_SIZE", 8)?;
        config.database_checkout_timeout = std::time::Duration::from_millis(settings.parse(
            "INVITES_DATABASE_CHECKOUT_TIMEOUT_MS",
            crate::db::PoolSettings::DEFAULT_CHECKOUT_TIMEOUT.as_millis() as u64,
        )?);
        if let Some(secret) = var("INVITES_TOKEN_SECRET") {
            if secret.len() < TOKEN_SECRET_MIN_BYTES {
                return Err(format!(
                    "INVITES_TOKEN_SECRET must be at least {TOKEN_SECRET_MIN_BYTES} bytes \
                     (for example the output of `openssl rand -hex 32`)"
                ));
            }
            config.token_secret = Secret::new(secret);
            config.token_secret_configured = true;
        }
        config.token_ttl_hours = settings.parse("INVITES_TOKEN_TTL_HOURS", 12)?;
        config.support_email = var("INVITES_SUPPORT_EMAIL").unwrap_or(config.support_email);
        config.spa_dir = var("INVITES_SPA_DIR")
            .map(PathBuf::from)
            .unwrap_or(config.spa_dir);
        config.idempotency_ttl_hours = settings.parse("INVITES_IDEMPOTENCY_TTL_HOURS", 24)?;
        config.log_format = var("INVITES_LOG_FORMAT").unwrap_or(config.log_format);
        config.traces = TraceExportConfig::from_settings(&settings)?;
        let delivery = DeliveryConfig::default();
        config.delivery = DeliveryConfig {
            worker: settings.parse("INVITES_DELIVERY_WORKER", delivery.worker)?,
            lease_secs: settings.parse("INVITES_DELIVERY_LEASE_SECS", delivery.lease_secs)?,
            poll_ms: settings.parse("INVITES_DELIVERY_POLL_MS", delivery.poll_ms)?,
            max_attempts: settings.parse("INVITES_DELIVERY_MAX_ATTEMPTS", delivery.max_attempts)?,
            retry_base_ms: settings
                .parse("INVITES_DELIVERY_RETRY_BASE_MS", delivery.retry_base_ms)?,
            signup_url: var("INVITES_TECHPASS_SIGNUP_URL").unwrap_or(delivery.signup_url),
            deadlines: crate::db::lifecycle::Deadlines {
                link: chrono::Duration::days(settings.parse("INVITES_LINK_VALID_DAYS", 5)?),
                activation: chrono::Duration::days(
                    settings.parse("INVITES_ACCOUNT_ACTIVATION_DAYS", 30)?,
                ),
                seed: chrono::Duration::days(settings.parse("INVITES_SEED_ONBOARDING_DAYS", 30)?),
            },
            sweep_secs: settings.parse("INVITES_EXPIRY_SWEEP_SECS", delivery.sweep_secs)?,
            reconcile_secs: settings.parse("INVITES_RECONCILE_SECS", delivery.reconcile_secs)?,
        };
        let d = config.delivery.deadlines;
        if [d.link, d.activation, d.seed]
            .iter()
            .any(|d| *d < chrono::Duration::days(1))
            || config.delivery.sweep_secs == 0
            || config.delivery.reconcile_secs == 0
        {
            return Err(
                "the deadlines must be at least 1 day, the expiry sweep at least 1 s".into(),
            );
        }
        if config.delivery.lease_secs < 1
            || config.delivery.max_attempts < 1
            || config.delivery.retry_base_ms < 1
        {
            return Err(
                "INVITES_DELIVERY_LEASE_SECS, INVITES_DELIVERY_MAX_ATTEMPTS and \
                 INVITES_DELIVERY_RETRY_BASE_MS must be at least 1"
                    .into(),
            );
        }
        config.email = EmailConfig::from_settings(&settings)?;
        config.http = HttpConfig::from_settings(&settings)?;
        config.uploads = UploadConfig::from_settings(&settings)?;
        config.rate_limits = RateLimits::from_settings(&settings)?;
        config.device_policy = DevicePolicy::from_settings(&settings)?;
        config.techpass = UpstreamConfig::from_settings(&settings, "TECHPASS")?;
        config.seed = UpstreamConfig::from_settings(&settings, "SEED")?;
        config.directory_timeout_ms = settings.parse(
            "INVITES_TECHPASS_LOOKUP_TIMEOUT_MS",
            config.directory_timeout_ms,
        )?;
        config.public_url = var("INVITES_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned());
        config.standin_seed_delay_ms = settings.parse(
            "INVITES_STANDIN_SEED_DELAY_MS",
            config.standin_seed_delay_ms,
        )?;
        config.webhook_allow_local =
            settings.parse("INVITES_WEBHOOK_ALLOW_LOCAL", config.webhook_allow_local)?;
        config.operators = var("INVITES_OPERATORS")
            .map(|list| {
                list.split(',')
                    .map(|e| e.trim().to_lowercase())
                    .filter(|e| !e.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        config.oidc = match (var("INVITES_OIDC_ISSUER"), var("INVITES_OIDC_CLIENT_ID")) {
            (Some(issuer), Some(client_id)) => Some(OidcConfig {
                key_refresh_floor: std::time::Duration::from_secs(settings.parse(
                    "INVITES_OIDC_KEY_REFRESH_FLOOR_SECS",
                    OidcConfig::DEFAULT_KEY_REFRESH_FLOOR.as_secs(),
                )?),
                emails_always_verified: settings
                    .parse("INVITES_OIDC_EMAILS_ALWAYS_VERIFIED", false)?,
                ..OidcConfig::new(issuer, client_id)
            }),
            (None, None) => None,
            _ => return Err("set both INVITES_OIDC_ISSUER and INVITES_OIDC_CLIENT_ID".into()),
        };
        // The built-in sign-in lets anyone who can reach it act as any officer, so it is never
        // on by default: `cargo xtask run` asks for it, and the server says so loudly.
        config.dev_login = settings.parse("INVITES_DEV_LOGIN", false)?;
        if config.oidc.is_none() && !config.dev_login {
            return Err(
                "no sign-in is configured: set INVITES_OIDC_ISSUER and INVITES_OIDC_CLIENT_ID, \
                 or INVITES_DEV_LOGIN=true for a local demo (as `cargo xtask run` does; anyone \
                 reaching the server directly can then sign in as any officer)"
                    .into(),
            );
        }
        Ok(config)
    }
}

/// The shortest `INVITES_TOKEN_SECRET`: HS256 keys shorter than the hash are guessable.
pub const TOKEN_SECRET_MIN_BYTES: usize = 32;

/// A per-process signing key, used when none is configured: tokens then die with the process,
/// which is right for a local run and wrong for replicas (hence the start-up warning).
fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn bare_config(vars: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(&|name| map.get(name).cloned())
    }

    /// Settings with the built-in sign-in asked for, as `cargo xtask run` does.
    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        let mut vars = vars.to_vec();
        if !vars.iter().any(|(k, _)| k.starts_with("INVITES_OIDC")) {
            vars.push(("INVITES_DEV_LOGIN", "true"));
        }
        bare_config(&vars)
    }

    #[test]
    fn defaults_run_locally_once_the_built_in_sign_in_is_asked_for() {
        let c = config(&[]).expect("defaults");
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 8080));
        assert!(c.database_url.starts_with("sqlite://"));
        assert!(c.dev_login);
        assert!(!c.token_secret_configured);
        assert!(!c.http.hsts && c.http.cors_origins.is_empty());
    }

    #[test]
    fn the_built_in_sign_in_is_never_on_unless_asked_for() {
        for host in ["127.0.0.1", "localhost", "0.0.0.0"] {
            let refused = bare_config(&[("HOST", host)]).expect_err("no sign-in refused");
            assert!(refused.contains("INVITES_DEV_LOGIN"), "{refused}");
        }
        assert!(bare_config(&[("HOST", "0.0.0.0"), ("INVITES_DEV_LOGIN", "true")]).is_ok());
        let oidc = bare_config(&[
            ("HOST", "0.0.0.0"),
            ("INVITES_OIDC_ISSUER", "https://id.example"),
            ("INVITES_OIDC_CLIENT_ID", "spa"),
        ])
        .expect("oidc");
        assert!(!oidc.dev_login);
    }

    #[test]
    fn browser_settings_take_exact_origins() {
        let c = config(&[
            ("INVITES_HSTS", "true"),
            (
                "INVITES_CORS_ORIGINS",
                "https://portal.agency.gov.sg, http://127.0.0.1:3000",
            ),
            ("INVITES_REQUEST_TIMEOUT_SECS", "5"),
            ("INVITES_KEEP_ALIVE_SECS", "10"),
        ])
        .expect("http settings");
        assert_eq!(c.http.keep_alive.as_secs(), 10);
        let defaults = config(&[]).expect("defaults");
        assert!(
            defaults.http.keep_alive.as_secs() > 60,
            "above the 60 s idle timeout common in front of servers"
        );
        assert!(c.http.hsts);
        assert_eq!(
            c.http.cors_origins,
            ["https://portal.agency.gov.sg", "http://127.0.0.1:3000"]
        );
        assert_eq!(c.http.request_timeout.as_secs(), 5);
        for bad in [
            "*",
            "https://portal.agency.gov.sg/app",
            "portal.agency.gov.sg",
        ] {
            assert!(
                config(&[("INVITES_CORS_ORIGINS", bad)]).is_err(),
                "{bad} is not an origin"
            );
        }
        assert!(config(&[("INVITES_REQUEST_TIMEOUT_SECS", "0")]).is_err());
    }

    #[test]
    fn smtp_replaces_the_dev_mailbox_with_secure_defaults() {
        assert!(config(&[]).expect("defaults").email.smtp.is_none());
        let c = config(&[
            ("INVITES_SMTP_HOST", "smtp.agency.gov.sg"),
            ("INVITES_SMTP_USERNAME", "invites"),
            ("INVITES_SMTP_PASSWORD", "hunter2"),
        ])
        .expect("smtp");
        let smtp = c.email.smtp.as_ref().expect("configured");
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::StartTls, 587));
        assert!(
            !format!("{c:?}").contains("hunter2"),
            "the password never prints"
        );
        let tls = config(&[("INVITES_SMTP_HOST", "h"), ("INVITES_SMTP_TLS", "TLS")]).expect("tls");
        assert_eq!(tls.email.smtp.map(|s| s.port), Some(465));
        for bad in [
            vec![("INVITES_SMTP_HOST", "h"), ("INVITES_SMTP_TLS", "ssl")],
            vec![("INVITES_SMTP_HOST", "h"), ("INVITES_SMTP_USERNAME", "u")],
            vec![("INVITES_SMTP_HOST", "h"), ("INVITES_SMTP_POOL_SIZE", "0")],
            vec![("INVITES_LINK_VALID_DAYS", "0")],
            vec![("INVITES_EXPIRY_SWEEP_SECS", "0")],
            vec![
                ("INVITES_TECHPASS_URL", "https://tp"),
                ("INVITES_TECHPASS_TOKEN", "t"),
            ],
            vec![
                ("INVITES_SEED_URL", "ftp://seed"),
                ("INVITES_SEED_TOKEN", "t"),
                ("INVITES_SEED_WEBHOOK_SECRET", "whsec_x"),
            ],
        ] {
            assert!(config(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn malformed_values_are_reported() {
        assert!(
            config(&[("PORT", "eighty")])
                .expect_err("bad port")
                .contains("PORT")
        );
        assert!(config(&[("INVITES_OIDC_ISSUER", "https://id.example")]).is_err());
        let short = config(&[("INVITES_TOKEN_SECRET", "s3cret")]).expect_err("short secret");
        assert!(short.contains("32 bytes"), "{short}");
        let long = "s3cret-s3cret-s3cret-s3cret-s3cret";
        let secret = config(&[("INVITES_TOKEN_SECRET", long)]).expect("secret");
        assert!(secret.token_secret_configured);
        assert!(!format!("{secret:?}").contains(long), "secrets never print");
    }

    #[test]
    fn traces_are_exported_only_when_an_otlp_endpoint_is_set() {
        assert_eq!(config(&[]).expect("defaults").traces, None);
        let base = config(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")])
            .expect("base endpoint")
            .traces
            .expect("on");
        assert_eq!(base.endpoint, "http://collector:4318/v1/traces");
        assert_eq!(base.protocol, TraceProtocol::Protobuf);
        assert_eq!(
            (base.service_name.as_str(), base.sample_ratio),
            ("invite-users", 1.0)
        );
        // The signal's own endpoint is taken as given and wins over the base.
        let traces = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://apm.example/otlp/traces",
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_SERVICE_NAME", "invites-blue"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ])
        .expect("traces endpoint")
        .traces
        .expect("on");
        assert_eq!(traces.endpoint, "https://apm.example/otlp/traces");
        assert_eq!(traces.protocol, TraceProtocol::Json);
        assert_eq!(
            (traces.service_name.as_str(), traces.sample_ratio),
            ("invites-blue", 0.25)
        );
        let disabled = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_SDK_DISABLED", "true"),
        ])
        .expect("disabled");
        assert_eq!(disabled.traces, None);
    }

    #[test]
    fn trace_export_settings_that_cannot_work_are_refused() {
        let grpc = config(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])
        .expect_err("grpc");
        assert!(grpc.contains("http/protobuf"), "{grpc}");
        for bad in [
            vec![("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")],
            vec![
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
                ("OTEL_TRACES_SAMPLER_ARG", "2"),
            ],
        ] {
            assert!(config(&bad).is_err(), "{bad:?}");
        }
    }
}
