//! Reads an uploaded `.xlsx` into [`SheetRow`]s, refusing hostile or unusable files with an
//! [`ImportError`] an officer can act on.
//!
//! Which sheet: the one named `Users` (case and surrounding spaces ignored); when there is none,
//! the first worksheet, so a template whose sheet was renamed, or a workbook typed from scratch,
//! still works.
//!
//! Header: row 1. Columns are matched by header text (case-insensitive, surrounding and repeated
//! spaces ignored), in any order; extra columns are ignored; all ten of [`COLUMNS`] must be
//! there, once each.
//!
//! Rows: every row below the header whose ten columns are not all empty, in sheet order, with
//! its sheet row number. Blank rows, and rows that only have styling (Excel often writes
//! formatted but empty rows at the end), are skipped. Cells are rendered as text by
//! `cell::render`.
//!
//! Safety: the file size, the zip container (see `container`) and the row count are checked
//! against [`Limits`]; the sheet is streamed cell by cell, so memory follows the rows kept, not
//! the sheet's size, and reading stops at the first row over the limit.

mod cell;
pub mod container;
mod row;

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Reader, SheetType, Xlsx, XlsxError};

pub use row::SheetRow;

pub(crate) use crate::layout::column_letters;
use crate::layout::{COLUMNS, USERS_SHEET};
pub use crate::limits::Limits;
use crate::limits::MIB;

/// What a file that is not a readable `.xlsx` seems to be, to tell the officer what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotXlsx {
    /// An Excel 97–2003 `.xls` (a CFB container without encryption streams).
    LegacyXls,
    /// Text, most likely a CSV renamed to `.xlsx`.
    Text,
    /// A zip without `xl/workbook.xml`: an `.ods`, `.docx`, `.xlsb` or any other archive.
    OtherZip,
    /// Anything else.
    Unknown,
}

/// Why an upload was refused. `code()` is stable (clients may match on it); the message is for
/// officers: what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("The file is empty. Choose the filled-in template and upload it again.")]
    Empty,
    #[error("The file is larger than {}. Split the users over several files.", size(*.limit as u64))]
    TooLarge { limit: usize },
    #[error("{}", not_xlsx_message(*.0))]
    NotXlsx(NotXlsx),
    #[error(
        "The workbook is protected with a password. Remove the password in Excel, save the file \
         and upload it again."
    )]
    Encrypted,
    #[error(
        "The file has more than {limit} parts inside, far more than a workbook needs, so it \
         cannot be opened safely. Save your users in the template and upload that."
    )]
    TooManyEntries { limit: usize },
    #[error(
        "The file is larger than {} once unpacked. Remove pictures and other sheets, or split \
         the users over several files.",
        size(*.limit)
    )]
    UncompressedTooLarge { limit: u64 },
    #[error(
        "The users' details add up to more than {} of text. Split them over several files.",
        size(*.limit)
    )]
    TooMuchText { limit: u64 },
    #[error(
        "The file unpacks to more than it declares, so it cannot be opened safely. Save it \
         again from Excel and upload the new copy."
    )]
    ZipBomb,
    #[error("The workbook has no worksheet. Fill in the Users sheet of the template.")]
    MissingSheet,
    #[error(
        "Row 1 must be the header row. These columns are missing: {}. Copy the header row from \
         the template.",
        .missing.join(", ")
    )]
    MissingColumns { missing: Vec<String> },
    #[error("These columns appear more than once in row 1: {}. Keep one of each.", .duplicated.join(", "))]
    DuplicateColumns { duplicated: Vec<String> },
    #[error("The file has more than {limit} users. Split them over several files.")]
    TooManyRows { limit: usize },
    #[error("The file has no users. Fill in one user per row, from row 2.")]
    NoRows,
    #[error(
        "The file cannot be read as an Excel workbook ({0}). Save it again from Excel and \
         upload the new copy."
    )]
    Corrupt(String),
}

impl ImportError {
    /// Stable machine code, e.g. `not_xlsx`.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Empty => "empty_file",
            ImportError::TooLarge { .. } => "file_too_large",
            ImportError::NotXlsx(_) => "not_xlsx",
            ImportError::Encrypted => "encrypted_workbook",
            ImportError::TooManyEntries { .. } => "too_many_zip_entries",
            ImportError::UncompressedTooLarge { .. } => "uncompressed_too_large",
            ImportError::TooMuchText { .. } => "too_much_text",
            ImportError::ZipBomb => "zip_bomb",
            ImportError::MissingSheet => "missing_sheet",
            ImportError::MissingColumns { .. } => "missing_columns",
            ImportError::DuplicateColumns { .. } => "duplicate_columns",
            ImportError::TooManyRows { .. } => "too_many_rows",
            ImportError::NoRows => "no_rows",
            ImportError::Corrupt(_) => "corrupt_file",
        }
    }
}

fn not_xlsx_message(kind: NotXlsx) -> &'static str {
    match kind {
        NotXlsx::LegacyXls => {
            "This is a legacy Excel 97-2003 file (.xls). Open it in Excel, save it as Excel \
             Workbook (.xlsx) and upload that."
        }
        NotXlsx::Text => {
            "This is a text or CSV file, not an Excel workbook. Open it in Excel, save it as \
             Excel Workbook (.xlsx) and upload that."
        }
        NotXlsx::OtherZip | NotXlsx::Unknown => {
            "This file is not an Excel workbook (.xlsx). Download the template, fill it in and \
             upload it."
        }
    }
}

/// `10485760` → `10 MB`: officers think in MB; the limits are whole MiB.
fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads the users of an uploaded `.xlsx` (see the module documentation for what is accepted).
pub fn read_upload(bytes: &[u8], limits: &Limits) -> Result<Vec<SheetRow>, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.len() > limits.max_file_bytes {
        return Err(ImportError::TooLarge {
            limit: limits.max_file_bytes,
        });
    }
    container::check(bytes, limits, &mut container::Work::default())?;
    // calamine indexes some tables with numbers taken from the file (a shared-string index,
    // for one) and panics when they are out of range. A malformed upload is the officer's
    // problem, not a crash: report it as corrupt.
    catch_unwind(AssertUnwindSafe(|| read_workbook(bytes, limits))).unwrap_or_else(|_| {
        Err(ImportError::Corrupt(
            "it refers to data that is not in the file".to_owned(),
        ))
    })
}

fn read_workbook(bytes: &[u8], limits: &Limits) -> Result<Vec<SheetRow>, ImportError> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| match e {
            XlsxError::Password => ImportError::Encrypted,
            e => corrupt(e),
        })?;
    let sheet = choose_sheet(workbook.sheets_metadata()).ok_or(ImportError::MissingSheet)?;
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(corrupt)?;
    let mut rows = RowCollector::new(limits);
    while let Some(cell) = cells.next_cell().map_err(corrupt)? {
        let (row, column) = cell.get_position();
        rows.push(row, column, cell.get_value())?;
    }
    rows.finish()
}

fn corrupt(error: XlsxError) -> ImportError {
    ImportError::Corrupt(error.to_string())
}

/// The `Users` worksheet if there is one, else the first worksheet.
fn choose_sheet(sheets: &[calamine::Sheet]) -> Option<String> {
    let mut worksheets = sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    let users = worksheets
        .clone()
        .find(|s| s.name.trim().eq_ignore_ascii_case(USERS_SHEET));
    users.or_else(|| worksheets.next()).map(|s| s.name.clone())
}

/// Header text as compared: case-insensitive, spaces trimmed and collapsed.
fn normalise_header(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Where each of [`COLUMNS`] is in the uploaded sheet.
struct Layout {
    /// 0-based sheet column of each `COLUMNS` entry. Looked up by scanning ten numbers rather
    /// than through a table indexed by column: the column numbers come from the file, and a
    /// forged one (`r="ZZZZZZ1"`) must not size an allocation.
    columns: [u32; 10],
}

impl Layout {
    /// `header`: the row-1 cells as `(column, normalised text)`.
    fn from_header(header: &[(u32, String)]) -> Result<Self, ImportError> {
        let mut columns = [0u32; 10];
        let mut missing = Vec::new();
        let mut duplicated = Vec::new();
        for (index, field) in COLUMNS.iter().enumerate() {
            let label = normalise_header(field.label());
            let mut found = header.iter().filter(|(_, text)| *text == label);
            match (found.next(), found.next()) {
                (None, _) => missing.push(field.label().to_owned()),
                (Some((column, _)), None) => columns[index] = *column,
                (Some(_), Some(_)) => duplicated.push(field.label().to_owned()),
            }
        }
        if !missing.is_empty() {
            return Err(ImportError::MissingColumns { missing });
        }
        if !duplicated.is_empty() {
            return Err(ImportError::DuplicateColumns { duplicated });
        }
        Ok(Self { columns })
    }

    fn field_at(&self, column: u32) -> Option<usize> {
        self.columns.iter().position(|c| *c == column)
    }
}

/// Gathers streamed cells into rows, enforcing the row and text limits as it goes.
struct RowCollector<'l> {
    limits: &'l Limits,
    /// Header cells (row 0), their text normalised, until the first data cell arrives.
    header: Vec<(u32, String)>,
    layout: Option<Layout>,
    /// The 0-based row being filled, and its values.
    pending: Option<(u32, [String; 10])>,
    rows: Vec<SheetRow>,
    /// Bytes of text kept so far. A shared string can be referenced from every cell, so the
    /// kept text can outgrow the file's unpacked size: each cell is cut to its field's limit
    /// and the total is capped (`max_text_bytes`).
    text_bytes: u64,
}

impl<'l> RowCollector<'l> {
    fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            header: Vec::new(),
            layout: None,
            pending: None,
            rows: Vec::new(),
            text_bytes: 0,
        }
    }

    fn push(
        &mut self,
        row: u32,
        column: u32,
        value: &calamine::DataRef<'_>,
    ) -> Result<(), ImportError> {
        if row == 0 {
            if self.layout.is_some() {
                return Err(out_of_order());
            }
            self.header
                .push((column, normalise_header(&cell::render(value))));
            return Ok(());
        }
        if self.layout.is_none() {
            self.layout = Some(Layout::from_header(&self.header)?);
        }
        match &self.pending {
            Some((pending_row, _)) if *pending_row == row => {}
            Some((pending_row, _)) if *pending_row > row => return Err(out_of_order()),
            _ => {
                self.flush()?;
                self.pending = Some((row, Default::default()));
            }
        }
        let Some(index) = self
            .layout
            .as_ref()
            .and_then(|layout| layout.field_at(column))
        else {
            return Ok(());
        };
        let text = cell::render_kept(value, crate::layout::COLUMNS[index]);
        self.text_bytes = self.text_bytes.saturating_add(text.len() as u64);
        if self.text_bytes > self.limits.max_text_bytes {
            return Err(ImportError::TooMuchText {
                limit: self.limits.max_text_bytes,
            });
        }
        if let Some((_, values)) = &mut self.pending {
            values[index] = text;
        }
        Ok(())
    }

    /// Keeps the pending row unless it is blank; fails as soon as one row too many is kept.
    fn flush(&mut self) -> Result<(), ImportError> {
        let Some((row, values)) = self.pending.take() else {
            return Ok(());
        };
        if values.iter().all(String::is_empty) {
            return Ok(());
        }
        if self.rows.len() >= self.limits.max_rows {
            return Err(ImportError::TooManyRows {
                limit: self.limits.max_rows,
            });
        }
        let columns = self.layout.as_ref().map(|l| l.columns).unwrap_or_default();
        // Sheets have at most 1,048,576 rows, so the 1-based number fits.
        self.rows.push(SheetRow::with_columns(
            row.saturating_add(1),
            values,
            columns,
        ));
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<SheetRow>, ImportError> {
        if self.layout.is_none() {
            // Nothing below the header: still say whether the header itself is right.
            Layout::from_header(&self.header)?;
        }
        self.flush()?;
        if self.rows.is_empty() {
            return Err(ImportError::NoRows);
        }
        Ok(self.rows)
    }
}

fn out_of_order() -> ImportError {
    ImportError::Corrupt("its rows are out of order".to_owned())
}

#[cfg(test)]
mod tests;
