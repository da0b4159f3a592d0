//! Idempotency keys: the first request with a key is recorded as in flight, and its response is
//! stored in the same transaction as its effects, so a retry replays exactly what happened.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::idempotency_keys;
use super::{DbConnection, is_unique_violation};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub officer_id: String,
    pub idem_key: String,
    pub request_hash: String,
    /// The response to replay; null only inside the transaction that claimed the key (the only
    /// response replayed today is a create's 201, so no status is stored).
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

/// What a claimed key tells the caller to do.
#[derive(Debug)]
pub enum Claim {
    /// First use: go ahead, then `complete` the key in the same transaction.
    New,
    /// Same key and body already completed: replay this body.
    Replay { body: String },
    /// Same key, different body.
    Mismatch,
}

/// Claims `key` for this request, forgetting claims older than `ttl` first. Call it inside the
/// transaction that makes the request's effects: the claim then commits or rolls back with
/// them, so a failed or interrupted request never leaves its key locked, and a concurrent
/// request with the same key waits on the key's row until the first one is decided.
pub fn claim(
    conn: &mut DbConnection,
    officer_id: &str,
    key: &str,
    request_hash: &str,
    at: NaiveDateTime,
    ttl: Duration,
) -> QueryResult<Claim> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::officer_id.eq(officer_id))
            .filter(idempotency_keys::idem_key.eq(key))
            .filter(idempotency_keys::created_at.lt(at - ttl)),
    )
    .execute(conn)?;
    let row = IdempotencyRow {
        officer_id: officer_id.to_owned(),
        idem_key: key.to_owned(),
        request_hash: request_hash.to_owned(),
        response_body: None,
        created_at: at,
    };
    // A savepoint, so that on PostgreSQL the unique violation does not abort the caller's
    // transaction and the existing claim can be read.
    let inserted = crate::db::transaction(conn, |conn| {
        diesel::insert_into(idempotency_keys::table)
            .values(&row)
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(Claim::New),
        Err(e) if is_unique_violation(&e) => {
            let existing: IdempotencyRow = idempotency_keys::table
                .find((officer_id, key))
                .select(IdempotencyRow::as_select())
                .first(conn)?;
            Ok(match existing {
                r if r.request_hash != request_hash => Claim::Mismatch,
                IdempotencyRow {
                    response_body: Some(body),
                    ..
                } => Claim::Replay { body },
                // Claims commit only together with their response, so this is a broken row.
                _ => return Err(diesel::result::Error::NotFound),
            })
        }
        Err(e) => Err(e),
    }
}

/// Stores the response of a claimed key, in the transaction that made the effects.
pub fn complete(
    conn: &mut DbConnection,
    officer_id: &str,
    key: &str,
    body: &str,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((officer_id, key)))
        .set(idempotency_keys::response_body.eq(body))
        .execute(conn)
        .map(|_| ())
}

/// The officer's record of `key`, unless older than `ttl`.
pub fn find(
    conn: &mut DbConnection,
    officer_id: &str,
    key: &str,
    at: NaiveDateTime,
    ttl: Duration,
) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .find((officer_id, key))
        .filter(idempotency_keys::created_at.ge(at - ttl))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// Forgets every key claimed before `before` (their retries are past answering), so that the
/// table holds a day of keys, not every key ever sent. Returns how many went.
pub fn purge_expired(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}
