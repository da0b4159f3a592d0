//! What every response carries and every request is held to: security headers and the
//! Content-Security-Policy of each kind of page, 405 with `Allow`, CORS, the built-in sign-in
//! refused through a proxy, and the request deadline.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{TestApp, assert_problem, officer_invite};

const BOOT_SCRIPT: &str = "import init from '/pkg/frontend.js'; init();";

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// One directive of a policy (`script-src …`), without its name.
fn directive(policy: &str, name: &str) -> String {
    policy
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name).map(|rest| rest.trim().to_owned()))
        .unwrap_or_else(|| panic!("{name} missing from {policy}"))
}

/// A server whose SPA is a start page with one inline module script.
async fn app_with_spa(configure: impl FnOnce(&mut invite_server::Config)) -> TestApp {
    let dir = std::env::temp_dir().join(format!("invite-spa-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("spa dir");
    std::fs::write(
        dir.join("index.html"),
        format!("<!doctype html><html><head><script type=\"module\">{BOOT_SCRIPT}</script></head></html>"),
    )
    .expect("index");
    TestApp::spawn_sqlite_with(|config| {
        config.spa_dir = dir;
        configure(config);
    })
    .await
}

fn assert_common(response: &reqwest::Response, what: &str) {
    assert_eq!(
        header(response, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(response, "referrer-policy"), "no-referrer", "{what}");
    let policy = header(response, "content-security-policy");
    assert_eq!(directive(&policy, "frame-ancestors"), "'none'", "{what}");
    assert_eq!(directive(&policy, "base-uri"), "'none'", "{what}");
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none(),
        "{what}: no HSTS unless asked for"
    );
}

#[tokio::test]
async fn api_answers_are_never_cached_and_allow_no_content_to_run() {
    let app = app_with_spa(|_| {}).await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    for (what, response) in [
        ("me", app.get("/api/v1/me", &token).await),
        ("unknown", app.get("/api/v1/nothing", &token).await),
        ("unauthorized", app.get("/api/v1/invitations", "nope").await),
    ] {
        assert_common(&response, what);
        assert_eq!(header(&response, "cache-control"), "no-store", "{what}");
        let policy = header(&response, "content-security-policy");
        assert_eq!(directive(&policy, "default-src"), "'none'", "{what}");
        assert!(!policy.contains("script-src"), "{what}: {policy}");
    }
}

#[tokio::test]
async fn the_spa_may_run_its_wasm_and_its_boot_script_only() {
    let app = app_with_spa(|_| {}).await;
    for path in ["/", "/invite/status"] {
        let response = app.client.get(app.url(path)).send().await.expect("page");
        assert_eq!(response.status(), 200, "{path}");
        assert_common(&response, path);
        let policy = header(&response, "content-security-policy");
        let scripts = directive(&policy, "script-src");
        assert_eq!(
            scripts,
            format!("'self' 'wasm-unsafe-eval' {}", csp_hash(BOOT_SCRIPT)),
            "{path}"
        );
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(directive(&policy, "connect-src"), "'self'");
        assert_eq!(directive(&policy, "default-src"), "'none'");
    }
}

#[tokio::test]
async fn the_spa_may_call_the_identity_provider_and_the_origins_it_is_told() {
    let app = app_with_spa(|config| {
        config.oidc = Some(invite_server::config::OidcConfig::new(
            "https://id.agency.gov.sg/realms/officers".into(),
            "invite-users".into(),
        ));
        config.http.csp_connect_src = vec!["https://token.agency.gov.sg".into()];
        config.http.hsts = true;
    })
    .await;
    let response = app.client.get(app.url("/")).send().await.expect("page");
    let policy = header(&response, "content-security-policy");
    assert_eq!(
        directive(&policy, "connect-src"),
        "'self' https://id.agency.gov.sg https://token.agency.gov.sg"
    );
    assert_eq!(
        header(&response, "strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn server_pages_allow_exactly_their_own_stylesheet_and_swagger_its_files() {
    let app = app_with_spa(|_| {}).await;
    let page = app
        .client
        .get(app.url(&format!("/accept/{}", uuid::Uuid::new_v4())))
        .send()
        .await
        .expect("page");
    assert_common(&page, "accept page");
    let policy = header(&page, "content-security-policy");
    let html = page.text().await.expect("html");
    let style = html
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map(|(style, _)| style)
        .expect("the page has its stylesheet");
    assert_eq!(directive(&policy, "style-src"), csp_hash(style));
    assert!(!policy.contains("script-src"), "{policy}");
    // The accept form posts here, then redirects to TechPass's sign-up (the stand-in: here).
    assert_eq!(
        directive(&policy, "form-action"),
        format!("'self' {}", app.address)
    );

    let docs = app
        .client
        .get(app.url("/swagger-ui/"))
        .send()
        .await
        .expect("docs");
    assert_eq!(docs.status(), 200);
    assert_common(&docs, "swagger");
    let policy = header(&docs, "content-security-policy");
    assert_eq!(directive(&policy, "script-src"), "'self'");
    let html = docs.text().await.expect("html");
    assert!(
        !html.contains("<script>") && !html.contains("<script type"),
        "Swagger UI's page has no inline script the policy would block"
    );
}

#[tokio::test]
async fn a_known_path_answers_405_with_allow_for_other_methods() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let id = uuid::Uuid::new_v4();
    for (method, path, allow) in [
        ("DELETE", "/api/v1/invitations".to_owned(), "GET, POST"),
        ("PUT", "/api/v1/invitations".to_owned(), "GET, POST"),
        ("PATCH", format!("/api/v1/invitations/{id}"), "GET"),
        ("GET", format!("/api/v1/invitations/{id}/resend"), "POST"),
        ("POST", "/healthz".to_owned(), "GET"),
        ("OPTIONS", "/api/v1/batches".to_owned(), "GET, POST"),
        ("DELETE", "/api/v1/me".to_owned(), "GET"),
    ] {
        let response = app
            .client
            .request(method.parse().expect("method"), app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert_eq!(header(&response, "allow"), allow, "{method} {path}");
        let problem = assert_problem(response, 405).await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains(allow)),
            "{problem}"
        );
    }
    // An unknown path stays a 404 whatever the method.
    let response = app
        .client
        .delete(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .expect("request");
    assert_problem(response, 404).await;
}

#[tokio::test]
async fn cors_is_closed_unless_an_origin_is_configured() {
    let closed = TestApp::spawn_sqlite().await;
    let preflight = |app: &TestApp, origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/invitations"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let response = preflight(&closed, "https://portal.agency.gov.sg")
        .await
        .expect("preflight");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let open = TestApp::spawn_sqlite_with(|config| {
        config.http.cors_origins = vec!["https://portal.agency.gov.sg".into()];
    })
    .await;
    let response = preflight(&open, "https://portal.agency.gov.sg")
        .await
        .expect("preflight");
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        "https://portal.agency.gov.sg"
    );
    assert!(
        header(&response, "access-control-allow-headers").contains("authorization"),
        "{:?}",
        response.headers()
    );
    assert!(
        response
            .headers()
            .get("access-control-allow-credentials")
            .is_none(),
        "bearer tokens, never cookies"
    );
    let other = preflight(&open, "https://evil.example")
        .await
        .expect("preflight");
    assert!(other.headers().get("access-control-allow-origin").is_none());

    // The SPA's own calls carry `Origin` too, and still work.
    let token = open.sign_in("jane@tech.gov.sg").await;
    let own = open
        .client
        .post(open.url("/api/v1/invitations"))
        .header("Origin", &open.address)
        .bearer_auth(&token)
        .json(&officer_invite("a@tech.gov.sg"))
        .send()
        .await
        .expect("create");
    assert_eq!(own.status(), 201);
    let listed = open
        .client
        .get(open.url("/api/v1/me"))
        .header("Origin", "https://portal.agency.gov.sg")
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(listed.status(), 200);
    assert_eq!(
        header(&listed, "access-control-allow-origin"),
        "https://portal.agency.gov.sg"
    );
    assert!(header(&listed, "access-control-expose-headers").contains("x-trace-id"));
}

#[tokio::test]
async fn the_built_in_sign_in_refuses_requests_through_a_proxy() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let key = app
        .post_json("/api/v1/api-keys", &token, &json!({ "name": "HR system" }))
        .await;
    assert_eq!(key.status(), 201);
    let key: serde_json::Value = key.json().await.expect("key");
    let key = key["secret"].as_str().expect("secret").to_owned();
    for (name, value) in [
        ("X-Forwarded-For", "203.0.113.7"),
        ("Forwarded", "for=203.0.113.7;proto=https"),
        ("X-Real-IP", "203.0.113.7"),
    ] {
        let sign_in = app
            .client
            .post(app.url("/api/v1/auth/dev-login"))
            .header(name, value)
            .json(&json!({ "email": "mallory@tech.gov.sg" }))
            .send()
            .await
            .expect("sign-in");
        let problem = assert_problem(sign_in, 403).await;
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("proxy")),
            "{problem}"
        );
        let borrowed = app
            .client
            .get(app.url("/api/v1/me"))
            .header(name, value)
            .bearer_auth(&token)
            .send()
            .await
            .expect("me");
        assert_problem(borrowed, 403).await;
        // API keys are not the built-in sign-in: they work through a proxy.
        let with_key = app
            .client
            .get(app.url("/api/v1/invitations"))
            .header(name, value)
            .bearer_auth(&key)
            .send()
            .await
            .expect("list");
        assert_eq!(with_key.status(), 200, "{name}");
    }
}

#[tokio::test]
async fn a_request_that_trickles_its_body_is_stopped_at_the_deadline() {
    let app = TestApp::spawn_sqlite_with(|config| {
        config.http.request_timeout = Duration::from_secs(1);
    })
    .await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1/invitations HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{{\"email\":"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // The rest of the body never comes; the server answers when the deadline passes.
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buffer[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server answered within 10 s");
    let answer = String::from_utf8_lossy(&answer).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("/problems/request-timeout"), "{answer}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the deadline"
    );
    // Nothing was created.
    let list = app.get("/api/v1/invitations", &token).await;
    let list: serde_json::Value = list.json().await.expect("list");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
}

/// Asks `GET /healthz` on `stream` after `idle`, keeping the connection; the answer's status
/// line.
async fn health_after(
    stream: &mut tokio::net::TcpStream,
    idle: Duration,
) -> std::io::Result<String> {
    tokio::time::sleep(idle).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // `/healthz` answers "ok".
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") || !answer.ends_with(b"ok") {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        answer.extend_from_slice(&buffer[..n]);
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    Ok(answer.lines().next().unwrap_or_default().to_owned())
}

/// A connection to `app` that has answered one request, then `idle` and a second one.
async fn answering_twice(app: &TestApp, idle: Duration) -> tokio::net::TcpStream {
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    for wait in [Duration::ZERO, idle] {
        let status = health_after(&mut stream, wait).await;
        assert_eq!(
            status.as_deref().ok(),
            Some("HTTP/1.1 200 OK"),
            "after {wait:?} idle: {status:?}"
        );
    }
    stream
}

/// A connection idle for longer than actix's own default keep-alive (5 s) still takes the next
/// request: a client's pooled connection is not closed under a request it is writing (the
/// test suite's uploads failed with a broken pipe on a slow machine that way).
#[tokio::test]
async fn an_idle_connection_is_kept_longer_than_client_pools_expect() {
    let app = TestApp::spawn_sqlite().await;
    answering_twice(&app, Duration::from_secs(6)).await;
}

/// `INVITES_KEEP_ALIVE_SECS` bounds how long an idle connection is kept: within it the
/// connection answers, past it the server closes it.
#[tokio::test]
async fn an_idle_connection_is_closed_after_the_configured_keep_alive() {
    let app = TestApp::spawn_sqlite_with(|config| {
        config.http.keep_alive = Duration::from_secs(2);
    })
    .await;
    let mut stream = answering_twice(&app, Duration::from_millis(500)).await;
    let mut buffer = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buffer)).await;
    assert!(
        matches!(closed, Ok(Ok(0) | Err(_))),
        "the server closed the idle connection: {closed:?}"
    );
}
