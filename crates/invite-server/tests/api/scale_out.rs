//! Scale-out as deployed: two server processes on one PostgreSQL, driven alternately (what a
//! load balancer does), every rule that must hold across replicas held: one invitation per
//! email under racing creates and submits, the once-a-day resend, the sign-in rate limit, and
//! each delivery made once; then one replica is killed (`kill -9`) mid-delivery and the other
//! delivers what it held. PostgreSQL only: it is the way to scale out (a SQLite file belongs to
//! one server).

use std::collections::{BTreeMap, HashMap, HashSet};

use futures_util::future::join_all;
use invite_core::api::{DeliveryKind, JobState};
use invite_server::db::outbox;
use serde_json::{Value, json};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::server_process::ServerProcess;
use crate::support::upstreams;
use crate::support::{TestApp, eventually, officer_invite};

/// Alternates between the replicas, request by request.
struct Replicas {
    processes: Vec<ServerProcess>,
    tokens: Vec<String>,
    client: reqwest::Client,
}

impl Replicas {
    fn at(&self, i: usize) -> (&str, &str) {
        let n = i % self.processes.len();
        (&self.processes[n].address, &self.tokens[n])
    }

    async fn post(&self, i: usize, path: &str, body: Value) -> reqwest::Response {
        let (address, token) = self.at(i);
        self.client
            .post(format!("{address}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("request")
    }
}

fn row(email: &str) -> Value {
    json!({
        "user_type": "public_officer", "email": email, "first_name": null, "last_name": null,
        "contact_number": null, "organisation": null, "department": null,
        "techpass_username": null, "seed_required": false, "reason": "Joins the platform team",
    })
}

async fn counts(responses: impl IntoIterator<Item = reqwest::Response>) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for response in responses {
        *counts.entry(response.status().as_u16()).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn two_replicas_on_postgresql_hold_every_rule_and_lose_nothing_when_one_is_killed() {
    // The test's own server only migrates the database and reads it.
    let Some(app) =
        TestApp::spawn_postgres_reached(str::to_owned, |config| config.delivery.worker = false)
            .await
    else {
        return;
    };
    // TechPass takes half a second per invitation, so that deliveries are in flight when a
    // replica is killed.
    let techpass = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/users/lookup"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "existing": [] })))
        .mount(&techpass)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(std::time::Duration::from_millis(500)))
        .mount(&techpass)
        .await;
    let uri = techpass.uri();
    let settings = [
        // Each replica's limits are off but the sign-in's, which both must share.
        ("INVITES_RATE_CREATE_PER_MIN", "0"),
        ("INVITES_RATE_UPLOAD_PER_MIN", "0"),
        ("INVITES_RATE_SUBMIT_PER_MIN", "0"),
        ("INVITES_RATE_SIGN_IN_PER_MIN", "6"),
        ("INVITES_DELIVERY_LEASE_SECS", "2"),
    ];
    let mut replicas = Replicas {
        processes: vec![
            ServerProcess::start_with(&app.database_url, &uri, &settings).await,
            ServerProcess::start_with(&app.database_url, &uri, &settings).await,
        ],
        tokens: Vec::new(),
        client: reqwest::Client::new(),
    };
    for process in &replicas.processes {
        let token = process
            .sign_in(&replicas.client, "jane_tan@tech.gov.sg")
            .await;
        replicas.tokens.push(token);
    }

    // The sign-in limit (6 a minute per client address) is one allowance for both replicas:
    // 2 used above, 4 more pass alternately, the next is refused whichever replica gets it.
    let mut sign_ins = Vec::new();
    for i in 0..6 {
        let (address, _) = replicas.at(i);
        sign_ins.push(
            replicas
                .client
                .post(format!("{address}/api/v1/auth/dev-login"))
                .json(&json!({ "email": "ng_bee@tech.gov.sg" }))
                .send()
                .await
                .expect("sign in")
                .status()
                .as_u16(),
        );
    }
    assert_eq!(sign_ins, [200, 200, 200, 200, 429, 429], "sign-ins in turn");

    // Twenty creates of one email, racing through both replicas: one invitation.
    let creates = join_all((0..20).map(|i| {
        replicas.post(
            i,
            "/api/v1/invitations",
            officer_invite("raced@tech.gov.sg"),
        )
    }))
    .await;
    assert_eq!(
        counts(creates).await,
        BTreeMap::from([(201, 1), (409, 19)]),
        "racing creates"
    );

    // Two batches sharing 30 of their 60 emails each, staged on one replica each and submitted
    // at once, each through both replicas: every email invited once.
    let mut batch_ids = Vec::new();
    for (b, range) in [(0usize, 0..60), (1, 30..90)] {
        let rows: Vec<Value> = range
            .map(|n| row(&format!("batch{n}@tech.gov.sg")))
            .collect();
        let staged = replicas
            .post(
                b,
                "/api/v1/batches",
                json!({"name": format!("batch {b}"), "rows": rows}),
            )
            .await;
        assert_eq!(staged.status(), 201);
        let staged: Value = staged.json().await.expect("json");
        batch_ids.push(staged["id"].as_str().expect("id").to_owned());
    }
    let replicas_ref = &replicas;
    let submits = join_all((0..4).map(|i| {
        let path = format!("/api/v1/batches/{}/submit", batch_ids[i / 2]);
        async move { replicas_ref.post(i, &path, json!({})).await }
    }))
    .await;
    assert!(submits.iter().all(|r| r.status() == 200), "submits");

    // The once-a-day resend, asked ten times through both replicas: one resend.
    let created = replicas
        .post(
            0,
            "/api/v1/invitations",
            officer_invite("resent@tech.gov.sg"),
        )
        .await;
    let created: Value = created.json().await.expect("json");
    let resent_id = created["id"].as_str().expect("id").to_owned();
    crate::support::store::set_last_sent_at(
        &mut app.db(),
        &resent_id,
        invite_server::db::now() - chrono::Duration::hours(30),
    );
    let path = format!("/api/v1/invitations/{resent_id}/resend");
    let resends = join_all((0..10).map(|i| replicas.post(i, &path, json!({})))).await;
    assert_eq!(
        counts(resends).await,
        BTreeMap::from([(202, 1), (429, 9)]),
        "resends across replicas"
    );

    // In the database: one invitation per email, 1 + 90 + 1.
    #[derive(diesel::QueryableByName)]
    struct Invited {
        #[diesel(sql_type = diesel::sql_types::Text)]
        email: String,
    }
    let invited: Vec<Invited> = diesel::RunQueryDsl::load(
        diesel::sql_query("SELECT email FROM invitations"),
        &mut app.db(),
    )
    .expect("invitations");
    let mut per_email: HashMap<String, usize> = HashMap::new();
    for i in &invited {
        *per_email.entry(i.email.clone()).or_default() += 1;
    }
    assert_eq!(per_email.len(), 92, "emails invited");
    assert!(
        per_email.values().all(|n| *n == 1),
        "an email invited twice"
    );

    // One replica dies while it holds jobs it is delivering; the other delivers them once
    // their lease ends.
    let doomed = format!("-{}-", replicas.processes[0].pid());
    eventually("the first replica holding jobs", || async {
        let now = invite_server::db::now();
        let pending =
            outbox::in_state(&mut app.db(), JobState::Pending, None, 10_000).expect("pending");
        pending
            .iter()
            .any(|j| {
                j.run_after > now
                    && j.lease_owner
                        .as_deref()
                        .is_some_and(|o| o.contains(&doomed))
            })
            .then_some(())
    })
    .await;
    replicas.processes[0].kill();
    eventually("every job delivered by the survivor", || async {
        let backlog = outbox::backlog(&mut app.db(), invite_server::db::now()).expect("backlog");
        (backlog.pending == 0).then_some(())
    })
    .await;
    let done = outbox::in_state(&mut app.db(), JobState::Done, None, 10_000).expect("done");
    let techpass_jobs: HashSet<&str> = done
        .iter()
        .filter(|j| j.kind == DeliveryKind::Techpass)
        .map(|j| j.invitation_id.as_str())
        .collect();
    assert_eq!(
        techpass_jobs.len(),
        92,
        "a TechPass job done per invitation"
    );
    // TechPass heard of each invitation, under one idempotency key each (a request cut off by
    // the kill may be sent again, with the same key: TechPass answers it once).
    let requests = upstreams::received(&techpass, "/v1/invitations").await;
    let mut keys_per_reference: HashMap<String, HashSet<String>> = HashMap::new();
    for (request, body) in &requests {
        keys_per_reference
            .entry(body["reference"].as_str().unwrap_or_default().to_owned())
            .or_default()
            .insert(
                request
                    .headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned(),
            );
    }
    assert_eq!(
        keys_per_reference.len(),
        92,
        "every invitation reached TechPass"
    );
    assert!(
        keys_per_reference.values().all(|keys| keys.len() == 1),
        "one idempotency key per invitation"
    );
}
