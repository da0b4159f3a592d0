//! Batch rows between their stored form (`BatchRowRecord`) and the API's (`BatchRow`, `Batch`).

use invite_core::api::{
    Batch, BatchDelivery, BatchOverview, BatchRow, BatchRowError, BatchRowStatus, BatchStatus,
    BatchSummary,
};
use invite_core::username::canonical;
use invite_core::{InvitationDraft, InvitationFields};

use crate::db::batches::{BatchRecord, BatchRowRecord};
use crate::db::{self, CorruptRow, parse_id};

pub(super) fn errors_json(errors: &[BatchRowError]) -> String {
    // A Vec of plain string structs always serialises.
    serde_json::to_string(errors).unwrap_or_else(|_| "[]".into())
}

fn errors_of(record: &BatchRowRecord) -> Result<Vec<BatchRowError>, CorruptRow> {
    serde_json::from_str(&record.errors).map_err(|e| CorruptRow {
        table: "batch_rows",
        row_id: record.id.clone(),
        problem: format!("errors is not a JSON list of row errors: {e}"),
    })
}

/// A row that passed every field rule, stored normalised.
pub(super) fn valid_record(
    batch_id: &str,
    row_number: i32,
    id: String,
    fields: InvitationFields,
) -> BatchRowRecord {
    let mut record = invalid_record(batch_id, row_number, id, fields.into_draft(), &[]);
    record.status = BatchRowStatus::Valid;
    record
}

/// A row as entered, with the errors that make it invalid.
pub(super) fn invalid_record(
    batch_id: &str,
    row_number: i32,
    id: String,
    draft: InvitationDraft,
    errors: &[BatchRowError],
) -> BatchRowRecord {
    // Kept as entered so the officer can fix it, but no field beyond its limit and a marker.
    let draft = draft.cut_to_keep();
    BatchRowRecord {
        id,
        batch_id: batch_id.to_owned(),
        row_number,
        username_key: draft.techpass_username.as_deref().map(canonical),
        fields: draft,
        status: BatchRowStatus::Invalid,
        errors: errors_json(errors),
        invitation_id: None,
    }
}

/// Records the conflicts (duplicate in the file, already invited) of a row that passed every
/// field rule: they are its only errors, and any of them makes it invalid.
pub(super) fn mark_conflicts(record: &mut BatchRowRecord, conflicts: &[BatchRowError]) {
    debug_assert_eq!(
        record.status,
        BatchRowStatus::Valid,
        "only valid rows are checked"
    );
    if !conflicts.is_empty() {
        record.errors = errors_json(conflicts);
        record.status = BatchRowStatus::Invalid;
    }
}

pub(super) fn to_api_row(record: &BatchRowRecord) -> Result<BatchRow, CorruptRow> {
    Ok(BatchRow {
        id: parse_id("batch_rows", &record.id)?,
        row_number: u32::try_from(record.row_number).map_err(|_| CorruptRow {
            table: "batch_rows",
            row_id: record.id.clone(),
            problem: format!("row_number {} is negative", record.row_number),
        })?,
        fields: record.fields.clone(),
        status: record.status,
        errors: errors_of(record)?,
        invitation_id: record
            .invitation_id
            .as_deref()
            .map(|id| parse_id("batch_rows.invitation_id", id))
            .transpose()?,
    })
}

/// Rows a batch carries itself (`Batch.rows`); the rest are paged through
/// `GET /batches/{id}/rows`. 500 rows, each with its errors, stay well under 1 MiB.
pub const INLINE_ROWS: usize = 500;

/// A batch's counts, from how many rows it has of each status.
pub(super) fn summary_of(counts: impl IntoIterator<Item = (BatchRowStatus, u32)>) -> BatchSummary {
    let mut summary = BatchSummary::default();
    for (status, n) in counts {
        summary.total += n;
        match status {
            BatchRowStatus::Valid => summary.valid += n,
            BatchRowStatus::Invalid | BatchRowStatus::Failed => summary.invalid += n,
            BatchRowStatus::Submitted => summary.submitted += n,
        }
    }
    summary
}

pub(super) fn overview(
    batch: &BatchRecord,
    summary: BatchSummary,
) -> Result<BatchOverview, CorruptRow> {
    // Derived, not stored: Reset or Remove can leave only submitted rows too.
    let status = if summary.total > 0 && summary.submitted == summary.total {
        BatchStatus::Submitted
    } else {
        BatchStatus::Draft
    };
    Ok(BatchOverview {
        id: parse_id("batches", &batch.id)?,
        filename: batch.filename.clone(),
        source: batch.source,
        created_at: db::to_utc(batch.created_at),
        status,
        summary,
    })
}

/// The batch as the API gives it: `first` holds its rows in sheet order from the first, at
/// least [`INLINE_ROWS`] of them when it has that many (one more tells that more follow).
pub(super) fn to_api(
    batch: &BatchRecord,
    summary: BatchSummary,
    delivery: BatchDelivery,
    first: &[BatchRowRecord],
) -> Result<Batch, CorruptRow> {
    let shown = &first[..first.len().min(INLINE_ROWS)];
    let rows_next_cursor = (first.len() > INLINE_ROWS)
        .then(|| {
            shown
                .last()
                .map(|r| super::super::cursor::encode_row(r.row_number))
        })
        .flatten();
    Ok(Batch {
        overview: overview(batch, summary)?,
        delivery,
        rows: shown.iter().map(to_api_row).collect::<Result<_, _>>()?,
        rows_next_cursor,
    })
}
