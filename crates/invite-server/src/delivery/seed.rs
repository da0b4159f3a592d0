//! The SEED gateway: requests endpoint-security provisioning for an invitee
//! (`POST /v1/provisioning-requests`) once TechPass has activated their account. Shapes in
//! docs/INTEGRATIONS.md.

use super::upstream::Upstream;
use super::wire::{ProvisioningRequest, SeedState};
use super::{Checking, Provisioner, Reconciler, Sending};
use crate::config::UpstreamConfig;
use crate::db::invitations::InvitationRow;

pub struct SeedClient {
    upstream: Upstream,
}

impl SeedClient {
    pub fn new(config: &UpstreamConfig) -> Result<Self, String> {
        Ok(Self {
            upstream: Upstream::new("SEED", config)?,
        })
    }
}

impl Provisioner for SeedClient {
    fn request<'a>(
        &'a self,
        invitation: &'a InvitationRow,
        officer_email: &'a str,
        idempotency_key: &'a str,
    ) -> Sending<'a> {
        Box::pin(async move {
            let f = &invitation.fields;
            let body = ProvisioningRequest {
                reference: invitation.id.clone(),
                email: f.email.clone(),
                techpass_username: f.techpass_username.clone(),
                requested_by: officer_email.to_owned(),
                reason: f.reason.clone(),
            };
            self.upstream
                .post("/v1/provisioning-requests", &body, idempotency_key)
                .await
        })
    }
}

impl Reconciler for SeedClient {
    fn check<'a>(&'a self, invitation: &'a InvitationRow) -> Checking<'a> {
        Box::pin(async move {
            let path = format!("/v1/provisioning-requests/{}", invitation.id);
            let Some(state) = self.upstream.get::<SeedState>(&path).await? else {
                return Ok(None);
            };
            let event_type = match state.status.as_str() {
                "completed" => "provisioning.completed",
                "failed" => "provisioning.failed",
                _ => return Ok(None),
            };
            super::read_back_event(
                invitation,
                event_type,
                state.updated_at,
                (None, None),
                state.reason,
            )
            .map(Some)
        })
    }
}
