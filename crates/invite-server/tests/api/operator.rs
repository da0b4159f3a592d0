//! The operator API (`/api/v1/operator/delivery`): the backlog, dead jobs with their reasons,
//! paging, retrying a dead job (its invitation pending again, the email sent), and who may.

use invite_core::api::{DeliveryKind, JobState, SeedStatus, TechpassStatus};
use invite_server::Config;
use invite_server::config::{SmtpConfig, SmtpTls};
use serde_json::{Value, json};

use crate::support::smtp_sink::{SinkOptions, SmtpSink};
use crate::support::{TestApp, assert_problem, eventually, officer_invite, on_each_backend_with};

const OPERATOR: &str = "ops_lead@tech.gov.sg";

/// A relay on `port` that gets one attempt per job, and `OPERATOR` as the operator.
fn settings(port: u16) -> impl Fn(&mut Config) {
    move |config: &mut Config| {
        config.email.smtp = Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: SmtpTls::None,
            credentials: None,
            ca_file: None,
            timeout_secs: 2,
            pool_size: 1,
        });
        // One attempt: a relay that is down kills the job at once.
        config.delivery.max_attempts = 1;
        config.delivery.poll_ms = 100;
        config.operators = vec![OPERATOR.to_uppercase()];
    }
}

async fn dead_jobs(app: &TestApp, token: &str, query: &str) -> Value {
    app.get_value(&format!("/api/v1/operator/delivery/jobs{query}"), token)
        .await
}

async fn invitation(app: &TestApp, token: &str, id: &str) -> Value {
    app.get_value(&format!("/api/v1/invitations/{id}"), token)
        .await
}

async fn retry(app: &TestApp, token: &str, job_id: &str) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/operator/delivery/jobs/{job_id}/retry"),
        token,
        &json!({}),
    )
    .await
}

#[tokio::test]
async fn a_dead_job_is_listed_with_its_reason_and_an_operator_retry_delivers_it() {
    let port = SmtpSink::start(SinkOptions::default()).port; // a relay that is down
    on_each_backend_with(settings(port), |app| async move {
        let officer = app.sign_in("jane_tan@tech.gov.sg").await;
        let ops = app.sign_in(OPERATOR).await;
        let id = app
            .invite(&officer, &officer_invite("lim@tech.gov.sg"))
            .await;

        let failed = eventually("the invitation to fail", || async {
            let it = invitation(&app, &officer, &id).await;
            (it["techpass_status"] == "failed").then_some(it)
        })
        .await;
        let reason = failed["failure_reason"].as_str().unwrap_or_default();
        assert!(
            reason.starts_with("The invitation email could not be delivered after 1 attempt: "),
            "{reason}"
        );

        let backlog = app.get_value("/api/v1/operator/delivery", &ops).await;
        assert_eq!(
            (&backlog["pending"], &backlog["due"], &backlog["dead"]),
            (&json!(0), &json!(0), &json!(1)),
            "{backlog}"
        );
        let page = dead_jobs(&app, &ops, "").await;
        let job = &page["items"][0];
        assert_eq!(
            (job["kind"].as_str(), job["state"].as_str()),
            (Some("email"), Some("dead"))
        );
        assert_eq!(job["invitation_id"], id.as_str());
        assert!(
            job["last_error"].as_str().is_some_and(|e| !e.is_empty()),
            "{job}"
        );
        assert!(page["next_cursor"].is_null());
        let job_id = job["id"].as_str().expect("id").to_owned();

        // The relay is back; the operator retries.
        let sink = SmtpSink::start(SinkOptions {
            port: Some(port),
            ..SinkOptions::default()
        });
        let retried = retry(&app, &ops, &job_id).await;
        assert_eq!(retried.status(), 200);
        let retried: Value = retried.json().await.expect("json");
        assert_eq!(
            (retried["state"].as_str(), &retried["attempts"]),
            (Some("pending"), &json!(0))
        );
        let pending = invitation(&app, &officer, &id).await;
        assert_eq!(pending["techpass_status"], "pending");
        assert!(pending["failure_reason"].is_null());
        assert_eq!(sink.wait_for(1).await.len(), 1);
        let emails = eventually("the email job to be done", || async {
            let jobs = invite_server::db::outbox::of_invitation(&mut app.db(), &id).expect("jobs");
            let emails: Vec<_> = jobs
                .into_iter()
                .filter(|j| j.kind == DeliveryKind::Email)
                .collect();
            emails
                .iter()
                .all(|j| j.state == JobState::Done)
                .then_some(emails)
        })
        .await;
        assert_eq!(emails.len(), 1, "the retry is the same job, not a new one");

        // Only a dead job can be retried.
        assert_problem(retry(&app, &ops, &job_id).await, 409).await;
        let unknown = uuid::Uuid::new_v4();
        assert_problem(retry(&app, &ops, &unknown.to_string()).await, 404).await;
    })
    .await;
}

#[tokio::test]
async fn a_retry_that_would_invite_someone_twice_is_refused_and_changes_nothing() {
    let sink = SmtpSink::start(SinkOptions::default());
    on_each_backend_with(settings(sink.port), |app| async move {
        let officer = app.sign_in("jane_tan@tech.gov.sg").await;
        let ops = app.sign_in(OPERATOR).await;
        let first = app
            .invite(&officer, &officer_invite("refused.lim@tech.gov.sg"))
            .await;
        eventually("the first invitation to fail", || async {
            (invitation(&app, &officer, &first).await["techpass_status"] == "failed").then_some(())
        })
        .await;
        // The address is free again, so the officer invites it again; that one fails too.
        let second = app
            .invite(&officer, &officer_invite("refused.lim@tech.gov.sg"))
            .await;
        eventually("the second invitation to fail", || async {
            (invitation(&app, &officer, &second).await["techpass_status"] == "failed").then_some(())
        })
        .await;

        // Two dead jobs, one per page.
        let page1 = dead_jobs(&app, &ops, "?limit=1").await;
        let cursor = page1["next_cursor"]
            .as_str()
            .expect("a second page")
            .to_owned();
        let page2 = dead_jobs(&app, &ops, &format!("?limit=1&cursor={cursor}")).await;
        assert!(page2["next_cursor"].is_null());
        let first_job = page1["items"][0]["id"].as_str().expect("id").to_owned();
        assert_eq!(
            page1["items"][0]["invitation_id"],
            first.as_str(),
            "oldest first"
        );
        assert_eq!(page2["items"][0]["invitation_id"], second.as_str());

        // The second invitation is live again (as if an onboarding had been reported for it), so
        // reopening the first would make two live invitations for one address: refused.
        crate::support::store::set_statuses(
            &mut app.db(),
            &second,
            TechpassStatus::Pending,
            SeedStatus::Pending,
        );
        let problem = assert_problem(retry(&app, &ops, &first_job).await, 409).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("invited again"),
            "{problem}"
        );
        assert_eq!(
            invitation(&app, &officer, &first).await["techpass_status"],
            "failed"
        );
        let still_dead = dead_jobs(&app, &ops, "").await;
        assert!(
            still_dead["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|j| j["id"] == first_job.as_str()),
            "the refused retry left the job dead: {still_dead}"
        );
    })
    .await;
}

#[tokio::test]
async fn only_listed_operators_see_the_outbox_and_bad_queries_are_400() {
    let app = TestApp::spawn_sqlite_with(|config| {
        config.operators = vec![OPERATOR.into()];
    })
    .await;
    let officer = app.sign_in("jane_tan@tech.gov.sg").await;
    let ops = app.sign_in(OPERATOR).await;
    let job = uuid::Uuid::new_v4().to_string();
    for path in [
        "/api/v1/operator/delivery",
        "/api/v1/operator/delivery/jobs",
    ] {
        assert_problem(app.get(path, &officer).await, 403).await;
        let anonymous = app.client.get(app.url(path)).send().await.expect("request");
        assert_eq!(anonymous.status(), 401);
    }
    assert_problem(retry(&app, &officer, &job).await, 403).await;
    for query in ["?state=buried", "?limit=0", "?limit=201", "?cursor=garbage"] {
        let response = app
            .get(&format!("/api/v1/operator/delivery/jobs{query}"), &ops)
            .await;
        assert_problem(response, 400).await;
    }
    let pending = dead_jobs(&app, &ops, "?state=pending").await;
    assert_eq!(pending["items"], json!([]));
}
