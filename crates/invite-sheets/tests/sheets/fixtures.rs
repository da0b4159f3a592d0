//! Files written by other programs (see `tests/fixtures/make_fixtures.py`) read as typed.

use invite_core::Field;
use invite_sheets::import::NotXlsx;
use invite_sheets::{ImportError, SheetRow};

use crate::support::officer_cells;
use crate::{fixture, read};

/// What `openpyxl_mixed.xlsx` holds below its header (rows 4 and 5 are blank; rows 20 to 30 are
/// formatted but empty; column K, "Notes", is not a template column).
const MIXED: [(u32, [&str; 10]); 8] = [
    (
        2,
        [
            "Public officer",
            "jane_tan@tech.gov.sg",
            "Jane",
            "Tan",
            "91234567",
            "GovTech",
            "Platform",
            "",
            "Yes",
            "Joins the platform team",
        ],
    ),
    (
        3,
        [
            "Vendor",
            "ah.kow@acme.com.sg",
            "Ah Kow",
            "Tan",
            "91234567",
            "ACME Pte Ltd",
            "",
            "Tan Ah Kow",
            "TRUE",
            "Develops the booking system",
        ],
    ),
    (
        6,
        [
            "Vendor",
            "mei.ling@vendor.com",
            "Mei Ling",
            "Lim",
            "+65 8123 4567",
            "Vendor Co",
            "IT",
            "Lim Mei Ling",
            "FALSE",
            "Maintains the portal",
        ],
    ),
    (
        7,
        [
            "Vendor",
            "bad.user@vendor.com",
            "Ah",
            "Kow",
            "81234567",
            "Vendor Co",
            "",
            "ah..kow",
            "No",
            "Needs access",
        ],
    ),
    (8, officer_cells("john@gmail.com", "Yes", "Needs access")),
    (9, officer_cells("siti@hdb.gov.sg", "No", "")),
    (
        10,
        [
            "Vendor",
            "AH.KOW@ACME.COM.SG",
            "Ah Kow",
            "Tan",
            "91234567",
            "ACME Pte Ltd",
            "",
            "Tan Ah Kow 2",
            "No",
            "Duplicate of row 3",
        ],
    ),
    (
        11,
        officer_cells("wei@tech.gov.sg", "Maybe", "Needs access"),
    ),
];

fn as_table(rows: &[SheetRow]) -> Vec<(u32, Vec<&str>)> {
    rows.iter()
        .map(|r| (r.row_number, r.values.iter().map(String::as_str).collect()))
        .collect()
}

fn expected_mixed() -> Vec<(u32, Vec<&'static str>)> {
    MIXED
        .iter()
        .map(|(n, values)| (*n, values.to_vec()))
        .collect()
}

/// An error as `(field, code, cell)`.
type ErrorAt = (String, String, String);

/// `(row, errors)` for every row that has errors.
fn errors(rows: &[SheetRow]) -> Vec<(u32, Vec<ErrorAt>)> {
    rows.iter()
        .filter_map(|row| {
            let errors = row.validate().err()?;
            let list = errors
                .into_iter()
                .map(|e| (e.field, e.code, e.cell.unwrap_or_default()))
                .collect();
            Some((row.row_number, list))
        })
        .collect()
}

fn triple(field: &str, code: &str, cell: &str) -> ErrorAt {
    (field.to_owned(), code.to_owned(), cell.to_owned())
}

#[test]
fn openpyxl_filled_template_reads_its_three_valid_users() {
    let rows = read(&fixture("openpyxl_filled_template.xlsx")).expect("rows");
    let numbers: Vec<u32> = rows.iter().map(|r| r.row_number).collect();
    assert_eq!(numbers, vec![2, 3, 4]);
    for row in &rows {
        assert!(
            row.validate().is_ok(),
            "row {} {:?}",
            row.row_number,
            row.validate()
        );
    }
    // A script put a number into the text-formatted column: still the digits.
    assert_eq!(rows[2].value(Field::ContactNumber), "81234567");
    assert_eq!(rows[0].value(Field::TechpassUsername), "");
}

#[test]
fn openpyxl_mixed_fixture_reads_as_typed() {
    // Inline strings, a plain boolean, rich text inline, a date in an ignored column.
    let rows = read(&fixture("openpyxl_mixed.xlsx")).expect("rows");
    assert_eq!(as_table(&rows), expected_mixed());
}

#[test]
fn libreoffice_mixed_fixture_reads_the_same_as_openpyxl() {
    // Shared strings, rich-text shared strings, booleans as `TRUE()` formulas with cached values.
    let rows = read(&fixture("libreoffice_mixed.xlsx")).expect("rows");
    assert_eq!(as_table(&rows), expected_mixed());
}

#[test]
fn mixed_fixture_errors_point_at_their_cells() {
    let rows = read(&fixture("openpyxl_mixed.xlsx")).expect("rows");
    assert_eq!(
        errors(&rows),
        vec![
            (
                7,
                vec![triple(
                    "techpass_username",
                    "username_consecutive_dots",
                    "H7"
                )]
            ),
            (8, vec![triple("email", "not_public_officer_email", "B8")]),
            (9, vec![triple("reason", "required", "J9")]),
            (
                11,
                vec![triple("seed_required", "invalid_seed_required", "I11")]
            ),
        ]
    );
    // Row 10 repeats row 3's address in capitals. Each row is valid on its own; finding
    // duplicates across rows (`duplicate_in_file`) is the caller's job, on normalised emails.
    let emails: Vec<String> = rows
        .iter()
        .filter_map(|r| r.validate().ok())
        .map(|request| request.email().to_owned())
        .collect();
    assert_eq!(
        emails.iter().filter(|e| *e == "ah.kow@acme.com.sg").count(),
        2
    );
}

#[test]
fn libreoffice_legacy_xls_is_refused_with_a_save_as_xlsx_message() {
    let error = read(&fixture("libreoffice_legacy.xls")).expect_err("refused");
    assert_eq!(error, ImportError::NotXlsx(NotXlsx::LegacyXls));
    assert_eq!(error.code(), "not_xlsx");
    assert!(
        error
            .to_string()
            .contains("save it as Excel Workbook (.xlsx)"),
        "{error}"
    );
}

#[test]
fn libreoffice_line_breaks_and_country_code_numbers_are_valid_as_typed() {
    let rows = read(&fixture("libreoffice_multiline.xlsx")).expect("rows");
    let valid: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let fields = r
                .validate()
                .unwrap_or_else(|e| panic!("row {} invalid: {e:?}", r.row_number))
                .into_fields();
            (fields.contact_number.unwrap_or_default(), fields.reason)
        })
        .collect();
    assert_eq!(
        valid,
        vec![
            (
                "+6591234567".to_owned(),
                "Builds the booking system.\nNeeds access until March.".to_owned()
            ),
            (
                "+6561234567".to_owned(),
                "Joins the platform team:\n\tfirst the laptop, then TechPass.".to_owned()
            ),
        ]
    );
}
