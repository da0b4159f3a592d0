//! The SEED gateway: requests endpoint-security provisioning for an invitee
//! (`POST /v1/provisioning-requests`) once TechPass has activated their account. Shapes in
//! docs/INTEGRATIONS.md.

use serde::Serialize;

use super::upstream::Upstream;
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

#[derive(Debug, Serialize)]
pub struct ProvisioningRequest<'a> {
    pub reference: &'a str,
    pub email: &'a str,
    pub techpass_username: Option<&'a str>,
    pub requested_by: &'a str,
    pub reason: &'a str,
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
                reference: &invitation.id,
                email: &f.email,
                techpass_username: f.techpass_username.as_deref(),
                requested_by: officer_email,
                reason: &f.reason,
            };
            self.upstream
                .post("/v1/provisioning-requests", &body, idempotency_key)
                .await
        })
    }
}

/// `GET /v1/provisioning-requests/{reference}`.
#[derive(Debug, serde::Deserialize)]
pub struct SeedState {
    /// `provisioning`, `completed` or `failed`.
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
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
