//! Writes the batch-upload template to a file, for looking at it in Excel or LibreOffice and
//! for `tests/fixtures/make_fixtures.py`, which fills it in with another writer.
//!
//! `cargo run -p invite-sheets --example write_template -- template.xlsx`

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: write_template <path.xlsx>");
        return ExitCode::FAILURE;
    };
    let written = invite_sheets::build_template()
        .map_err(|e| e.to_string())
        .and_then(|bytes| std::fs::write(&path, bytes).map_err(|e| e.to_string()));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot write {path}: {e}");
            ExitCode::FAILURE
        }
    }
}
