//! Batch upload: a spreadsheet is parsed and validated into a staged batch; rows can be viewed,
//! replaced, removed or reset; submit turns every valid row into an invitation exactly once.
//!
//! `mapping` converts rows between storage and the API, `checks` holds the one conflict check
//! (duplicate in the file, already invited), `submit` the exactly-once submit.

mod checks;
mod listing;
mod mapping;
mod submit;

use actix_web::web;
use diesel::Connection;
use invite_core::api::{Batch, BatchDelivery, BatchRow, BatchRowError, BatchRowStatus};
use invite_core::{Field, FieldError, InvitationDraft};
use invite_sheets::{ImportError, Limits, SheetRow};

pub use listing::{ListParams, RowParams, get, list, rows};
pub use submit::submit;

use self::checks::{Cells, FileKeys, InFile, Keys, at_cell, conflicts};
use self::mapping::{
    invalid_record, mark_conflicts, summary_of, to_api, to_api_row, valid_record,
};
use super::with_conn;
use crate::actor::Actor;
use crate::db::batches::{self as repo, BatchRecord, BatchRowRecord};
use crate::db::{self, Pool};
use crate::delivery::directory::Directory;
use crate::error::ApiError;

pub const FILENAME_MAX: usize = 255;

pub fn not_found() -> ApiError {
    ApiError::NotFound("There is no batch with this id.".into())
}

fn row_not_found() -> ApiError {
    ApiError::NotFound("There is no row with this id in the batch.".into())
}

fn row_submitted() -> ApiError {
    ApiError::Conflict("This row has been submitted already; it can no longer change.".into())
}

/// A 4xx problem for a file that cannot be imported; nothing is stored.
pub fn import_problem(error: ImportError) -> ApiError {
    let too_large = matches!(
        error,
        ImportError::TooLarge { .. } | ImportError::UncompressedTooLarge { .. }
    );
    let detail = error.to_string();
    let errors = vec![FieldError {
        field: "file".into(),
        code: error.code().into(),
        message: detail.clone(),
    }];
    if too_large {
        ApiError::PayloadTooLarge { detail, errors }
    } else {
        ApiError::Validation { detail, errors }
    }
}

/// Cleans a client-supplied file name for display: no path, no control characters, bounded.
pub fn clean_filename(name: Option<&str>) -> String {
    let name = name.unwrap_or("upload.xlsx");
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(FILENAME_MAX)
        .collect();
    if cleaned.trim().is_empty() {
        "upload.xlsx".into()
    } else {
        cleaned
    }
}

/// One uploaded row after the field rules: its record, and for a valid row its keys and the
/// cells they were read from (columns may be in any order), for the conflict check.
struct Staged {
    record: BatchRowRecord,
    valid: Option<(Keys, Cells)>,
}

fn stage_sheet_row(batch_id: &str, row: &SheetRow) -> Staged {
    let id = uuid::Uuid::new_v4().to_string();
    let row_number = i32::try_from(row.row_number).unwrap_or(i32::MAX);
    match row.validate() {
        Ok(request) => {
            let keys = Keys::of(&request);
            let cells = Cells {
                email: Some(row.cell(Field::Email)),
                username: Some(row.cell(Field::TechpassUsername)),
            };
            Staged {
                record: valid_record(batch_id, row_number, id, request.into_fields()),
                valid: Some((keys, cells)),
            }
        }
        Err(errors) => {
            let (draft, _) = row.to_draft();
            Staged {
                record: invalid_record(batch_id, row_number, id, draft, &errors),
                valid: None,
            }
        }
    }
}

pub async fn upload(
    pool: &Pool,
    actor: &Actor,
    filename: String,
    bytes: Vec<u8>,
    limits: Limits,
    directory: &Directory,
) -> Result<Batch, ApiError> {
    // Parsing is CPU-bound: keep it off the async workers.
    let sheet_rows = web::block(move || invite_sheets::read_upload(&bytes, &limits))
        .await?
        .map_err(import_problem)?;
    let batch = BatchRecord {
        id: uuid::Uuid::new_v4().to_string(),
        officer_id: actor.officer_id.clone(),
        filename,
        created_at: db::now(),
    };
    let mut staged: Vec<Staged> = sheet_rows
        .iter()
        .map(|r| stage_sheet_row(&batch.id, r))
        .collect();
    drop(sheet_rows);
    // Who is on TechPass already: asked before the database work, bounded; rows it could not
    // check are checked again at submit.
    let emails: Vec<String> = staged
        .iter()
        .filter_map(|s| s.valid.as_ref().map(|(k, _)| k.email.clone()))
        .collect();
    let on_techpass = directory.on_techpass(&emails).await.existing;
    with_conn(pool, move |conn| {
        let keys = || {
            staged
                .iter()
                .filter_map(|s| s.valid.as_ref().map(|(k, _)| k))
        };
        let file = FileKeys::count(keys());
        let mut invited = checks::already_invited(conn, keys())?;
        invited.on_techpass = on_techpass;
        for row in &mut staged {
            if let Some((keys, cells)) = &row.valid {
                let n = row.record.row_number;
                let found = conflicts(keys, file.shared(keys), &invited, n, cells);
                mark_conflicts(&mut row.record, &found);
            }
        }
        let records: Vec<BatchRowRecord> = staged.into_iter().map(|s| s.record).collect();
        conn.transaction(|conn| repo::insert(conn, &batch, &records))?;
        tracing::info!(batch_id = %batch.id, rows = records.len(), "batch staged");
        let summary = summary_of(records.iter().map(|r| (r.status, 1)));
        Ok(to_api(&batch, summary, BatchDelivery::default(), &records)?)
    })
    .await
}

/// View details → Save: replaces a row's fields and validates them again, duplicates included.
pub async fn replace_row(
    pool: &Pool,
    actor: &Actor,
    batch_id: uuid::Uuid,
    row_id: uuid::Uuid,
    draft: InvitationDraft,
) -> Result<BatchRow, ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let (batch_id, row_id) = (batch_id.to_string(), row_id.to_string());
        repo::find(conn, &officer_id, &batch_id)?.ok_or_else(not_found)?;
        let existing = repo::find_row(conn, &batch_id, &row_id)?.ok_or_else(row_not_found)?;
        if existing.status == BatchRowStatus::Submitted {
            return Err(row_submitted());
        }
        let n = existing.row_number;
        let record = match draft.parse() {
            Ok(request) => {
                let keys = Keys::of(&request);
                let fields = request.into_fields();
                let (email, username) = repo::other_rows_share(
                    conn,
                    &batch_id,
                    &row_id,
                    &keys.email,
                    keys.username.as_deref(),
                )?;
                let invited = checks::already_invited(conn, [&keys])?;
                let extra = conflicts(
                    &keys,
                    InFile { email, username },
                    &invited,
                    n,
                    &Cells::default(),
                );
                let mut record = valid_record(&batch_id, n, row_id.clone(), fields);
                mark_conflicts(&mut record, &extra);
                record
            }
            Err(errors) => {
                let errors: Vec<BatchRowError> =
                    errors.into_iter().map(|e| at_cell(e, n, None)).collect();
                invalid_record(&batch_id, n, row_id.clone(), draft, &errors)
            }
        };
        if !repo::update_unsubmitted_row(conn, &record)? {
            return Err(row_submitted());
        }
        Ok(to_api_row(&record)?)
    })
    .await
}

/// Remove: deletes one row that has not been submitted.
pub async fn remove_row(
    pool: &Pool,
    actor: &Actor,
    batch_id: uuid::Uuid,
    row_id: uuid::Uuid,
) -> Result<(), ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let batch_id = batch_id.to_string();
        repo::find(conn, &officer_id, &batch_id)?.ok_or_else(not_found)?;
        if repo::delete_unsubmitted_row(conn, &batch_id, &row_id.to_string())? {
            return Ok(());
        }
        match repo::find_row(conn, &batch_id, &row_id.to_string())? {
            Some(_) => Err(ApiError::Conflict(
                "This row has been submitted already; it stays as a record.".into(),
            )),
            None => Err(row_not_found()),
        }
    })
    .await
}

/// Reset → Confirm: removes every row not yet submitted.
pub async fn reset(pool: &Pool, actor: &Actor, batch_id: uuid::Uuid) -> Result<(), ApiError> {
    let officer_id = actor.officer_id.clone();
    with_conn(pool, move |conn| {
        let batch_id = batch_id.to_string();
        repo::find(conn, &officer_id, &batch_id)?.ok_or_else(not_found)?;
        repo::delete_unsubmitted_rows(conn, &batch_id)?;
        Ok(())
    })
    .await
}
