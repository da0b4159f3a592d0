//! Sign-in: which officer a credential acts for, and the built-in sign-in. The `auth` extractor
//! and the `/auth` routes call these; only this module reads officers and API keys for them.

use invite_core::PublicOfficerEmail;
use invite_core::api::SignIn;

use super::with_conn;
use crate::auth::credentials::{OIDC_SESSION, hash_api_key};
use crate::auth::tokens;
use crate::config::Config;
use crate::db::officers::OfficerRow;
use crate::db::{self, Pool, api_keys, officers};
use crate::error::ApiError;

/// The officer an API key acts for; `None` when the key is unknown or revoked. Records the
/// key's use (at most once a minute).
pub async fn officer_for_api_key(
    pool: &Pool,
    secret: &str,
) -> Result<Option<(OfficerRow, String)>, ApiError> {
    let hash = hash_api_key(secret);
    with_conn(pool, move |conn| {
        let Some(key) = api_keys::use_key(conn, &hash, db::now())? else {
            return Ok(None);
        };
        Ok(officers::find(conn, &key.officer_id)?.map(|officer| (officer, key.name)))
    })
    .await
}

/// The officer with this verified email, created on first sign-in.
pub async fn officer_for_email(
    pool: &Pool,
    email: PublicOfficerEmail,
) -> Result<OfficerRow, ApiError> {
    with_conn(pool, move |conn| {
        Ok(officers::find_or_create(conn, email.as_str())?)
    })
    .await
}

/// The officer an identity provider's `(issuer, subject)` names (see
/// [`officers::find_or_link_subject`]); 403 when their address is another subject's officer.
pub async fn officer_for_subject(
    pool: &Pool,
    issuer: String,
    subject: String,
    email: PublicOfficerEmail,
) -> Result<OfficerRow, ApiError> {
    with_conn(pool, move |conn| {
        officers::find_or_link_subject(conn, &issuer, &subject, email.as_str())?.map_err(|_| {
            tracing::warn!(%issuer, %subject, "sign-in refused: the email is another subject's officer");
            ApiError::Forbidden(
                "Your email address belongs to another sign-in account here. Ask support to \
                 move your invitations to your current account."
                    .into(),
            )
        })
    })
    .await
}

/// The server's own session for an officer who signed in through OpenID Connect: a token
/// like the built-in sign-in's, marked as such (it is accepted through a proxy).
pub fn oidc_session(
    config: &Config,
    officer: &OfficerRow,
    device: Option<&str>,
) -> Result<SignIn, ApiError> {
    let ttl = chrono::Duration::hours(config.token_ttl_hours);
    let (token, expires_at) = tokens::issue(
        &officer.id,
        &officer.email,
        device,
        Some(OIDC_SESSION),
        config.token_secret.expose(),
        ttl,
    )
    .map_err(ApiError::internal)?;
    tracing::info!(officer_id = %officer.id, "signed in through the identity provider");
    Ok(SignIn {
        token,
        expires_at,
        officer: crate::auth::device::officer(officer.to_api()?, &config.device_policy, device),
    })
}

/// The built-in sign-in: a signed token for the officer with this email.
pub async fn dev_login(
    pool: &Pool,
    config: &Config,
    email: PublicOfficerEmail,
    device_type: &str,
) -> Result<SignIn, ApiError> {
    let officer = officer_for_email(pool, email).await?;
    let ttl = chrono::Duration::hours(config.token_ttl_hours);
    let (token, expires_at) = tokens::issue(
        &officer.id,
        &officer.email,
        Some(device_type),
        None,
        config.token_secret.expose(),
        ttl,
    )
    .map_err(ApiError::internal)?;
    tracing::info!(officer_id = %officer.id, device_type, "signed in");
    Ok(SignIn {
        token,
        expires_at,
        officer: crate::auth::device::officer(
            officer.to_api()?,
            &config.device_policy,
            Some(device_type),
        ),
    })
}
