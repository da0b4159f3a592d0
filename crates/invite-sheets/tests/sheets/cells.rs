//! How cells, rows, headers and sheets of a real `.xlsx` become `SheetRow`s.

use invite_core::Field;
use invite_sheets::{COLUMNS, ImportError, Limits, read_upload};

use crate::read;
use crate::support::{
    Cell, HEADER, VENDOR, header_row, row, text_row, users_xlsx, users_xlsx_with_strings, xlsx,
};

fn position(field: Field) -> usize {
    COLUMNS
        .iter()
        .position(|f| *f == field)
        .expect("field in COLUMNS")
}

/// The vendor row at `number`, with `field`'s cell replaced by `cell`.
fn vendor_with(number: u32, field: Field, cell: Cell<'_>) -> String {
    let mut cells: Vec<Option<Cell<'_>>> = VENDOR
        .iter()
        .map(|t| (!t.is_empty()).then_some(Cell::Inline(t)))
        .collect();
    cells[position(field)] = Some(cell);
    row(number, &cells)
}

#[test]
fn cell_types_render_as_the_text_an_officer_sees() {
    // Shared string 0 is rich text: two runs, one bold, read as one string.
    let strings = [
        "<r><rPr><b/></rPr><t>Ah</t></r><r><t xml:space=\"preserve\"> Kow</t></r>",
        "<t>  shared, padded  </t>",
    ];
    let cases: Vec<(Cell<'_>, &str)> = vec![
        (Cell::Inline("  padded\t"), "padded"),
        (Cell::Inline("\u{a0}non-breaking\u{a0}"), "non-breaking"),
        (Cell::Shared(0), "Ah Kow"),
        (Cell::Shared(1), "shared, padded"),
        (Cell::Number("91234567"), "91234567"),
        (Cell::Number("9.1234567E7"), "91234567"),
        (Cell::Number("6591234567"), "6591234567"),
        (Cell::Number("0.5"), "0.5"),
        (Cell::Number("-12"), "-12"),
        (Cell::Date("45943"), "2025-10-13"),
        (Cell::Date("45943.5"), "2025-10-13T12:00:00"),
        (Cell::Bool(true), "TRUE"),
        (Cell::Bool(false), "FALSE"),
        (Cell::Error("#N/A"), "#N/A"),
        (Cell::Error("#REF!"), "#REF!"),
        (
            Cell::FormulaString("CONCAT(\"Ah\",\" Kow\")", "Ah Kow"),
            "Ah Kow",
        ),
    ];
    let mut rows = header_row();
    for (index, (cell, _)) in cases.iter().enumerate() {
        rows.push_str(&vendor_with(index as u32 + 2, Field::Reason, cell.clone()));
    }
    let read = read(&users_xlsx_with_strings(&rows, &strings)).expect("rows");
    assert_eq!(read.len(), cases.len());
    for (row, (cell, expected)) in read.iter().zip(&cases) {
        assert_eq!(row.value(Field::Reason), *expected, "cell {cell:?}");
    }
}

#[test]
fn a_phone_typed_as_a_number_validates_as_that_phone() {
    let rows = header_row() + &vendor_with(2, Field::ContactNumber, Cell::Number("91234567"));
    let read = read(&users_xlsx(&rows)).expect("rows");
    let fields = read[0].validate().expect("valid").into_fields();
    assert_eq!(fields.contact_number.as_deref(), Some("+6591234567"));
}

#[test]
fn a_phone_with_country_code_typed_as_a_number_is_that_singapore_number() {
    // `+65 9123 4567` typed into a General cell: Excel keeps the number 6591234567.
    let rows = header_row() + &vendor_with(2, Field::ContactNumber, Cell::Number("6591234567"));
    let read = read(&users_xlsx(&rows)).expect("rows");
    let fields = read[0].validate().expect("valid").into_fields();
    assert_eq!(fields.contact_number.as_deref(), Some("+6591234567"));
}

#[test]
fn a_reason_typed_with_alt_enter_keeps_its_line_break() {
    let rows = header_row()
        + &vendor_with(
            2,
            Field::Reason,
            Cell::Inline("Builds the booking system.\nNeeds SEED."),
        );
    let read = read(&users_xlsx(&rows)).expect("rows");
    let fields = read[0].validate().expect("valid").into_fields();
    assert_eq!(fields.reason, "Builds the booking system.\nNeeds SEED.");
}

#[test]
fn seed_column_booleans_mean_yes_and_no() {
    let rows = header_row()
        + &vendor_with(2, Field::SeedRequired, Cell::Bool(true))
        + &vendor_with(3, Field::SeedRequired, Cell::Bool(false));
    let read = read(&users_xlsx(&rows)).expect("rows");
    let answers: Vec<bool> = read
        .iter()
        .map(|r| r.validate().expect("valid").into_fields().seed_required)
        .collect();
    assert_eq!(answers, vec![true, false]);
}

#[test]
fn blank_and_styled_empty_rows_are_skipped_keeping_sheet_row_numbers() {
    let mut rows = header_row();
    rows.push_str(&text_row(2, &VENDOR));
    // Only spaces: blank once trimmed.
    rows.push_str(&text_row(3, &["  ", " ", "\t"]));
    // Row 4 absent. Row 5 has data.
    rows.push_str(&text_row(5, &VENDOR));
    // Text in a column that is not a template column only: blank for us.
    rows.push_str(&row(
        6,
        &[
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            Some(Cell::Inline("a note")),
        ],
    ));
    // Formatted but empty rows, as Excel leaves at the end of a sheet.
    for number in 7..=2_000 {
        let styled: Vec<Option<Cell<'_>>> = (0..10).map(|_| Some(Cell::StyledEmpty)).collect();
        rows.push_str(&row(number, &styled));
    }
    let read = read(&users_xlsx(&rows)).expect("rows");
    let numbers: Vec<u32> = read.iter().map(|r| r.row_number).collect();
    assert_eq!(numbers, vec![2, 5]);
}

#[test]
fn columns_are_found_by_header_in_any_order_and_extra_columns_are_ignored() {
    // Reversed, shouted, padded, with a "Notes" column first.
    let mut header = vec!["Notes".to_owned()];
    header.extend(
        HEADER
            .iter()
            .rev()
            .map(|h| format!("  {}  ", h.to_uppercase())),
    );
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut values = vec!["ignored note"];
    values.extend(VENDOR.iter().rev());
    // Break the username so that its error must name the column it is really in.
    let username_at = 1 + (9 - position(Field::TechpassUsername));
    values[username_at] = "ah..kow";
    let rows = text_row(1, &header) + &text_row(2, &values);
    let read = read(&users_xlsx(&rows)).expect("rows");
    assert_eq!(read.len(), 1);
    let row = &read[0];
    assert_eq!(row.value(Field::UserType), "Vendor");
    assert_eq!(row.value(Field::Reason), "Builds the booking system");
    assert_eq!(row.value(Field::TechpassUsername), "ah..kow");
    // Sheet columns: A Notes, B Reason, C SEED, D username, …, K User type.
    assert_eq!(row.cell(Field::TechpassUsername), "D2");
    assert_eq!(row.cell(Field::UserType), "K2");
    let errors = row.validate().expect_err("bad username");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].cell.as_deref(), Some("D2"));
}

#[test]
fn the_users_sheet_is_read_even_when_it_is_not_first() {
    let other = text_row(1, &["Something else"]) + &text_row(2, &["x"]);
    let users = header_row() + &text_row(2, &VENDOR);
    let read = read(&xlsx(&[("Instructions", &other), ("USERS", &users)])).expect("rows");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].value(Field::Email), "ah.kow@acme.com.sg");
}

#[test]
fn the_first_sheet_is_read_when_none_is_named_users() {
    let first = header_row() + &text_row(2, &VENDOR);
    let second = text_row(1, &["Other"]);
    let read = read(&xlsx(&[("Sheet1", &first), ("Sheet2", &second)])).expect("rows");
    assert_eq!(read.len(), 1);
}

#[test]
fn missing_columns_are_listed_by_their_labels() {
    let header: Vec<&str> = HEADER
        .iter()
        .copied()
        .filter(|h| *h != "Department" && *h != "Reason")
        .collect();
    let rows = text_row(1, &header) + &text_row(2, &VENDOR);
    let error = read(&users_xlsx(&rows)).expect_err("refused");
    assert_eq!(
        error,
        ImportError::MissingColumns {
            missing: vec!["Department".to_owned(), "Reason".to_owned()]
        }
    );
    assert_eq!(error.code(), "missing_columns");
    assert!(
        error
            .to_string()
            .contains("These columns are missing: Department, Reason."),
        "{error}"
    );
}

#[test]
fn a_column_given_twice_is_refused() {
    let mut header = HEADER.to_vec();
    header.push("email address");
    let rows = text_row(1, &header) + &text_row(2, &VENDOR);
    let error = read(&users_xlsx(&rows)).expect_err("refused");
    assert_eq!(
        error,
        ImportError::DuplicateColumns {
            duplicated: vec!["Email address".to_owned()]
        }
    );
}

#[test]
fn the_header_must_be_in_row_1() {
    let rows = text_row(2, &HEADER) + &text_row(3, &VENDOR);
    let error = read(&users_xlsx(&rows)).expect_err("refused");
    let ImportError::MissingColumns { missing } = error else {
        panic!("{error:?}")
    };
    assert_eq!(missing.len(), 10);
}

#[test]
fn an_empty_sheet_reports_every_column_missing() {
    let error = read(&users_xlsx("")).expect_err("refused");
    let ImportError::MissingColumns { missing } = error else {
        panic!("{error:?}")
    };
    let labels: Vec<&str> = COLUMNS.iter().map(|f| f.label()).collect();
    assert_eq!(missing, labels);
}

#[test]
fn a_header_and_blank_rows_only_is_no_rows() {
    assert_eq!(read(&users_xlsx(&header_row())), Err(ImportError::NoRows));
    let blank = header_row() + &text_row(2, &[" "]) + &row(3, &[Some(Cell::StyledEmpty)]);
    let error = read(&users_xlsx(&blank)).expect_err("no rows");
    assert_eq!(error, ImportError::NoRows);
    assert_eq!(error.code(), "no_rows");
}

#[test]
fn more_rows_than_the_limit_are_refused_and_the_limit_itself_is_accepted() {
    let limits = Limits {
        max_rows: 3,
        ..Limits::default()
    };
    let rows = |count: u32| {
        let mut xml = header_row();
        for number in 2..2 + count {
            xml.push_str(&text_row(number, &VENDOR));
        }
        users_xlsx(&xml)
    };
    assert_eq!(read_upload(&rows(3), &limits).map(|r| r.len()), Ok(3));
    let error = read_upload(&rows(4), &limits).expect_err("refused");
    assert_eq!(error, ImportError::TooManyRows { limit: 3 });
    assert_eq!(error.code(), "too_many_rows");
    assert!(error.to_string().contains("more than 3 users"), "{error}");
}

#[test]
fn a_workbook_without_worksheets_is_missing_its_sheet() {
    let error = read(&xlsx(&[])).expect_err("refused");
    assert_eq!(
        (error.clone(), error.code()),
        (ImportError::MissingSheet, "missing_sheet")
    );
}
