//! Built-in stand-ins for TechPass and SEED, so that the embedded default works end to end with
//! no upstream. They answer the same HTTP API the real services do (under `/dev/techpass` and
//! `/dev/seed` on this server; the real gateway clients call them over HTTP), and report back
//! with signed events to `/api/v1/upstream-events/…`, as the real services would. A stand-in
//! runs only while its upstream is not configured, and keeps its state in memory.

pub mod seed;
pub mod techpass;

use std::sync::Arc;

use crate::config::{Secret, UpstreamConfig};
use crate::webhooks::signature;

/// What the stand-ins share: where this server is, to call its event endpoint.
#[derive(Debug, Clone)]
pub struct Local {
    /// This server as its own process reaches it, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
}

impl Local {
    /// The settings the real gateway client uses to call a stand-in mounted at `path`: a fresh
    /// token and webhook secret, shared only within this process.
    pub fn upstream(&self, path: &str) -> UpstreamConfig {
        UpstreamConfig {
            base_url: format!("{}{path}", self.base_url),
            token: Secret::new(uuid::Uuid::new_v4().simple().to_string()),
            timeout_secs: 10,
            webhook_secret: Secret::new(signature::new_secret()),
        }
    }

    pub fn events_url(&self, source: &str) -> String {
        format!("{}/api/v1/upstream-events/{source}", self.base_url)
    }
}

/// The stand-ins this process runs: none, one or both.
#[derive(Default, Clone)]
pub struct Standins {
    pub techpass: Option<Arc<techpass::TechpassStandin>>,
    pub seed: Option<Arc<seed::SeedStandin>>,
}

/// Whether a request carries the stand-in's token, as the real services would check theirs.
pub fn authorised(req: &actix_web::HttpRequest, token: &Secret) -> bool {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| given == token.expose())
}
