//! The TechPass and SEED wire contracts, one definition each: the bodies our gateways send and
//! read back, which the local stand-ins (`standins`) read and answer. docs/INTEGRATIONS.md
//! gives the shapes. `reference` is our invitation's id.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// TechPass `POST /v1/invitations`: a public officer signs up with their government account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfficerInvitation {
    pub reference: String,
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    pub invited_by: String,
    pub reason: String,
}

/// TechPass `POST /v1/accounts`: a vendor's account, made for them, to be activated within 30
/// days.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VendorAccount {
    pub reference: String,
    pub username: String,
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub contact_number: Option<String>,
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    pub invited_by: String,
    pub reason: String,
}

/// TechPass `POST /v1/revocations`: the officer withdrew the invitation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revocation {
    pub reference: String,
    pub email: String,
    pub revoked_by: String,
}

/// TechPass `POST /v1/users/lookup`: which of these emails already have an account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lookup {
    pub emails: Vec<String>,
}

/// The answer to [`Lookup`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LookupAnswer {
    pub existing: Vec<String>,
}

/// TechPass `GET /v1/invitations/{reference}`: where the invitation (or the vendor's account)
/// stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TechpassState {
    /// `pending`, `onboarded` or `failed` (the stand-in also says `revoked`).
    pub status: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    /// When the status was reached at TechPass.
    pub updated_at: DateTime<Utc>,
}

/// SEED `POST /v1/provisioning-requests`: endpoint-security provisioning for an invitee.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProvisioningRequest {
    pub reference: String,
    pub email: String,
    #[serde(default)]
    pub techpass_username: Option<String>,
    pub requested_by: String,
    pub reason: String,
}

/// SEED `GET /v1/provisioning-requests/{reference}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedState {
    /// `provisioning`, `completed` or `failed`.
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}
