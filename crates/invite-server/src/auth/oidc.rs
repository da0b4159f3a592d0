//! OpenID Connect: bearer JWTs from the configured provider, verified against its JWKS
//! (issuer, audience, expiry, signature). Keys are cached and re-fetched when a token names an
//! unknown `kid` (key rotation), at most once every few seconds.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::RwLock;

use crate::config::OidcConfig;

#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub jwks_uri: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    email: Option<String>,
    /// When the provider says the address is unverified, it is no identity.
    email_verified: Option<bool>,
    /// The other claims: the device rule reads the one the server names.
    #[serde(flatten)]
    others: serde_json::Map<String, serde_json::Value>,
}

/// What a valid token says about who signs in.
#[derive(Debug)]
pub struct Verified {
    pub email: String,
    claims: serde_json::Map<String, serde_json::Value>,
}

impl Verified {
    /// A claim's text: a string, or the first string of an array of them.
    pub fn text_claim(&self, name: &str) -> Option<String> {
        match self.claims.get(name)? {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Array(values) => {
                values.iter().find_map(|v| v.as_str().map(str::to_owned))
            }
            _ => None,
        }
    }
}

struct Cache {
    discovery: Option<Discovery>,
    keys: JwkSet,
    fetched_at: Option<Instant>,
}

pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    cache: RwLock<Cache>,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider is unreachable: {0}")]
    Provider(String),
    #[error("the token is invalid: {0}")]
    Invalid(String),
}

impl OidcVerifier {
    pub fn new(config: OidcConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self {
            config,
            http,
            cache: RwLock::new(Cache {
                discovery: None,
                keys: JwkSet { keys: vec![] },
                fetched_at: None,
            }),
        }
    }

    pub async fn discovery(&self) -> Result<Discovery, OidcError> {
        if let Some(d) = &self.cache.read().await.discovery {
            return Ok(d.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.config.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&url).await?;
        // OpenID Connect Discovery: the document must name exactly the configured issuer.
        if discovery.issuer.trim_end_matches('/') != self.config.issuer.trim_end_matches('/') {
            return Err(OidcError::Provider(format!(
                "discovery names issuer {} instead of {}",
                discovery.issuer, self.config.issuer
            )));
        }
        self.cache.write().await.discovery = Some(discovery.clone());
        Ok(discovery)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        let response = response
            .error_for_status()
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        response
            .json()
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))
    }

    async fn refresh_keys(&self) -> Result<(), OidcError> {
        let discovery = self.discovery().await?;
        {
            let cache = self.cache.read().await;
            if cache
                .fetched_at
                .is_some_and(|t| t.elapsed() < self.config.key_refresh_floor)
            {
                return Ok(());
            }
        }
        let keys: JwkSet = self.get_json(&discovery.jwks_uri).await?;
        let mut cache = self.cache.write().await;
        cache.keys = keys;
        cache.fetched_at = Some(Instant::now());
        Ok(())
    }

    /// Verifies `token` and returns its email claim.
    pub async fn verify(&self, token: &str) -> Result<Verified, OidcError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| OidcError::Invalid(e.to_string()))?;
        // Only asymmetric algorithms: an HMAC "signed" with the public key must never pass.
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(OidcError::Invalid(
                "symmetric algorithms are not accepted".into(),
            ));
        }
        let kid = header
            .kid
            .clone()
            .ok_or_else(|| OidcError::Invalid("no kid".into()))?;
        let mut jwk = self.cache.read().await.keys.find(&kid).cloned();
        if jwk.is_none() {
            self.refresh_keys().await?;
            jwk = self.cache.read().await.keys.find(&kid).cloned();
        }
        let jwk = jwk.ok_or_else(|| OidcError::Invalid(format!("unknown key {kid}")))?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| OidcError::Invalid(e.to_string()))?;
        let discovery = self.discovery().await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[discovery.issuer.as_str()]);
        validation.set_audience(&[self.config.client_id.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
            .map_err(|e| OidcError::Invalid(e.to_string()))?;
        if data.claims.email_verified == Some(false) {
            return Err(OidcError::Invalid("email not verified".into()));
        }
        let email = data
            .claims
            .email
            .ok_or_else(|| OidcError::Invalid("no email claim".into()))?;
        Ok(Verified {
            email,
            claims: data.claims.others,
        })
    }
}
