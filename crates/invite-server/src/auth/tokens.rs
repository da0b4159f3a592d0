//! Tokens of the built-in sign-in: HS256 JWTs signed with the configured secret.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "invite-users";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The officer id.
    pub sub: String,
    pub email: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    /// The device the officer signed in from (the built-in sign-in's stand-in for an identity
    /// provider's device claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    /// `oidc` for a session the server issued after an OpenID Connect sign-in (accepted
    /// through a proxy); absent for the built-in sign-in's tokens (direct requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

pub fn issue(
    officer_id: &str,
    email: &str,
    device_type: Option<&str>,
    via: Option<&str>,
    secret: &str,
    ttl: Duration,
) -> Result<(String, DateTime<Utc>), jsonwebtoken::errors::Error> {
    let now = Utc::now();
    let expires_at = now + ttl;
    let claims = Claims {
        sub: officer_id.to_owned(),
        email: email.to_owned(),
        iss: ISSUER.to_owned(),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
        device_type: device_type.map(str::to_owned),
        via: via.map(str::to_owned),
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?;
    Ok((token, expires_at))
}

pub fn verify(token: &str, secret: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.leeway = 30;
    jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map(|data| data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_token_verifies_and_a_tampered_or_foreign_one_does_not() {
        let (token, _) = issue(
            "id-1",
            "jane@tech.gov.sg",
            None,
            None,
            "secret-a",
            Duration::hours(1),
        )
        .expect("issue");
        let claims = verify(&token, "secret-a").expect("valid");
        assert_eq!(claims.sub, "id-1");
        assert!(verify(&token, "secret-b").is_err());
        let mut tampered = token.clone();
        tampered.push('x');
        assert!(verify(&tampered, "secret-a").is_err());
    }

    #[test]
    fn expired_token_is_refused() {
        let (token, _) = issue(
            "id-1",
            "jane@tech.gov.sg",
            None,
            None,
            "s",
            Duration::hours(-2),
        )
        .expect("issue");
        assert!(verify(&token, "s").is_err());
    }
}
