//! SIGTERM (what a container runtime or a rolling deploy sends): the server stops taking
//! connections, answers the requests in flight, lets the deliveries it started finish and
//! records them, and hands the jobs it had claimed but not started back at once, so another
//! replica delivers them now rather than when the lease (a minute here) ends. Nothing is sent
//! twice, nothing is lost.

use std::time::Duration;

use invite_core::api::{DeliveryKind, JobState};
use invite_server::db::outbox;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::server_process::ServerProcess;
use crate::support::upstreams;
use crate::support::{eventually, officer_invite, on_each_backend_with};

const INVITEES: usize = 40;

#[tokio::test]
async fn sigterm_answers_requests_in_flight_finishes_deliveries_and_hands_back_the_rest() {
    // The test's own server only migrates and reads the database.
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            // TechPass answers slowly: "already on TechPass?" in 1 s (within the lookup's
            // 1.5 s), each invitation request in 2 s.
            let techpass = MockServer::start().await;
            Mock::given(method("POST"))
                .and(path("/v1/users/lookup"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(serde_json::json!({ "existing": [] }))
                        .set_delay(Duration::from_secs(1)),
                )
                .mount(&techpass)
                .await;
            Mock::given(method("POST"))
                .and(path("/v1/invitations"))
                .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(2)))
                .mount(&techpass)
                .await;
            let uri = techpass.uri();
            let long_lease = [("INVITES_DELIVERY_LEASE_SECS", "60")];
            // The invitations are made first (by the test's own server, which has no worker),
            // so that the stopping process's first round claims every job at once: more
            // TechPass jobs than it delivers at a time (32), so some wait unstarted.
            let token = app.sign_in("jane_tan@tech.gov.sg").await;
            let tag = app.backend;
            for i in 0..INVITEES {
                app.invite(
                    &token,
                    &officer_invite(&format!("stop{i}.{tag}@tech.gov.sg")),
                )
                .await;
            }
            let mut stopping =
                ServerProcess::start_with(&app.database_url, &uri, &long_lease).await;
            let client = reqwest::Client::new();
            let token = stopping.sign_in(&client, "jane_tan@tech.gov.sg").await;
            upstreams::until_received(
                &techpass,
                "/v1/invitations",
                "deliveries to TechPass in flight",
            )
            .await;

            // A request in flight when SIGTERM arrives (its lookup takes 1 s) is answered.
            let late = tokio::spawn({
                let (client, token, address) =
                    (client.clone(), token.clone(), stopping.address.clone());
                async move {
                    client
                        .post(format!("{address}/api/v1/invitations"))
                        .bearer_auth(token)
                        .json(&officer_invite(&format!("late.{tag}@tech.gov.sg")))
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                }
            });
            tokio::time::sleep(Duration::from_millis(300)).await;
            let exit = stopping.terminate(Duration::from_secs(20));
            assert!(exit.success(), "exit status {exit:?}");
            assert_eq!(late.await.expect("joined").expect("answered"), 201);

            let jobs = outbox::in_state(&mut app.db(), JobState::Pending, None, 10_000)
                .expect("pending")
                .into_iter()
                .chain(outbox::in_state(&mut app.db(), JobState::Done, None, 10_000).expect("done"))
                .filter(|j| j.kind == DeliveryKind::Techpass)
                .collect::<Vec<_>>();
            assert_eq!(jobs.len(), INVITEES + 1, "one TechPass job per invitation");
            let now = invite_server::db::now();
            let still_leased: Vec<_> = jobs
                .iter()
                .filter(|j| j.state == JobState::Pending && j.run_after > now)
                .collect();
            assert!(
                still_leased.is_empty(),
                "jobs still leased by a stopped process: {still_leased:?}"
            );
            let handed_back = jobs
                .iter()
                .filter(|j| j.state == JobState::Pending && j.lease_owner.is_some())
                .count();
            assert!(
                handed_back > 0,
                "the stopping worker had claimed jobs it did not start"
            );
            assert!(
                jobs.iter()
                    .filter(|j| j.state == JobState::Pending)
                    .all(|j| j.attempts == 0),
                "a job handed back was never attempted"
            );
            // Every request TechPass received was recorded as delivered: none was cut off.
            let done = jobs.iter().filter(|j| j.state == JobState::Done).count();
            assert!(done > 0);
            assert_eq!(
                upstreams::received(&techpass, "/v1/invitations")
                    .await
                    .len(),
                done,
                "every delivery the stopped process started, finished and recorded"
            );

            // Another replica delivers the rest now, not a minute later when the lease ends.
            let _next = ServerProcess::start_with(&app.database_url, &uri, &long_lease).await;
            eventually("the rest delivered by the next replica", || async {
                let backlog =
                    outbox::backlog(&mut app.db(), invite_server::db::now()).expect("backlog");
                (backlog.pending == 0).then_some(())
            })
            .await;
            let requests = upstreams::received(&techpass, "/v1/invitations").await;
            let references: std::collections::HashSet<String> = requests
                .iter()
                .map(|(_, body)| body["reference"].to_string())
                .collect();
            assert_eq!(
                (requests.len(), references.len()),
                (INVITEES + 1, INVITEES + 1),
                "each invitation requested of TechPass exactly once"
            );
        },
    )
    .await;
}
