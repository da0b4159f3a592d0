//! The SEED stand-in: takes provisioning requests and, after a short while (a device being set
//! up), reports `provisioning.completed`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use invite_core::api::{UpstreamEvent, UpstreamEventData};

use crate::config::UpstreamConfig;
use crate::delivery::wire::{ProvisioningRequest, SeedState};
use crate::webhooks::sender::WebhookSender;

/// What SEED was asked for one invitation.
#[derive(Debug, Clone)]
pub struct Request {
    pub reference: uuid::Uuid,
    pub email: String,
}

impl Request {
    /// A provisioning request as sent; `None` when its reference is not an invitation id.
    pub fn of(body: ProvisioningRequest) -> Option<Request> {
        Some(Request {
            reference: body.reference.parse().ok()?,
            email: body.email,
        })
    }
}

pub struct SeedStandin {
    pub config: UpstreamConfig,
    events_url: String,
    sender: WebhookSender,
    /// How long provisioning takes here.
    delay: Duration,
    /// Each request, and when it completed.
    requested: Mutex<HashMap<uuid::Uuid, Option<chrono::DateTime<Utc>>>>,
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

    /// As `GET /v1/provisioning-requests/{reference}` answers it; `None` if never requested.
    pub fn state(&self, reference: uuid::Uuid) -> Option<SeedState> {
        let requested = self.requested.lock().unwrap_or_else(|e| e.into_inner());
        let completed = requested.get(&reference)?;
        let (status, updated_at) = match completed {
            Some(at) => ("completed", *at),
            None => ("provisioning", Utc::now()),
        };
        Some(SeedState {
            status: status.to_owned(),
            reason: None,
            updated_at,
        })
    }

    /// Records a request and completes it after the delay. A retried request (same reference)
    /// is not provisioned twice.
    pub fn accept(self: &Arc<Self>, request: Request) {
        let new = {
            let mut requested = self.requested.lock().unwrap_or_else(|e| e.into_inner());
            requested.insert(request.reference, None).is_none()
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
            {
                let mut requested = standin.requested.lock().unwrap_or_else(|e| e.into_inner());
                requested.insert(request.reference, Some(event.timestamp));
            }
            if let Err(error) = standin.sender.send(&standin.events_url, &event).await {
                tracing::warn!(%error, "the SEED stand-in could not report provisioning");
            }
        });
    }
}
