//! The TechPass stand-in: takes invitations and vendor accounts, shows the invitee a sign-up
//! page for their invitation, and when they create their account reports `user.onboarded`
//! with the names they entered.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Utc;
use invite_core::api::{UpstreamEvent, UpstreamEventData};
use serde::Deserialize;

use crate::config::UpstreamConfig;
use crate::webhooks::sender::WebhookSender;

/// What TechPass was asked for one invitation.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    pub reference: uuid::Uuid,
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// Vendors: the account's username.
    #[serde(default)]
    pub username: Option<String>,
    pub invited_by: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Invitee {
    pub request: Request,
    pub active: bool,
    /// The officer withdrew the invitation: the sign-up page says so.
    pub revoked: bool,
    /// When its state last changed.
    pub updated_at: chrono::DateTime<Utc>,
}

impl Invitee {
    /// As `GET /v1/invitations/{reference}` answers it.
    pub fn state(&self) -> serde_json::Value {
        let status = match (self.active, self.revoked) {
            (true, _) => "onboarded",
            (false, true) => "revoked",
            (false, false) => "pending",
        };
        serde_json::json!({
            "reference": self.request.reference, "email": self.request.email, "status": status,
            "first_name": self.request.first_name, "last_name": self.request.last_name,
            "updated_at": self.updated_at,
        })
    }
}

pub struct TechpassStandin {
    pub config: UpstreamConfig,
    events_url: String,
    sender: WebhookSender,
    invitees: Mutex<HashMap<uuid::Uuid, Invitee>>,
}

impl TechpassStandin {
    pub fn new(config: UpstreamConfig, events_url: String) -> Self {
        Self {
            sender: WebhookSender::new(config.webhook_secret.clone()),
            config,
            events_url,
            invitees: Mutex::default(),
        }
    }

    /// Records an invitation or account request. Idempotent: a retried request (same
    /// reference) changes nothing.
    pub fn accept(&self, request: Request) {
        let mut invitees = self.invitees.lock().unwrap_or_else(|e| e.into_inner());
        invitees.entry(request.reference).or_insert(Invitee {
            request,
            active: false,
            revoked: false,
            updated_at: Utc::now(),
        });
    }

    /// Withdraws an invitation (known or not: a revocation may overtake its invitation).
    pub fn revoke(&self, reference: uuid::Uuid) {
        let mut invitees = self.invitees.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(invitee) = invitees.get_mut(&reference) {
            invitee.revoked = true;
            invitee.updated_at = Utc::now();
        }
    }

    /// Which of `emails` have an active account here.
    pub fn active_among(&self, emails: &[String]) -> Vec<String> {
        let invitees = self.invitees.lock().unwrap_or_else(|e| e.into_inner());
        let active: std::collections::HashSet<String> = invitees
            .values()
            .filter(|i| i.active)
            .map(|i| i.request.email.to_lowercase())
            .collect();
        emails
            .iter()
            .filter(|e| active.contains(&e.to_lowercase()))
            .cloned()
            .collect()
    }

    pub fn invitee(&self, reference: uuid::Uuid) -> Option<Invitee> {
        let invitees = self.invitees.lock().unwrap_or_else(|e| e.into_inner());
        invitees.get(&reference).cloned()
    }

    /// The invitee created their account: reports it, signed, and marks it active once the
    /// report was taken (so that a failed report can be tried again from the same page).
    pub async fn activate(
        &self,
        reference: uuid::Uuid,
        first_name: &str,
        last_name: &str,
    ) -> Result<(), String> {
        let email = self
            .invitee(reference)
            .ok_or("TechPass has no invitation with this reference")?
            .request
            .email;
        let event = UpstreamEvent {
            event_type: "user.onboarded".into(),
            timestamp: Utc::now(),
            data: UpstreamEventData {
                reference,
                email,
                first_name: Some(first_name.to_owned()),
                last_name: Some(last_name.to_owned()),
                reason: None,
            },
        };
        self.sender.send(&self.events_url, &event).await?;
        let mut invitees = self.invitees.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(invitee) = invitees.get_mut(&reference) {
            invitee.active = true;
            invitee.request.first_name = Some(first_name.to_owned());
            invitee.request.last_name = Some(last_name.to_owned());
            invitee.updated_at = event.timestamp;
        }
        Ok(())
    }
}
