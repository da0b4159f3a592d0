//! Batches: the staged rows of an upload, their summary, pages and delivery.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::invitee::InvitationDraft;
use crate::vocabulary::{BatchRowStatus, BatchSource, BatchStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchSummary {
    pub total: u32,
    pub valid: u32,
    pub invalid: u32,
    pub submitted: u32,
}

/// One spreadsheet row of a batch, with its fields as entered (normalised where valid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRow {
    pub id: Uuid,
    /// The row in sheet `Users` (the header is row 1).
    pub row_number: u32,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub fields: InvitationDraft,
    pub status: BatchRowStatus,
    pub errors: Vec<BatchRowError>,
    pub invitation_id: Option<Uuid>,
}

/// A row error: a field error plus the sheet cell it points at (e.g. `E7`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRowError {
    pub field: String,
    pub code: String,
    pub message: String,
    /// The sheet cell, e.g. `E7`; null for a row sent as JSON.
    pub cell: Option<String>,
}

impl BatchRowError {
    /// The error as an officer reads it: `E7: message`, or the field's label when there is no
    /// cell (`Email address: message`).
    pub fn located(&self) -> String {
        let place = match &self.cell {
            Some(cell) => cell.as_str(),
            None => crate::error::Field::from_name(&self.field)
                .map_or(self.field.as_str(), |f| f.label()),
        };
        format!("{place}: {}", self.message)
    }
}

/// A batch without its rows: what the list of batches shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchOverview {
    pub id: Uuid,
    /// The uploaded file's name, or the `name` given with JSON rows.
    pub filename: String,
    pub source: BatchSource,
    pub created_at: DateTime<Utc>,
    pub status: BatchStatus,
    pub summary: BatchSummary,
}

/// How the invitations of a batch's submitted rows are getting on, counted per invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchDelivery {
    /// The invitation email went out.
    pub sent: u32,
    /// The invitation failed (its `failure_reason` says why).
    pub failed: u32,
    /// Waiting for its first email.
    pub pending: u32,
}

/// A batch with its first rows, in sheet order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub overview: BatchOverview,
    pub delivery: BatchDelivery,
    /// Every row of a batch of up to 500 rows; of a larger one, the first 500 (the rest through
    /// `GET /batches/{id}/rows`, from `rows_next_cursor`).
    pub rows: Vec<BatchRow>,
    /// Pass as `cursor` to `GET /batches/{id}/rows` for the rows after `rows`; null when `rows`
    /// holds them all.
    pub rows_next_cursor: Option<String>,
}

/// Rows to stage as a batch without a spreadsheet: `POST /batches` with `application/json`.
/// They are validated exactly as the rows of an upload; a row's `row_number` is its position
/// in `rows`, from 1, and its errors name fields, not cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRowsRequest {
    /// Shown as the batch's `filename`; `rows.json` when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 255))]
    pub name: Option<String>,
    /// 1–50,000 rows, each with the fields `POST /invitations` takes (`user_type` also as
    /// the template's `Public officer` / `Vendor`).
    pub rows: Vec<InvitationDraft>,
}

/// One page of the caller's batches, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchPage {
    pub items: Vec<BatchOverview>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// One page of a batch's rows, in sheet order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRowPage {
    pub items: Vec<BatchRow>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}
