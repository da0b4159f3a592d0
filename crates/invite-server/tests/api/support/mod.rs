//! Test harness: each test gets the real server on port 0 with a fresh database — a new SQLite
//! file always, and a new PostgreSQL database too when `TEST_DATABASE_URL` is set. The
//! submodules are the suite's other support: fixtures per feature, the real SMTP server, the
//! upstreams' mocks, server processes, the log capture and direct database access.

pub mod batches;
pub mod log_capture;
pub mod server_process;
pub mod smtp_sink;
pub mod store;
pub mod upstreams;

use std::collections::BTreeMap;
use std::future::Future;

use diesel::RunQueryDsl;
use invite_server::{Application, Config};
use serde_json::{Value, json};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub backend: &'static str,
    pub database_url: String,
    _database: DatabaseGuard,
}

/// Drops the per-test PostgreSQL database (SQLite files live in a temp dir and are removed).
pub enum DatabaseGuard {
    Sqlite(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// A replica's: the first server's guard owns the database.
    Shared,
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        match self {
            DatabaseGuard::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            DatabaseGuard::Shared => {}
            DatabaseGuard::Postgres { admin_url, name } => {
                if let Ok(mut conn) = invite_server::db::establish_postgres(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn);
                }
            }
        }
    }
}

/// The PostgreSQL server URL, when the suite should also run there.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

fn sqlite_database() -> (String, DatabaseGuard) {
    let dir = std::env::temp_dir().join(format!(
        "invite-users-test-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("test.db").display());
    (url, DatabaseGuard::Sqlite(dir))
}

pub fn postgres_database(admin_url: &str) -> (String, DatabaseGuard) {
    let name = format!("invite_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = invite_server::db::establish_postgres(admin_url)
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create database");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    let url = format!("{base}/{name}");
    (
        url,
        DatabaseGuard::Postgres {
            admin_url: admin_url.to_owned(),
            name,
        },
    )
}

impl TestApp {
    pub async fn spawn_sqlite() -> TestApp {
        Self::spawn_with(sqlite_database(), "sqlite", |_| {}).await
    }

    pub async fn spawn_sqlite_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_with(sqlite_database(), "sqlite", configure).await
    }

    async fn spawn_with(
        (url, guard): (String, DatabaseGuard),
        backend: &'static str,
        configure: impl FnOnce(&mut Config),
    ) -> TestApp {
        log_capture::install();
        let mut config = Config::for_database(url.clone());
        config.database_pool_size = 4;
        config.spa_dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist");
        configure(&mut config);
        let app = Application::build(config).await.expect("server starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // Below the server's keep-alive (75 s), as a client pool should be: a pooled
                // connection is dropped before the server could close it under a request.
                .pool_idle_timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("client"),
            backend,
            database_url: url,
            _database: guard,
        }
    }

    /// A server on a fresh PostgreSQL database that it reaches at the URL `reach` makes of the
    /// database's own (through a proxy, say); `None` when the suite runs without PostgreSQL.
    pub async fn spawn_postgres_reached(
        reach: impl FnOnce(&str) -> String,
        configure: impl FnOnce(&mut Config),
    ) -> Option<TestApp> {
        let (url, guard) = postgres_database(&postgres_url()?);
        Some(Self::spawn_with((reach(&url), guard), "postgres", configure).await)
    }

    /// A second server on this one's database: another replica, with its own pool, worker and
    /// (dev) mailbox.
    pub async fn replica(&self, configure: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_with(
            (self.database_url.clone(), DatabaseGuard::Shared),
            self.backend,
            configure,
        )
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Signs in with the built-in sign-in and returns the bearer token.
    pub async fn sign_in(&self, email: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/v1/auth/dev-login"))
            .json(&json!({ "email": email }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "sign-in of {email}");
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// `GET path` and its JSON body (any status: assert it separately where it matters).
    pub async fn get_value(&self, path: &str, token: &str) -> Value {
        json_of(self.get(path, token).await).await
    }

    /// `POST path` with a JSON body, and the JSON body of the answer.
    pub async fn post_value(&self, path: &str, token: &str, body: &Value) -> Value {
        json_of(self.post_json(path, token, body).await).await
    }

    pub async fn put_json(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// `PUT path` with a JSON body, and the JSON body of the answer.
    pub async fn put_value(&self, path: &str, token: &str, body: &Value) -> Value {
        json_of(self.put_json(path, token, body).await).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Creates an invitation that must succeed, and returns its id.
    pub async fn invite(&self, token: &str, body: &Value) -> String {
        let response = self.create_invitation(token, body).await;
        assert_eq!(response.status(), 201, "create {body}");
        let created = json_of(response).await;
        created["id"].as_str().expect("id").to_owned()
    }

    pub async fn create_invitation(&self, token: &str, body: &Value) -> reqwest::Response {
        self.post_json("/api/v1/invitations", token, body).await
    }

    /// A direct database connection, to arrange states the API cannot (time, upstream status).
    pub fn db(&self) -> invite_server::db::DbConnection {
        use r2d2::ManageConnection;
        invite_server::db::ConnectionManager::new(&self.database_url)
            .connect()
            .expect("db connection")
    }
}

/// Sends `requests` at once; how many answered each status.
pub async fn status_counts(
    requests: impl IntoIterator<Item = impl Future<Output = reqwest::Response>>,
) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for response in futures_util::future::join_all(requests).await {
        *counts.entry(response.status().as_u16()).or_default() += 1;
    }
    counts
}

/// A response's JSON body; panics with the status when it is not JSON.
pub async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{status}: body is not JSON: {e}"))
}

/// Runs `test` against SQLite, then against PostgreSQL when `TEST_DATABASE_URL` is set.
pub async fn on_each_backend<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    on_each_backend_with(|_| {}, test).await;
}

/// [`on_each_backend`] with a changed configuration.
pub async fn on_each_backend_with<F, Fut>(configure: impl Fn(&mut Config), test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    test(TestApp::spawn_with(sqlite_database(), "sqlite", &configure).await).await;
    if let Some(url) = postgres_url() {
        test(TestApp::spawn_with(postgres_database(&url), "postgres", &configure).await).await;
    }
}

/// Polls `probe` every 50 ms until it returns `Some`, for at most 10 s (then panics with
/// `what`): for work the server does in the background, such as delivery.
pub async fn eventually<T, Fut>(what: &str, probe: impl Fn() -> Fut) -> T
where
    Fut: Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub fn officer_invite(email: &str) -> Value {
    json!({ "user_type": "public_officer", "email": email, "seed_required": true, "reason": "Joins the platform team" })
}

pub fn vendor_invite(email: &str, username: &str) -> Value {
    json!({
        "user_type": "vendor", "email": email, "techpass_username": username,
        "first_name": "Ah Kow", "last_name": "Tan", "contact_number": "+65 9123 4567",
        "organisation": "ACME Pte Ltd", "department": null, "seed_required": false,
        "reason": "Builds the booking system"
    })
}

/// Asserts an RFC 9457 problem with the given status, whose trace id matches `X-Trace-Id`.
pub async fn assert_problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let header_trace = response
        .headers()
        .get("x-trace-id")
        .and_then(|v| v.to_str().ok())
        .expect("X-Trace-Id")
        .to_owned();
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["status"], status);
    assert_eq!(body["trace_id"], header_trace.as_str());
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("https://")),
        "type: {body}"
    );
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        body["support_email"]
            .as_str()
            .is_some_and(|t| t.contains('@'))
    );
    body
}

pub fn error_codes(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_owned(),
                        e["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
