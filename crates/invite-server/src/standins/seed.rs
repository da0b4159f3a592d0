//! The SEED stand-in: takes provisioning requests and, after a short while (a device being set
//! up), reports `provisioning.completed`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use invite_core::api::{UpstreamEvent, UpstreamEventData};
use serde::Deserialize;

use crate::config::UpstreamConfig;
use crate::webhooks::sender::WebhookSender;

#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub reference: uuid::Uuid,
    pub email: String,
}

pub struct SeedStandin {
    pub config: UpstreamConfig,
    events_url: String,
    sender: WebhookSender,
    /// How long provisioning takes here.
    delay: Duration,
    requested: Mutex<HashSet<uuid::Uuid>>,
}

impl SeedStandin {
    pub fn new(config: UpstreamConfig, events_url: String, delay: Duration) -> Self {
        Self {
            sender: WebhookSender::new(config.webhook_secret.clone()),
            config,
            events_url,
            delay,
            requested: Mutex::default(),
        }
    }

    /// Records a request and completes it after the delay. A retried request (same reference)
    /// is not provisioned twice.
    pub fn accept(self: &Arc<Self>, request: Request) {
        let new = {
            let mut requested = self.requested.lock().unwrap_or_else(|e| e.into_inner());
            requested.insert(request.reference)
        };
        if !new {
            return;
        }
        let standin = Arc::clone(self);
        tokio::spawn(async move {
            tokio::time::sleep(standin.delay).await;
            let event = UpstreamEvent {
                event_type: "provisioning.completed".into(),
                timestamp: Utc::now(),
                data: UpstreamEventData {
                    reference: request.reference,
                    email: request.email,
                    first_name: None,
                    last_name: None,
                    reason: None,
                },
            };
            if let Err(error) = standin.sender.send(&standin.events_url, &event).await {
                tracing::warn!(%error, "the SEED stand-in could not report provisioning");
            }
        });
    }
}
