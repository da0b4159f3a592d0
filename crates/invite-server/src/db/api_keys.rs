//! API keys: only a SHA-256 hash of the secret is stored. Secrets are 256-bit random values,
//! so a fast hash is enough (no password-stretching needed) and lookups stay O(1).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::api::ApiKey;

use super::schema::api_keys;
use super::{CorruptRow, DbConnection, parse_id, to_utc};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub officer_id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl ApiKeyRow {
    pub fn to_api(&self) -> Result<ApiKey, CorruptRow> {
        Ok(ApiKey {
            id: parse_id("api_keys", &self.id)?,
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            created_at: to_utc(self.created_at),
            last_used_at: self.last_used_at.map(to_utc),
            revoked_at: self.revoked_at.map(to_utc),
        })
    }
}

pub fn insert(conn: &mut DbConnection, row: &ApiKeyRow) -> QueryResult<()> {
    diesel::insert_into(api_keys::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn list(conn: &mut DbConnection, officer_id: &str) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::officer_id.eq(officer_id))
        .order((api_keys::created_at.desc(), api_keys::id.desc()))
        .select(ApiKeyRow::as_select())
        .load(conn)
}

/// The live (not revoked) key with this hash, marking it used.
pub fn use_key(
    conn: &mut DbConnection,
    secret_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<ApiKeyRow>> {
    let found = api_keys::table
        .filter(api_keys::secret_hash.eq(secret_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(key) = &found {
        // Only write when the recorded time is more than a minute old: keeps hot keys cheap.
        if key
            .last_used_at
            .is_none_or(|t| at - t > chrono::Duration::minutes(1))
        {
            diesel::update(api_keys::table.find(&key.id))
                .set(api_keys::last_used_at.eq(at))
                .execute(conn)?;
        }
    }
    Ok(found)
}

/// Revokes the officer's key; returns false when there is no such live key of theirs.
pub fn revoke(
    conn: &mut DbConnection,
    officer_id: &str,
    id: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::officer_id.eq(officer_id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(at))
    .execute(conn)?;
    Ok(updated == 1)
}
