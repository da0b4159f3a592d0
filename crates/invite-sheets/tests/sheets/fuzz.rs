//! The reader's fuzz harness: bounded property tests that run with every test run (about
//! 700 generated files; `PROPTEST_CASES` raises it). Whatever the bytes, `read_upload`
//! answers — rows or an `ImportError` — and never panics; what it keeps of any cell is
//! bounded by its field's limit. Three kinds of input, from shallow to deep:
//!
//! - the committed fixtures with bytes changed, inserted or cut (mostly refused by the zip
//!   layer, which must refuse cleanly);
//! - a valid workbook whose sheet XML or shared strings are mutated before zipping (the XML
//!   and cell decoding paths);
//! - generated sheets of random cells: every cell type, any text, shared-string indices in
//!   and out of range, rows out of order.
//!
//! An input that once broke the reader is kept under `tests/fixtures/fuzz/` and read by
//! `every_kept_crash_reads_without_panicking`.

use invite_core::Field;
use invite_core::text::kept_chars;
use invite_sheets::synthetic::xml::{
    Cell, header_row, row, shared_strings, workbook_parts, worksheet, zip,
};
use invite_sheets::{Limits, read_upload};
use proptest::prelude::*;

use crate::fixture;

const FIXTURES: [&str; 4] = [
    "openpyxl_mixed.xlsx",
    "openpyxl_filled_template.xlsx",
    "libreoffice_mixed.xlsx",
    "libreoffice_multiline.xlsx",
];

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // A failure is reported as found; shrinking a zip mutation rarely makes it clearer.
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    }
}

/// Reads `bytes` with limits small enough that a mutation which inflates a size is refused
/// quickly rather than read at length; asserts what any answer must hold.
fn read_holds(bytes: &[u8]) -> Result<(), TestCaseError> {
    let limits = Limits {
        max_uncompressed_total: 8 * 1024 * 1024,
        max_uncompressed_part: 4 * 1024 * 1024,
        max_text_bytes: 2 * 1024 * 1024,
        ..Limits::default()
    };
    if let Ok(rows) = read_upload(bytes, &limits) {
        prop_assert!(rows.len() <= limits.max_rows);
        for row in &rows {
            for field in Field::ALL {
                let kept = row.value(field).chars().count();
                prop_assert!(
                    kept <= kept_chars(field) + 1,
                    "{field:?} kept {kept} characters"
                );
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        1 => (any::<usize>(), 1usize..64).prop_map(|(at, n)| Mutation::Remove(at, n)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match mutation {
            Mutation::Set(at, b) => bytes[at % len] = *b,
            Mutation::Insert(at, more) => {
                let at = at % len;
                bytes.splice(at..at, more.iter().copied());
            }
            Mutation::Remove(at, n) => {
                let at = at % len;
                bytes.drain(at..(at + n).min(len));
            }
            Mutation::Truncate(at) => bytes.truncate(at % len),
        }
    }
    bytes
}

/// A small valid workbook's parts, sheet XML and shared strings still unzipped.
fn valid_parts() -> Vec<(String, Vec<u8>)> {
    let mut sheet = header_row();
    sheet.push_str(&row(
        2,
        &[
            Some(Cell::Inline("Vendor")),
            Some(Cell::Shared(0)),
            Some(Cell::Inline("Tan")),
            Some(Cell::Inline("Ah Kow")),
            Some(Cell::Number("91234567")),
            Some(Cell::Shared(1)),
            None,
            Some(Cell::Inline("tan.ah.kow")),
            Some(Cell::Bool(true)),
            Some(Cell::Inline("Builds the portal")),
        ],
    ));
    workbook_parts(
        &[("Users", worksheet(&sheet))],
        Some(shared_strings(&["<t>ah.kow@vendor.com</t>", "<t>Acme</t>"])),
    )
}

fn any_cell() -> impl Strategy<Value = GeneratedCell> {
    prop_oneof![
        3 => any::<String>().prop_map(GeneratedCell::Inline),
        2 => (0usize..6).prop_map(GeneratedCell::Shared),
        1 => any::<f64>().prop_map(|f| GeneratedCell::Number(f.to_string())),
        1 => (-100_000i64..3_000_000).prop_map(|d| GeneratedCell::Date(d.to_string())),
        1 => any::<bool>().prop_map(GeneratedCell::Bool),
        1 => Just(GeneratedCell::Empty),
    ]
}

#[derive(Debug, Clone)]
enum GeneratedCell {
    Inline(String),
    Shared(usize),
    Number(String),
    Date(String),
    Bool(bool),
    Empty,
}

/// Text that XML 1.0 can carry (the writer escapes markup; the rest must be allowed chars).
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .collect()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn changed_fixtures_never_panic(
        fixture_index in 0..FIXTURES.len(),
        mutations in proptest::collection::vec(mutation(), 1..12),
    ) {
        let bytes = apply(fixture(FIXTURES[fixture_index]), &mutations);
        read_holds(&bytes)?;
    }

    #[test]
    fn changed_sheet_xml_never_panics(
        part in prop_oneof![Just("xl/worksheets/sheet1.xml"), Just("xl/sharedStrings.xml"), Just("xl/workbook.xml")],
        mutations in proptest::collection::vec(mutation(), 1..8),
    ) {
        let mut parts = valid_parts();
        for (name, content) in &mut parts {
            if name == part {
                *content = apply(std::mem::take(content), &mutations);
            }
        }
        read_holds(&zip(&parts))?;
    }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn generated_sheets_of_any_cells_never_panic(
        rows in proptest::collection::vec(proptest::collection::vec(any_cell(), 0..12), 0..20),
        strings in proptest::collection::vec(any::<String>(), 0..4),
        shuffle in any::<bool>(),
    ) {
        let texts: Vec<String> = rows
            .iter()
            .flatten()
            .map(|c| match c {
                GeneratedCell::Inline(t) => xml_text(t),
                _ => String::new(),
            })
            .collect();
        let mut at = 0;
        let mut sheet_rows: Vec<String> = Vec::new();
        for (i, cells) in rows.iter().enumerate() {
            let cells: Vec<Option<Cell<'_>>> = cells
                .iter()
                .map(|c| {
                    let text = &texts[at];
                    at += 1;
                    match c {
                        GeneratedCell::Inline(_) => Some(Cell::Inline(text.as_str())),
                        GeneratedCell::Shared(n) => Some(Cell::Shared(*n)),
                        GeneratedCell::Number(n) => Some(Cell::Number(n.as_str())),
                        GeneratedCell::Date(d) => Some(Cell::Date(d.as_str())),
                        GeneratedCell::Bool(b) => Some(Cell::Bool(*b)),
                        GeneratedCell::Empty => None,
                    }
                })
                .collect();
            let number = u32::try_from(i + 2).unwrap_or(u32::MAX);
            sheet_rows.push(row(number, &cells));
        }
        if shuffle {
            sheet_rows.reverse();
        }
        let sheet = header_row() + &sheet_rows.concat();
        let strings: Vec<String> = strings
            .iter()
            .map(|s| format!("<t>{}</t>", invite_sheets::synthetic::xml::escape(&xml_text(s))))
            .collect();
        let strings: Vec<&str> = strings.iter().map(String::as_str).collect();
        let bytes = zip(&workbook_parts(&[("Users", worksheet(&sheet))], Some(shared_strings(&strings))));
        read_holds(&bytes)?;
    }
}

#[test]
fn every_kept_crash_reads_without_panicking() {
    let dir = format!("{}/tests/fixtures/fuzz", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/fuzz") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "xlsx") {
            let bytes = std::fs::read(&path).expect("read");
            let _ = read_upload(&bytes, &Limits::default());
        }
    }
}
