//! The TechPass stand-in: takes invitations and vendor accounts, shows the invitee a sign-up
//! page for their invitation, and when they create their account reports `user.onboarded`
//! with the names they entered.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::Utc;
use invite_core::api::{UpstreamEvent, UpstreamEventData};

use crate::config::UpstreamConfig;
use crate::delivery::directory::{AccountLookup, Looking};
use crate::delivery::wire::{OfficerInvitation, TechpassState, VendorAccount};
use crate::webhooks::sender::WebhookSender;

/// What TechPass was asked for one invitation.
#[derive(Debug, Clone)]
pub struct Request {
    pub reference: uuid::Uuid,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Vendors: the account's username.
    pub username: Option<String>,
    pub invited_by: String,
    pub reason: String,
}

impl Request {
    /// An officer's invitation as sent; `None` when its reference is not an invitation id.
    pub fn officer(body: OfficerInvitation) -> Option<Request> {
        Some(Request {
            reference: body.reference.parse().ok()?,
            email: body.email,
            first_name: body.first_name,
            last_name: body.last_name,
            username: None,
            invited_by: body.invited_by,
            reason: body.reason,
        })
    }

    /// A vendor's account as sent; `None` when its reference is not an invitation id.
    pub fn vendor(body: VendorAccount) -> Option<Request> {
        Some(Request {
            reference: body.reference.parse().ok()?,
            email: body.email,
            first_name: body.first_name,
            last_name: body.last_name,
            username: Some(body.username),
            invited_by: body.invited_by,
            reason: body.reason,
        })
    }
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
    pub fn state(&self) -> TechpassState {
        let status = match (self.active, self.revoked) {
            (true, _) => "onboarded",
            (false, true) => "revoked",
            (false, false) => "pending",
        };
        TechpassState {
            status: status.to_owned(),
            first_name: self.request.first_name.clone(),
            last_name: self.request.last_name.clone(),
            reason: None,
            updated_at: self.updated_at,
        }
    }
}

pub struct TechpassStandin {
    pub config: UpstreamConfig,
    events_url: String,
    sender: WebhookSender,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    invitees: HashMap<uuid::Uuid, Invitee>,
    /// The lower-cased emails of active accounts: the directory lookup asks one per create, so
    /// it must not walk every invitee.
    active: HashSet<String>,
}

impl TechpassStandin {
    pub fn new(config: UpstreamConfig, events_url: String) -> Self {
        Self {
            sender: WebhookSender::new(config.webhook_secret.clone()),
            config,
            events_url,
            state: Mutex::default(),
        }
    }

    /// Records an invitation or account request. Idempotent: a retried request (same
    /// reference) changes nothing.
    pub fn accept(&self, request: Request) {
        let mut state = self.state();
        state.invitees.entry(request.reference).or_insert(Invitee {
            request,
            active: false,
            revoked: false,
            updated_at: Utc::now(),
        });
    }

    /// Withdraws an invitation (known or not: a revocation may overtake its invitation).
    pub fn revoke(&self, reference: uuid::Uuid) {
        if let Some(invitee) = self.state().invitees.get_mut(&reference) {
            invitee.revoked = true;
            invitee.updated_at = Utc::now();
        }
    }

    /// Which of `emails` have an active account here.
    pub fn active_among(&self, emails: &[String]) -> Vec<String> {
        let state = self.state();
        emails
            .iter()
            .filter(|e| state.active.contains(&e.to_lowercase()))
            .cloned()
            .collect()
    }

    pub fn invitee(&self, reference: uuid::Uuid) -> Option<Invitee> {
        self.state().invitees.get(&reference).cloned()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
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
        self.mark_active(reference, first_name, last_name, event.timestamp);
        Ok(())
    }

    fn mark_active(
        &self,
        reference: uuid::Uuid,
        first_name: &str,
        last_name: &str,
        at: chrono::DateTime<Utc>,
    ) {
        let mut state = self.state();
        let State { invitees, active } = &mut *state;
        if let Some(invitee) = invitees.get_mut(&reference) {
            active.insert(invitee.request.email.to_lowercase());
            invitee.active = true;
            invitee.request.first_name = Some(first_name.to_owned());
            invitee.request.last_name = Some(last_name.to_owned());
            invitee.updated_at = at;
        }
    }
}

/// The stand-in answers "already on TechPass?" in-process: the lookup is on every create's path,
/// and over HTTP it was a second request to this same server for each one (its deliveries,
/// off the request path, still go through the real HTTP client).
impl AccountLookup for TechpassStandin {
    fn existing<'a>(&'a self, emails: &'a [String]) -> Looking<'a> {
        Box::pin(async move { Ok(self.active_among(emails).into_iter().collect()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn standin() -> TechpassStandin {
        TechpassStandin::new(
            UpstreamConfig {
                base_url: "http://127.0.0.1:9/dev/techpass".into(),
                token: Secret::new("t"),
                timeout_secs: 1,
                webhook_secret: Secret::new(crate::webhooks::signature::new_secret()),
            },
            "http://127.0.0.1:9/events".into(),
        )
    }

    fn request(email: &str) -> Request {
        Request {
            reference: uuid::Uuid::new_v4(),
            email: email.into(),
            first_name: None,
            last_name: None,
            username: None,
            invited_by: "jane_tan@tech.gov.sg".into(),
            reason: "r".into(),
        }
    }

    #[tokio::test]
    async fn the_directory_lookup_answers_in_process_with_the_active_accounts_only() {
        let standin = standin();
        let onboarded = request("Wei.Ling@Tech.gov.sg");
        let invited = request("invited@tech.gov.sg");
        let reference = onboarded.reference;
        standin.accept(onboarded);
        standin.accept(invited);
        let asked = [
            "wei.ling@tech.gov.sg".to_owned(),
            "invited@tech.gov.sg".to_owned(),
        ];
        assert!(standin.existing(&asked).await.expect("answer").is_empty());
        standin.mark_active(reference, "Wei Ling", "Tan", Utc::now());
        let existing = standin.existing(&asked).await.expect("answer");
        assert_eq!(
            existing,
            HashSet::from(["wei.ling@tech.gov.sg".to_owned()]),
            "an active account, whatever the case it was invited with; a pending one is not"
        );
        // Revoking afterwards does not close the account.
        standin.revoke(reference);
        assert_eq!(standin.existing(&asked).await.expect("answer").len(), 1);
    }
}
