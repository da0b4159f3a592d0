//! Several server processes on one database, and one that dies: jobs are delivered exactly once
//! between processes racing for them, and a job whose worker was killed (`kill -9` of a real
//! server process) mid-delivery is taken over when its lease ends, with nothing lost.

use std::collections::HashSet;

use futures_util::future::join_all;
use invite_core::api::{DeliveryKind, JobState};
use invite_server::db::outbox;
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::server_process::ServerProcess;
use crate::support::upstreams;
use crate::support::{eventually, officer_invite, on_each_backend_with};

const INVITEES: usize = 1000;

#[tokio::test]
async fn two_server_processes_deliver_a_thousand_invitations_each_exactly_once() {
    let server = upstreams::accepting().await;
    let uri = server.uri();
    // The test's own server only migrates and reads the database: the two processes deliver.
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| {
            let (server, uri) = (&server, &uri);
            async move {
                let processes = [
                    ServerProcess::start(&app.database_url, uri).await,
                    ServerProcess::start(&app.database_url, uri).await,
                ];
                let client = reqwest::Client::new();
                let mut tokens = Vec::new();
                for process in &processes {
                    tokens.push(process.sign_in(&client, "jane_tan@tech.gov.sg").await);
                }
                let tag = app.backend;
                // Created alternately through both processes, 50 at a time.
                for chunk in (0..INVITEES).collect::<Vec<_>>().chunks(50) {
                    join_all(chunk.iter().map(|&i| {
                        let (process, token) = (&processes[i % 2], &tokens[i % 2]);
                        let body = officer_invite(&format!("invitee{i}.{tag}@tech.gov.sg"));
                        let client = &client;
                        async move {
                            let response = client
                                .post(format!("{}/api/v1/invitations", process.address))
                                .bearer_auth(token)
                                .json(&body)
                                .send()
                                .await
                                .expect("create");
                            assert_eq!(response.status(), 201);
                        }
                    }))
                    .await;
                }
                eventually("every job delivered", || async {
                    let backlog =
                        outbox::backlog(&mut app.db(), invite_server::db::now()).expect("backlog");
                    (backlog.pending == 0).then_some(())
                })
                .await;

                let ours: Vec<(wiremock::Request, Value)> =
                    upstreams::received(server, "/v1/invitations")
                        .await
                        .into_iter()
                        .filter(|(_, body)| {
                            body["email"]
                                .as_str()
                                .is_some_and(|e| e.ends_with(&format!(".{tag}@tech.gov.sg")))
                        })
                        .collect();
                assert_eq!(
                    ours.len(),
                    INVITEES,
                    "one TechPass request per invitation on {tag}"
                );
                let keys: HashSet<_> = ours
                    .iter()
                    .map(|(r, _)| r.headers.get("idempotency-key").cloned())
                    .collect();
                let references: HashSet<_> = ours
                    .iter()
                    .map(|(_, body)| body["reference"].to_string())
                    .collect();
                assert_eq!((keys.len(), references.len()), (INVITEES, INVITEES));
                let done =
                    outbox::in_state(&mut app.db(), JobState::Done, None, 10_000).expect("done");
                assert_eq!(
                    done.len(),
                    2 * INVITEES,
                    "email and TechPass, each done once"
                );
                assert!(
                    done.iter().all(|j| j.attempts == 1),
                    "no job was attempted twice"
                );
                let owners: HashSet<_> = done.iter().map(|j| j.lease_owner.clone()).collect();
                assert_eq!(owners.len(), 2, "both processes delivered");
            }
        },
    )
    .await;
}

#[tokio::test]
async fn a_job_whose_server_was_killed_mid_delivery_resumes_after_its_lease() {
    // The test's own server has no worker: the process that gets killed is the only one
    // delivering until then.
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            {
                // TechPass (new for each backend) hangs on the first request: the server is
                // killed while it waits.
                let server = MockServer::start().await;
                Mock::given(method("POST"))
                    .and(wiremock::matchers::path("/v1/invitations"))
                    .respond_with(
                        ResponseTemplate::new(201).set_delay(std::time::Duration::from_secs(30)),
                    )
                    .up_to_n_times(1)
                    .mount(&server)
                    .await;
                Mock::given(method("POST"))
                    .respond_with(ResponseTemplate::new(201))
                    .mount(&server)
                    .await;
                let uri = server.uri();
                let (server, uri) = (&server, &uri);
                let client = reqwest::Client::new();
                let mut doomed = ServerProcess::start(&app.database_url, uri).await;
                let token = &doomed.sign_in(&client, "jane_tan@tech.gov.sg").await;
                let email = format!("lim.{}@tech.gov.sg", app.backend);
                let created: Value = client
                    .post(format!("{}/api/v1/invitations", doomed.address))
                    .bearer_auth(token)
                    .json(&officer_invite(&email))
                    .send()
                    .await
                    .expect("create")
                    .json()
                    .await
                    .expect("json");
                let id = created["id"].as_str().expect("id").to_owned();
                let requests_for = |id: String| async move {
                    upstreams::received(server, "/v1/invitations")
                        .await
                        .into_iter()
                        .filter(|(_, body)| body["reference"] == id.as_str())
                        .collect::<Vec<_>>()
                };
                eventually("TechPass to be called", || async {
                    (!requests_for(id.clone()).await.is_empty()).then_some(())
                })
                .await;
                doomed.kill();
                let before = outbox::of_invitation(&mut app.db(), &id).expect("jobs");
                let held = before
                    .iter()
                    .find(|j| j.kind == DeliveryKind::Techpass)
                    .expect("job");
                assert_eq!(
                    (held.state, held.attempts),
                    (JobState::Pending, 1),
                    "claimed by the dead process"
                );

                // A replica with a worker takes over once the dead one's lease has ended.
                let _survivor = app
                    .replica(|config| upstreams::configure(config, uri))
                    .await;
                let done = eventually("the job to be taken over and done", || async {
                    let jobs = outbox::of_invitation(&mut app.db(), &id).expect("jobs");
                    jobs.into_iter()
                        .find(|j| j.kind == DeliveryKind::Techpass && j.state == JobState::Done)
                })
                .await;
                assert_eq!(
                    done.attempts, 2,
                    "the killed attempt and the one that took over"
                );
                let requests = requests_for(id.clone()).await;
                assert_eq!(requests.len(), 2);
                let keys: HashSet<_> = requests
                    .iter()
                    .map(|(r, _)| r.headers.get("idempotency-key").cloned())
                    .collect();
                assert_eq!(
                    keys.len(),
                    1,
                    "the same key both times, so TechPass acts once"
                );
            }
        },
    )
    .await;
}
