//! Revoke (`POST /api/v1/invitations/{id}/revoke`): what is not yet sent never goes, TechPass is
//! told, the email is free again, and only the owner's pending invitations can be revoked.

use invite_core::api::{DeliveryKind, JobState, SeedStatus, TechpassStatus};
use serde_json::{Value, json};

use crate::support::store;
use crate::support::upstreams;
use crate::support::{TestApp, assert_problem, eventually, officer_invite, on_each_backend_with};

async fn revoke(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/invitations/{id}/revoke"),
        token,
        &json!({}),
    )
    .await
}

#[tokio::test]
async fn a_revoked_invitation_sends_nothing_more_tells_techpass_and_frees_the_email() {
    let server = upstreams::accepting().await;
    let uri = server.uri();
    on_each_backend_with(
        |config| {
            upstreams::configure(config, &uri);
            config.delivery.worker = false;
        },
        |app| {
            let (server, uri) = (&server, &uri);
            async move {
                let token = app.sign_in("jane_tan@tech.gov.sg").await;
                let email = format!("lim.{}@tech.gov.sg", app.backend);
                let id = app.invite(&token, &officer_invite(&email)).await;

                let response = revoke(&app, &token, &id).await;
                assert_eq!(response.status(), 200);
                let revoked: Value = response.json().await.expect("json");
                assert_eq!(revoked["techpass_status"], "revoked");
                assert!(revoked["revoked_at"].is_string());
                assert_eq!(revoked["can_resend"], false);
                assert!(revoked["next_resend_at"].is_null());
                let jobs =
                    invite_server::db::outbox::of_invitation(&mut app.db(), &id).expect("jobs");
                let mut states: Vec<(&str, &str)> = jobs
                    .iter()
                    .map(|j| (j.kind.as_str(), j.state.as_str()))
                    .collect();
                states.sort_unstable();
                assert_eq!(
                    states,
                    [
                        ("email", "cancelled"),
                        ("techpass", "cancelled"),
                        ("techpass_revoke", "pending")
                    ]
                );

                // Again: the same answer, nothing new.
                assert_eq!(revoke(&app, &token, &id).await.status(), 200);
                assert_eq!(
                    invite_server::db::outbox::of_invitation(&mut app.db(), &id)
                        .expect("jobs")
                        .len(),
                    3
                );
                let resend = app
                    .post_json(
                        &format!("/api/v1/invitations/{id}/resend"),
                        &token,
                        &json!({}),
                    )
                    .await;
                assert_problem(resend, 409).await;

                // A replica with a worker delivers only the revocation.
                let _worker = app
                    .replica(|config| upstreams::configure(config, uri))
                    .await;
                let told = eventually("TechPass told", || async {
                    let ours: Vec<_> = upstreams::received(server, "/v1/revocations")
                        .await
                        .into_iter()
                        .filter(|(_, b)| b["reference"] == id.as_str())
                        .collect();
                    (!ours.is_empty()).then_some(ours)
                })
                .await;
                assert_eq!(told[0].1["email"], email.as_str());
                assert_eq!(told[0].1["revoked_by"], "jane_tan@tech.gov.sg");
                let invited = upstreams::received(server, "/v1/invitations").await;
                assert!(
                    !invited.iter().any(|(_, b)| b["reference"] == id.as_str()),
                    "the cancelled TechPass request never went"
                );
                let revoke_job = eventually("the revocation done", || async {
                    let jobs =
                        invite_server::db::outbox::of_invitation(&mut app.db(), &id).expect("jobs");
                    jobs.into_iter().find(|j| {
                        j.kind == DeliveryKind::TechpassRevoke && j.state == JobState::Done
                    })
                })
                .await;
                assert_eq!(revoke_job.attempts, 1);

                // The address can be invited again.
                assert_eq!(
                    app.create_invitation(&token, &officer_invite(&email))
                        .await
                        .status(),
                    201
                );
            }
        },
    )
    .await;
}

#[tokio::test]
async fn only_the_owner_can_revoke_and_only_while_pending() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let jane = app.sign_in("jane_tan@tech.gov.sg").await;
            let other = app.sign_in("tan_ah_kow@tech.gov.sg").await;
            let id = app.invite(&jane, &officer_invite("lim@tech.gov.sg")).await;
            assert_problem(revoke(&app, &other, &id).await, 404).await;
            assert_problem(
                revoke(&app, &jane, &uuid::Uuid::new_v4().to_string()).await,
                404,
            )
            .await;
            assert_problem(revoke(&app, &jane, "not-a-uuid").await, 404).await;
            let anonymous = app
                .client
                .post(app.url(&format!("/api/v1/invitations/{id}/revoke")))
                .send()
                .await
                .expect("request");
            assert_eq!(anonymous.status(), 401);

            store::set_statuses(
                &mut app.db(),
                &id,
                TechpassStatus::Onboarded,
                SeedStatus::Pending,
            );
            let problem = assert_problem(revoke(&app, &jane, &id).await, 409).await;
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("onboarded"),
                "{problem}"
            );
            store::set_statuses(
                &mut app.db(),
                &id,
                TechpassStatus::Failed,
                SeedStatus::Pending,
            );
            assert_problem(revoke(&app, &jane, &id).await, 409).await;
        },
    )
    .await;
}

#[tokio::test]
async fn the_stand_ins_sign_up_page_says_a_revoked_invitation_was_withdrawn() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let link = app.url(&format!("/dev/techpass/signup?reference={id}"));
    eventually("TechPass (stand-in) has the invitation", || async {
        (app.client.get(&link).send().await.ok()?.status() == 200).then_some(())
    })
    .await;
    assert_eq!(revoke(&app, &token, &id).await.status(), 200);
    let page = eventually("the stand-in told", || async {
        let response = app.client.get(&link).send().await.ok()?;
        (response.status() == 410).then_some(response)
    })
    .await;
    let html = page.text().await.expect("html");
    assert!(html.contains("withdrawn"), "{html}");
    let signup = app
        .client
        .post(app.url("/dev/techpass/signup"))
        .form(&[
            ("reference", id.as_str()),
            ("first_name", "Lim"),
            ("last_name", "Tan"),
        ])
        .send()
        .await
        .expect("sign up");
    assert_eq!(
        signup.status(),
        410,
        "a withdrawn invitation cannot be taken up"
    );
    let invitation = app
        .get_value(&format!("/api/v1/invitations/{id}"), &token)
        .await;
    assert_eq!(invitation["techpass_status"], "revoked");
}
