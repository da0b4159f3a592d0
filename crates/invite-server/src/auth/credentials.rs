//! The shapes of the credentials this server issues: API keys (a prefix, stored as a
//! SHA-256 hash) and the mark of a session made by an OpenID Connect sign-in.

use sha2::{Digest, Sha256};

/// API key secrets start with this, so a bearer value is recognisable without a lookup.
pub const API_KEY_PREFIX: &str = "iu_";

/// How an API key is stored and looked up: the hex SHA-256 of the secret.
pub fn hash_api_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The `via` of a session token the server issued after an OpenID Connect sign-in.
pub const OIDC_SESSION: &str = "oidc";
