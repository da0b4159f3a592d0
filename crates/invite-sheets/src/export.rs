//! Downloads: a table (the Invite User Status list, a batch's error report) as an `.xlsx`.
//!
//! Every cell is written as a string cell, whatever its text: a name such as `=HYPERLINK(…)`
//! or `+65 9123 4567` is shown as typed and never evaluated as a formula or read as a number.

use std::io::Cursor;

/// Why a download could not be written. Only a bug can cause it: any text is a valid cell.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot create sheet {0:?}: {1}")]
    Sheet(String, &'static str),
    #[error("cannot write the workbook: {0}")]
    Write(#[from] umya_spreadsheet::XlsxError),
}

/// Cells longer than this are cut (Excel shows at most 32,767 characters in a cell).
pub const CELL_MAX_CHARS: usize = 32_767;

/// A one-sheet workbook: `headers` in bold on a frozen first row, then `rows` (each as many
/// cells as there are headers; missing cells stay empty, extra ones are dropped).
pub fn table(
    sheet_name: &str,
    headers: &[&str],
    widths: &[f64],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, ExportError> {
    let mut book = umya_spreadsheet::new_file_empty_worksheet();
    let sheet = book
        .new_sheet(sheet_name)
        .map_err(|reason| ExportError::Sheet(sheet_name.to_owned(), reason))?;
    for (i, header) in headers.iter().enumerate() {
        let column = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let cell = sheet.get_cell_mut((column, 1));
        cell.set_value_string(*header);
        cell.get_style_mut().get_font_mut().set_bold(true);
        if let Some(width) = widths.get(i) {
            sheet
                .get_column_dimension_by_number_mut(&column)
                .set_width(*width);
        }
    }
    for (r, row) in rows.into_iter().enumerate() {
        let row_number = u32::try_from(r + 2).unwrap_or(u32::MAX);
        for (i, text) in row.into_iter().take(headers.len()).enumerate() {
            if text.is_empty() {
                continue;
            }
            let column = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let text = if text.chars().count() > CELL_MAX_CHARS {
                text.chars().take(CELL_MAX_CHARS).collect()
            } else {
                text
            };
            sheet
                .get_cell_mut((column, row_number))
                .set_value_string(text);
        }
    }
    crate::template::freeze_header_row(sheet);
    let mut bytes = Cursor::new(Vec::new());
    umya_spreadsheet::writer::xlsx::write_writer(&book, &mut bytes)?;
    Ok(bytes.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_looks_like_a_formula_stays_a_string() {
        let bytes = table(
            "Invitations",
            &["Name", "Phone"],
            &[20.0, 20.0],
            [vec![
                "=HYPERLINK(\"http://x\",\"y\")".to_owned(),
                "+6591234567".to_owned(),
            ]],
        )
        .expect("workbook");
        let book = umya_spreadsheet::reader::xlsx::read_reader(Cursor::new(bytes), true)
            .expect("readable");
        let sheet = book.get_sheet_by_name("Invitations").expect("sheet");
        let cell = sheet.get_cell((1, 2)).expect("cell");
        assert_eq!(cell.get_value(), "=HYPERLINK(\"http://x\",\"y\")");
        assert!(!cell.is_formula());
        assert_eq!(sheet.get_cell((2, 2)).expect("cell").get_data_type(), "s");
    }
}
