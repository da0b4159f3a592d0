//! The TechPass gateway: invites a public officer (`POST /v1/invitations`) or creates a vendor's
//! account with the chosen username (`POST /v1/accounts`), and withdraws either when the
//! officer revokes the invitation (`POST /v1/revocations`). The shapes are in
//! docs/INTEGRATIONS.md; `reference` (our invitation id) ties TechPass's events back to us.

use std::sync::Arc;

use invite_core::api::UserType;

use super::upstream::Upstream;
use super::wire::{OfficerInvitation, Revocation, TechpassState, VendorAccount};
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

impl Provisioner for TechpassRevocations {
    fn request<'a>(
        &'a self,
        invitation: &'a InvitationRow,
        officer_email: &'a str,
        idempotency_key: &'a str,
    ) -> Sending<'a> {
        Box::pin(async move {
            let body = Revocation {
                reference: invitation.id.clone(),
                email: invitation.fields.email.clone(),
                revoked_by: officer_email.to_owned(),
            };
            self.upstream
                .post("/v1/revocations", &body, idempotency_key)
                .await
        })
    }
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
                        reference: invitation.id.clone(),
                        username: username.to_owned(),
                        email: f.email.clone(),
                        first_name: f.first_name.clone(),
                        last_name: f.last_name.clone(),
                        contact_number: f.contact_number.clone(),
                        organisation: f.organisation.clone(),
                        department: f.department.clone(),
                        invited_by: officer_email.to_owned(),
                        reason: f.reason.clone(),
                    };
                    self.upstream
                        .post("/v1/accounts", &body, idempotency_key)
                        .await
                }
                _ => {
                    let body = OfficerInvitation {
                        reference: invitation.id.clone(),
                        email: f.email.clone(),
                        first_name: f.first_name.clone(),
                        last_name: f.last_name.clone(),
                        invited_by: officer_email.to_owned(),
                        reason: f.reason.clone(),
                    };
                    self.upstream
                        .post("/v1/invitations", &body, idempotency_key)
                        .await
                }
            }
        })
    }
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
