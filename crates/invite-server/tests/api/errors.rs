//! Every error is problem+json with a trace id, including actix's own.

use serde_json::Value;

use crate::support::batches::stage;
use crate::support::{TestApp, assert_problem, officer_invite, on_each_backend};

#[tokio::test]
async fn garbage_wrongly_typed_and_oversized_bodies_are_problems() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let post = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(app.url("/api/v1/invitations"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_problem(
        post(b"{not json".to_vec(), "application/json")
            .await
            .expect("r"),
        400,
    )
    .await;
    assert_problem(
        post(b"[1,2,3]".to_vec(), "application/json")
            .await
            .expect("r"),
        400,
    )
    .await;
    assert_problem(
        post(
            br#"{"user_type": 5, "email": []}"#.to_vec(),
            "application/json",
        )
        .await
        .expect("r"),
        400,
    )
    .await;
    assert_problem(
        post(b"\xff\xfe\x00".to_vec(), "application/json")
            .await
            .expect("r"),
        400,
    )
    .await;
    assert_problem(
        post(b"email=a".to_vec(), "application/x-www-form-urlencoded")
            .await
            .expect("r"),
        415,
    )
    .await;
    let huge = format!(
        r#"{{"user_type":"public_officer","email":"a@tech.gov.sg","reason":"{}"}}"#,
        "x".repeat(200_000)
    );
    assert_problem(
        post(huge.into_bytes(), "application/json")
            .await
            .expect("r"),
        413,
    )
    .await;
    // An over-long field inside the limit is a field error, not a crash.
    let mut long = officer_invite("a@tech.gov.sg");
    long["reason"] = serde_json::json!("x".repeat(501));
    let problem = assert_problem(app.create_invitation(&token, &long).await, 422).await;
    assert_eq!(problem["errors"][0]["code"], "too_long");
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_are_problems() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    assert_problem(app.get("/api/v1/nothing-here", &token).await, 404).await;
    assert_problem(app.get("/api/v2/invitations", &token).await, 404).await;
    let delete = app
        .client
        .delete(app.url("/api/v1/invitations"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("r");
    // Another method on a known path is a 405 naming the methods it takes (see security.rs).
    assert_problem(delete, 405).await;
}

#[tokio::test]
async fn a_bad_idempotency_key_header_is_400() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let response = app
        .client
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "k".repeat(300))
        .json(&officer_invite("a@tech.gov.sg"))
        .send()
        .await
        .expect("r");
    assert_problem(response, 400).await;
}

#[tokio::test]
async fn an_unknown_stored_status_is_a_500_problem_not_a_plausible_default() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let id = app.invite(&token, &officer_invite("a@tech.gov.sg")).await;
        let mut conn = app.db();
        crate::support::store::corrupt(
            &mut conn,
            "invitations",
            "techpass_status",
            &id,
            "archived",
        );

        let one = assert_problem(
            app.get(&format!("/api/v1/invitations/{id}"), &token).await,
            500,
        )
        .await;
        let list = assert_problem(app.get("/api/v1/invitations", &token).await, 500).await;
        for problem in [one, list] {
            assert_eq!(
                problem["type"],
                "https://invite-users.tech.gov.sg/problems/internal"
            );
            assert!(
                !problem.to_string().contains("archived"),
                "no cause sent: {problem}"
            );
        }
        // Another officer's list does not hold the row and still reads.
        let other = app.sign_in("john@tech.gov.sg").await;
        assert_eq!(app.get("/api/v1/invitations", &other).await.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_stored_batch_row_status_or_error_list_is_a_500_problem() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let batch: Value = stage(&app, &token, "mixed.xlsx", "openpyxl_mixed.xlsx").await;
        let batch_id = batch["id"].as_str().expect("id");
        let rows = batch["rows"].as_array().expect("rows");
        let path = format!("/api/v1/batches/{batch_id}");
        assert_eq!(app.get(&path, &token).await.status(), 200);

        let mut conn = app.db();
        let first = rows[0]["id"].as_str().expect("row id");
        crate::support::store::corrupt(&mut conn, "batch_rows", "status", first, "approved");
        assert_problem(app.get(&path, &token).await, 500).await;

        crate::support::store::corrupt(&mut conn, "batch_rows", "status", first, "valid");
        assert_eq!(app.get(&path, &token).await.status(), 200);
        crate::support::store::corrupt(&mut conn, "batch_rows", "errors", first, "not json");
        assert_problem(app.get(&path, &token).await, 500).await;
    })
    .await;
}
