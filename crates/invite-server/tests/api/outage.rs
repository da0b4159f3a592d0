//! The database goes away and comes back: requests and the readiness probe answer 503 at once
//! (not after the pool's checkout timeout), with `Retry-After`; nothing stored before is lost,
//! nothing refused is half-stored, and the server recovers by itself.
//!
//! PostgreSQL is reached through a TCP proxy of the test's own that can refuse connections (its
//! listener closed, every forwarded connection cut) and take them again on the same port: the
//! server sees what it would see if PostgreSQL were restarted or firewalled.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::support::{TestApp, eventually, json_of, officer_invite};

// Several threads: the proxy's tasks must run while the server's start-up blocks its thread
// on the pool's first connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_readiness_fail_fast_while_postgres_is_away_and_recover_by_themselves() {
    let Some(upstream) = crate::support::postgres_url().map(|url| host_port(&url)) else {
        return; // PostgreSQL only: SQLite is a file in the server's own process.
    };
    let proxy = Proxy::start(&upstream).await;
    let port = proxy.port;
    let Some(app) = TestApp::spawn_postgres_reached(
        |url| url.replacen(&upstream, &format!("127.0.0.1:{port}"), 1),
        |config| config.database_checkout_timeout = Duration::from_millis(1000),
    )
    .await
    else {
        return;
    };
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let before = app
        .invite(&token, &officer_invite("before.outage@tech.gov.sg"))
        .await;
    delivered(&app, &token, &before).await;
    assert_eq!(ready(&app).await.0, 200);

    proxy.cut();

    // The first request to find the database away waits at most the checkout timeout...
    let (status, retry_after, took) = ready(&app).await;
    assert_eq!((status, retry_after.as_deref()), (503, Some("1")));
    assert!(took < Duration::from_secs(2), "readiness took {took:?}");
    // ...and from then on the answer is immediate, for the probe and for every request.
    let (status, _, took) = ready(&app).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_millis(500), "readiness took {took:?}");
    let started = Instant::now();
    let refused = app
        .create_invitation(&token, &officer_invite("during.outage@tech.gov.sg"))
        .await;
    let took = started.elapsed();
    assert_eq!(refused.headers()["retry-after"], "1");
    let problem = crate::support::assert_problem(refused, 503).await;
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("database")),
        "{problem}"
    );
    assert!(
        took < Duration::from_millis(500),
        "the create took {took:?}"
    );

    proxy.restore().await;

    eventually("readiness after the database is back", || async {
        (ready(&app).await.0 == 200).then_some(())
    })
    .await;
    let after = app
        .invite(&token, &officer_invite("after.outage@tech.gov.sg"))
        .await;
    let listed = json_of(app.get("/api/v1/invitations?limit=50", &token).await).await;
    let emails: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["email"].as_str())
        .collect();
    assert_eq!(emails.len(), 2, "{listed}");
    assert!(emails.contains(&"before.outage@tech.gov.sg"));
    assert!(emails.contains(&"after.outage@tech.gov.sg"));
    // The worker, refused during the outage, delivers again.
    delivered(&app, &token, &after).await;
}

/// Waits until the invitation's email went out (its registration link's deadline starts then).
async fn delivered(app: &TestApp, token: &str, id: &str) {
    eventually("the invitation email sent", || async {
        let invitation = json_of(app.get(&format!("/api/v1/invitations/{id}"), token).await).await;
        invitation["expires_at"].is_string().then_some(())
    })
    .await;
}

/// `GET /readyz`: status, `Retry-After`, and how long it took.
async fn ready(app: &TestApp) -> (u16, Option<String>, Duration) {
    let started = Instant::now();
    let response = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("readyz");
    let took = started.elapsed();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (response.status().as_u16(), retry_after, took)
}

/// `host:port` of a PostgreSQL URL (`postgres://user@host:port/db`).
fn host_port(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or(after_scheme);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

/// A TCP forwarder to `upstream` on a fixed local port that can stop accepting (and cut what it
/// forwards) and start again.
struct Proxy {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let proxy = Proxy {
            port: listener.local_addr().expect("address").port(),
            upstream: upstream.to_owned(),
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream.clone(), Arc::clone(&self.tasks));
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let forward = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().expect("tasks").push(forward);
            }
        });
        self.tasks.lock().expect("tasks").push(accepting);
    }

    /// Closes the listener and every forwarded connection: new connections are refused.
    fn cut(&self) {
        for task in self.tasks.lock().expect("tasks").drain(..) {
            task.abort();
        }
    }

    /// Listens on the same port again.
    async fn restore(&self) {
        let listener = eventually("the proxy's port to be free again", || async {
            TcpListener::bind(("127.0.0.1", self.port)).await.ok()
        })
        .await;
        self.serve(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}
