//! Large generated workbooks for benchmarks and tests.
//!
//! [`workbook`] writes an upload of any number of rows in milliseconds, so nothing large is
//! committed: raw SpreadsheetML parts zipped with the `zip` crate, as Excel and LibreOffice write
//! them (shared strings) or as openpyxl does (inline strings). Data row `i` holds [`values`]`(i)`:
//! officers and vendors alternate, one phone in three is typed as a number, and one row in twenty
//! is invalid (an officer with a non-government address), so 95 % of the rows are valid.
//!
//! [`xml`] is the low-level writer: the crate's tests build their hand-made workbooks (inline
//! strings, rich text, error cells, forged sizes) with it too.

use std::collections::HashMap;

pub mod xml;

use xml::{Cell, escape, header_row, row, shared_strings, workbook_parts, worksheet, zip};

/// How the cell text is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strings {
    /// In `xl/sharedStrings.xml`, as Excel and LibreOffice write.
    Shared,
    /// In the cells (`t="inlineStr"`), as openpyxl writes.
    Inline,
}

/// The ten values of data row `i` (0-based), in template column order: officers and vendors,
/// one phone in three typed as a number, one row in twenty invalid. Emails are unique per `i`.
pub fn values(i: usize) -> [String; 10] {
    let officer = i.is_multiple_of(2);
    // Row 6 of every 20 is an officer with a non-government address: invalid.
    let email = if i % 20 == 6 {
        format!("user{i}@gmail.com")
    } else if officer {
        format!("officer.{i}@tech.gov.sg")
    } else {
        format!("vendor.{i}@acme.com.sg")
    };
    let phone = format!("9{:07}", i % 10_000_000);
    [
        if officer { "Public officer" } else { "Vendor" }.to_owned(),
        email,
        format!("First{i}"),
        format!("Last{i}"),
        phone,
        "ACME Pte Ltd".to_owned(),
        if officer {
            "Platform team".to_owned()
        } else {
            String::new()
        },
        if officer {
            String::new()
        } else {
            format!("Vendor User {i}")
        },
        if i.is_multiple_of(3) { "Yes" } else { "No" }.to_owned(),
        "Builds and runs the agency's digital services".to_owned(),
    ]
}

/// An `.xlsx` whose sheet `Users` has the template header and `rows` data rows ([`values`]`(0)`
/// in sheet row 2 onwards).
pub fn workbook(rows: usize, strings: Strings) -> Vec<u8> {
    let mut sheet = header_row();
    let mut table: Vec<String> = Vec::new();
    let mut index_of = HashMap::new();
    for i in 0..rows {
        let number = u32::try_from(i + 2).unwrap_or(u32::MAX);
        let values = values(i);
        let mut shared_indexes = Vec::new();
        if strings == Strings::Shared {
            for value in &values {
                let next = table.len();
                let index = *index_of.entry(value.clone()).or_insert_with(|| {
                    table.push(format!("<t>{}</t>", escape(value)));
                    next
                });
                shared_indexes.push(index);
            }
        }
        let cells: Vec<Option<Cell<'_>>> = values
            .iter()
            .enumerate()
            .map(|(column, value)| {
                if value.is_empty() {
                    None
                } else if column == 4 && i.is_multiple_of(3) {
                    Some(Cell::Number(value))
                } else {
                    match strings {
                        Strings::Shared => Some(Cell::Shared(shared_indexes[column])),
                        Strings::Inline => Some(Cell::Inline(value)),
                    }
                }
            })
            .collect();
        sheet.push_str(&row(number, &cells));
    }
    let shared = match strings {
        Strings::Shared => {
            let items: Vec<&str> = table.iter().map(String::as_str).collect();
            Some(shared_strings(&items))
        }
        Strings::Inline => None,
    };
    zip(&workbook_parts(&[("Users", worksheet(&sheet))], shared))
}
