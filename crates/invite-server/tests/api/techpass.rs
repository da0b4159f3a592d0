//! The TechPass gateway against wiremock: what it sends for officers and vendors, and how it
//! survives faults — a 5xx then success (delivered once, one idempotency key), a 429 with
//! `Retry-After`, a timeout, a permanent refusal (the invitation fails, with TechPass's words).

use chrono::Duration;
use invite_core::api::{DeliveryKind, JobState};
use invite_server::db::outbox::{self, JobRecord};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::store;
use crate::support::upstreams;
use crate::support::{TestApp, eventually, officer_invite, on_each_backend_with, vendor_invite};

/// The TechPass job of an invitation once `settled` holds.
async fn techpass_job(app: &TestApp, id: &str, settled: impl Fn(&JobRecord) -> bool) -> JobRecord {
    eventually("the TechPass job to settle", || async {
        let jobs = outbox::of_invitation(&mut app.db(), id).expect("jobs");
        jobs.into_iter()
            .find(|j| j.kind == DeliveryKind::Techpass)
            .filter(|j| settled(j))
    })
    .await
}

async fn mock_answering(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn officers_are_invited_and_vendors_get_an_account_with_their_username() {
    let server = upstreams::accepting().await;
    let uri = server.uri();
    on_each_backend_with(
        |config| upstreams::configure(config, &uri),
        |app| {
            let server = &server;
            async move {
                let token = app.sign_in("jane_tan@tech.gov.sg").await;
                let officer = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
                let vendor = app
                    .invite(&token, &vendor_invite("ah.kow@acme.com.sg", "Tan_Ah_Kow"))
                    .await;
                let officer_job = techpass_job(&app, &officer, |j| j.state == JobState::Done).await;
                techpass_job(&app, &vendor, |j| j.state == JobState::Done).await;

                let invitations = upstreams::received(server, "/v1/invitations").await;
                let (request, body) = invitations
                    .iter()
                    .find(|(_, b)| b["reference"] == officer.as_str())
                    .expect("the officer's invitation");
                assert_eq!(body["email"], "lim@tech.gov.sg");
                assert_eq!(body["invited_by"], "jane_tan@tech.gov.sg");
                assert_eq!(body["reason"], "Joins the platform team");
                let header = |name: &str| {
                    request
                        .headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                assert_eq!(
                    header("authorization"),
                    Some(format!("Bearer {}", upstreams::TECHPASS_TOKEN))
                );
                assert_eq!(
                    header("idempotency-key"),
                    Some(officer_job.id.clone()),
                    "the job id"
                );

                let accounts = upstreams::received(server, "/v1/accounts").await;
                let (_, account) = accounts
                    .iter()
                    .find(|(_, b)| b["reference"] == vendor.as_str())
                    .expect("the vendor's account");
                assert_eq!(account["username"], "Tan_Ah_Kow");
                assert_eq!(account["email"], "ah.kow@acme.com.sg");
                for field in ["first_name", "last_name", "contact_number", "organisation"] {
                    assert!(account[field].is_string(), "{field}: {account}");
                }
            }
        },
    )
    .await;
}

#[tokio::test]
async fn a_5xx_then_success_is_delivered_once_with_one_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/invitations"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let app =
        TestApp::spawn_sqlite_with(|config| upstreams::configure(config, &server.uri())).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;

    let failed = techpass_job(&app, &id, |j| j.last_error.is_some()).await;
    assert_eq!((failed.state, failed.attempts), (JobState::Pending, 1));
    assert_eq!(
        failed.last_error.as_deref(),
        Some("TechPass answered 503: maintenance")
    );
    store::make_jobs_due(&mut app.db(), &id);
    let done = techpass_job(&app, &id, |j| j.state == JobState::Done).await;
    assert_eq!(done.attempts, 2);

    let requests = upstreams::received(&server, "/v1/invitations").await;
    assert_eq!(requests.len(), 2, "one failure, one success");
    let keys: Vec<_> = requests
        .iter()
        .map(|(r, _)| r.headers.get("idempotency-key").cloned())
        .collect();
    assert_eq!(keys[0], keys[1], "a retry is the same request to TechPass");
    assert_eq!(
        app.get_value(&format!("/api/v1/invitations/{id}"), &token)
            .await["techpass_status"],
        "pending",
        "asked, not yet onboarded"
    );
}

#[tokio::test]
async fn a_429_is_retried_no_sooner_than_its_retry_after() {
    let server =
        mock_answering(ResponseTemplate::new(429).insert_header("Retry-After", "600")).await;
    let app =
        TestApp::spawn_sqlite_with(|config| upstreams::configure(config, &server.uri())).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let before = invite_server::db::now();
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let job = techpass_job(&app, &id, |j| j.last_error.is_some()).await;
    assert_eq!(job.state, JobState::Pending);
    assert!(
        job.run_after >= before + Duration::seconds(600),
        "not before TechPass said: {job:?}"
    );
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let server =
        mock_answering(ResponseTemplate::new(201).set_delay(std::time::Duration::from_secs(3)))
            .await;
    let app =
        TestApp::spawn_sqlite_with(|config| upstreams::configure(config, &server.uri())).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let job = techpass_job(&app, &id, |j| j.last_error.is_some()).await;
    assert_eq!((job.state, job.attempts), (JobState::Pending, 1));
    let error = job.last_error.unwrap_or_default();
    assert!(error.contains("did not answer in time"), "{error}");
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_invitation_with_techpass_words_and_bad_credentials_do_not() {
    let refusing = mock_answering(ResponseTemplate::new(422).set_body_json(serde_json::json!({
        "title": "Unprocessable", "detail": "This email already has a TechPass account."
    })))
    .await;
    let app =
        TestApp::spawn_sqlite_with(|config| upstreams::configure(config, &refusing.uri())).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let dead = techpass_job(&app, &id, |j| j.state == JobState::Dead).await;
    assert_eq!(dead.attempts, 1);
    let invitation: Value = app
        .get_value(&format!("/api/v1/invitations/{id}"), &token)
        .await;
    assert_eq!(invitation["techpass_status"], "failed");
    assert_eq!(
        invitation["failure_reason"],
        "TechPass did not accept the invitation: TechPass answered 422: This email already has a TechPass account."
    );

    // Our token refused: the operator's to fix; the invitation waits.
    let unauthorised = mock_answering(ResponseTemplate::new(401)).await;
    let app =
        TestApp::spawn_sqlite_with(|config| upstreams::configure(config, &unauthorised.uri()))
            .await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let waiting = techpass_job(&app, &id, |j| j.last_error.is_some()).await;
    assert_eq!(waiting.state, JobState::Pending);
    assert_eq!(
        app.get_value(&format!("/api/v1/invitations/{id}"), &token)
            .await["techpass_status"],
        "pending"
    );
}
