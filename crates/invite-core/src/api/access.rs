//! Signing in and the signed-in officer; API keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevLoginRequest {
    /// A public officer's address, e.g. `jane_tan@tech.gov.sg`.
    #[cfg_attr(feature = "openapi", schema(example = "jane_tan@tech.gov.sg"))]
    pub email: String,
    /// The device the officer signs in from, as an identity provider's device claim would say
    /// (see [`crate::device`]); `non_se_gsib` when absent. Lets the device rule be tried
    /// locally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "non_se_gsib"))]
    pub device_type: Option<String>,
}

/// The end of an OpenID Connect sign-in (authorization code flow with PKCE): what the
/// provider's token endpoint answered, and the `nonce` the SPA put in its request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OidcSessionRequest {
    /// The provider's ID token for this client.
    pub id_token: String,
    /// The access token from the same exchange: asked of UserInfo when the ID token does not
    /// carry the officer's address (providers that answer the `email` scope there only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The `nonce` sent with the authorization request; the ID token must carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// The signed-in officer, and whether they may invite from the device they signed in from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Officer {
    pub id: Uuid,
    pub email: String,
    /// Whether the device rule lets this officer invite from here (always true when the
    /// server has no device rule).
    #[serde(default = "yes")]
    pub can_invite: bool,
    /// Why not, in words for the officer, when `can_invite` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cannot_invite_because: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub officer: Officer,
}

/// How the SPA should sign in: the built-in sign-in, or OpenID Connect with PKCE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AuthConfig {
    DevLogin,
    Oidc {
        authorization_endpoint: String,
        token_endpoint: String,
        client_id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKey {
    /// What the key is for, e.g. the calling system's name (1–100 characters).
    #[cfg_attr(feature = "openapi", schema(example = "HR onboarding system"))]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the secret, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Shown once; only its hash is stored. Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
}
