//! A minimal `.xlsx` writer: raw SpreadsheetML parts zipped with the `zip` crate.
//!
//! Tests need cells that no high-level writer produces on demand (inline strings, rich text,
//! error cells, styled empty cells, forged sizes) and the benchmark needs 50,000 rows fast, so
//! both build their workbooks from XML text here. No test-only dependencies.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Template column headers, in order.
pub const HEADER: [&str; 10] = [
    "User type",
    "Email address",
    "First name",
    "Last name",
    "Contact number",
    "Organisation",
    "Department",
    "TechPass username",
    "SEED onboarding required",
    "Reason",
];

/// Cell styles defined by [`STYLES`]: index into `cellXfs`.
pub const STYLE_PLAIN: u32 = 0;
pub const STYLE_DATE: u32 = 1;
pub const STYLE_FILLED: u32 = 2;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/></cellXfs>
</styleSheet>"#;

/// One cell's XML content.
#[derive(Debug, Clone)]
pub enum Cell<'a> {
    /// `t="inlineStr"`, the text escaped.
    Inline(&'a str),
    /// `t="s"`: index into the shared strings.
    Shared(usize),
    /// A number as Excel writes it, e.g. `91234567` or `9.1234567E7`.
    Number(&'a str),
    /// A number with the date style.
    Date(&'a str),
    /// `t="b"`.
    Bool(bool),
    /// `t="e"`, e.g. `#N/A`.
    Error(&'a str),
    /// A formula with its cached string result (`t="str"`).
    FormulaString(&'a str, &'a str),
    /// No value, only a style: what Excel writes for formatted empty cells.
    StyledEmpty,
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Excel's column name of a 0-based index.
pub fn letters(index: usize) -> String {
    let mut out = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        out.push(char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// Appends one `<c>` element at `column` (0-based) of `row` (1-based) to `out`.
pub fn push_cell(out: &mut String, row: u32, column: usize, cell: &Cell<'_>) {
    let at = format!("{}{row}", letters(column));
    let xml = match cell {
        Cell::Inline(text) => {
            format!(
                r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                escape(text)
            )
        }
        Cell::Shared(index) => format!(r#"<c r="{at}" t="s"><v>{index}</v></c>"#),
        Cell::Number(n) => format!(r#"<c r="{at}"><v>{n}</v></c>"#),
        Cell::Date(n) => format!(r#"<c r="{at}" s="{STYLE_DATE}"><v>{n}</v></c>"#),
        Cell::Bool(b) => format!(r#"<c r="{at}" t="b"><v>{}</v></c>"#, u8::from(*b)),
        Cell::Error(e) => format!(r#"<c r="{at}" t="e"><v>{}</v></c>"#, escape(e)),
        Cell::FormulaString(f, v) => {
            format!(
                r#"<c r="{at}" t="str"><f>{}</f><v>{}</v></c>"#,
                escape(f),
                escape(v)
            )
        }
        Cell::StyledEmpty => format!(r#"<c r="{at}" s="{STYLE_FILLED}"/>"#),
    };
    out.push_str(&xml);
}

/// A `<row>` with `cells` from column A on; `None` leaves a column out.
pub fn row(number: u32, cells: &[Option<Cell<'_>>]) -> String {
    let mut out = format!(r#"<row r="{number}">"#);
    for (column, cell) in cells.iter().enumerate() {
        if let Some(cell) = cell {
            push_cell(&mut out, number, column, cell);
        }
    }
    out.push_str("</row>");
    out
}

/// A row of inline strings from column A on; empty strings are left out, as Excel does.
pub fn text_row(number: u32, texts: &[&str]) -> String {
    let cells: Vec<Option<Cell<'_>>> = texts
        .iter()
        .map(|t| (!t.is_empty()).then_some(Cell::Inline(t)))
        .collect();
    row(number, &cells)
}

/// The template's header as row 1.
pub fn header_row() -> String {
    text_row(1, &HEADER)
}

/// A worksheet part around the given `<row>`s.
pub fn worksheet(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    )
}

/// A shared-strings part; each entry is the raw XML inside `<si>` (`<t>…</t>` or rich-text runs).
pub fn shared_strings(items: &[&str]) -> String {
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">"#,
        items.len()
    );
    for item in items {
        out.push_str("<si>");
        out.push_str(item);
        out.push_str("</si>");
    }
    out.push_str("</sst>");
    out
}

/// The parts of a workbook with the named sheets (sheet XML given whole) and optional shared
/// strings, as `(path, content)`.
pub fn workbook_parts(sheets: &[(&str, String)], shared: Option<String>) -> Vec<(String, Vec<u8>)> {
    let mut content_types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#,
    );
    let mut workbook = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    );
    let mut parts = Vec::new();
    for (index, (name, xml)) in sheets.iter().enumerate() {
        let n = index + 1;
        workbook.push_str(&format!(
            r#"<sheet name="{}" sheetId="{n}" r:id="rId{n}"/>"#,
            escape(name)
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
        content_types.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            xml.clone().into_bytes(),
        ));
    }
    if let Some(shared) = shared {
        rels.push_str(r#"<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
        content_types.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#);
        parts.push(("xl/sharedStrings.xml".to_owned(), shared.into_bytes()));
    }
    workbook.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    content_types.push_str("</Types>");
    let root_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let mut all = vec![
        ("[Content_Types].xml".to_owned(), content_types.into_bytes()),
        ("_rels/.rels".to_owned(), root_rels.as_bytes().to_vec()),
        ("xl/workbook.xml".to_owned(), workbook.into_bytes()),
        ("xl/_rels/workbook.xml.rels".to_owned(), rels.into_bytes()),
        ("xl/styles.xml".to_owned(), STYLES.as_bytes().to_vec()),
    ];
    all.extend(parts);
    all
}

/// Zips `parts`, deflated.
pub fn zip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, content) in parts {
        writer
            .start_file(name.as_str(), options)
            .expect("zip entry");
        writer.write_all(content).expect("zip write");
    }
    writer.finish().expect("zip finish").into_inner()
}

/// An `.xlsx` with one sheet per `(name, rows)`, rows being `<row>` XML.
pub fn xlsx(sheets: &[(&str, &str)]) -> Vec<u8> {
    let sheets: Vec<(&str, String)> = sheets
        .iter()
        .map(|(n, rows)| (*n, worksheet(rows)))
        .collect();
    zip(&workbook_parts(&sheets, None))
}

/// An `.xlsx` with a single sheet `Users` holding `rows`.
pub fn users_xlsx(rows: &str) -> Vec<u8> {
    xlsx(&[("Users", rows)])
}

/// An `.xlsx` with sheet `Users` and shared strings.
pub fn users_xlsx_with_strings(rows: &str, strings: &[&str]) -> Vec<u8> {
    zip(&workbook_parts(
        &[("Users", worksheet(rows))],
        Some(shared_strings(strings)),
    ))
}

/// The worst sheet for its size: one 30,000-character shared string (Excel's cells hold up to
/// 32,767) in every cell of `rows` rows. About 25 bytes of sheet XML per cell reference it.
pub fn one_long_string_everywhere(rows: u32) -> Vec<u8> {
    let long = format!("<t>{}</t>", "é".repeat(30_000));
    let mut sheet = header_row();
    let cells: Vec<Option<Cell<'_>>> = (0..HEADER.len()).map(|_| Some(Cell::Shared(0))).collect();
    for number in 2..rows + 2 {
        sheet.push_str(&row(number, &cells));
    }
    users_xlsx_with_strings(&sheet, &[&long])
}
