//! Email over SMTP, against a real SMTP server process (aiosmtpd, `support::smtp_sink`): what goes out,
//! STARTTLS with the relay's credentials, and what happens when the relay refuses, is busy, is
//! down or never answers.

use invite_core::api::{DeliveryKind, JobState};
use invite_server::Config;
use invite_server::config::{SmtpConfig, SmtpTls};
use invite_server::db::outbox::{self, JobRecord};

use crate::support::smtp_sink::{SinkOptions, SmtpSink};
use crate::support::store;
use crate::support::{TestApp, eventually, officer_invite};

fn relay(port: u16, tls: SmtpTls) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        tls,
        credentials: None,
        ca_file: None,
        timeout_secs: 2,
        pool_size: 2,
    }
}

async fn app_with_relay(smtp: SmtpConfig) -> TestApp {
    TestApp::spawn_sqlite_with(move |config: &mut Config| {
        config.email.smtp = Some(smtp);
        config.delivery.poll_ms = 100;
    })
    .await
}

/// The email job of an invitation, once `done` says it is settled the way the test expects.
async fn job_when(app: &TestApp, id: &str, done: impl Fn(&JobRecord) -> bool) -> JobRecord {
    eventually("the email job to settle", || async {
        let jobs = outbox::of_invitation(&mut app.db(), id).expect("jobs");
        let emails: Vec<&JobRecord> = jobs
            .iter()
            .filter(|j| j.kind == DeliveryKind::Email)
            .collect();
        assert_eq!(emails.len(), 1, "one email job per invitation");
        done(emails[0]).then(|| emails[0].clone())
    })
    .await
}

/// A message's header value, unfolded.
fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

#[tokio::test]
async fn an_invitation_goes_out_over_smtp_as_text_and_html_replying_to_the_officer() {
    let sink = SmtpSink::start(SinkOptions::default());
    let app = app_with_relay(relay(sink.port, SmtpTls::None)).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;

    let messages = sink.wait_for(1).await;
    let message = &messages[0];
    let job = job_when(&app, &id, |j| j.state == JobState::Done).await;
    assert_eq!(header(message, "To"), Some("lim@tech.gov.sg"));
    assert_eq!(header(message, "Reply-To"), Some("jane_tan@tech.gov.sg"));
    assert_eq!(
        header(message, "From"),
        Some("\"Invite Users\" <no-reply@invite-users.tech.gov.sg>")
    );
    assert_eq!(
        header(message, "Subject"),
        Some("You are invited to TechPass")
    );
    let message_id = format!("<{}@invite-users.tech.gov.sg>", job.id);
    assert_eq!(header(message, "Message-ID"), Some(message_id.as_str()));
    assert_eq!(header(message, "X-Test-TLS"), Some("no"));
    assert!(message.contains("multipart/alternative"), "{message}");
    assert!(message.contains("Content-Type: text/plain"), "{message}");
    assert!(message.contains("Content-Type: text/html"), "{message}");
    // Quoted-printable wraps long lines with a trailing `=`.
    let unwrapped = message.replace("=\r\n", "").replace("=\n", "");
    assert!(
        unwrapped.contains("jane_tan@tech.gov.sg has invited you"),
        "{unwrapped}"
    );
    assert!(
        unwrapped.contains("Why: Joins the platform team"),
        "{unwrapped}"
    );

    // With a relay configured there is no dev mailbox.
    let response = app.get("/api/v1/dev/mailbox", &token).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn starttls_is_required_and_the_relay_credentials_are_sent_over_it() {
    let sink = SmtpSink::start(SinkOptions {
        tls: true,
        login: Some(("invites", "s3cret-pass")),
        ..SinkOptions::default()
    });
    let app = app_with_relay(SmtpConfig {
        credentials: Some((
            "invites".into(),
            invite_server::config::Secret::new("s3cret-pass"),
        )),
        ca_file: Some(sink.ca_file()),
        ..relay(sink.port, SmtpTls::StartTls)
    })
    .await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;

    let messages = sink.wait_for(1).await;
    assert_eq!(header(&messages[0], "X-Test-TLS"), Some("yes"));
    assert_eq!(header(&messages[0], "X-Test-Login"), Some("invites"));
}

#[tokio::test]
async fn a_wrong_relay_password_keeps_the_email_waiting_instead_of_failing_the_invitation() {
    let sink = SmtpSink::start(SinkOptions {
        tls: true,
        login: Some(("invites", "s3cret-pass")),
        ..SinkOptions::default()
    });
    let app = app_with_relay(SmtpConfig {
        credentials: Some((
            "invites".into(),
            invite_server::config::Secret::new("wrong"),
        )),
        ca_file: Some(sink.ca_file()),
        ..relay(sink.port, SmtpTls::StartTls)
    })
    .await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;

    let job = job_when(&app, &id, |j| j.last_error.is_some()).await;
    assert_eq!(job.state, JobState::Pending, "{job:?}");
    let error = job.last_error.unwrap_or_default();
    assert!(error.contains("535"), "the relay's answer is kept: {error}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_refused_address_fails_for_good_and_a_busy_mailbox_is_tried_again() {
    let sink = SmtpSink::start(SinkOptions::default());
    let app = app_with_relay(relay(sink.port, SmtpTls::None)).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let refused = app
        .invite(&token, &officer_invite("refused.lim@tech.gov.sg"))
        .await;
    let busy = app
        .invite(&token, &officer_invite("busy.tan@tech.gov.sg"))
        .await;

    let dead = job_when(&app, &refused, |j| j.state == JobState::Dead).await;
    assert_eq!(dead.attempts, 1, "a permanent refusal is not retried");
    assert!(
        dead.last_error
            .as_deref()
            .unwrap_or_default()
            .contains("550"),
        "{dead:?}"
    );
    let waiting = job_when(&app, &busy, |j| j.last_error.is_some()).await;
    assert_eq!((waiting.state, waiting.attempts), (JobState::Pending, 1));
    assert!(
        waiting
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("451"),
        "{waiting:?}"
    );
    assert!(
        waiting.run_after > invite_server::db::now(),
        "retried after a backoff"
    );
    assert!(sink.messages().is_empty());

    // The officer sees the failure and why; the waiting one is still pending.
    let failed = app
        .get_value(&format!("/api/v1/invitations/{refused}"), &token)
        .await;
    assert_eq!(failed["techpass_status"], "failed");
    let reason = failed["failure_reason"].as_str().expect("a reason");
    assert!(
        reason.starts_with("The invitation email could not be delivered: the mail server answered")
            && reason.contains("No such mailbox here"),
        "{reason}"
    );
    assert_eq!(failed["can_resend"], false);
    assert!(failed["next_resend_at"].is_null());
    let pending = app
        .get_value(&format!("/api/v1/invitations/{busy}"), &token)
        .await;
    assert_eq!(pending["techpass_status"], "pending");
    assert!(pending["failure_reason"].is_null());

    // A failed invitation is not resent; the address is free for a new invitation.
    let resend = app
        .post_json(
            &format!("/api/v1/invitations/{refused}/resend"),
            &token,
            &serde_json::json!({}),
        )
        .await;
    let problem = crate::support::assert_problem(resend, 409).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("No such mailbox here"),
        "{problem}"
    );
    let again = app
        .create_invitation(&token, &officer_invite("refused.lim@tech.gov.sg"))
        .await;
    assert_eq!(again.status(), 201);
}

#[tokio::test]
async fn a_relay_that_is_down_is_retried_and_gets_the_email_once_it_is_back() {
    let port = SmtpSink::start(SinkOptions::default()).port; // started, then stopped: a free port
    let app = app_with_relay(relay(port, SmtpTls::None)).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let failed = job_when(&app, &id, |j| j.last_error.is_some()).await;
    assert_eq!((failed.state, failed.attempts), (JobState::Pending, 1));

    let sink = SmtpSink::start(SinkOptions {
        port: Some(port),
        ..SinkOptions::default()
    });
    store::make_jobs_due(&mut app.db(), &id);
    let done = job_when(&app, &id, |j| j.state == JobState::Done).await;
    assert_eq!(done.attempts, 2);
    assert_eq!(sink.wait_for(1).await.len(), 1, "sent once");
}

#[tokio::test]
async fn a_relay_that_never_answers_times_out_and_the_job_is_tried_again() {
    // Accepts connections and says nothing: no SMTP greeting ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("address").port();
    let app = app_with_relay(SmtpConfig {
        timeout_secs: 1,
        ..relay(port, SmtpTls::None)
    })
    .await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let job = job_when(&app, &id, |j| j.last_error.is_some()).await;
    assert_eq!((job.state, job.attempts), (JobState::Pending, 1));
    drop(silent);
}
