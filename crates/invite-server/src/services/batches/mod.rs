//! Batch upload: a spreadsheet is parsed and validated into a staged batch; rows can be viewed,
//! replaced, removed or reset; submit turns every valid row into an invitation exactly once.
//!
//! `mapping` converts rows between storage and the API, `checks` holds the one conflict check
//! (duplicate in the file, already invited), `submit` the exactly-once submit.

mod admission;
mod checks;
mod listing;
mod mapping;
mod submit;

use actix_web::web;
use invite_core::api::{
    Batch, BatchDelivery, BatchRow, BatchRowError, BatchRowStatus, BatchRowsRequest, BatchSource,
};
use invite_core::{Field, FieldError, InvitationDraft};
use invite_sheets::{ImportError, Limits, SheetRow};

pub use admission::{InFlight, Uploads};
pub use listing::{ListParams, RowParams, get, list, rows};
pub use submit::{Submitted, submit};

use self::checks::{Cells, FileKeys, InFile, Keys, at_cell, conflicts};
use self::listing::load;
use self::mapping::{invalid_record, mark_conflicts, summary_of, to_api, to_api_row, valid_record};
use super::idempotency::{self, Begun, IdempotencyKey};
use super::with_conn;
use crate::actor::Actor;
use crate::db::Pool;
use crate::db::batches::{self as repo, BatchRecord, BatchRowRecord};
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
        ImportError::TooLarge { .. }
            | ImportError::UncompressedTooLarge { .. }
            | ImportError::TooMuchText { .. }
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
        .filter(|c| !invite_core::text::is_hidden(*c))
        .take(FILENAME_MAX)
        .collect();
    if cleaned.trim().is_empty() {
        "upload.xlsx".into()
    } else {
        cleaned
    }
}

/// One uploaded row after the field rules: its record, and for a valid row its keys and
/// where its errors point, for the conflict check.
struct Staged {
    record: BatchRowRecord,
    valid: Option<(Keys, Cells)>,
}

fn stage_sheet_row(batch_id: &str, row: &SheetRow) -> Staged {
    let id = uuid::Uuid::now_v7().to_string();
    let row_number = i32::try_from(row.row_number).unwrap_or(i32::MAX);
    match row.validate() {
        Ok(request) => {
            let keys = Keys::of(&request);
            let cells = Cells::Sheet {
                email: row.cell(Field::Email),
                username: row.cell(Field::TechpassUsername),
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

/// A JSON row (`row_number` its position from 1), by the same rules as a sheet's.
fn stage_json_row(batch_id: &str, row_number: i32, draft: InvitationDraft) -> Staged {
    let id = uuid::Uuid::now_v7().to_string();
    match draft.parse() {
        Ok(request) => Staged {
            valid: Some((Keys::of(&request), Cells::Fields)),
            record: valid_record(batch_id, row_number, id, request.into_fields()),
        },
        Err(errors) => {
            let errors: Vec<BatchRowError> = errors
                .into_iter()
                .map(|e| at_cell(e, row_number, &Cells::Fields))
                .collect();
            Staged {
                record: invalid_record(batch_id, row_number, id, draft, &errors),
                valid: None,
            }
        }
    }
}

/// A staged batch, freshly or as an earlier request with the same `Idempotency-Key` made it.
pub struct Uploaded {
    pub batch: Batch,
    pub replayed: bool,
}

/// What an `Idempotency-Key` of `POST /batches` fingerprints.
const UPLOAD_SCOPE: &str = "POST /batches";

/// Where uploads are staged, and what holds them in.
pub struct Staging<'a> {
    pub pool: &'a Pool,
    pub directory: &'a Directory,
    pub uploads: &'a Uploads,
    /// An officer's open drafts at most (`INVITES_MAX_OPEN_DRAFTS`).
    pub max_open_drafts: i64,
}

pub async fn upload(
    to: &Staging<'_>,
    actor: &Actor,
    filename: String,
    bytes: Vec<u8>,
    limits: Limits,
    key: Option<IdempotencyKey>,
) -> Result<Uploaded, ApiError> {
    let key = key.map(|k| {
        let hash = idempotency::request_hash(UPLOAD_SCOPE, &bytes);
        (k, hash)
    });
    // Parsing is CPU-bound: off the async workers, a bounded number at once.
    let sheet_rows = to
        .uploads
        .read(move || invite_sheets::read_upload(&bytes, &limits))
        .await?
        .map_err(import_problem)?;
    let batch = BatchRecord::new(actor, filename, BatchSource::Xlsx);
    let staged: Vec<Staged> = sheet_rows
        .iter()
        .map(|r| stage_sheet_row(&batch.id, r))
        .collect();
    drop(sheet_rows);
    stage(to, actor, batch, staged, key).await
}

/// The JSON form of an upload: `{"name": …, "rows": [{…}, …]}`, staged like a sheet's rows.
pub async fn upload_json(
    to: &Staging<'_>,
    actor: &Actor,
    body: web::Bytes,
    limits: Limits,
    key: Option<IdempotencyKey>,
) -> Result<Uploaded, ApiError> {
    let key = key.map(|k| {
        let hash = idempotency::request_hash(UPLOAD_SCOPE, &body);
        (k, hash)
    });
    let request = web::block(move || {
        let mut reader = serde_json::Deserializer::from_slice(&body);
        serde_path_to_error::deserialize::<_, BatchRowsRequest>(&mut reader)
    })
    .await?
    .map_err(|e| {
        ApiError::BadRequest(format!(
            "The JSON body is not valid at {}: {}.",
            e.path(),
            e.inner()
        ))
    })?;
    let problem = |field: &str, code: &str, detail: String| ApiError::Validation {
        errors: vec![FieldError {
            field: field.into(),
            code: code.into(),
            message: detail.clone(),
        }],
        detail,
    };
    // A file's name is cut to fit (the browser chose it); a name sent as JSON is the
    // client's, held to the documented `maxLength`.
    if request
        .name
        .as_deref()
        .is_some_and(|name| name.chars().count() > FILENAME_MAX)
    {
        return Err(problem(
            "name",
            "too_long",
            format!("name must be at most {FILENAME_MAX} characters."),
        ));
    }
    if request.rows.is_empty() {
        return Err(problem(
            "rows",
            "no_rows",
            "rows holds no row to invite.".into(),
        ));
    }
    if request.rows.len() > limits.max_rows {
        return Err(problem(
            "rows",
            "too_many_rows",
            format!(
                "rows holds {} rows; a batch takes at most {}. Send them as several batches.",
                request.rows.len(),
                limits.max_rows
            ),
        ));
    }
    let name = clean_filename(Some(request.name.as_deref().unwrap_or("rows.json")));
    let batch = BatchRecord::new(actor, name, BatchSource::Json);
    let staged: Vec<Staged> = request
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, draft)| {
            let row_number = i32::try_from(i + 1).unwrap_or(i32::MAX);
            stage_json_row(&batch.id, row_number, draft)
        })
        .collect();
    stage(to, actor, batch, staged, key).await
}

/// Checks the staged rows for duplicates in the batch and earlier invitations, and stores them
/// with the batch, in one transaction with the `Idempotency-Key`'s claim.
async fn stage(
    to: &Staging<'_>,
    actor: &Actor,
    batch: BatchRecord,
    mut staged: Vec<Staged>,
    key: Option<(IdempotencyKey, String)>,
) -> Result<Uploaded, ApiError> {
    let max_open_drafts = to.max_open_drafts;
    // Who is on TechPass already: asked before the database work, bounded; rows it could not
    // check are checked again at submit.
    let emails: Vec<String> = staged
        .iter()
        .filter_map(|s| s.valid.as_ref().map(|(k, _)| k.email.clone()))
        .collect();
    let on_techpass = to.directory.on_techpass(&emails).await.existing;
    let officer_id = actor.officer_id.clone();
    with_conn(to.pool, move |conn| {
        // The conflict check reads before the transaction: it is advice to the officer (submit
        // checks again, and the unique indexes decide), and a SQLite transaction that reads
        // before it writes fails when another writer commits in between.
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
        let records: Vec<BatchRowRecord> = staged.drain(..).map(|s| s.record).collect();
        // Writes first: the key's claim, else the batch.
        crate::db::transaction(conn, |conn| {
            if let Some((key, hash)) = &key
                && let Begun::Replay(batch_id) = idempotency::begin(conn, &officer_id, key, hash)?
            {
                let batch = load(conn, &officer_id, &batch_id)?;
                return Ok(Uploaded { batch, replayed: true });
            }
            repo::insert(conn, &batch, &records)?;
            // Counted after the insert (a SQLite transaction writes first); one too many
            // rolls it back.
            if repo::open_drafts(conn, &officer_id)? > max_open_drafts {
                return Err(ApiError::Conflict(format!(
                    "You have {max_open_drafts} batches with rows waiting to be submitted, the \
                     most there can be. Submit or reset one of them (Batches page), then upload \
                     again."
                )));
            }
            if let Some((key, _)) = &key {
                idempotency::finish(conn, &officer_id, key, &batch.id)?;
            }
            tracing::info!(batch_id = %batch.id, rows = records.len(), source = batch.source.as_str(), "batch staged");
            let summary = summary_of(records.iter().map(|r| (r.status, 1)));
            let batch = to_api(&batch, summary, BatchDelivery::default(), &records)?;
            Ok(Uploaded { batch, replayed: false })
        })
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
        let batch = repo::find(conn, &officer_id, &batch_id)?.ok_or_else(not_found)?;
        let cells = Cells::of_stored(batch.source);
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
                let extra = conflicts(&keys, InFile { email, username }, &invited, n, &cells);
                let mut record = valid_record(&batch_id, n, row_id.clone(), fields);
                mark_conflicts(&mut record, &extra);
                record
            }
            Err(errors) => {
                let errors: Vec<BatchRowError> =
                    errors.into_iter().map(|e| at_cell(e, n, &cells)).collect();
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
