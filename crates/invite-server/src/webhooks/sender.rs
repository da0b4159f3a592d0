//! Sends an event signed per Standard Webhooks: a fresh `webhook-id`, the current
//! `webhook-timestamp`, and the `v1` HMAC of both with the body.

use std::time::Duration;

use serde::Serialize;

use super::signature;
use crate::config::Secret;

pub struct WebhookSender {
    client: reqwest::Client,
    secret: Secret,
}

impl WebhookSender {
    pub fn new(secret: Secret) -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            secret,
        }
    }

    /// POSTs `event` to `url`; `Err` names what went wrong (no connection, or a non-2xx).
    pub async fn send(&self, url: &str, event: &impl Serialize) -> Result<(), String> {
        let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let timestamp = chrono::Utc::now().timestamp();
        let signature = signature::sign(self.secret.expose(), &id, timestamp, &body)
            .map_err(|e| e.to_string())?;
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("{url} answered {}", response.status()))
        }
    }
}
