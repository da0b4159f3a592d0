//! Email settings: the sender address and, when `INVITES_SMTP_HOST` is set, the SMTP relay that
//! replaces the dev mailbox.

use std::path::PathBuf;

use super::{Secret, Settings};

#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// `INVITES_EMAIL_FROM`: the sender of every email (replies go to the inviting officer).
    pub from: String,
    /// The SMTP relay; `None` sends every email to the dev mailbox.
    pub smtp: Option<SmtpConfig>,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            from: "Invite Users <no-reply@invite-users.tech.gov.sg>".into(),
            smtp: None,
        }
    }
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for a relay on the same host or a trusted network (port 25).
    None,
}

impl SmtpTls {
    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "starttls" => Some(Self::StartTls),
            "tls" => Some(Self::Tls),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// `INVITES_SMTP_HOST`; also the name its TLS certificate must carry.
    pub host: String,
    /// `INVITES_SMTP_PORT`; by default the port of the TLS mode.
    pub port: u16,
    /// `INVITES_SMTP_TLS`: `starttls` (default), `tls` or `none`.
    pub tls: SmtpTls,
    /// `INVITES_SMTP_USERNAME` and `INVITES_SMTP_PASSWORD`, both or neither.
    pub credentials: Option<(String, Secret)>,
    /// `INVITES_SMTP_CA_FILE`: a PEM certificate to trust besides the public roots (an agency's
    /// own CA).
    pub ca_file: Option<PathBuf>,
    /// `INVITES_SMTP_TIMEOUT_SECS` (default 10): for one email, from connecting to the relay's
    /// last answer.
    pub timeout_secs: u64,
    /// `INVITES_SMTP_POOL_SIZE` (default 4): connections kept open to the relay.
    pub pool_size: u32,
}

impl EmailConfig {
    pub(super) fn from_settings(settings: &Settings<'_>) -> Result<Self, String> {
        let default = Self::default();
        let from = settings.text("INVITES_EMAIL_FROM").unwrap_or(default.from);
        let Some(host) = settings.text("INVITES_SMTP_HOST") else {
            return Ok(Self { from, smtp: None });
        };
        let tls = match settings.text("INVITES_SMTP_TLS") {
            None => SmtpTls::StartTls,
            Some(text) => SmtpTls::parse(&text).ok_or_else(|| {
                format!("INVITES_SMTP_TLS={text:?} is not valid: use starttls, tls or none")
            })?,
        };
        let credentials = match (
            settings.text("INVITES_SMTP_USERNAME"),
            settings.text("INVITES_SMTP_PASSWORD"),
        ) {
            (Some(user), Some(password)) => Some((user, Secret::new(password))),
            (None, None) => None,
            _ => return Err("set both INVITES_SMTP_USERNAME and INVITES_SMTP_PASSWORD".into()),
        };
        let smtp = SmtpConfig {
            port: settings.parse("INVITES_SMTP_PORT", tls.default_port())?,
            tls,
            credentials,
            ca_file: settings.text("INVITES_SMTP_CA_FILE").map(PathBuf::from),
            timeout_secs: settings.parse("INVITES_SMTP_TIMEOUT_SECS", 10)?,
            pool_size: settings.parse("INVITES_SMTP_POOL_SIZE", 4)?,
            host,
        };
        if smtp.timeout_secs == 0 || smtp.pool_size == 0 {
            return Err(
                "INVITES_SMTP_TIMEOUT_SECS and INVITES_SMTP_POOL_SIZE must be at least 1".into(),
            );
        }
        Ok(Self {
            from,
            smtp: Some(smtp),
        })
    }
}
