//! Batch upload: a spreadsheet is parsed and validated into a staged batch; rows can be viewed,
//! replaced, removed or reset; submit turns every valid row into an invitation exactly once.

use std::collections::HashMap;

use actix_web::web;
use diesel::Connection;
use invite_core::api::{
    Batch, BatchRow, BatchRowError, BatchRowStatus, BatchStatus, BatchSummary, Channel,
};
use invite_core::username::canonical;
use invite_core::{ErrorCode, Field, FieldError, InvitationDraft, InvitationFields};
use invite_sheets::{ImportError, Limits, SheetRow};

use super::invitations::{NewInvitation, insert_invitations};
use super::with_conn;
use crate::auth::Caller;
use crate::db::audit::Actor;
use crate::db::batches::{self as repo, BatchRecord, BatchRowRecord};
use crate::db::invitations::InsertError;
use crate::db::{self, DbConnection, Pool};
use crate::error::ApiError;

/// Rows submitted per transaction; each row has its own savepoint inside it.
const SUBMIT_CHUNK: usize = 500;
pub const FILENAME_MAX: usize = 255;

pub fn not_found() -> ApiError {
    ApiError::NotFound("There is no batch with this id.".into())
}

fn row_not_found() -> ApiError {
    ApiError::NotFound("There is no row with this id in the batch.".into())
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

/// The outcome of checking one row: normalised fields when valid, else the errors.
struct Checked {
    record: BatchRowRecord,
    /// Present when the row passed every field rule (duplicates are checked afterwards).
    valid: Option<InvitationFields>,
    /// The cells the email and username were read from (columns may be in any order).
    email_cell: Option<String>,
    username_cell: Option<String>,
}

fn row_errors_json(errors: &[BatchRowError]) -> String {
    serde_json::to_string(errors).unwrap_or_else(|_| "[]".into())
}

fn record_from_fields(
    batch_id: &str,
    row_number: i32,
    id: String,
    fields: &InvitationFields,
) -> BatchRowRecord {
    BatchRowRecord {
        id,
        batch_id: batch_id.to_owned(),
        row_number,
        user_type: fields.user_type.as_str().to_owned(),
        email: fields.email.clone(),
        first_name: fields.first_name.clone(),
        last_name: fields.last_name.clone(),
        contact_number: fields.contact_number.clone(),
        organisation: fields.organisation.clone(),
        department: fields.department.clone(),
        techpass_username: fields.techpass_username.clone(),
        seed_required: Some(fields.seed_required),
        reason: fields.reason.clone(),
        status: BatchRowStatus::Valid.as_str().to_owned(),
        errors: "[]".into(),
        invitation_id: None,
    }
}

fn record_from_draft(
    batch_id: &str,
    row_number: i32,
    id: String,
    draft: &InvitationDraft,
    errors: &[BatchRowError],
) -> BatchRowRecord {
    BatchRowRecord {
        id,
        batch_id: batch_id.to_owned(),
        row_number,
        user_type: draft.user_type.clone(),
        email: draft.email.clone(),
        first_name: draft.first_name.clone(),
        last_name: draft.last_name.clone(),
        contact_number: draft.contact_number.clone(),
        organisation: draft.organisation.clone(),
        department: draft.department.clone(),
        techpass_username: draft.techpass_username.clone(),
        seed_required: draft.seed_required,
        reason: draft.reason.clone(),
        status: BatchRowStatus::Invalid.as_str().to_owned(),
        errors: row_errors_json(errors),
        invitation_id: None,
    }
}

fn check_sheet_row(batch_id: &str, row: &SheetRow) -> Checked {
    let id = uuid::Uuid::new_v4().to_string();
    let row_number = i32::try_from(row.row_number).unwrap_or(i32::MAX);
    match row.validate() {
        Ok(request) => {
            let fields = request.into_fields();
            Checked {
                record: record_from_fields(batch_id, row_number, id, &fields),
                valid: Some(fields),
                email_cell: Some(row.cell(Field::Email)),
                username_cell: Some(row.cell(Field::TechpassUsername)),
            }
        }
        Err(errors) => {
            let (draft, _) = row.to_draft();
            Checked {
                record: record_from_draft(batch_id, row_number, id, &draft, &errors),
                valid: None,
                email_cell: None,
                username_cell: None,
            }
        }
    }
}

/// An error at `cell`, or — when the uploaded layout is not known (an edited row) — at the
/// field's column in the template layout.
/// A field error of an edited row, pointing at its column in the template layout.
fn with_cell(error: FieldError, row_number: i32) -> BatchRowError {
    BatchRowError {
        cell: SheetRow::cell_for(&error.field, u32::try_from(row_number).unwrap_or(0)),
        field: error.field,
        code: error.code,
        message: error.message,
    }
}

fn cell_error(field: Field, code: ErrorCode, row_number: i32, cell: Option<&str>) -> BatchRowError {
    let mut error = with_cell(FieldError::new(field, code), row_number);
    if let Some(cell) = cell {
        error.cell = Some(cell.to_owned());
    }
    error
}

fn mark_invalid(record: &mut BatchRowRecord, extra: Vec<BatchRowError>) {
    if extra.is_empty() {
        return;
    }
    let mut errors: Vec<BatchRowError> = serde_json::from_str(&record.errors).unwrap_or_default();
    errors.extend(extra);
    record.errors = row_errors_json(&errors);
    record.status = BatchRowStatus::Invalid.as_str().to_owned();
}

/// Adds duplicate-in-file and already-invited errors to the valid rows of `checked`.
fn check_duplicates(conn: &mut DbConnection, checked: &mut [Checked]) -> Result<(), ApiError> {
    let mut emails: HashMap<String, usize> = HashMap::new();
    let mut usernames: HashMap<String, usize> = HashMap::new();
    for fields in checked.iter().filter_map(|c| c.valid.as_ref()) {
        *emails.entry(fields.email.clone()).or_default() += 1;
        if let Some(u) = &fields.techpass_username {
            *usernames.entry(canonical(u)).or_default() += 1;
        }
    }
    let email_list: Vec<String> = emails.keys().cloned().collect();
    let username_list: Vec<String> = usernames.keys().cloned().collect();
    let invited_emails = repo::invited_emails(conn, &email_list)?;
    let invited_usernames = repo::invited_usernames(conn, &username_list)?;
    for c in checked.iter_mut() {
        let Some(fields) = &c.valid else { continue };
        let username = fields.techpass_username.as_ref().map(|u| canonical(u));
        let n = c.record.row_number;
        let (email_cell, username_cell) = (c.email_cell.as_deref(), c.username_cell.as_deref());
        let mut extra = Vec::new();
        if emails.get(&fields.email).is_some_and(|&count| count > 1) {
            extra.push(cell_error(
                Field::Email,
                ErrorCode::DuplicateInFile,
                n,
                email_cell,
            ));
        } else if invited_emails.contains(&fields.email) {
            extra.push(cell_error(
                Field::Email,
                ErrorCode::AlreadyInvited,
                n,
                email_cell,
            ));
        }
        if let Some(u) = &username {
            let field = Field::TechpassUsername;
            if usernames.get(u).is_some_and(|&count| count > 1) {
                extra.push(cell_error(
                    field,
                    ErrorCode::DuplicateInFile,
                    n,
                    username_cell,
                ));
            } else if invited_usernames.contains(u) {
                extra.push(cell_error(
                    field,
                    ErrorCode::AlreadyInvited,
                    n,
                    username_cell,
                ));
            }
        }
        mark_invalid(&mut c.record, extra);
    }
    Ok(())
}

fn to_api_row(record: &BatchRowRecord) -> BatchRow {
    BatchRow {
        id: record.id.parse().unwrap_or_default(),
        row_number: u32::try_from(record.row_number).unwrap_or(0),
        user_type: record.user_type.clone(),
        email: record.email.clone(),
        first_name: record.first_name.clone(),
        last_name: record.last_name.clone(),
        contact_number: record.contact_number.clone(),
        organisation: record.organisation.clone(),
        department: record.department.clone(),
        techpass_username: record.techpass_username.clone(),
        seed_required: record.seed_required,
        reason: record.reason.clone(),
        status: BatchRowStatus::from_wire(&record.status).unwrap_or(BatchRowStatus::Invalid),
        errors: serde_json::from_str(&record.errors).unwrap_or_default(),
        invitation_id: record
            .invitation_id
            .as_deref()
            .and_then(|id| id.parse().ok()),
    }
}

fn to_api(batch: &BatchRecord, rows: &[BatchRowRecord]) -> Batch {
    let rows: Vec<BatchRow> = rows.iter().map(to_api_row).collect();
    let count = |status: BatchRowStatus| rows.iter().filter(|r| r.status == status).count() as u32;
    let summary = BatchSummary {
        total: rows.len() as u32,
        valid: count(BatchRowStatus::Valid),
        invalid: count(BatchRowStatus::Invalid) + count(BatchRowStatus::Failed),
        submitted: count(BatchRowStatus::Submitted),
    };
    // Derived, not stored: Reset or Remove can leave only submitted rows too.
    let status = if summary.total > 0 && summary.submitted == summary.total {
        BatchStatus::Submitted
    } else {
        BatchStatus::Draft
    };
    Batch {
        id: batch.id.parse().unwrap_or_default(),
        filename: batch.filename.clone(),
        created_at: db::to_utc(batch.created_at),
        status,
        summary,
        rows,
    }
}

fn load(conn: &mut DbConnection, officer_id: &str, batch_id: &str) -> Result<Batch, ApiError> {
    let batch = repo::find(conn, officer_id, batch_id)?.ok_or_else(not_found)?;
    let rows = repo::rows(conn, batch_id)?;
    Ok(to_api(&batch, &rows))
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

pub async fn upload(
    pool: &Pool,
    caller: &Caller,
    filename: String,
    bytes: Vec<u8>,
    limits: Limits,
) -> Result<Batch, ApiError> {
    // Parsing is CPU-bound: keep it off the async workers.
    let sheet_rows = web::block(move || invite_sheets::read_upload(&bytes, &limits))
        .await?
        .map_err(import_problem)?;
    let officer_id = caller.officer_id.clone();
    with_conn(pool, move |conn| {
        let batch = BatchRecord {
            id: uuid::Uuid::new_v4().to_string(),
            officer_id: officer_id.clone(),
            filename,
            created_at: db::now(),
        };
        let mut checked: Vec<Checked> = sheet_rows
            .iter()
            .map(|r| check_sheet_row(&batch.id, r))
            .collect();
        check_duplicates(conn, &mut checked)?;
        let records: Vec<BatchRowRecord> = checked.into_iter().map(|c| c.record).collect();
        conn.transaction(|conn| repo::insert(conn, &batch, &records))?;
        tracing::info!(batch_id = %batch.id, rows = records.len(), "batch staged");
        Ok(to_api(&batch, &records))
    })
    .await
}

pub async fn get(pool: &Pool, caller: &Caller, batch_id: uuid::Uuid) -> Result<Batch, ApiError> {
    let officer_id = caller.officer_id.clone();
    with_conn(pool, move |conn| {
        load(conn, &officer_id, &batch_id.to_string())
    })
    .await
}

/// View details → Save: replaces a row's fields and validates them again, duplicates included.
pub async fn replace_row(
    pool: &Pool,
    caller: &Caller,
    batch_id: uuid::Uuid,
    row_id: uuid::Uuid,
    draft: InvitationDraft,
) -> Result<BatchRow, ApiError> {
    let officer_id = caller.officer_id.clone();
    with_conn(pool, move |conn| {
        let (batch_id, row_id) = (batch_id.to_string(), row_id.to_string());
        repo::find(conn, &officer_id, &batch_id)?.ok_or_else(not_found)?;
        let existing = repo::find_row(conn, &batch_id, &row_id)?.ok_or_else(row_not_found)?;
        if existing.status == BatchRowStatus::Submitted.as_str() {
            return Err(ApiError::Conflict(
                "This row has been submitted already; it can no longer change.".into(),
            ));
        }
        let n = existing.row_number;
        let mut record = match draft.parse() {
            Ok(request) => {
                let fields = request.into_fields();
                let mut record = record_from_fields(&batch_id, n, row_id.clone(), &fields);
                let username = fields.techpass_username.as_ref().map(|u| canonical(u));
                let mut extra = Vec::new();
                if repo::other_row_has(conn, &batch_id, &row_id, Some(&fields.email), None)? {
                    extra.push(cell_error(
                        Field::Email,
                        ErrorCode::DuplicateInFile,
                        n,
                        None,
                    ));
                } else if !repo::invited_emails(conn, std::slice::from_ref(&fields.email))?
                    .is_empty()
                {
                    extra.push(cell_error(Field::Email, ErrorCode::AlreadyInvited, n, None));
                }
                if let Some(u) = &username {
                    let field = Field::TechpassUsername;
                    if repo::other_row_has(conn, &batch_id, &row_id, None, Some(u))? {
                        extra.push(cell_error(field, ErrorCode::DuplicateInFile, n, None));
                    } else if !repo::invited_usernames(conn, std::slice::from_ref(u))?.is_empty() {
                        extra.push(cell_error(field, ErrorCode::AlreadyInvited, n, None));
                    }
                }
                mark_invalid(&mut record, extra);
                record
            }
            Err(errors) => {
                let errors: Vec<BatchRowError> =
                    errors.into_iter().map(|e| with_cell(e, n)).collect();
                record_from_draft(&batch_id, n, row_id.clone(), &draft, &errors)
            }
        };
        record.invitation_id = None;
        if !repo::update_unsubmitted_row(conn, &record)? {
            return Err(ApiError::Conflict(
                "This row has been submitted already; it can no longer change.".into(),
            ));
        }
        Ok(to_api_row(&record))
    })
    .await
}

/// Remove: deletes one row that has not been submitted.
pub async fn remove_row(
    pool: &Pool,
    caller: &Caller,
    batch_id: uuid::Uuid,
    row_id: uuid::Uuid,
) -> Result<(), ApiError> {
    let officer_id = caller.officer_id.clone();
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
pub async fn reset(pool: &Pool, caller: &Caller, batch_id: uuid::Uuid) -> Result<(), ApiError> {
    let officer_id = caller.officer_id.clone();
    with_conn(pool, move |conn| {
        let batch_id = batch_id.to_string();
        repo::find(conn, &officer_id, &batch_id)?.ok_or_else(not_found)?;
        repo::delete_unsubmitted_rows(conn, &batch_id)?;
        Ok(())
    })
    .await
}

fn draft_of(record: &BatchRowRecord) -> InvitationDraft {
    InvitationDraft {
        user_type: record.user_type.clone(),
        email: record.email.clone(),
        first_name: record.first_name.clone(),
        last_name: record.last_name.clone(),
        contact_number: record.contact_number.clone(),
        organisation: record.organisation.clone(),
        department: record.department.clone(),
        techpass_username: record.techpass_username.clone(),
        seed_required: record.seed_required,
        reason: record.reason.clone(),
    }
}

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
    /// is taken again row by row, so that only the rows at fault fail.
    Collision,
    Api(ApiError),
}

impl From<diesel::result::Error> for ChunkError {
    fn from(e: diesel::result::Error) -> Self {
        ChunkError::Api(e.into())
    }
}

/// Submit: every valid row becomes an invitation (channel `batch_upload`). Rows are claimed by
/// a conditional UPDATE in the same transaction that inserts their invitations, so concurrent
/// or repeated submits invite each row once; the unique indexes keep each email invited once.
pub async fn submit(pool: &Pool, caller: &Caller, batch_id: uuid::Uuid) -> Result<Batch, ApiError> {
    let actor = caller.actor();
    with_conn(pool, move |conn| {
        let batch_id = batch_id.to_string();
        repo::find(conn, &actor.officer_id, &batch_id)?.ok_or_else(not_found)?;
        let pending = repo::valid_row_ids(conn, &batch_id)?;
        let mut submitted = 0usize;
        for chunk in pending.chunks(SUBMIT_CHUNK) {
            submitted += match submit_chunk(conn, &actor, chunk) {
                Ok(n) => n,
                Err(ChunkError::Collision) => submit_one_by_one(conn, &actor, chunk)?,
                Err(ChunkError::Api(e)) => return Err(e),
            };
        }
        let batch = load(conn, &actor.officer_id, &batch_id)?;
        tracing::info!(%batch_id, submitted, "batch submitted");
        Ok(batch)
    })
    .await
}

/// The set-based path: one transaction claims the chunk's rows, re-validates them as they are
/// now, fails those already invited, and inserts the rest's invitations together.
fn submit_chunk(
    conn: &mut DbConnection,
    actor: &Actor,
    ids: &[String],
) -> Result<usize, ChunkError> {
    conn.transaction(|conn| {
        // The claim (a write) comes first: on SQLite the write lock is then taken up front.
        let claimed = repo::claim_many_for_submit(conn, ids)?;
        let emails: Vec<String> = claimed.iter().map(|r| r.email.clone()).collect();
        let usernames: Vec<String> = claimed
            .iter()
            .filter_map(|r| r.techpass_username.as_deref().map(canonical))
            .collect();
        let invited_emails = repo::invited_emails(conn, &emails)?;
        let invited_usernames = repo::invited_usernames(conn, &usernames)?;
        let mut accepted = Vec::with_capacity(claimed.len());
        for row in &claimed {
            let n = row.row_number;
            let errors: Vec<BatchRowError> = match draft_of(row).parse() {
                Err(errors) => errors.into_iter().map(|e| with_cell(e, n)).collect(),
                Ok(request) => {
                    let mut errors = Vec::new();
                    if invited_emails.contains(&row.email) {
                        errors.push(cell_error(Field::Email, ErrorCode::AlreadyInvited, n, None));
                    }
                    let username = row.techpass_username.as_deref().map(canonical);
                    if username.is_some_and(|u| invited_usernames.contains(&u)) {
                        errors.push(cell_error(
                            Field::TechpassUsername,
                            ErrorCode::AlreadyInvited,
                            n,
                            None,
                        ));
                    }
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
            };
            repo::fail_claimed(conn, &row.id, &row_errors_json(&errors))?;
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
) -> Result<usize, ApiError> {
    let mut submitted = 0;
    conn.transaction(|conn| -> Result<(), ApiError> {
        for id in ids {
            let outcome = conn.transaction(|conn| -> Result<bool, RowFailure> {
                let Some(current) = repo::claim_for_submit(conn, id)? else {
                    return Ok(false); // another submit took it
                };
                let n = current.row_number;
                let request = draft_of(&current).parse().map_err(|errors| {
                    RowFailure::Rejected(errors.into_iter().map(|e| with_cell(e, n)).collect())
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
                            None,
                        )]))
                    }
                    Err(InsertError::Database(e)) => Err(e.into()),
                }
            });
            match outcome {
                Ok(true) => submitted += 1,
                Ok(false) => {}
                Err(RowFailure::Rejected(errors)) => {
                    repo::set_failed(conn, id, &row_errors_json(&errors))?
                }
                Err(RowFailure::Database(e)) => return Err(e.into()),
            }
        }
        Ok(())
    })?;
    Ok(submitted)
}
