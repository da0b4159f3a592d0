//! The rate limits' vocabulary: which limit, and where a caller stands against it after a
//! request (what a limited answer's `RateLimit-*` headers and a 429 problem carry). Counting
//! is `rate`'s.

use crate::config::RateLimits;

/// The counting window.
pub(crate) const WINDOW_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    SignIn,
    Create,
    Upload,
    Submit,
}

impl Limit {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Limit::SignIn => "sign-in",
            Limit::Create => "create",
            Limit::Upload => "upload",
            Limit::Submit => "submit",
        }
    }

    pub(crate) fn per_minute(self, limits: &RateLimits) -> u32 {
        match self {
            Limit::SignIn => limits.sign_in,
            Limit::Create => limits.create,
            Limit::Upload => limits.upload,
            Limit::Submit => limits.submit,
        }
    }
}

/// Where a caller stands against one limit after this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub limit: Limit,
    pub per_minute: u32,
    pub remaining: u32,
    /// Seconds until the window ends and the count starts again.
    pub reset_secs: i64,
}

impl Allowance {
    pub(crate) fn headers(&self) -> [(&'static str, String); 4] {
        [
            ("ratelimit-limit", self.per_minute.to_string()),
            ("ratelimit-remaining", self.remaining.to_string()),
            ("ratelimit-reset", self.reset_secs.to_string()),
            (
                "ratelimit-policy",
                format!("{};w={WINDOW_SECS}", self.per_minute),
            ),
        ]
    }
}
