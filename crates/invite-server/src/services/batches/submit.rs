//! Submit: every valid row of a batch becomes an invitation (channel `batch_upload`), once.
//!
//! Rows are claimed by a conditional UPDATE in the same transaction that inserts their
//! invitations, so concurrent or repeated submits invite each row once; the unique indexes keep
//! each email invited once. Chunks of rows take a set-based path; a chunk that collides with an
//! invitation made meanwhile is taken again row by row, so only the rows at fault fail.

use std::collections::HashSet;
use std::sync::Arc;

use futures_util::future::try_join_all;

use invite_core::api::{Batch, BatchRowError, Channel};
use invite_core::{ErrorCode, FieldError};

use super::checks::{self, Cells, InFile, Keys, at_cell, cell_error, conflicts};
use super::listing::load;
use super::mapping::errors_json;
use super::not_found;
use crate::actor::Actor;
use crate::db::batches as repo;
use crate::db::invitations::InsertError;
use crate::db::{DbConnection, Pool};
use crate::delivery::directory::Directory;
use crate::error::ApiError;
use crate::services::idempotency::{self, IdempotencyKey};
use crate::services::invitations::{NewInvitation, insert_invitations};
use crate::services::with_conn;

/// Rows submitted per transaction.
const SUBMIT_CHUNK: usize = 500;

/// Why one row could not be submitted (its savepoint is rolled back).
enum RowFailure {
    Rejected(Vec<BatchRowError>),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for RowFailure {
    fn from(e: diesel::result::Error) -> Self {
        RowFailure::Database(e)
    }
}

/// Why a chunk's fast path was abandoned (its transaction is rolled back).
enum ChunkError {
    /// An insert collided with an invitation made meanwhile, or two rows collided: the chunk
    /// is taken again row by row.
    Collision,
    Api(ApiError),
}

impl From<diesel::result::Error> for ChunkError {
    fn from(e: diesel::result::Error) -> Self {
        ChunkError::Api(e.into())
    }
}

/// A submitted batch, freshly or as an earlier submit with the same `Idempotency-Key` left it.
pub struct Submitted {
    pub batch: Batch,
    pub replayed: bool,
    /// Invitations this submit created (0 for a replay).
    pub invited: usize,
}

pub async fn submit(
    pool: &Pool,
    actor: &Actor,
    batch_id: uuid::Uuid,
    directory: &Directory,
    key: Option<IdempotencyKey>,
) -> Result<Submitted, ApiError> {
    // A submit runs a transaction per chunk, so its key is recorded once it is done; a retry
    // that arrives meanwhile submits too, which takes no row twice.
    let key = key.map(|k| {
        let hash = idempotency::request_hash(&format!("POST /batches/{batch_id}/submit"), b"");
        (k, hash)
    });
    if let Some((key, hash)) = key.clone() {
        let officer_id = actor.officer_id.clone();
        let replay = with_conn(pool, move |conn| {
            match idempotency::completed(conn, &officer_id, &key, &hash)? {
                Some(batch_id) => Ok(Some(load(conn, &officer_id, &batch_id)?)),
                None => Ok(None),
            }
        })
        .await?;
        if let Some(batch) = replay {
            return Ok(Submitted {
                batch,
                replayed: true,
                invited: 0,
            });
        }
    }
    // Asked again now (the upload's answer may be old, or TechPass may not have answered then).
    let officer_id = actor.officer_id.clone();
    let entered = with_conn(pool, move |conn| {
        Ok(repo::valid_row_emails(
            conn,
            &officer_id,
            &batch_id.to_string(),
        )?)
    })
    .await?;
    let emails: Vec<String> = entered
        .iter()
        .filter_map(|e| {
            invite_core::email::Email::parse(e)
                .ok()
                .map(|e| e.into_inner())
        })
        .collect();
    let on_techpass = Arc::new(directory.on_techpass(&emails).await.existing);
    let officer_id = actor.officer_id.clone();
    let (cells, pending) = with_conn(pool, move |conn| {
        let batch_id = batch_id.to_string();
        let batch = repo::find(conn, &officer_id, &batch_id)?.ok_or_else(not_found)?;
        Ok((
            Cells::of_stored(batch.source),
            repo::valid_row_ids(conn, &batch_id)?,
        ))
    })
    .await?;
    // The chunks, dealt round-robin to the lanes, each lane a connection of its own.
    let lanes = pool.bulk_lanes();
    let mut dealt: Vec<Vec<Vec<String>>> = vec![Vec::new(); lanes];
    for (i, chunk) in pending.chunks(SUBMIT_CHUNK).enumerate() {
        dealt[i % lanes].push(chunk.to_vec());
    }
    let submitted: usize = try_join_all(dealt.into_iter().map(|chunks| {
        let (actor, on_techpass, cells) = (actor.clone(), Arc::clone(&on_techpass), cells.clone());
        with_conn(pool, move |conn| {
            let mut submitted = 0;
            for chunk in &chunks {
                submitted += match submit_chunk(conn, &actor, chunk, &on_techpass, &cells) {
                    Ok(n) => n,
                    Err(ChunkError::Collision) => submit_one_by_one(conn, &actor, chunk, &cells)?,
                    Err(ChunkError::Api(e)) => return Err(e),
                };
            }
            Ok(submitted)
        })
    }))
    .await?
    .into_iter()
    .sum();
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let batch_id = batch_id.to_string();
        if let Some((key, hash)) = &key {
            idempotency::record_completed(conn, &officer_id, key, hash, &batch_id)?;
        }
        let batch = load(conn, &officer_id, &batch_id)?;
        tracing::info!(%batch_id, submitted, lanes, "batch submitted");
        Ok(Submitted {
            batch,
            replayed: false,
            invited: submitted,
        })
    })
    .await
}

/// The set-based path: one transaction claims the chunk's rows, re-validates them as they are
/// now, fails those already invited, and inserts the rest's invitations together.
fn submit_chunk(
    conn: &mut DbConnection,
    actor: &Actor,
    ids: &[String],
    on_techpass: &HashSet<String>,
    cells: &Cells,
) -> Result<usize, ChunkError> {
    crate::db::transaction(conn, |conn| {
        // The claim (a write) comes first: on SQLite the write lock is then taken up front.
        let claimed = repo::claim_many_for_submit(conn, ids)?;
        let parsed: Vec<Result<_, Vec<FieldError>>> = claimed
            .iter()
            .map(|row| {
                let request = row.fields.parse()?;
                let keys = Keys::of(&request);
                Ok((request, keys))
            })
            .collect();
        let mut invited = checks::already_invited(
            conn,
            parsed
                .iter()
                .filter_map(|p| p.as_ref().ok().map(|(_, keys)| keys)),
        )?;
        invited.on_techpass = on_techpass.clone();
        let mut accepted = Vec::with_capacity(claimed.len());
        for (row, parsed) in claimed.iter().zip(parsed) {
            let n = row.row_number;
            let errors: Vec<BatchRowError> = match parsed {
                Ok((request, keys)) => {
                    // Rows of one batch cannot share a key here: upload and Save refused that.
                    let errors = conflicts(&keys, InFile::default(), &invited, n, cells);
                    if errors.is_empty() {
                        accepted.push(NewInvitation {
                            id: row.id.clone(),
                            request,
                            channel: Channel::BatchUpload,
                        });
                        continue;
                    }
                    errors
                }
                Err(errors) => errors.into_iter().map(|e| at_cell(e, n, cells)).collect(),
            };
            repo::fail_claimed(conn, &row.id, &errors_json(&errors))?;
        }
        let invitations = insert_invitations(conn, actor, accepted).map_err(|e| match e {
            InsertError::AlreadyInvited(_) => ChunkError::Collision,
            InsertError::Database(e) => e.into(),
        })?;
        let ids: Vec<String> = invitations.into_iter().map(|i| i.id).collect();
        repo::link_own_invitations(conn, &ids)?;
        Ok(ids.len())
    })
}

/// The careful path: each row under its own savepoint, so a collision fails just that row.
fn submit_one_by_one(
    conn: &mut DbConnection,
    actor: &Actor,
    ids: &[String],
    cells: &Cells,
) -> Result<usize, ApiError> {
    let mut submitted = 0;
    crate::db::transaction(conn, |conn| -> Result<(), ApiError> {
        for id in ids {
            let outcome = crate::db::transaction(conn, |conn| -> Result<bool, RowFailure> {
                let Some(current) = repo::claim_for_submit(conn, id)? else {
                    return Ok(false); // another submit took it
                };
                let n = current.row_number;
                let request = current.fields.parse().map_err(|errors| {
                    RowFailure::Rejected(errors.into_iter().map(|e| at_cell(e, n, cells)).collect())
                })?;
                let new = NewInvitation {
                    id: id.clone(),
                    request,
                    channel: Channel::BatchUpload,
                };
                match insert_invitations(conn, actor, vec![new]) {
                    Ok(_) => {
                        repo::link_own_invitations(conn, std::slice::from_ref(id))?;
                        Ok(true)
                    }
                    Err(InsertError::AlreadyInvited(field)) => {
                        Err(RowFailure::Rejected(vec![cell_error(
                            field,
                            ErrorCode::AlreadyInvited,
                            n,
                            cells,
                        )]))
                    }
                    Err(InsertError::Database(e)) => Err(e.into()),
                }
            });
            match outcome {
                Ok(true) => submitted += 1,
                Ok(false) => {}
                Err(RowFailure::Rejected(errors)) => {
                    repo::set_failed(conn, id, &errors_json(&errors))?
                }
                Err(RowFailure::Database(e)) => return Err(e.into()),
            }
        }
        Ok(())
    })?;
    Ok(submitted)
}
