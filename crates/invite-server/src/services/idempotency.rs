//! `Idempotency-Key` for the use cases that create something: the key is claimed inside the
//! transaction that makes the effects and stores what to answer, so a retry replays it.

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::db::idempotency::{self, Claim};
use crate::db::{self, DbConnection};
use crate::error::ApiError;

/// A request's `Idempotency-Key` and how long it is remembered.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub ttl: Duration,
}

/// What a claimed key says to do.
pub enum Begun {
    /// First use: make the effects, then [`finish`] in the same transaction.
    New,
    /// A retry of a request already answered: this is what was stored.
    Replay(String),
}

/// The fingerprint of a request: what it does (`scope`, e.g. `POST /batches`) and its body, so
/// that one key used for two different requests is refused.
pub fn request_hash(scope: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(scope.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

fn mismatch() -> ApiError {
    ApiError::Validation {
        detail: "This Idempotency-Key was already used with a different request.".into(),
        errors: vec![],
    }
}

/// Claims the key inside the caller's transaction; 422 when it was used for another request.
pub fn begin(
    conn: &mut DbConnection,
    officer_id: &str,
    key: &IdempotencyKey,
    hash: &str,
) -> Result<Begun, ApiError> {
    match idempotency::claim(conn, officer_id, &key.key, hash, db::now(), key.ttl)? {
        Claim::New => Ok(Begun::New),
        Claim::Replay { body } => Ok(Begun::Replay(body)),
        Claim::Mismatch => Err(mismatch()),
    }
}

/// For a use case made of several transactions (a submit), which claims its key only once it
/// is done: what an earlier request with this key stored, if it completed; 422 when the key
/// belongs to another request.
pub fn completed(
    conn: &mut DbConnection,
    officer_id: &str,
    key: &IdempotencyKey,
    hash: &str,
) -> Result<Option<String>, ApiError> {
    match idempotency::find(conn, officer_id, &key.key, db::now(), key.ttl)? {
        Some(row) if row.request_hash != hash => Err(mismatch()),
        Some(row) => Ok(row.response_body),
        None => Ok(None),
    }
}

/// Records, once a multi-transaction use case is done, what a retry with its key replays. A
/// retry that finished first keeps its own record.
pub fn record_completed(
    conn: &mut DbConnection,
    officer_id: &str,
    key: &IdempotencyKey,
    hash: &str,
    stored: &str,
) -> Result<(), ApiError> {
    crate::db::transaction(conn, |conn| match begin(conn, officer_id, key, hash)? {
        Begun::New => finish(conn, officer_id, key, stored),
        Begun::Replay(_) => Ok(()),
    })
}

/// Stores what a retry replays, in the transaction that made the effects.
pub fn finish(
    conn: &mut DbConnection,
    officer_id: &str,
    key: &IdempotencyKey,
    stored: &str,
) -> Result<(), ApiError> {
    Ok(idempotency::complete(conn, officer_id, &key.key, stored)?)
}
