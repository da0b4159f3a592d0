//! OpenID Connect: bearer JWTs from the configured provider, verified against its JWKS
//! (issuer, audience, expiry, signature). Keys are cached and re-fetched when a token names an
//! unknown `kid` (key rotation): at most once per refresh floor, by one request at a time
//! (the others wait for its outcome), backing off after a failure (1 s, doubling to 60 s).
//! A failed discovery is remembered for a few seconds too, and no provider document is read
//! past 1 MiB: a slow, failing or hostile provider costs one request per interval, not one
//! per sign-in.

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
    /// Where the claims of the `email` scope are, for providers that keep them out of the ID
    /// token.
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
}

/// 1 s (or the refresh floor, if longer) after the first failure, doubling to 60 s.
fn key_backoff(floor: Duration, failures: u32) -> Duration {
    let base = floor.max(Duration::from_secs(1));
    base.saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(16)))
        .min(MAX_KEY_BACKOFF)
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    /// Who the provider says signs in: the officer is keyed by (`iss`, `sub`), not by email.
    iss: Option<String>,
    sub: Option<String>,
    /// One audience or several; with several, `azp` must name this client (OpenID Connect
    /// Core 3.1.3.7).
    aud: Option<serde_json::Value>,
    azp: Option<String>,
    /// The SPA's nonce, when it sent one with its request.
    nonce: Option<String>,
    email: Option<String>,
    /// When the provider says the address is unverified, it is no identity.
    email_verified: Option<bool>,
    /// The other claims: the device rule reads the one the server names.
    #[serde(flatten)]
    others: serde_json::Map<String, serde_json::Value>,
}

/// An ID token that passed every check but the address rules.
struct Checked {
    issuer: String,
    subject: String,
    email: Option<String>,
    email_verified: Option<bool>,
    nonce: Option<String>,
    claims: serde_json::Map<String, serde_json::Value>,
}

/// The UserInfo answer: its subject, the `email` scope's claims, and the rest.
#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    email: Option<String>,
    email_verified: Option<bool>,
    #[serde(flatten)]
    others: serde_json::Map<String, serde_json::Value>,
}

/// What a valid token says about who signs in.
#[derive(Debug)]
pub struct Verified {
    pub issuer: String,
    pub subject: String,
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

/// The most of a provider document (discovery, JWKS) that is read.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// How long a failed discovery is answered from memory.
const DISCOVERY_RETRY: Duration = Duration::from_secs(5);
/// The longest back-off after failed key fetches.
const MAX_KEY_BACKOFF: Duration = Duration::from_secs(60);

struct Cache {
    discovery: Option<Discovery>,
    discovery_failure: Option<(Instant, String)>,
    keys: JwkSet,
    /// The last key fetch, whatever its outcome, and how many failed in a row since the last
    /// success (with the last reason).
    keys_attempted_at: Option<Instant>,
    key_failures: u32,
    key_error: String,
    /// Counts key fetches: a request that waited for another's fetch sees it changed.
    keys_generation: u64,
}

pub struct OidcVerifier {
    config: OidcConfig,
    http: reqwest::Client,
    cache: RwLock<Cache>,
    /// One key fetch at a time.
    refreshing: tokio::sync::Mutex<()>,
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
                discovery_failure: None,
                keys: JwkSet { keys: vec![] },
                keys_attempted_at: None,
                key_failures: 0,
                key_error: String::new(),
                keys_generation: 0,
            }),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    pub async fn discovery(&self) -> Result<Discovery, OidcError> {
        {
            let cache = self.cache.read().await;
            if let Some(d) = &cache.discovery {
                return Ok(d.clone());
            }
            if let Some((at, reason)) = &cache.discovery_failure
                && at.elapsed() < DISCOVERY_RETRY
            {
                return Err(OidcError::Provider(reason.clone()));
            }
        }
        let result = self.fetch_discovery().await;
        let mut cache = self.cache.write().await;
        match &result {
            Ok(discovery) => {
                cache.discovery = Some(discovery.clone());
                cache.discovery_failure = None;
            }
            Err(OidcError::Provider(reason) | OidcError::Invalid(reason)) => {
                cache.discovery_failure = Some((Instant::now(), reason.clone()));
            }
        }
        result
    }

    async fn fetch_discovery(&self) -> Result<Discovery, OidcError> {
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
        Ok(discovery)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, OidcError> {
        self.get_json_as(url, None).await
    }

    /// A provider document, read to at most [`MAX_DOCUMENT_BYTES`]; with `bearer`, as that
    /// token's holder (UserInfo). A refused token is the token's fault, not the provider's.
    async fn get_json_as<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<T, OidcError> {
        let mut request = self.http.get(url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        if bearer.is_some() && response.status().is_client_error() {
            return Err(OidcError::Invalid(format!(
                "{url} refused the access token ({})",
                response.status()
            )));
        }
        let mut response = response
            .error_for_status()
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        let too_large = || {
            OidcError::Provider(format!(
                "{url} answered more than {MAX_DOCUMENT_BYTES} bytes"
            ))
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| OidcError::Provider(e.to_string()))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| OidcError::Provider(format!("{url}: {e}")))
    }

    /// Fetches the keys again, unless another request just did (its outcome is this one's),
    /// the refresh floor has not passed, or the back-off after failures has not.
    async fn refresh_keys(&self) -> Result<(), OidcError> {
        let generation = self.cache.read().await.keys_generation;
        let _flight = self.refreshing.lock().await;
        {
            let cache = self.cache.read().await;
            let outcome = || match cache.key_failures {
                0 => Ok(()),
                _ => Err(OidcError::Provider(cache.key_error.clone())),
            };
            if cache.keys_generation != generation {
                return outcome();
            }
            let wait = match cache.key_failures {
                0 => self.config.key_refresh_floor,
                n => key_backoff(self.config.key_refresh_floor, n),
            };
            if cache
                .keys_attempted_at
                .is_some_and(|at| at.elapsed() < wait)
            {
                return outcome();
            }
        }
        let result = match self.discovery().await {
            Ok(discovery) => self.get_json::<JwkSet>(&discovery.jwks_uri).await,
            Err(error) => Err(error),
        };
        let mut cache = self.cache.write().await;
        cache.keys_attempted_at = Some(Instant::now());
        cache.keys_generation += 1;
        match result {
            Ok(keys) => {
                cache.keys = keys;
                cache.key_failures = 0;
                Ok(())
            }
            Err(OidcError::Provider(reason) | OidcError::Invalid(reason)) => {
                cache.key_failures = cache.key_failures.saturating_add(1);
                cache.key_error = reason.clone();
                Err(OidcError::Provider(reason))
            }
        }
    }

    /// Verifies `token` and who it names: an ID token with the officer's verified address.
    pub async fn verify(&self, token: &str) -> Result<Verified, OidcError> {
        let checked = self.check(token).await?;
        self.identity(checked)
    }

    /// The sign-in of a code flow: `id_token` verified (and its `nonce`, when the SPA sent
    /// one); when it lacks the address (a provider that answers the `email` scope from
    /// UserInfo only), UserInfo is asked with `access_token`, and must name the same subject
    /// (OpenID Connect Core 5.3.2: that also binds the access token to this sign-in).
    pub async fn sign_in(
        &self,
        id_token: &str,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<Verified, OidcError> {
        let mut checked = self.check(id_token).await?;
        if let Some(expected) = nonce
            && checked.nonce.as_deref() != Some(expected)
        {
            return Err(OidcError::Invalid("the nonce is not this sign-in's".into()));
        }
        let vouched = checked.email_verified.is_some() || self.config.emails_always_verified;
        if checked.email.is_none() || !vouched {
            let access_token = access_token.ok_or_else(|| {
                OidcError::Invalid(
                    "no email in the ID token and no access token for UserInfo".into(),
                )
            })?;
            let info = self.userinfo(access_token).await?;
            if info.sub != checked.subject {
                return Err(OidcError::Invalid("UserInfo names another subject".into()));
            }
            checked.email = info.email.or(checked.email);
            checked.email_verified = info.email_verified.or(checked.email_verified);
            for (name, value) in info.others {
                checked.claims.entry(name).or_insert(value);
            }
        }
        self.identity(checked)
    }

    async fn userinfo(&self, access_token: &str) -> Result<UserInfo, OidcError> {
        let discovery = self.discovery().await?;
        let url = discovery
            .userinfo_endpoint
            .ok_or_else(|| OidcError::Provider("the provider names no UserInfo endpoint".into()))?;
        self.get_json_as(&url, Some(access_token)).await
    }

    /// The address rules: present, and vouched for by the provider.
    fn identity(&self, checked: Checked) -> Result<Verified, OidcError> {
        // An address is an identity only when the provider vouches for it: `email_verified`
        // true, or absent from a provider configured as issuing only verified addresses.
        match (checked.email_verified, self.config.emails_always_verified) {
            (Some(true), _) | (None, true) => {}
            (Some(false), _) => return Err(OidcError::Invalid("email not verified".into())),
            (None, false) => {
                return Err(OidcError::Invalid(
                    "no email_verified claim (set INVITES_OIDC_EMAILS_ALWAYS_VERIFIED if the \
                     provider issues only verified addresses)"
                        .into(),
                ));
            }
        }
        let email = checked
            .email
            .ok_or_else(|| OidcError::Invalid("no email claim".into()))?;
        Ok(Verified {
            issuer: checked.issuer,
            subject: checked.subject,
            email,
            claims: checked.claims,
        })
    }

    /// Signature, issuer, audience, expiry, `azp` and subject of an ID token.
    async fn check(&self, token: &str) -> Result<Checked, OidcError> {
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
        let audiences = match &data.claims.aud {
            Some(serde_json::Value::Array(all)) => all.len(),
            Some(_) => 1,
            None => 0,
        };
        let client_id = self.config.client_id.as_str();
        match data.claims.azp.as_deref() {
            Some(azp) if azp != client_id => {
                return Err(OidcError::Invalid(format!(
                    "issued to another client (azp {azp})"
                )));
            }
            None if audiences > 1 => {
                return Err(OidcError::Invalid(
                    "several audiences and no azp naming this client".into(),
                ));
            }
            _ => {}
        }
        let subject = data
            .claims
            .sub
            .filter(|s| !s.is_empty())
            .ok_or_else(|| OidcError::Invalid("no sub claim".into()))?;
        Ok(Checked {
            issuer: data.claims.iss.unwrap_or_else(|| discovery.issuer.clone()),
            subject,
            email: data.claims.email,
            email_verified: data.claims.email_verified,
            nonce: data.claims.nonce,
            claims: data.claims.others,
        })
    }
}
