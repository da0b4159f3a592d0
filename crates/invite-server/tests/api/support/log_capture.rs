//! Every server this test binary starts logs (text format, as an operator would run it)
//! through [`install`] into one buffer as well as the test output, and into
//! `INVITES_TEST_LOG_FILE` when set: `cargo xtask test` sets it and scans the file of the whole
//! suite's run for credentials afterwards.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static FILE: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();

/// A writer that keeps each log line and also prints it, where the test harness captures it.
pub struct Tee;

impl Write for Tee {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        if let Some(Some(file)) = FILE.get() {
            let _ = file
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .write_all(bytes);
        }
        print!("{}", String::from_utf8_lossy(bytes));
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Logs of every server of this binary go through [`Tee`] (the first call wins).
pub fn install() {
    FILE.get_or_init(|| {
        let path = std::env::var("INVITES_TEST_LOG_FILE").ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
            .map(Mutex::new)
    });
    invite_server::telemetry::init_logging_to("text", || Tee);
}

/// Everything logged so far by every test of this binary.
pub fn captured() -> String {
    String::from_utf8_lossy(&CAPTURED.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}
