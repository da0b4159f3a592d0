//! Rate limits: built-in sign-in per client address; creating invitations, uploading and
//! submitting per officer and per API key. Over the limit: 429 with `Retry-After`; every
//! limited answer carries `RateLimit-*`. On PostgreSQL every replica counts against one limit.

use serde_json::json;

use crate::support::{TestApp, assert_problem, officer_invite, on_each_backend_with};

fn header(response: &reqwest::Response, name: &str) -> Option<i64> {
    response.headers().get(name)?.to_str().ok()?.parse().ok()
}

/// Waits out the end of a minute, so that the requests that follow fall into one window.
async fn start_of_a_window() {
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 50 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
}

async fn create(app: &TestApp, token: &str, n: usize) -> reqwest::Response {
    app.create_invitation(token, &officer_invite(&format!("invitee{n}@tech.gov.sg")))
        .await
}

#[tokio::test]
async fn creating_past_the_limit_is_429_with_retry_after_and_changes_nothing() {
    on_each_backend_with(
        |config| config.rate_limits.create = 3,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            start_of_a_window().await;
            for (n, remaining) in [(1, 2), (2, 1), (3, 0)] {
                let response = create(&app, &token, n).await;
                assert_eq!(response.status(), 201, "{}", app.backend);
                assert_eq!(header(&response, "ratelimit-limit"), Some(3));
                assert_eq!(header(&response, "ratelimit-remaining"), Some(remaining));
                let reset = header(&response, "ratelimit-reset").expect("reset");
                assert!((1..=60).contains(&reset), "{reset}");
            }
            let over = create(&app, &token, 4).await;
            let retry_after = header(&over, "retry-after").expect("Retry-After");
            assert!((1..=60).contains(&retry_after), "{retry_after}");
            assert_eq!(header(&over, "ratelimit-remaining"), Some(0));
            let problem = assert_problem(over, 429).await;
            assert!(
                problem["type"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with("/rate-limited")
            );
            let list = app.get_value("/api/v1/invitations", &token).await;
            assert_eq!(
                list["items"].as_array().map(Vec::len),
                Some(3),
                "the fourth was not made"
            );

            // Another officer, and an API key of the same officer, count apart.
            let other = app.sign_in("ali@tech.gov.sg").await;
            assert_eq!(create(&app, &other, 5).await.status(), 201);
            let key = app
                .post_value("/api/v1/api-keys", &token, &json!({ "name": "HR system" }))
                .await;
            let key = key["secret"].as_str().expect("secret").to_owned();
            assert_eq!(create(&app, &key, 6).await.status(), 201, "{}", app.backend);
        },
    )
    .await;
}

#[tokio::test]
async fn the_built_in_sign_in_is_limited_per_client_address() {
    let app = TestApp::spawn_sqlite_with(|config| config.rate_limits.sign_in = 2).await;
    start_of_a_window().await;
    app.sign_in("jane@tech.gov.sg").await;
    app.sign_in("ali@tech.gov.sg").await;
    let over = app
        .client
        .post(app.url("/api/v1/auth/dev-login"))
        .json(&json!({ "email": "mallory@tech.gov.sg" }))
        .send()
        .await
        .expect("request");
    assert!(header(&over, "retry-after").is_some());
    assert_problem(over, 429).await;
}

#[tokio::test]
async fn uploads_and_submits_have_limits_of_their_own() {
    on_each_backend_with(
        |config| {
            config.rate_limits.upload = 1;
            config.rate_limits.submit = 1;
        },
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            start_of_a_window().await;
            let rows = json!({ "rows": [officer_invite("kim@tech.gov.sg")] });
            let batch = app.post_value("/api/v1/batches", &token, &rows).await;
            assert_problem(app.post_json("/api/v1/batches", &token, &rows).await, 429).await;
            let submit = format!(
                "/api/v1/batches/{}/submit",
                batch["id"].as_str().expect("id")
            );
            assert_eq!(
                app.post_json(&submit, &token, &json!({})).await.status(),
                200
            );
            assert_problem(app.post_json(&submit, &token, &json!({})).await, 429).await;
            // Creating one by one is still allowed: another limit.
            assert_eq!(create(&app, &token, 1).await.status(), 201);
        },
    )
    .await;
}

/// Two replicas on one database: on PostgreSQL they share each caller's count; on SQLite (one
/// server in production) each counts in memory.
#[tokio::test]
async fn replicas_on_postgresql_share_one_limit() {
    // One token secret, so that both replicas take the officer's token.
    let configure = |config: &mut invite_server::Config| {
        config.rate_limits.create = 4;
        config.token_secret = invite_server::config::Secret::new("s".repeat(32));
    };
    on_each_backend_with(configure, |app| async move {
        let replica = app.replica(configure).await;
        let token = app.sign_in("jane@tech.gov.sg").await;
        start_of_a_window().await;
        let mut created = 0;
        for n in 0..8 {
            let server = if n % 2 == 0 { &app } else { &replica };
            let status = create(server, &token, n).await.status();
            assert!(status == 201 || status == 429, "{status}");
            created += usize::from(status == 201);
        }
        let expected = if app.backend == "postgres" { 4 } else { 8 };
        assert_eq!(created, expected, "{}", app.backend);
    })
    .await;
}
