//! How much an officer's uploads may hold and do at once, and how long a draft is kept.

use super::Settings;

#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// `INVITES_DRAFT_TTL_HOURS` (default 168, a week): drafts (batches no submit touched)
    /// older than this are discarded by the expiry sweep. 0 keeps them forever.
    pub draft_ttl_hours: i64,
    /// `INVITES_MAX_OPEN_DRAFTS` (default 20): an officer's drafts at once; another upload
    /// is refused (409) until one is submitted or discarded.
    pub max_open_drafts: i64,
    /// `INVITES_MAX_UPLOADS_IN_FLIGHT` (default 2): an officer's uploads being read at once
    /// on this server; another is answered 429 with `Retry-After`.
    pub max_in_flight: usize,
    /// `INVITES_PARSE_WORKERS` (default: the number of CPUs): spreadsheets read at once,
    /// server-wide. Reading is CPU-bound; the rest wait for a turn rather than take the
    /// threads database work needs.
    pub parse_workers: usize,
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            draft_ttl_hours: 168,
            max_open_drafts: 20,
            max_in_flight: 2,
            parse_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

impl UploadConfig {
    pub(super) fn from_settings(settings: &Settings<'_>) -> Result<Self, String> {
        let defaults = Self::default();
        let config = Self {
            draft_ttl_hours: settings.parse("INVITES_DRAFT_TTL_HOURS", defaults.draft_ttl_hours)?,
            max_open_drafts: settings.parse("INVITES_MAX_OPEN_DRAFTS", defaults.max_open_drafts)?,
            max_in_flight: settings
                .parse("INVITES_MAX_UPLOADS_IN_FLIGHT", defaults.max_in_flight)?,
            parse_workers: settings.parse("INVITES_PARSE_WORKERS", defaults.parse_workers)?,
        };
        if config.draft_ttl_hours < 0 || config.max_open_drafts < 1 {
            return Err(
                "INVITES_DRAFT_TTL_HOURS must be 0 or more and INVITES_MAX_OPEN_DRAFTS at least 1"
                    .into(),
            );
        }
        if config.max_in_flight == 0 || config.parse_workers == 0 {
            return Err(
                "INVITES_MAX_UPLOADS_IN_FLIGHT and INVITES_PARSE_WORKERS must be at least 1".into(),
            );
        }
        Ok(config)
    }
}
