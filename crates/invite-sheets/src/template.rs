//! The batch-upload template officers download (`GET /api/v1/batch-template`).
//!
//! Sheet `Users` holds only the header row: every row an officer fills in below it is read as a
//! user, so examples live on the second sheet, `Instructions`, with every rule spelled out. The
//! texts come from `invite-core` (labels, limits, messages) so the template cannot drift from
//! the rules the server applies.

use std::io::Cursor;

use invite_core::api::UserType;
use invite_core::{ErrorCode, Field, limits};
use umya_spreadsheet::{
    DataValidation, DataValidationValues, DataValidations, NumberingFormat, Pane, PaneStateValues,
    PaneValues, Worksheet,
};

use crate::layout::column_letters;
use crate::limits::Limits;

pub use crate::layout::{COLUMNS, USERS_SHEET};

/// The sheet with the rules and the examples.
pub const INSTRUCTIONS_SHEET: &str = "Instructions";

/// Why the template could not be built. Only a bug can cause it: the input is fixed.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot create sheet {name:?} in the template: {reason}")]
    Sheet {
        name: &'static str,
        reason: &'static str,
    },
    #[error("cannot write the template: {0}")]
    Write(#[from] umya_spreadsheet::XlsxError),
}

/// Column widths in characters, per [`COLUMNS`]: wide enough for the header and typical input.
const WIDTHS: [f64; 10] = [16.0, 34.0, 16.0, 16.0, 18.0, 26.0, 22.0, 24.0, 26.0, 50.0];

/// Builds the `.xlsx` template: sheet `Users` (header only, dropdowns, text-formatted columns,
/// frozen header) and sheet `Instructions` (rules, limits, one example per user type).
pub fn build_template() -> Result<Vec<u8>, TemplateError> {
    let mut book = umya_spreadsheet::new_file_empty_worksheet();
    let users = book
        .new_sheet(USERS_SHEET)
        .map_err(|reason| TemplateError::Sheet {
            name: USERS_SHEET,
            reason,
        })?;
    write_users(users);
    default_margins(users);
    let instructions =
        book.new_sheet(INSTRUCTIONS_SHEET)
            .map_err(|reason| TemplateError::Sheet {
                name: INSTRUCTIONS_SHEET,
                reason,
            })?;
    write_instructions(instructions);
    default_margins(instructions);
    // Open on the sheet officers fill in.
    book.set_active_sheet(0);

    let mut bytes = Cursor::new(Vec::new());
    umya_spreadsheet::writer::xlsx::write_writer(&book, &mut bytes)?;
    Ok(bytes.into_inner())
}

/// Excel's "Normal" print margins, in inches; umya's default is no margin at all.
fn default_margins(sheet: &mut Worksheet) {
    sheet
        .get_page_margins_mut()
        .set_left(0.7)
        .set_right(0.7)
        .set_top(0.75)
        .set_bottom(0.75)
        .set_header(0.3)
        .set_footer(0.3);
}

/// 1-based column number of the `index`-th template column, as umya counts.
fn column_number(index: usize) -> u32 {
    // COLUMNS has 10 entries, so the cast cannot truncate.
    index as u32 + 1
}

fn write_users(sheet: &mut Worksheet) {
    for (index, field) in COLUMNS.iter().enumerate() {
        let cell = sheet.get_cell_mut((column_number(index), 1));
        cell.set_value_string(field.label());
        cell.get_style_mut().get_font_mut().set_bold(true);
        sheet
            .get_column_dimension_mut(&column_letters(index))
            .set_width(WIDTHS[index]);
    }

    // Excel turns 91234567 into a number and drops a leading zero or `+`; text format keeps what
    // was typed. Same for usernames that happen to look like numbers.
    for field in [Field::ContactNumber, Field::TechpassUsername] {
        sheet
            .get_column_dimension_mut(&letters_of(field))
            .get_style_mut()
            .get_number_format_mut()
            .set_format_code(NumberingFormat::FORMAT_TEXT);
    }

    // Dropdowns over every row an upload may have, so they do not stop part-way down.
    let last_row = Limits::default().max_rows + 1;
    let mut validations = DataValidations::default();
    let user_types = UserType::ALL
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join(",");
    validations.add_data_validation_list(dropdown(
        Field::UserType,
        &user_types,
        ErrorCode::InvalidUserType,
        last_row,
    ));
    validations.add_data_validation_list(dropdown(
        Field::SeedRequired,
        "Yes,No",
        ErrorCode::InvalidSeedRequired,
        last_row,
    ));
    sheet.set_data_validations(validations);

    freeze_header_row(sheet);
}

fn letters_of(field: Field) -> String {
    let index = COLUMNS.iter().position(|f| *f == field).unwrap_or_default();
    column_letters(index)
}

fn dropdown(field: Field, choices: &str, error: ErrorCode, last_row: usize) -> DataValidation {
    let letters = letters_of(field);
    let mut validation = DataValidation::default();
    validation
        .set_type(DataValidationValues::List)
        .set_allow_blank(true)
        .set_show_error_message(true)
        .set_error_title(field.label())
        .set_error_message(error.message(field))
        .set_formula1(format!("\"{choices}\""));
    validation
        .get_sequence_of_references_mut()
        .set_sqref(format!("{letters}2:{letters}{last_row}"));
    validation
}

/// Keeps the header visible while scrolling: a frozen pane below row 1 (Excel's "Freeze Top Row").
pub(crate) fn freeze_header_row(sheet: &mut Worksheet) {
    let mut pane = Pane::default();
    pane.set_vertical_split(1.0)
        .set_active_pane(PaneValues::BottomLeft)
        .set_state(PaneStateValues::Frozen);
    pane.get_top_left_cell_mut().set_coordinate("A2");
    if let Some(view) = sheet
        .get_sheet_views_mut()
        .get_sheet_view_list_mut()
        .first_mut()
    {
        view.set_pane(pane);
    } else {
        let mut view = umya_spreadsheet::SheetView::default();
        view.set_workbook_view_id(0).set_pane(pane);
        sheet.get_sheet_views_mut().add_sheet_view_list_mut(view);
    }
}

/// What each column needs, per user type, and its rule.
fn column_rule(field: Field) -> (&'static str, &'static str, String) {
    let max = |field: Field| field.max_chars().unwrap_or_default();
    match field {
        Field::UserType => (
            "Required",
            "Required",
            "Public officer or Vendor.".to_owned(),
        ),
        Field::Email => (
            "Required",
            "Required",
            format!(
                "Public officers: your_name@agency.gov.sg (the address must end in gov.sg). \
                 Vendors: the address the vendor gave. At most {} characters.",
                limits::EMAIL_MAX
            ),
        ),
        Field::FirstName | Field::LastName | Field::Organisation => (
            "Optional",
            "Required",
            format!("At most {} characters.", max(field)),
        ),
        Field::Department => (
            "Optional",
            "Optional",
            format!("At most {} characters.", max(field)),
        ),
        Field::ContactNumber => (
            "Optional",
            "Required",
            format!(
                "A Singapore number like 9123 4567 or +65 9123 4567, or an international number \
                 starting with + and the country code. At most {} characters.",
                limits::CONTACT_INPUT_MAX
            ),
        ),
        Field::TechpassUsername => (
            "Leave empty",
            "Required",
            format!(
                "{} to {} characters: letters, digits, '_', ' ', '-' and '.'. Start and end with \
                 a letter or a digit. No two dots in a row ('..'). The vendor's full name, like \
                 Tan Ah Kow, makes a good username. Public officers get theirs from their \
                 government account.",
                limits::USERNAME_MIN,
                limits::USERNAME_MAX
            ),
        ),
        Field::SeedRequired => ("Required", "Required", "Yes or No.".to_owned()),
        Field::Reason => (
            "Required",
            "Required",
            format!(
                "Why the user needs a TechPass account. At most {} characters.",
                limits::REASON_MAX
            ),
        ),
    }
}

/// One example per user type, in [`COLUMNS`] order. A test checks that both are valid.
pub(crate) const EXAMPLES: [[&str; 10]; 2] = [
    [
        "Public officer",
        "jane_tan@tech.gov.sg",
        "Jane",
        "Tan",
        "9123 4567",
        "GovTech",
        "Platform team",
        "",
        "Yes",
        "Joins the platform team",
    ],
    [
        "Vendor",
        "ah.kow@acme.com.sg",
        "Ah Kow",
        "Tan",
        "+65 9123 4567",
        "ACME Pte Ltd",
        "",
        "Tan Ah Kow",
        "No",
        "Develops the agency's booking system",
    ],
];

fn write_instructions(sheet: &mut Worksheet) {
    let defaults = Limits::default();
    let mut row = 1;
    // A line of one cell overflows into the empty cells to its right; table cells wrap instead,
    // within their column.
    let mut line = |sheet: &mut Worksheet, cells: &[&str], bold: bool| {
        for (index, text) in cells.iter().enumerate() {
            let cell = sheet.get_cell_mut((column_number(index), row));
            cell.set_value_string(*text);
            let style = cell.get_style_mut();
            style.get_font_mut().set_bold(bold);
            if cells.len() > 1 {
                style.get_alignment_mut().set_wrap_text(true);
            }
        }
        row += 1;
    };

    line(sheet, &["How to fill in the Users sheet"], true);
    line(
        sheet,
        &[
            "Enter one user per row on the Users sheet, from row 2. Keep the header row in row 1. \
           Every filled row is read as a user, so do not leave examples or notes there.",
        ],
        false,
    );
    line(sheet, &[], false);
    line(sheet, &["Column", "Public officer", "Vendor", "Rule"], true);
    for field in COLUMNS {
        let (officer, vendor, rule) = column_rule(field);
        line(sheet, &[field.label(), officer, vendor, &rule], false);
    }
    line(sheet, &[], false);

    line(sheet, &["Good to know"], true);
    let notes = [
        "Text must not contain line breaks. Spaces before and after a value are ignored."
            .to_owned(),
        "Each email address can appear only once in a file.".to_owned(),
        "Columns are found by their header text, so you can reorder them. Extra columns are \
         ignored."
            .to_owned(),
        "Blank rows are skipped. Each row's errors point at its cell, such as H7.".to_owned(),
        format!(
            "A file can have at most {} users and be at most {} MB.",
            thousands(defaults.max_rows),
            defaults.max_file_bytes / (1024 * 1024)
        ),
        "Upload an Excel workbook (.xlsx) without a password. Save .xls and .csv files as \
         Excel Workbook (.xlsx) first."
            .to_owned(),
    ];
    for note in &notes {
        line(sheet, &[note], false);
    }
    line(sheet, &[], false);

    line(
        sheet,
        &["Examples (for reference only: type your own users on the Users sheet)"],
        true,
    );
    let header: Vec<&str> = COLUMNS.iter().map(|f| f.label()).collect();
    line(sheet, &header, true);
    for example in &EXAMPLES {
        line(sheet, example, false);
    }

    let widths = [26.0, 24.0, 16.0, 90.0, 20.0, 20.0, 16.0, 20.0, 26.0, 40.0];
    for (index, width) in widths.iter().enumerate() {
        sheet
            .get_column_dimension_mut(&column_letters(index))
            .set_width(*width);
    }
}

/// `50000` → `50,000`, as the guide writes numbers.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_the_contract_header_row() {
        let header: Vec<&str> = COLUMNS.iter().map(|f| f.label()).collect();
        // The contract's batch upload column list, see docs/API-DESIGN.md ("The contract").
        let contract = "| User type | Email address | First name | Last name | Contact number | \
                        Organisation | Department | TechPass username | SEED onboarding required | \
                        Reason |";
        assert_eq!(format!("| {} |", header.join(" | ")), contract);
        assert_eq!(
            COLUMNS,
            Field::ALL,
            "the sheet and the JSON body list fields in one order"
        );
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
