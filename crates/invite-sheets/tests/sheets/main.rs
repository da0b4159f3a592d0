//! Black-box tests of `invite-sheets`, in one test binary (one link of calamine and umya).

mod cells;
mod export;
mod fixtures;
mod fuzz;
mod hostile;
mod rows;
mod support;
mod template;

use invite_sheets::{ImportError, Limits, SheetRow, read_upload};

/// Reads with the default limits.
fn read(bytes: &[u8]) -> Result<Vec<SheetRow>, ImportError> {
    read_upload(bytes, &Limits::default())
}

/// Reads a committed fixture from `tests/fixtures`.
fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}
