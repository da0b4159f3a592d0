//! Downloads read back by openpyxl, as a spreadsheet program reads them: every cell a string
//! exactly as written, none a formula.

use std::process::Command;

use invite_sheets::export::table;

const READ_BACK: &str = r#"
import json, sys
from openpyxl import load_workbook
book = load_workbook(sys.argv[1])
sheet = book["Invitations"]
rows = []
for row in sheet.iter_rows():
    rows.append([[cell.value, cell.data_type] for cell in row])
print(json.dumps({"sheets": book.sheetnames, "rows": rows, "frozen": sheet.freeze_panes}))
"#;

#[test]
fn an_export_opens_in_openpyxl_with_every_hostile_text_as_a_plain_string() {
    let hostile = [
        "=HYPERLINK(\"https://evil.example\",\"Click\")",
        "+65 9123 4567",
        "-2+3",
        "@SUM(A1:A2)",
        "=cmd|' /C calc'!A0",
        "0042",
        "TRUE",
        "2026-12-03",
        "Line one\nline two",
    ];
    let rows: Vec<Vec<String>> = hostile
        .iter()
        .map(|text| vec![(*text).to_owned(), "plain".to_owned()])
        .collect();
    let bytes = table("Invitations", &["Name", "Note"], &[30.0, 10.0], rows).expect("workbook");
    let path = std::env::temp_dir().join(format!("export-{}.xlsx", std::process::id()));
    std::fs::write(&path, &bytes).expect("write");
    let output = Command::new("python3")
        .arg("-c")
        .arg(READ_BACK)
        .arg(&path)
        .output()
        .expect("python3 runs (with openpyxl: `.ci/run` installs it)");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "openpyxl could not read the export: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(read["sheets"], serde_json::json!(["Invitations"]));
    assert_eq!(read["frozen"], "A2");
    let rows = read["rows"].as_array().expect("rows");
    assert_eq!(rows[0][0], serde_json::json!(["Name", "s"]));
    for (row, text) in rows[1..].iter().zip(hostile) {
        assert_eq!(row[0][0], text, "read back as written");
        assert_eq!(
            row[0][1], "s",
            "{text:?} is a string cell, not a formula or number"
        );
    }
    assert_eq!(rows.len(), hostile.len() + 1);
}
