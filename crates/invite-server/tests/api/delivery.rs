//! Delivery through the outbox in the embedded default: the invitation email lands in the dev
//! mailbox, a resend sends another, and a replica with its worker switched off sends nothing.

use chrono::Duration;
use invite_core::api::JobState;
use invite_server::db::outbox;
use serde_json::Value;

use crate::helpers::{TestApp, eventually, officer_invite, on_each_backend, on_each_backend_with};

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
        crate::store::set_last_sent_at(
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
