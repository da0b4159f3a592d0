//! Delivery through the outbox in the embedded default: the invitation email lands in the dev
//! mailbox, a resend sends another, and a replica with its worker switched off sends nothing.

use chrono::Duration;
use invite_core::api::JobState;
use invite_server::db::outbox;
use serde_json::Value;

use crate::support::{TestApp, eventually, officer_invite, on_each_backend, on_each_backend_with};

async fn mailbox(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app.get_value("/api/v1/dev/mailbox", token).await;
    body["items"].as_array().expect("items").clone()
}

/// Waits until the mailbox holds `n` emails to `to`; returns them, newest first.
async fn emails_to(app: &TestApp, token: &str, to: &str, n: usize) -> Vec<Value> {
    eventually(
        &format!("{n} emails to {to} on {}", app.backend),
        || async {
            let emails: Vec<Value> = mailbox(app, token)
                .await
                .into_iter()
                .filter(|e| e["to"] == to)
                .collect();
            (emails.len() == n).then_some(emails)
        },
    )
    .await
}

#[tokio::test]
async fn an_invitation_email_reaches_the_dev_mailbox_and_a_resend_sends_another() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;

        let emails = emails_to(&app, &token, "lim@tech.gov.sg", 1).await;
        let email = &emails[0];
        assert_eq!(email["subject"], "You are invited to TechPass");
        let text = email["text"].as_str().expect("text");
        assert!(
            text.contains("jane_tan@tech.gov.sg has invited you"),
            "{text}"
        );
        assert!(text.contains("Why: Joins the platform team"), "{text}");
        assert!(email["html"].as_str().expect("html").contains("<a href="));
        assert_eq!(email["links"].as_array().map(Vec::len), Some(1));
        let jobs = eventually("the jobs are done", || async {
            let jobs = outbox::of_invitation(&mut app.db(), &id).expect("jobs");
            jobs.iter()
                .all(|j| j.state == JobState::Done)
                .then_some(jobs)
        })
        .await;
        let mut kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
        kinds.sort_unstable();
        assert_eq!(kinds, ["email", "techpass"]);

        // A day later, a resend is a new email.
        let mut conn = app.db();
        crate::support::store::set_last_sent_at(
            &mut conn,
            &id,
            invite_server::db::now() - Duration::hours(25),
        );
        let resent = app
            .post_json(
                &format!("/api/v1/invitations/{id}/resend"),
                &token,
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(resent.status(), 202);
        emails_to(&app, &token, "lim@tech.gov.sg", 2).await;
    })
    .await;
}

#[tokio::test]
async fn a_replica_without_a_worker_leaves_the_job_pending_for_one_that_has_one() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let token = app.sign_in("jane_tan@tech.gov.sg").await;
            let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
            let jobs = outbox::of_invitation(&mut app.db(), &id).expect("jobs");
            assert_eq!(
                jobs.len(),
                2,
                "email and TechPass committed with the invitation on {}",
                app.backend
            );
            assert!(
                jobs.iter()
                    .all(|j| (j.state, j.attempts) == (JobState::Pending, 0)),
                "{jobs:?}"
            );
            assert!(mailbox(&app, &token).await.is_empty());
        },
    )
    .await;
}

#[tokio::test]
async fn the_dev_mailbox_is_for_signed_in_officers_only() {
    let app = TestApp::spawn_sqlite().await;
    let response = app
        .client
        .get(app.url("/api/v1/dev/mailbox"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_embedded_journey_invite_email_link_sign_up_onboarded_then_seed() {
    on_each_backend_with(
        |config| config.standin_seed_delay_ms = 50,
        |app| async move {
            let token = app.sign_in("jane_tan@tech.gov.sg").await;
            let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
            let email = emails_to(&app, &token, "lim@tech.gov.sg", 1)
                .await
                .remove(0);
            let link = email["links"][0].as_str().expect("link").to_owned();
            let jobs = outbox::of_invitation(&mut app.db(), &id).expect("jobs");
            let email_job = jobs
                .iter()
                .find(|j| j.kind == invite_core::api::DeliveryKind::Email)
                .expect("email job");
            assert_eq!(
                link,
                app.url(&format!("/accept/{}", email_job.id)),
                "our invitation link"
            );

            // Opening the link (as a mail scanner would) shows a page and changes nothing.
            let page = app.client.get(&link).send().await.expect("page");
            assert_eq!(page.status(), 200);
            let page = page.text().await.expect("html");
            assert!(page.contains("Continue to TechPass sign-up"), "{page}");
            assert!(page.contains("jane_tan@tech.gov.sg"), "{page}");
            let invitation = format!("/api/v1/invitations/{id}");
            assert_eq!(
                app.get_value(&invitation, &token).await["techpass_status"],
                "pending"
            );

            // Its button leads on to TechPass's (here the stand-in's) sign-up for this invitation.
            let onward = app.client.post(&link).send().await.expect("accept");
            assert_eq!(onward.status(), 303);
            let signup = onward.headers()["location"]
                .to_str()
                .expect("location")
                .to_owned();
            assert_eq!(
                signup,
                app.url(&format!("/dev/techpass/signup?reference={id}"))
            );
            let page = eventually("the sign-up page", || async {
                let response = app.client.get(&signup).send().await.expect("page");
                (response.status() == 200).then_some(response)
            })
            .await
            .text()
            .await
            .expect("html");
            assert!(page.contains("Create your TechPass account"), "{page}");

            // Only the button creates the account; TechPass then reports it, signed.
            let created = app
                .client
                .post(app.url("/dev/techpass/signup"))
                .form(&[
                    ("reference", id.as_str()),
                    ("first_name", "Lim"),
                    ("last_name", "Wei Ling"),
                ])
                .send()
                .await
                .expect("sign up");
            assert_eq!(created.status(), 200);
            assert!(
                created
                    .text()
                    .await
                    .expect("html")
                    .contains("account is active")
            );
            let onboarded = app.get_value(&invitation, &token).await;
            assert_eq!(onboarded["techpass_status"], "onboarded");
            assert_eq!(onboarded["last_name"], "Wei Ling");
            // SEED follows by itself.
            eventually("SEED to onboard", || async {
                (app.get_value(&invitation, &token).await["seed_status"] == "onboarded")
                    .then_some(())
            })
            .await;

            // The stand-in checks its token as TechPass would, and knows no other link.
            let anonymous = app
                .client
                .post(app.url("/dev/techpass/v1/invitations"))
                .json(&serde_json::json!({}))
                .send()
                .await
                .expect("request");
            assert_eq!(anonymous.status(), 401);
            let unknown = app
                .client
                .get(app.url(&format!(
                    "/dev/techpass/signup?reference={}",
                    uuid::Uuid::new_v4()
                )))
                .send()
                .await
                .expect("page");
            assert_eq!(unknown.status(), 404);
        },
    )
    .await;
}

#[tokio::test]
async fn the_stand_ins_are_off_when_the_real_upstreams_are_configured() {
    let server = crate::support::upstreams::accepting().await;
    let app = TestApp::spawn_sqlite_with(|config| {
        crate::support::upstreams::configure(config, &server.uri())
    })
    .await;
    // (A GET of another path is the SPA's: it serves its page for every path it does not know.)
    let page = app
        .client
        .get(app.url("/dev/techpass/signup?reference=x"))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 404);
    for path in [
        "/dev/techpass/signup",
        "/dev/techpass/v1/invitations",
        "/dev/techpass/v1/accounts",
        "/dev/seed/v1/provisioning-requests",
    ] {
        let post = app
            .client
            .post(app.url(path))
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("request");
        assert_eq!(post.status(), 404, "{path}");
    }
}
