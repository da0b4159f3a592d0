//! The guide's device rule: "public officers using a non-SE GSIB device can invite". With a
//! device claim configured, creating and resending invitations, uploading and submitting
//! batches, and making API keys need an allowed device (403 `device-not-eligible`, with the
//! rule in words); reading stays open; `me` and the sign-in say whether the officer may invite.

use serde_json::{Value, json};

use crate::support::{TestApp, assert_problem, json_of, officer_invite, on_each_backend_with};

async fn sign_in_from(app: &TestApp, email: &str, device: &str) -> Value {
    let response = app
        .client
        .post(app.url("/api/v1/auth/dev-login"))
        .json(&json!({ "email": email, "device_type": device }))
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 200);
    json_of(response).await
}

fn rule_on(config: &mut invite_server::Config) {
    config.device_policy = invite_server::config::DevicePolicy::non_se_gsib_only();
}

#[tokio::test]
async fn only_an_allowed_device_may_invite_and_reading_stays_open() {
    on_each_backend_with(rule_on, |app| async move {
        // From the allowed device: the officer invites, stages a batch and makes a key.
        let allowed = sign_in_from(&app, "jane@tech.gov.sg", "non_se_gsib").await;
        assert_eq!(allowed["officer"]["can_invite"], true);
        let allowed = allowed["token"].as_str().expect("token").to_owned();
        let invitation = app
            .invite(&allowed, &officer_invite("kim@tech.gov.sg"))
            .await;
        let rows = json!({ "rows": [officer_invite("lee@tech.gov.sg")] });
        let batch = app.post_value("/api/v1/batches", &allowed, &rows).await;
        let batch = batch["id"].as_str().expect("batch").to_owned();
        let key = app
            .post_value(
                "/api/v1/api-keys",
                &allowed,
                &json!({ "name": "HR system" }),
            )
            .await;
        let key = key["secret"].as_str().expect("key").to_owned();

        // The same officer from an SE GSIB device: told why, and refused every invite.
        let se = sign_in_from(&app, "jane@tech.gov.sg", "se_gsib").await;
        assert_eq!(se["officer"]["can_invite"], false, "{se}");
        let because = se["officer"]["cannot_invite_because"]
            .as_str()
            .unwrap_or_default();
        assert!(
            because.contains("non-SE GSIB") && because.contains("SE GSIB device"),
            "{because}"
        );
        let se = se["token"].as_str().expect("token").to_owned();
        let me = app.get_value("/api/v1/me", &se).await;
        assert_eq!(me["can_invite"], false);
        let refused = [
            app.create_invitation(&se, &officer_invite("tan@tech.gov.sg"))
                .await,
            app.post_json(
                &format!("/api/v1/invitations/{invitation}/resend"),
                &se,
                &json!({}),
            )
            .await,
            app.post_json("/api/v1/batches", &se, &rows).await,
            app.post_json(&format!("/api/v1/batches/{batch}/submit"), &se, &json!({}))
                .await,
            app.post_json("/api/v1/api-keys", &se, &json!({ "name": "mine" }))
                .await,
        ];
        for response in refused {
            let problem = assert_problem(response, 403).await;
            assert!(
                problem["type"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with("/device-not-eligible"),
                "{problem}"
            );
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("non-SE GSIB")
            );
        }
        // Nothing was made, and everything made before is still there to read.
        let list = app.get_value("/api/v1/invitations", &se).await;
        assert_eq!(
            list["items"].as_array().map(Vec::len),
            Some(1),
            "{}",
            app.backend
        );
        assert_eq!(
            app.get(&format!("/api/v1/batches/{batch}"), &se)
                .await
                .status(),
            200
        );
        // The key made from the allowed device acts for the officer.
        assert_eq!(
            app.create_invitation(&key, &officer_invite("ong@tech.gov.sg"))
                .await
                .status(),
            201
        );
    })
    .await;
}

#[tokio::test]
async fn without_a_device_rule_every_device_may_invite() {
    let app = TestApp::spawn_sqlite().await;
    let se = sign_in_from(&app, "jane@tech.gov.sg", "se_gsib").await;
    assert_eq!(se["officer"]["can_invite"], true);
    assert!(se["officer"].get("cannot_invite_because").is_none());
    let token = se["token"].as_str().expect("token");
    assert_eq!(
        app.create_invitation(token, &officer_invite("kim@tech.gov.sg"))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn the_built_in_sign_in_offers_only_known_device_types() {
    let app = TestApp::spawn_sqlite_with(rule_on).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/dev-login"))
        .json(&json!({ "email": "jane@tech.gov.sg", "device_type": "kiosk" }))
        .send()
        .await
        .expect("sign in");
    let problem = assert_problem(response, 422).await;
    assert_eq!(problem["errors"][0]["field"], "device_type", "{problem}");
    // Without one, the built-in sign-in assumes the allowed device.
    let token = app.sign_in("jane@tech.gov.sg").await;
    assert_eq!(
        app.get_value("/api/v1/me", &token).await["can_invite"],
        true
    );
}

/// The route guard holds a caller to the route's policy before the body is read: an officer on
/// a device that may not invite is told so, not how their body would be judged.
#[tokio::test]
async fn a_refused_device_is_answered_before_its_body_is_judged() {
    on_each_backend_with(rule_on, |app| async move {
        let se = sign_in_from(&app, "jane@tech.gov.sg", "se_gsib").await;
        let se = se["token"].as_str().expect("token").to_owned();
        for path in ["/api/v1/invitations", "/api/v1/api-keys"] {
            let malformed = app
                .client
                .post(app.url(path))
                .bearer_auth(&se)
                .header("content-type", "application/json")
                .body("{not json")
                .send()
                .await
                .expect("request");
            let problem = assert_problem(malformed, 403).await;
            assert!(
                problem["type"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with("/device-not-eligible"),
                "{path}: {problem}"
            );
        }
    })
    .await;
}
