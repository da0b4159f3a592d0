//! What the server writes to its logs (captured by `support::log_capture`): the test here runs
//! a journey that handles every kind of secret and checks that none of them reached the logs of
//! any test run so far.

use serde_json::json;

use crate::support::log_capture::captured;
use crate::support::{TestApp, eventually, officer_invite};

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
