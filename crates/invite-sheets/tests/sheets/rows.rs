//! `SheetRow`: drafts and validation, with errors pointing at sheet cells.

use invite_core::Field;
use invite_core::api::UserType;
use invite_sheets::SheetRow;

use crate::support::{VENDOR, officer_cells};

fn sheet_row(row_number: u32, values: [&str; 10]) -> SheetRow {
    SheetRow::new(row_number, values.map(str::to_owned))
}

fn vendor(row_number: u32) -> SheetRow {
    sheet_row(row_number, VENDOR)
}

fn officer(row_number: u32) -> SheetRow {
    sheet_row(
        row_number,
        officer_cells("jane_tan@tech.gov.sg", "Yes", "Joins the team"),
    )
}

fn set(row: &mut SheetRow, field: Field, value: &str) {
    let index = invite_sheets::COLUMNS
        .iter()
        .position(|f| *f == field)
        .expect("field");
    row.values[index] = value.to_owned();
}

/// `(field, code, cell)` of each error.
fn error_list(row: &SheetRow) -> Vec<(String, String, Option<String>)> {
    row.validate()
        .expect_err("invalid")
        .into_iter()
        .map(|e| (e.field, e.code, e.cell))
        .collect()
}

#[test]
fn valid_rows_give_requests_of_their_user_type() {
    assert_eq!(
        vendor(2).validate().expect("valid").user_type(),
        UserType::Vendor
    );
    assert_eq!(
        officer(3).validate().expect("valid").user_type(),
        UserType::PublicOfficer
    );
}

#[test]
fn a_bad_username_in_row_7_points_at_h7() {
    let mut row = vendor(7);
    set(&mut row, Field::TechpassUsername, "ah..kow");
    assert_eq!(
        error_list(&row),
        vec![(
            "techpass_username".into(),
            "username_consecutive_dots".into(),
            Some("H7".into())
        )]
    );
}

#[test]
fn an_unreadable_seed_answer_is_one_error_not_two() {
    let mut row = officer(4);
    set(&mut row, Field::SeedRequired, "Maybe");
    let errors = row.validate().expect_err("invalid");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (
            errors[0].field.as_str(),
            errors[0].code.as_str(),
            errors[0].cell.as_deref()
        ),
        ("seed_required", "invalid_seed_required", Some("I4"))
    );
    assert_eq!(errors[0].message, "Choose Yes or No.");
}

#[test]
fn an_empty_seed_answer_is_one_required_error() {
    let mut row = officer(5);
    set(&mut row, Field::SeedRequired, "");
    assert_eq!(
        error_list(&row),
        vec![("seed_required".into(), "required".into(), Some("I5".into()))]
    );
}

#[test]
fn a_public_officer_with_a_username_is_refused_at_its_cell() {
    let mut row = officer(9);
    set(&mut row, Field::TechpassUsername, "jane");
    assert_eq!(
        error_list(&row),
        vec![(
            "techpass_username".into(),
            "not_applicable".into(),
            Some("H9".into())
        )]
    );
}

#[test]
fn every_error_of_a_row_comes_in_column_order_with_its_cell() {
    let row = sheet_row(
        12,
        [
            "Vendor",
            "not-an-email",
            "",
            "",
            "123",
            "",
            "",
            "_x",
            "Maybe",
            "",
        ],
    );
    let cells: Vec<(String, Option<String>)> = error_list(&row)
        .into_iter()
        .map(|(field, _, cell)| (field, cell))
        .collect();
    let expected = [
        ("email", "B12"),
        ("first_name", "C12"),
        ("last_name", "D12"),
        ("contact_number", "E12"),
        ("organisation", "F12"),
        ("techpass_username", "H12"),
        ("seed_required", "I12"),
        ("reason", "J12"),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .iter()
        .map(|(f, c)| ((*f).to_owned(), Some((*c).to_owned())))
        .collect();
    assert_eq!(cells, expected);
}

#[test]
fn to_draft_keeps_the_typed_user_type_and_maps_empty_optional_cells_to_none() {
    let (draft, errors) = officer(2).to_draft();
    assert!(errors.is_empty());
    assert_eq!(draft.user_type, "Public officer");
    assert_eq!(draft.email, "jane_tan@tech.gov.sg");
    assert_eq!(draft.first_name, None);
    assert_eq!(draft.techpass_username, None);
    assert_eq!(draft.seed_required, Some(true));
    let (draft, _) = vendor(2).to_draft();
    assert_eq!(draft.first_name.as_deref(), Some("Ah Kow"));
    assert_eq!(draft.department, None);
    assert_eq!(draft.seed_required, Some(false));
}

#[test]
fn to_draft_reports_only_an_unreadable_seed_answer_and_leaves_it_none() {
    let mut row = vendor(2);
    set(&mut row, Field::SeedRequired, "Maybe");
    let (draft, errors) = row.to_draft();
    assert_eq!(draft.seed_required, None);
    let codes: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(codes, vec![("seed_required", "invalid_seed_required")]);
    set(&mut row, Field::SeedRequired, "TRUE");
    let (draft, errors) = row.to_draft();
    assert_eq!((draft.seed_required, errors.len()), (Some(true), 0));
}

#[test]
fn cells_are_named_like_excel() {
    let row = vendor(7);
    assert_eq!(row.cell(Field::ContactNumber), "E7");
    assert_eq!(row.cell(Field::UserType), "A7");
    assert_eq!(row.cell(Field::Reason), "J7");
    assert_eq!(row.value(Field::Organisation), "ACME Pte Ltd");
    assert_eq!(
        SheetRow::cell_for("contact_number", 7).as_deref(),
        Some("E7")
    );
    assert_eq!(
        SheetRow::cell_for("seed_required", 50001).as_deref(),
        Some("I50001")
    );
    assert_eq!(SheetRow::cell_for("no_such_field", 7), None);
}
