//! Uploads that are not what they claim, or are built to hurt: each is refused with its own
//! error, quickly, and without a crash.

use std::io::{Cursor, Write};

use invite_sheets::import::{NotXlsx, container};
use invite_sheets::{ImportError, Limits, read_upload};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::read;
use crate::support::{
    Cell, header_row, officer_cells, row, shared_strings, text_row, users_xlsx,
    users_xlsx_with_strings, workbook_parts, worksheet, zip,
};

const MIB: u64 = 1024 * 1024;

fn valid_xlsx() -> Vec<u8> {
    users_xlsx(
        &(header_row() + &text_row(2, &officer_cells("jane_tan@tech.gov.sg", "Yes", "Joins"))),
    )
}

/// Deterministic noise (xorshift), so a failure can be reproduced.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Offsets of the local and central headers of entry `name` in a zip written by `ZipWriter`
/// (no zip64, no data descriptors).
fn headers_of(zip: &[u8], name: &str) -> (usize, usize) {
    let find = |signature: &[u8; 4], name_at: usize| {
        (0..zip.len() - name_at)
            .find(|&i| {
                zip[i..].starts_with(signature) && zip[i + name_at..].starts_with(name.as_bytes())
            })
            .expect("header of entry")
    };
    (find(b"PK\x03\x04", 30), find(b"PK\x01\x02", 46))
}

/// Rewrites the uncompressed size entry `name` declares, in both its headers.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let (local, central) = headers_of(zip, name);
    zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
    zip[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
}

/// Rewrites the compression method entry `name` declares, in both its headers.
fn declare_method(zip: &mut [u8], name: &str, method: u16) {
    let (local, central) = headers_of(zip, name);
    zip[local + 8..local + 10].copy_from_slice(&method.to_le_bytes());
    zip[central + 10..central + 12].copy_from_slice(&method.to_le_bytes());
}

/// A real zip bomb: a workbook whose sheet is `spaces` bytes of whitespace inside `sheetData`,
/// deflated (about 1,000:1), streamed in chunks so building it needs little memory.
fn whitespace_bomb(spaces: u64) -> Vec<u8> {
    let sheet = "xl/worksheets/sheet1.xml";
    let mut parts = workbook_parts(&[("Users", worksheet(""))], None);
    parts.retain(|(name, _)| name != sheet);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, content) in &parts {
        writer.start_file(name.as_str(), options).expect("entry");
        writer.write_all(content).expect("write");
    }
    writer.start_file(sheet, options).expect("sheet entry");
    writer
        .write_all(b"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>")
        .expect("write");
    let chunk = vec![b' '; MIB as usize];
    let mut left = spaces;
    while left > 0 {
        let n = left.min(MIB);
        writer.write_all(&chunk[..n as usize]).expect("write");
        left -= n;
    }
    writer
        .write_all(b"</sheetData></worksheet>")
        .expect("write");
    writer.finish().expect("finish").into_inner()
}

#[test]
fn empty_bytes_are_an_empty_file() {
    let error = read(b"").expect_err("refused");
    assert_eq!(
        (error.clone(), error.code()),
        (ImportError::Empty, "empty_file")
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_opened() {
    let bytes = valid_xlsx();
    let limits = Limits {
        max_file_bytes: bytes.len() - 1,
        ..Limits::default()
    };
    let error = read_upload(&bytes, &limits).expect_err("refused");
    assert_eq!(
        error,
        ImportError::TooLarge {
            limit: bytes.len() - 1
        }
    );
    assert_eq!(error.code(), "file_too_large");
    let default = ImportError::TooLarge {
        limit: Limits::default().max_file_bytes,
    };
    assert!(
        default.to_string().contains("larger than 10 MB"),
        "{default}"
    );
    // Exactly at the limit is fine.
    let limits = Limits {
        max_file_bytes: bytes.len(),
        ..Limits::default()
    };
    assert!(read_upload(&bytes, &limits).is_ok());
}

#[test]
fn random_bytes_are_not_xlsx() {
    let mut bytes = noise(4096);
    bytes[0] = 0;
    let error = read(&bytes).expect_err("refused");
    assert_eq!(error, ImportError::NotXlsx(NotXlsx::Unknown));
    assert_eq!(error.code(), "not_xlsx");
}

#[test]
fn a_csv_renamed_to_xlsx_is_not_xlsx_and_the_message_says_csv() {
    let csv = "User type,Email address,First name\nVendor,ah.kow@acme.com.sg,Ah Kow\n";
    let error = read(csv.as_bytes()).expect_err("refused");
    assert_eq!(error, ImportError::NotXlsx(NotXlsx::Text));
    assert!(error.to_string().contains("CSV"), "{error}");
}

#[test]
fn an_ole2_header_is_a_legacy_xls() {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(512, 0);
    let error = read(&bytes).expect_err("refused");
    assert_eq!(error, ImportError::NotXlsx(NotXlsx::LegacyXls));
    assert!(
        error
            .to_string()
            .contains("legacy Excel 97-2003 file (.xls)"),
        "{error}"
    );
}

#[test]
fn a_password_protected_workbook_is_refused_as_encrypted() {
    // umya-spreadsheet encrypts as Excel does (ECMA-376 agile encryption in a CFB container).
    let book = umya_spreadsheet::new_file();
    let path = std::env::temp_dir().join(format!(
        "invite-sheets-encrypted-{}.xlsx",
        std::process::id()
    ));
    umya_spreadsheet::writer::xlsx::write_with_password(&book, &path, "secret").expect("encrypt");
    let bytes = std::fs::read(&path).expect("read back");
    std::fs::remove_file(&path).expect("clean up");
    assert!(
        bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]),
        "a CFB container"
    );
    let error = read(&bytes).expect_err("refused");
    assert_eq!(
        (error.clone(), error.code()),
        (ImportError::Encrypted, "encrypted_workbook")
    );
    assert!(error.to_string().contains("password"), "{error}");
}

#[test]
fn a_declared_size_over_the_part_limit_is_refused_before_anything_is_inflated() {
    // The sheet's data is not even valid deflate: inflating it would fail as corrupt. Getting
    // `UncompressedTooLarge` proves the central directory alone decided.
    let sheet = "xl/worksheets/sheet1.xml";
    let mut parts = workbook_parts(&[("Users", worksheet(""))], None);
    parts.retain(|(name, _)| name != sheet);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in &parts {
        writer
            .start_file(name.as_str(), SimpleFileOptions::default())
            .expect("entry");
        writer.write_all(content).expect("write");
    }
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    writer.start_file(sheet, stored).expect("entry");
    writer.write_all(&[0xFF; 64]).expect("write");
    let mut bytes = writer.finish().expect("finish").into_inner();
    declare_method(&mut bytes, sheet, 8);
    declare_size(&mut bytes, sheet, 150 * MIB as u32);

    let error = read(&bytes).expect_err("refused");
    assert_eq!(
        error,
        ImportError::UncompressedTooLarge { limit: 100 * MIB }
    );
    assert_eq!(error.code(), "uncompressed_too_large");
    assert!(
        error
            .to_string()
            .contains("larger than 100 MB once unpacked"),
        "{error}"
    );
    // The same bytes with a generous limit are inflated, and fail as the garbage they are.
    let generous = Limits {
        max_uncompressed_part: 200 * MIB,
        ..Limits::default()
    };
    assert!(matches!(
        read_upload(&bytes, &generous),
        Err(ImportError::Corrupt(_))
    ));
}

#[test]
fn a_real_zip_bomb_is_refused_from_its_declared_size() {
    // 24 MiB of whitespace deflates to about 24 KiB; the part limit is lowered to keep the test
    // fast in debug builds (the mechanism is the same at 100 MiB).
    let bomb = whitespace_bomb(24 * MIB);
    assert!(
        bomb.len() < 200 * 1024,
        "compressed to {} bytes",
        bomb.len()
    );
    let limits = Limits {
        max_uncompressed_part: 8 * MIB,
        ..Limits::default()
    };
    let error = read_upload(&bomb, &limits).expect_err("refused");
    assert_eq!(error, ImportError::UncompressedTooLarge { limit: 8 * MIB });
    // Refused from the directory alone: not one byte inflated.
    let mut work = container::Work::default();
    assert_eq!(container::check(&bomb, &limits, &mut work), Err(error));
    assert_eq!(work.bytes_inflated, 0);
}

#[test]
fn a_zip_bomb_that_lies_about_its_size_is_caught_while_inflating() {
    // The directory says 1 KiB; the data inflates to 24 MiB. The check inflates at most one
    // byte past the declared size, so this is refused after about 1 KiB of work.
    let mut bomb = whitespace_bomb(24 * MIB);
    declare_size(&mut bomb, "xl/worksheets/sheet1.xml", 1024);
    let error = read(&bomb).expect_err("refused");
    assert_eq!(
        (error.clone(), error.code()),
        (ImportError::ZipBomb, "zip_bomb")
    );
    // The other parts are small; the forged one costs its declared 1 KiB plus one byte.
    let mut work = container::Work::default();
    assert_eq!(
        container::check(&bomb, &Limits::default(), &mut work),
        Err(ImportError::ZipBomb)
    );
    assert!(
        work.bytes_inflated < 64 * 1024,
        "inflated {} bytes of a 24 MiB bomb",
        work.bytes_inflated
    );
}

#[test]
fn declared_parts_adding_up_over_the_total_limit_are_refused() {
    let filler = vec![b'x'; 40 * 1024];
    let mut parts = workbook_parts(&[("Users", worksheet(&header_row()))], None);
    for i in 0..3 {
        parts.push((format!("docProps/filler{i}.xml"), filler.clone()));
    }
    let limits = Limits {
        max_uncompressed_part: 64 * 1024,
        max_uncompressed_total: 100 * 1024,
        ..Limits::default()
    };
    let error = read_upload(&zip(&parts), &limits).expect_err("refused");
    assert_eq!(
        error,
        ImportError::UncompressedTooLarge { limit: 100 * 1024 }
    );
}

#[test]
fn a_zip_with_too_many_entries_is_refused() {
    let mut parts = workbook_parts(&[("Users", worksheet(&header_row()))], None);
    for i in 0..30 {
        parts.push((format!("customXml/item{i}.xml"), b"<x/>".to_vec()));
    }
    let limits = Limits {
        max_zip_entries: 20,
        ..Limits::default()
    };
    let error = read_upload(&zip(&parts), &limits).expect_err("refused");
    assert_eq!(error, ImportError::TooManyEntries { limit: 20 });
    assert_eq!(error.code(), "too_many_zip_entries");
}

#[test]
fn a_valid_zip_that_is_not_a_workbook_is_not_xlsx() {
    let bytes = zip(&[("hello.txt".to_owned(), b"hello".to_vec())]);
    assert_eq!(read(&bytes), Err(ImportError::NotXlsx(NotXlsx::OtherZip)));
}

#[test]
fn a_truncated_workbook_is_corrupt() {
    let bytes = valid_xlsx();
    let error = read(&bytes[..bytes.len() / 2]).expect_err("refused");
    assert!(matches!(error, ImportError::Corrupt(_)), "{error:?}");
    assert_eq!(error.code(), "corrupt_file");
}

#[test]
fn an_out_of_range_shared_string_is_corrupt_not_a_crash() {
    let rows = header_row() + &row(2, &[Some(Cell::Shared(99))]);
    let error = read(&users_xlsx_with_strings(&rows, &["<t>only one</t>"])).expect_err("refused");
    assert!(matches!(error, ImportError::Corrupt(_)), "{error:?}");
}

#[test]
fn a_malformed_sheet_is_corrupt() {
    let rows = header_row() + r#"<row r="2"><c r="A2" t="bogus"><v>1</v></c></row>"#;
    let error = read(&users_xlsx(&rows)).expect_err("refused");
    assert!(matches!(error, ImportError::Corrupt(_)), "{error:?}");
}

#[test]
fn one_long_shared_string_repeated_in_every_cell_is_cut_and_capped() {
    // 30,000 characters, referenced by 10 cells in each of 200 rows: 60 MB of text from a file
    // that unpacks to about 90 KB. Each cell keeps its field's limit and a marker; the rows
    // together are held to `max_text_bytes`.
    let strings = [format!("<t>{}</t>", "x".repeat(30_000))];
    let strings: Vec<&str> = strings.iter().map(String::as_str).collect();
    let mut rows = header_row();
    for number in 2..202 {
        let cells: Vec<Option<Cell<'_>>> = (0..10).map(|_| Some(Cell::Shared(0))).collect();
        rows.push_str(&row(number, &cells));
    }
    let bytes = zip(&workbook_parts(
        &[("Users", worksheet(&rows))],
        Some(shared_strings(&strings)),
    ));
    let limits = Limits {
        max_text_bytes: 100 * 1024,
        ..Limits::default()
    };
    let error = read_upload(&bytes, &limits).expect_err("refused");
    assert_eq!(error, ImportError::TooMuchText { limit: 100 * 1024 });
    // With the default limits the same file is read, every value cut to what its field keeps.
    let read = read(&bytes).expect("read");
    assert_eq!(read.len(), 200);
    let kept: usize = read
        .iter()
        .flat_map(|row| invite_core::Field::ALL.map(|f| row.value(f).len()))
        .sum();
    for field in invite_core::Field::ALL {
        let value = read[0].value(field);
        assert_eq!(
            value.chars().count(),
            invite_core::text::kept_chars(field) + 1,
            "{field:?}"
        );
        assert!(value.ends_with(invite_core::text::CUT_MARKER));
    }
    assert!(kept < 200 * 1_600 * 2, "{kept} bytes kept for 200 rows");
}

#[test]
fn a_forged_far_column_reference_is_read_without_a_table_of_that_size() {
    // `ZZZZZZ` is column 321,272,405, beyond Excel's 16,384: a lookup table indexed by column
    // would need gigabytes. The header and the value are still matched, cheaply.
    let mut header = header_row();
    header = header
        .replace(
            r#"<c r="J1" t="inlineStr"><is><t xml:space="preserve">Reason</t></is></c>"#,
            "",
        )
        .replace(
            "</row>",
            r#"<c r="ZZZZZZ1" t="inlineStr"><is><t>Reason</t></is></c></row>"#,
        );
    let data = text_row(2, &officer_cells("jane_tan@tech.gov.sg", "Yes", "")).replace(
        "</row>",
        r#"<c r="ZZZZZZ2" t="inlineStr"><is><t>Joins</t></is></c></row>"#,
    );
    let rows = read(&users_xlsx(&(header + &data))).expect("rows");
    assert_eq!(rows[0].value(invite_core::Field::Reason), "Joins");
    assert_eq!(rows[0].cell(invite_core::Field::Reason), "ZZZZZZ2");
}
