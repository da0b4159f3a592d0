//! Every error is problem+json with a trace id, including actix's own.

use crate::helpers::{TestApp, assert_problem, officer_invite};

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
    // Routes are (method, path) pairs: another method on a known path is a 404 too.
    assert_problem(delete, 404).await;
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
