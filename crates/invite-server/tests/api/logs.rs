//! What the server writes to its logs. Every server this test binary starts logs (text format,
//! as an operator would run it) through [`install`] into one buffer as well as the test output,
//! and into `INVITES_TEST_LOG_FILE` when set: `cargo xtask test` sets it and scans the file of
//! the whole suite's run for credentials afterwards. The test here runs a journey that handles
//! every kind of secret and checks that none of them reached the logs of any test run so far.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use serde_json::json;

use crate::helpers::{TestApp, eventually, officer_invite};

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

#[tokio::test]
async fn no_token_key_secret_or_email_reaches_the_logs() {
    let app = TestApp::spawn_sqlite_with(|config| config.delivery.poll_ms = 100).await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let key = app
        .post_value("/api/v1/api-keys", &token, &json!({ "name": "HR system" }))
        .await;
    let key = key["secret"].as_str().expect("key").to_owned();
    let webhook = app
        .post_value(
            "/api/v1/webhooks",
            &token,
            &json!({ "url": "https://hooks.agency.gov.sg/logs", "event_types": ["invitation.created"] }),
        )
        .await;
    let webhook_secret = webhook["secret"].as_str().expect("secret").to_owned();
    // Used, and refused: a wrong key and a tampered token are logged as refusals only.
    app.invite(&key, &officer_invite("kim@tech.gov.sg")).await;
    let tampered = format!("{token}x");
    assert_eq!(
        app.get("/api/v1/invitations", &tampered).await.status(),
        401
    );
    let email = eventually("the invitation email", || async {
        let mailbox = app.get_value("/api/v1/dev/mailbox", &token).await;
        mailbox["items"].as_array()?.first().cloned()
    })
    .await;
    let body = email["text"].as_str().expect("text").to_owned();
    let link = email["links"][0].as_str().unwrap_or_default().to_owned();

    let logs = captured();
    assert!(logs.contains("request finished"), "the logs were captured");
    for (what, secret) in [
        ("the sign-in token", token.as_str()),
        ("the API key", key.as_str()),
        ("the webhook secret", webhook_secret.as_str()),
        ("the invitation link", link.as_str()),
    ] {
        assert!(!secret.is_empty(), "{what} is known");
        assert!(!logs.contains(secret), "{what} was logged");
    }
    // No line of the email's text (longer than a greeting) is in the logs.
    for line in body.lines().filter(|l| l.trim().len() > 30) {
        assert!(
            !logs.contains(line.trim()),
            "the email's text was logged: {line}"
        );
    }
    let shapes = invite_server::log_credentials::credentials_in(&logs);
    assert!(shapes.is_empty(), "credentials in the logs: {shapes:?}");
}
