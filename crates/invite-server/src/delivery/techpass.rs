//! The TechPass gateway: invites a public officer (`POST /v1/invitations`) or creates a vendor's
//! account with the chosen username (`POST /v1/accounts`), and withdraws either when the
//! officer revokes the invitation (`POST /v1/revocations`). The shapes are in
//! docs/INTEGRATIONS.md; `reference` (our invitation id) ties TechPass's events back to us.

use std::sync::Arc;

use invite_core::api::UserType;
use serde::Serialize;

use super::upstream::Upstream;
use super::{Checking, Provisioner, Reconciler, Sending};
use crate::config::UpstreamConfig;
use crate::db::invitations::InvitationRow;

pub struct TechpassClient {
    upstream: Arc<Upstream>,
    /// The directory's own client (and so its own connection pool): see [`Self::lookup`].
    lookup: Arc<Upstream>,
}

impl TechpassClient {
    pub fn new(config: &UpstreamConfig) -> Result<Self, String> {
        Ok(Self {
            upstream: Arc::new(Upstream::new("TechPass", config)?),
            lookup: Arc::new(Upstream::new("TechPass", config)?),
        })
    }

    /// Asks TechPass's directory who already has an account. Request handlers ask it, on
    /// actix's worker threads, each with its own runtime; a pooled connection lives on the
    /// runtime that opened it. Sharing one pool with the delivery worker (on the main runtime)
    /// let the worker's requests ride connections that die with a worker thread's runtime when
    /// the server stops: every TechPass delivery in flight failed at SIGTERM. Hence a client of
    /// its own.
    pub fn lookup(&self) -> super::directory::TechpassLookup {
        super::directory::TechpassLookup {
            upstream: Arc::clone(&self.lookup),
        }
    }

    /// The same client, telling TechPass of revoked invitations.
    pub fn revocations(&self) -> TechpassRevocations {
        TechpassRevocations {
            upstream: Arc::clone(&self.upstream),
        }
    }
}

/// `POST /v1/revocations`: the officer withdrew the invitation; TechPass stops its sign-up
/// (and removes an account made for a vendor that was never activated).
pub struct TechpassRevocations {
    upstream: Arc<Upstream>,
}

#[derive(Debug, Serialize)]
pub struct Revocation<'a> {
    pub reference: &'a str,
    pub email: &'a str,
    pub revoked_by: &'a str,
}

impl Provisioner for TechpassRevocations {
    fn request<'a>(
        &'a self,
        invitation: &'a InvitationRow,
        officer_email: &'a str,
        idempotency_key: &'a str,
    ) -> Sending<'a> {
        Box::pin(async move {
            let body = Revocation {
                reference: &invitation.id,
                email: &invitation.fields.email,
                revoked_by: officer_email,
            };
            self.upstream
                .post("/v1/revocations", &body, idempotency_key)
                .await
        })
    }
}

/// `POST /v1/invitations`: a public officer signs up with their government account.
#[derive(Debug, Serialize)]
pub struct OfficerInvitation<'a> {
    pub reference: &'a str,
    pub email: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub invited_by: &'a str,
    pub reason: &'a str,
}

/// `POST /v1/accounts`: a vendor's account, made for them, to be activated within 30 days.
#[derive(Debug, Serialize)]
pub struct VendorAccount<'a> {
    pub reference: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub contact_number: Option<&'a str>,
    pub organisation: Option<&'a str>,
    pub department: Option<&'a str>,
    pub invited_by: &'a str,
    pub reason: &'a str,
}

impl Provisioner for TechpassClient {
    fn request<'a>(
        &'a self,
        invitation: &'a InvitationRow,
        officer_email: &'a str,
        idempotency_key: &'a str,
    ) -> Sending<'a> {
        Box::pin(async move {
            let f = &invitation.fields;
            match (f.user_type, f.techpass_username.as_deref()) {
                (UserType::Vendor, Some(username)) => {
                    let body = VendorAccount {
                        reference: &invitation.id,
                        username,
                        email: &f.email,
                        first_name: f.first_name.as_deref(),
                        last_name: f.last_name.as_deref(),
                        contact_number: f.contact_number.as_deref(),
                        organisation: f.organisation.as_deref(),
                        department: f.department.as_deref(),
                        invited_by: officer_email,
                        reason: &f.reason,
                    };
                    self.upstream
                        .post("/v1/accounts", &body, idempotency_key)
                        .await
                }
                _ => {
                    let body = OfficerInvitation {
                        reference: &invitation.id,
                        email: &f.email,
                        first_name: f.first_name.as_deref(),
                        last_name: f.last_name.as_deref(),
                        invited_by: officer_email,
                        reason: &f.reason,
                    };
                    self.upstream
                        .post("/v1/invitations", &body, idempotency_key)
                        .await
                }
            }
        })
    }
}

/// `GET /v1/invitations/{reference}`: where the invitation (or the vendor's account) stands.
#[derive(Debug, serde::Deserialize)]
pub struct TechpassState {
    /// `pending`, `onboarded` or `failed`.
    pub status: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    /// When the status was reached at TechPass.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Reconciler for TechpassClient {
    fn check<'a>(&'a self, invitation: &'a InvitationRow) -> Checking<'a> {
        Box::pin(async move {
            let path = format!("/v1/invitations/{}", invitation.id);
            let Some(state) = self.upstream.get::<TechpassState>(&path).await? else {
                return Ok(None);
            };
            let event_type = match state.status.as_str() {
                "onboarded" => "user.onboarded",
                "failed" => "user.failed",
                _ => return Ok(None),
            };
            super::read_back_event(
                invitation,
                event_type,
                state.updated_at,
                (state.first_name, state.last_name),
                state.reason,
            )
            .map(Some)
        })
    }
}
