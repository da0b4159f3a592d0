//! How many requests of each limited kind a caller may make per minute.

use super::Settings;

/// Requests per minute; 0 switches that limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `INVITES_RATE_SIGN_IN_PER_MIN` (default 10): built-in sign-ins per client address.
    pub sign_in: u32,
    /// `INVITES_RATE_CREATE_PER_MIN` (default 120): invitations created per officer or API key.
    pub create: u32,
    /// `INVITES_RATE_UPLOAD_PER_MIN` (default 20): batches uploaded per officer or API key.
    pub upload: u32,
    /// `INVITES_RATE_SUBMIT_PER_MIN` (default 20): batch submits per officer or API key.
    pub submit: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            sign_in: 10,
            create: 120,
            upload: 20,
            submit: 20,
        }
    }
}

impl RateLimits {
    pub(super) fn from_settings(settings: &Settings<'_>) -> Result<Self, String> {
        let defaults = Self::default();
        Ok(Self {
            sign_in: settings.parse("INVITES_RATE_SIGN_IN_PER_MIN", defaults.sign_in)?,
            create: settings.parse("INVITES_RATE_CREATE_PER_MIN", defaults.create)?,
            upload: settings.parse("INVITES_RATE_UPLOAD_PER_MIN", defaults.upload)?,
            submit: settings.parse("INVITES_RATE_SUBMIT_PER_MIN", defaults.submit)?,
        })
    }
}
