use serde_json::json;

use crate::support::{TestApp, assert_problem, error_codes, on_each_backend};

#[tokio::test]
async fn a_public_officer_signs_in_and_sees_themselves() {
    on_each_backend(|app| async move {
        let token = app.sign_in("Jane_Tan@Tech.gov.sg").await;
        let me: serde_json::Value = app.get_value("/api/v1/me", &token).await;
        assert_eq!(me["email"], "jane_tan@tech.gov.sg");
    })
    .await;
}

#[tokio::test]
async fn a_non_officer_email_can_never_sign_in() {
    let app = TestApp::spawn_sqlite().await;
    for email in [
        "ah.kow@acme.com.sg",
        "x@gov.sg.evil.com",
        "x@evilgov.sg",
        "not-an-email",
        "",
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/dev-login"))
            .json(&json!({ "email": email }))
            .send()
            .await
            .expect("request");
        let problem = assert_problem(response, 422).await;
        assert_eq!(error_codes(&problem)[0].0, "email", "{email}");
    }
}

#[tokio::test]
async fn missing_malformed_and_forged_credentials_are_401() {
    let app = TestApp::spawn_sqlite().await;
    let no_auth = app
        .client
        .get(app.url("/api/v1/invitations"))
        .send()
        .await
        .expect("request");
    assert_problem(no_auth, 401).await;
    for header in [
        "Bearer",
        "Basic abc",
        "Bearer not.a.jwt",
        "Bearer iu_unknownkey",
    ] {
        let response = app
            .client
            .get(app.url("/api/v1/invitations"))
            .header("Authorization", header)
            .send()
            .await
            .expect("request");
        assert_problem(response, 401).await;
    }
    // A token signed by another server (another secret) is refused.
    let other = TestApp::spawn_sqlite().await;
    let foreign = other.sign_in("jane@tech.gov.sg").await;
    assert_problem(app.get("/api/v1/me", &foreign).await, 401).await;
}

#[tokio::test]
async fn auth_config_says_dev_login_by_default() {
    let app = TestApp::spawn_sqlite().await;
    let config: serde_json::Value = app
        .client
        .get(app.url("/api/v1/auth/config"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(config["mode"], "dev_login");
}
