//! The downloadable template: what officers get, and that it reads back as expected.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use invite_sheets::{COLUMNS, ImportError, SheetRow, build_template};
use umya_spreadsheet::DataValidationValues;

use crate::read;

fn template() -> Vec<u8> {
    build_template().expect("template builds")
}

/// The text of every cell of `sheet`, row by row.
fn sheet_text(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range(sheet).expect("sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// The raw XML of a part of the template, as Excel would read it.
fn part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut text = String::new();
    archive
        .by_name(name)
        .expect("part")
        .read_to_string(&mut text)
        .expect("utf-8");
    text
}

#[test]
fn template_reads_back_as_no_rows_so_it_holds_no_example_users() {
    assert_eq!(read(&template()), Err(ImportError::NoRows));
}

#[test]
fn template_sheets_are_users_then_instructions_and_users_has_the_contract_header() {
    let bytes = template();
    let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes)).expect("xlsx");
    assert_eq!(
        book.sheet_names(),
        vec!["Users".to_owned(), "Instructions".to_owned()]
    );
    let users = sheet_text(&bytes, "Users");
    let labels: Vec<&str> = COLUMNS.iter().map(|f| f.label()).collect();
    assert_eq!(
        users,
        vec![labels.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>()]
    );
}

#[test]
fn template_header_is_bold_and_contact_number_and_username_columns_are_text() {
    let book = umya_spreadsheet::reader::xlsx::read_reader(Cursor::new(template()), true)
        .expect("umya reads the template");
    let users = book.get_sheet_by_name("Users").expect("Users sheet");
    for column in ["A", "E", "H", "J"] {
        let cell = users
            .get_cell(format!("{column}1").as_str())
            .expect("header cell");
        assert!(
            *cell.get_style().get_font().expect("font").get_bold(),
            "{column}1 is bold"
        );
    }
    let format = |column: &str| {
        users
            .get_column_dimension(column)
            .and_then(|c| {
                c.get_style()
                    .get_number_format()
                    .map(|f| f.get_format_code().to_owned())
            })
            .unwrap_or_default()
    };
    assert_eq!(format("E"), "@", "Contact number is text");
    assert_eq!(format("H"), "@", "TechPass username is text");
    assert_ne!(format("B"), "@", "other columns keep the General format");
}

#[test]
fn template_freezes_the_header_row() {
    let sheet = part(&template(), "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{sheet}"
    );
}

#[test]
fn template_offers_dropdowns_for_user_type_and_seed_over_every_allowed_row() {
    let book = umya_spreadsheet::reader::xlsx::read_reader(Cursor::new(template()), true)
        .expect("umya reads the template");
    let users = book.get_sheet_by_name("Users").expect("Users sheet");
    let validations = users.get_data_validations().expect("validations");
    let lists: Vec<(String, String)> = validations
        .get_data_validation_list()
        .iter()
        .filter(|v| *v.get_type() == DataValidationValues::List)
        .map(|v| {
            (
                v.get_sequence_of_references().get_sqref(),
                v.get_formula1().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lists,
        vec![
            (
                "A2:A50001".to_owned(),
                "\"Public officer,Vendor\"".to_owned()
            ),
            ("I2:I50001".to_owned(), "\"Yes,No\"".to_owned()),
        ]
    );
}

#[test]
fn template_instructions_state_every_rule_and_limit() {
    let text = sheet_text(&template(), "Instructions").concat().join("\n");
    for expected in [
        "3 to 64 characters",
        "letters, digits, '_', ' ', '-' and '.'",
        "Start and end with a letter or a digit",
        "No two dots in a row ('..')",
        "your_name@agency.gov.sg",
        "Leave empty",
        "At most 500 characters",
        "at most 50,000 users and be at most 10 MB",
        "Each email address can appear only once",
        ".xlsx",
    ] {
        assert!(text.contains(expected), "Instructions lack {expected:?}");
    }
    // Every column has a line saying what each user type needs.
    let rows = sheet_text(&template(), "Instructions");
    for field in COLUMNS {
        let line = rows
            .iter()
            .find(|r| r.first().is_some_and(|c| c == field.label()));
        let line = line.unwrap_or_else(|| panic!("no rule line for {}", field.label()));
        assert!(
            line.len() >= 4 && !line[1].is_empty() && !line[2].is_empty() && !line[3].is_empty()
        );
    }
    let username = rows
        .iter()
        .find(|r| r[0] == "TechPass username")
        .expect("username line");
    assert_eq!(
        (username[1].as_str(), username[2].as_str()),
        ("Leave empty", "Required")
    );
    let department = rows
        .iter()
        .find(|r| r[0] == "Department")
        .expect("department line");
    assert_eq!(
        (department[1].as_str(), department[2].as_str()),
        ("Optional", "Optional")
    );
}

#[test]
fn template_instructions_examples_are_one_valid_row_per_user_type() {
    let rows = sheet_text(&template(), "Instructions");
    let examples: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.len() >= 10 && (r[0] == "Public officer" || r[0] == "Vendor"))
        .collect();
    assert_eq!(examples.len(), 2, "{examples:?}");
    let mut kinds = Vec::new();
    for example in examples {
        let values: [String; 10] = std::array::from_fn(|i| example[i].clone());
        let request = SheetRow::new(2, values)
            .validate()
            .expect("the example is valid");
        kinds.push(request.user_type());
    }
    kinds.sort_by_key(|k| k.as_str());
    assert_eq!(
        kinds,
        vec![
            invite_core::api::UserType::PublicOfficer,
            invite_core::api::UserType::Vendor
        ]
    );
    // The officer example leaves the username empty, as the rule says.
    let officer = rows
        .iter()
        .find(|r| r.len() >= 10 && r[0] == "Public officer")
        .expect("officer");
    assert_eq!(officer[7], "");
}
