//! The SPA in headless Chromium against the real server. Journeys run one after another (one
//! browser at a time on a 2-core machine), each in its own server, database and browser profile.

mod harness;
mod journeys;
mod keyboard;
mod manage;
mod navigation;
mod oidc;

/// Serialises the browser tests of this binary.
pub static ONE_BROWSER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
