//! One data row of an uploaded sheet, and its validation with errors pointing at sheet cells.

use invite_core::api::BatchRowError;
use invite_core::{ErrorCode, Field, FieldError, InvitationDraft, InvitationRequest, parse_yes_no};

use super::column_letters;
use crate::layout::COLUMNS;

/// A non-blank row of sheet `Users`, its cells as text in [`COLUMNS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// The sheet's own row number, 1-based: the header is row 1, so data starts at 2. Blank rows
    /// are skipped, not renumbered, so this is the row the officer sees in Excel.
    pub row_number: u32,
    /// Trimmed cell text per [`COLUMNS`] entry; `""` when the cell is empty.
    pub values: [String; 10],
    /// 0-based sheet column each value was read from. Columns are matched by header, in any
    /// order, so `H` is not always the username: cells must name the column actually used.
    columns: [u32; 10],
}

/// Position of `field` in [`COLUMNS`]; every field is there (a test pins `COLUMNS`).
fn index_of(field: Field) -> usize {
    COLUMNS.iter().position(|f| *f == field).unwrap_or_default()
}

/// The template's layout: column `i` holds `COLUMNS[i]`.
const TEMPLATE_COLUMNS: [u32; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

impl SheetRow {
    /// A row laid out as in the template (column `A` is `User type`, …, `J` is `Reason`).
    pub fn new(row_number: u32, values: [String; 10]) -> Self {
        Self {
            row_number,
            values,
            columns: TEMPLATE_COLUMNS,
        }
    }

    /// A row read from a sheet whose columns were matched by header.
    pub(crate) fn with_columns(row_number: u32, values: [String; 10], columns: [u32; 10]) -> Self {
        Self {
            row_number,
            values,
            columns,
        }
    }

    /// The trimmed text of `field`'s cell, `""` when empty.
    pub fn value(&self, field: Field) -> &str {
        &self.values[index_of(field)]
    }

    /// The cell `field` was read from, e.g. `E7`.
    pub fn cell(&self, field: Field) -> String {
        let column = self.columns[index_of(field)];
        format!("{}{}", column_letters(column as usize), self.row_number)
    }

    /// The cell of a field (by JSON name, e.g. `contact_number`) in a row laid out as the
    /// template is. Unlike [`SheetRow::cell`] it cannot know if the uploaded file had its
    /// columns reordered; prefer the cells [`SheetRow::validate`] returns.
    pub fn cell_for(field_name: &str, row_number: u32) -> Option<String> {
        let field = Field::from_name(field_name)?;
        Some(format!("{}{}", column_letters(index_of(field)), row_number))
    }

    /// The row as an [`InvitationDraft`], plus the errors found while building it.
    ///
    /// The only such error is an unreadable `SEED onboarding required` answer (e.g. `Maybe`):
    /// the draft's `seed_required` is then `None`, for which `InvitationDraft::parse` reports
    /// `required` as well. [`SheetRow::validate`] merges both lists without that duplicate;
    /// callers merging them by hand must drop it too. An empty answer is no error here: it
    /// is `None`, and `parse` reports it.
    ///
    /// `user_type` is the text as typed (`Public officer`, `Vendor`): `UserType::parse`
    /// accepts the sheet's labels. Empty optional cells become `None`.
    pub fn to_draft(&self) -> (InvitationDraft, Vec<FieldError>) {
        let mut errors = Vec::new();
        let seed_required = match parse_yes_no(self.value(Field::SeedRequired)) {
            Ok(answer) => Some(answer),
            Err(ErrorCode::Required) => None,
            Err(code) => {
                errors.push(FieldError::new(Field::SeedRequired, code));
                None
            }
        };
        let mut draft = InvitationDraft {
            seed_required,
            ..Default::default()
        };
        for field in Field::ALL {
            draft.set_text(field, self.value(field).to_owned());
        }
        (draft, errors)
    }

    /// Validates the row with `invite-core`'s rules: the request, or every error (one per field
    /// at most, in column order), each with the cell it points at.
    pub fn validate(&self) -> Result<InvitationRequest, Vec<BatchRowError>> {
        let (draft, mut errors) = self.to_draft();
        match draft.parse() {
            Ok(request) if errors.is_empty() => return Ok(request),
            // Cannot happen today (a refused draft field is `None`, which `parse` refuses), but
            // an error already found must never be lost.
            Ok(_) => {}
            Err(parse_errors) => {
                // A field already refused while building the draft is not reported twice.
                let already: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                errors.extend(
                    parse_errors
                        .into_iter()
                        .filter(|e| !already.contains(&e.field)),
                );
            }
        }
        errors.sort_by_key(|e| COLUMNS.iter().position(|f| f.as_str() == e.field));
        Err(errors
            .into_iter()
            .map(|e| {
                let cell = Field::from_name(&e.field).map(|field| self.cell(field));
                BatchRowError {
                    field: e.field,
                    code: e.code,
                    message: e.message,
                    cell,
                }
            })
            .collect())
    }
}
