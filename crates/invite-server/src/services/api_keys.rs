//! API keys: created by an officer, shown once, stored hashed, revocable.

use invite_core::api::{ApiKey, ApiKeyList, CreatedApiKey};
use invite_core::api_key::ApiKeyName;
use invite_core::limits::API_KEY_NAME_MAX;
use rand::RngCore;

use super::with_conn;
use crate::actor::Actor;
use crate::auth::credentials::{API_KEY_PREFIX, hash_api_key};
use crate::db::api_keys::{self as repo, ApiKeyRow};
use crate::db::{self, Pool, audit};
use crate::error::ApiError;

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("{API_KEY_PREFIX}{}", hex::encode(bytes))
}

pub async fn create(pool: &Pool, actor: &Actor, name: String) -> Result<CreatedApiKey, ApiError> {
    let name = ApiKeyName::parse(&name)
        .map_err(|code| ApiError::Validation {
            detail: format!(
                "name must be 1–{API_KEY_NAME_MAX} characters without control characters."
            ),
            errors: vec![ApiKeyName::error(code)],
        })?
        .into_inner();
    let actor = actor.clone();
    with_conn(pool, move |conn| {
        let secret = new_secret();
        let row = ApiKeyRow {
            id: uuid::Uuid::new_v4().to_string(),
            officer_id: actor.officer_id.clone(),
            name,
            prefix: secret.chars().take(10).collect(),
            secret_hash: hash_api_key(&secret),
            created_at: db::now(),
            last_used_at: None,
            revoked_at: None,
        };
        crate::db::transaction(conn, |conn| -> Result<(), ApiError> {
            repo::insert(conn, &row)?;
            audit::record(
                conn,
                &actor,
                "api_key.created",
                &row.id,
                actor.audit_channel(),
            )?;
            Ok(())
        })?;
        Ok(CreatedApiKey {
            key: row.to_api()?,
            secret,
        })
    })
    .await
}

pub async fn list(pool: &Pool, actor: &Actor) -> Result<ApiKeyList, ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        Ok(ApiKeyList {
            items: repo::list(conn, &officer_id)?
                .iter()
                .map(ApiKeyRow::to_api)
                .collect::<Result<Vec<ApiKey>, _>>()?,
        })
    })
    .await
}

pub async fn revoke(pool: &Pool, actor: &Actor, id: uuid::Uuid) -> Result<(), ApiError> {
    let actor = actor.clone();
    with_conn(pool, move |conn| {
        let id = id.to_string();
        let revoked = crate::db::transaction(conn, |conn| -> Result<bool, ApiError> {
            let revoked = repo::revoke(conn, &actor.officer_id, &id, db::now())?;
            if revoked {
                audit::record(conn, &actor, "api_key.revoked", &id, actor.audit_channel())?;
            }
            Ok(revoked)
        })?;
        if revoked {
            Ok(())
        } else {
            Err(ApiError::NotFound(
                "There is no live API key with this id.".into(),
            ))
        }
    })
    .await
}
