//! The OpenAPI document is the truth, checked by a spec fuzzer: schemathesis (PyPI) reads
//! `api-spec/openapi.json`, signs in as an officer, and sends thousands of generated requests —
//! valid ones the server must accept, invalid ones it must refuse with a documented status and
//! problem, missing credentials it must answer 401, and chains (create, then read, change and
//! delete what was created) that must hold together — with every check it has (`--checks all`).
//!
//! On SQLite only: the fuzz is about the HTTP contract, which the rest of the suite holds both
//! backends to alike. Bounded by time (`INVITES_FUZZ_SECONDS`, 75 by default) and held to at
//! least 1,000 generated requests, so a run that silently tested little fails too. Seeded
//! (`INVITES_FUZZ_SEED`, 1 by default), so a failure in CI reproduces locally.

use std::path::Path;
use std::process::Command;

use crate::support::TestApp;

const MIN_GENERATED: u64 = 1_000;

/// `6751` from schemathesis's summary line `6751 generated, 6751 passed, 50 skipped`.
fn generated(summary: &str) -> Option<u64> {
    summary.lines().find_map(|line| {
        let (count, _) = line.trim().split_once(" generated")?;
        count.trim().parse().ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_as_its_published_spec_says() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("fuzz.officer@tech.gov.sg").await;
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let support = crate_dir.join("tests/support");
    let spec = crate_dir.join("../../api-spec/openapi.json");
    let seconds = std::env::var("INVITES_FUZZ_SECONDS").unwrap_or_else(|_| "75".into());
    let seed = std::env::var("INVITES_FUZZ_SEED").unwrap_or_else(|_| "1".into());
    // Its working files (.hypothesis, .schemathesis) go to a directory of its own.
    let work = std::env::temp_dir().join(format!("invite-users-fuzz-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&work).expect("work dir");

    let mut command = Command::new("schemathesis");
    command
        .current_dir(&work)
        .env("INVITES_FUZZ_TOKEN", &token)
        .env("PYTHONPATH", &support)
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .env("NO_COLOR", "1")
        .arg("--config-file")
        .arg(support.join("schemathesis.toml"))
        .arg("run")
        .arg(&spec)
        .args(["--url", &app.address])
        .args(["--checks", "all", "--workers", "1", "--seed", &seed])
        .args(["--max-examples", "5", "--max-time", &seconds])
        .args(["--generation-database", "none"]);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joins")
        .unwrap_or_else(|e| {
            panic!(
                "schemathesis did not start ({e}): run the tests with `cargo xtask test`, which \
                 installs it into target/tools/python and puts it on PATH"
            )
        });
    let _ = std::fs::remove_dir_all(&work);

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found requests the server answers otherwise than its document says \
         (reproduce with INVITES_FUZZ_SEED={seed}):\n{stdout}\n{stderr}"
    );
    let count = generated(&stdout).unwrap_or_else(|| panic!("no summary in:\n{stdout}"));
    assert!(
        count >= MIN_GENERATED,
        "only {count} requests generated in {seconds} s (at least {MIN_GENERATED}):\n{stdout}"
    );
    println!("schemathesis: {count} generated requests, no failure");
}

#[test]
fn the_summary_count_is_read() {
    let summary = "Test cases:\n  6751 generated, 6751 passed, 50 skipped\n\nSeed: 1";
    assert_eq!(generated(summary), Some(6751));
    assert_eq!(generated("no summary"), None);
}
