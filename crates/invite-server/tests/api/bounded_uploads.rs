//! What an upload can make the server hold: each invalid value is kept to its field's limit
//! and a marker, a batch's kept text is capped, an officer has a bounded number of open drafts
//! and of uploads in flight, and old drafts are discarded.

use std::time::Duration;

use diesel::prelude::*;
use invite_core::Field;
use invite_core::text::{CUT_MARKER, kept_chars};
use invite_sheets::synthetic::xml::one_long_string_everywhere;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::batches::upload;
use crate::support::{TestApp, assert_problem, eventually, json_of, on_each_backend_with};

#[tokio::test]
async fn the_worst_spreadsheet_stores_and_returns_bounded_amounts() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;

    // 50,000 rows of it would keep 10 × 30,000 characters per row uncut (30 GB); cut, they
    // still add up to more than a batch keeps: refused, nothing stored.
    let worst = one_long_string_everywhere(50_000);
    assert!(
        worst.len() < 10 * 1024 * 1024,
        "{} bytes: within the file limit",
        worst.len()
    );
    let refused = upload(&app, &token, "worst.xlsx", worst).await;
    let problem = assert_problem(refused, 413).await;
    assert_eq!(problem["errors"][0]["code"], "too_much_text", "{problem}");
    let batches = app.get_value("/api/v1/batches", &token).await;
    assert_eq!(batches["items"], json!([]), "nothing stored");

    // 2,000 rows of it fit: every value is kept to its field's limit, marked as cut.
    let response = upload(&app, &token, "long.xlsx", one_long_string_everywhere(2_000)).await;
    assert_eq!(response.status(), 201);
    let body = response.bytes().await.expect("body");
    // The answer carries the first 500 rows, whatever the file held.
    assert!(
        body.len() < 2 * 1024 * 1024,
        "the 201 weighs {} bytes",
        body.len()
    );
    let batch: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(batch["summary"]["invalid"], 2_000);
    let first = &batch["rows"][0];
    for field in Field::ALL.into_iter().filter(|f| *f != Field::SeedRequired) {
        let value = first[field.as_str()].as_str().unwrap_or_default();
        assert_eq!(
            value.chars().count(),
            kept_chars(field) + 1,
            "{field:?}: {value}"
        );
        assert!(value.ends_with(CUT_MARKER), "{field:?}");
    }
    // Every page of rows is as bounded: the whole batch read back is about 3 KB a row.
    let id = batch["id"].as_str().expect("id");
    let mut cursor = batch["rows_next_cursor"].as_str().map(str::to_owned);
    let mut read = batch["rows"].as_array().map_or(0, Vec::len);
    let mut bytes = body.len();
    while let Some(at) = cursor {
        let page = app
            .get(
                &format!("/api/v1/batches/{id}/rows?limit=500&cursor={at}"),
                &token,
            )
            .await
            .bytes()
            .await
            .expect("page");
        assert!(
            page.len() < 2 * 1024 * 1024,
            "a page weighs {} bytes",
            page.len()
        );
        bytes += page.len();
        let page: Value = serde_json::from_slice(&page).expect("json");
        read += page["items"].as_array().map_or(0, Vec::len);
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(read, 2_000);
    assert!(bytes < 2_000 * 6 * 1024, "{bytes} bytes for 2,000 rows");
}

async fn stage_json(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/batches",
        token,
        &json!({ "rows": [{ "user_type": "vendor", "email": "not an address" }] }),
    )
    .await
}

#[tokio::test]
async fn an_officer_has_at_most_the_configured_open_drafts() {
    on_each_backend_with(
        |config| config.uploads.max_open_drafts = 2,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let mut ids = Vec::new();
            for _ in 0..2 {
                let batch = json_of(stage_json(&app, &token).await).await;
                ids.push(batch["id"].as_str().expect("id").to_owned());
            }
            let problem = assert_problem(stage_json(&app, &token).await, 409).await;
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("Submit or reset"),
                "{problem}"
            );
            // Another officer has drafts of their own.
            let other = app.sign_in("ali@tech.gov.sg").await;
            assert_eq!(stage_json(&app, &other).await.status(), 201);
            // Resetting one closes it, and there is room again.
            let reset = app
                .delete(&format!("/api/v1/batches/{}/rows", ids[0]), &token)
                .await;
            assert_eq!(reset.status(), 204);
            assert_eq!(stage_json(&app, &token).await.status(), 201);
            let list = app.get_value("/api/v1/batches", &token).await;
            assert_eq!(
                list["items"].as_array().map(Vec::len),
                Some(3),
                "the refused one left nothing"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn a_second_upload_while_one_is_in_flight_is_answered_429() {
    let app = TestApp::spawn_sqlite_with(|config| {
        config.uploads.max_in_flight = 1;
        // Uploads polled before the slow one is admitted are staged: room for all of them.
        config.uploads.max_open_drafts = 10_000;
        config.rate_limits.upload = 0;
    })
    .await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // An upload whose body is still arriving is in flight. (Opened again if it came while
    // another upload held the one place: then it was answered 429 itself.)
    let mut slow = loop {
        let mut slow = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connect");
        let head = format!(
            "POST /api/v1/batches HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{{\"rows\":"
        );
        slow.write_all(head.as_bytes()).await.expect("write");
        let mut answer = [0u8; 64];
        match tokio::time::timeout(Duration::from_millis(300), slow.read(&mut answer)).await {
            Err(_) => break slow,
            Ok(_) => continue,
        }
    };
    let busy = stage_json(&app, &token).await;
    assert!(busy.headers().get("retry-after").is_some());
    let problem = assert_problem(busy, 429).await;
    assert!(
        problem["type"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/too-many-requests")
    );
    // Once it ends (here: the client goes away), the place is given back.
    slow.shutdown().await.expect("shutdown");
    drop(slow);
    eventually("an upload accepted again", || async {
        (stage_json(&app, &token).await.status() == 201).then_some(())
    })
    .await;
}

#[tokio::test]
async fn drafts_past_their_keeping_are_discarded_and_submitted_batches_stay() {
    use invite_server::db::schema::batches;
    on_each_backend_with(
        |config| {
            config.delivery.sweep_secs = 1;
            config.uploads.draft_ttl_hours = 24;
        },
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let draft = json_of(stage_json(&app, &token).await).await;
            let fresh = json_of(stage_json(&app, &token).await).await;
            let submitted = json_of(
                app.post_json(
                    "/api/v1/batches",
                    &token,
                    &json!({ "rows": [crate::support::officer_invite("kept@tech.gov.sg")] }),
                )
                .await,
            )
            .await;
            let submitted_id = submitted["id"].as_str().expect("id").to_owned();
            let answer = app
                .post_json(
                    &format!("/api/v1/batches/{submitted_id}/submit"),
                    &token,
                    &json!({}),
                )
                .await;
            assert_eq!(answer.status(), 200);
            // Two of them were staged 25 hours ago.
            let aged = invite_server::db::now() - chrono::Duration::hours(25);
            for id in [&draft["id"], &submitted["id"]] {
                diesel::update(batches::table.filter(batches::id.eq(id.as_str().expect("id"))))
                    .set(batches::created_at.eq(aged))
                    .execute(&mut app.db())
                    .expect("age");
            }
            let draft_id = draft["id"].as_str().expect("id");
            eventually("the old draft discarded", || async {
                (app.get(&format!("/api/v1/batches/{draft_id}"), &token)
                    .await
                    .status()
                    == 404)
                    .then_some(())
            })
            .await;
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            for kept in [&fresh["id"], &submitted["id"]] {
                let id = kept.as_str().expect("id");
                assert_eq!(
                    app.get(&format!("/api/v1/batches/{id}"), &token)
                        .await
                        .status(),
                    200
                );
            }
        },
    )
    .await;
}
