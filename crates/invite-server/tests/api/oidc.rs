//! OpenID Connect mode: bearer JWTs from a provider (wiremock serving discovery and a JWKS with
//! a key pair generated here) are verified for issuer, audience, expiry and signature.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use std::time::Duration;

use invite_server::config::OidcConfig;

use crate::support::{TestApp, assert_problem};

const CLIENT_ID: &str = "invite-users-spa";

struct Key {
    kid: String,
    pkcs8: Vec<u8>,
    public: Vec<u8>,
}

impl Key {
    fn generate(kid: &str) -> Key {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
            .expect("key")
            .as_ref()
            .to_vec();
        let public = Ed25519KeyPair::from_pkcs8(&pkcs8)
            .expect("pair")
            .public_key()
            .as_ref()
            .to_vec();
        Key {
            kid: kid.to_owned(),
            pkcs8,
            public,
        }
    }

    fn jwk(&self) -> Value {
        json!({ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": self.kid, "x": URL_SAFE_NO_PAD.encode(&self.public) })
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&self.pkcs8)).expect("sign")
    }
}

async fn mount_provider(server: &MockServer, keys: &[&Key]) {
    let jwks: Vec<Value> = keys.iter().map(|k| k.jwk()).collect();
    mount_discovery_with(
        server,
        ResponseTemplate::new(200).set_body_json(json!({ "keys": jwks })),
    )
    .await;
}

fn claims(issuer: &str, email: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "iss": issuer, "aud": CLIENT_ID, "sub": "user-1", "email": email, "email_verified": true, "iat": now, "exp": now + 600 })
}

async fn spawn(provider: &MockServer) -> TestApp {
    spawn_with_refresh_floor(provider, OidcConfig::DEFAULT_KEY_REFRESH_FLOOR).await
}

async fn spawn_with_refresh_floor(provider: &MockServer, floor: Duration) -> TestApp {
    let issuer = provider.uri();
    TestApp::spawn_sqlite_with(|config| {
        config.oidc = Some(OidcConfig {
            key_refresh_floor: floor,
            ..OidcConfig::new(issuer, CLIENT_ID.into())
        });
    })
    .await
}

async fn jwks_fetches(provider: &MockServer) -> usize {
    requests_to(provider, "/jwks").await
}

#[tokio::test]
async fn a_valid_provider_token_signs_the_officer_in_and_dev_login_is_gone() {
    let provider = MockServer::start().await;
    let key = Key::generate("k1");
    mount_provider(&provider, &[&key]).await;
    let app = spawn(&provider).await;

    let token = key.sign(&claims(&provider.uri(), "Jane@Tech.gov.sg"));
    let me: Value = app.get_value("/api/v1/me", &token).await;
    assert_eq!(me["email"], "jane@tech.gov.sg");

    let dev = app
        .client
        .post(app.url("/api/v1/auth/dev-login"))
        .json(&json!({"email": "jane@tech.gov.sg"}))
        .send()
        .await
        .expect("r");
    assert_problem(dev, 404).await;
    let config: Value = app
        .client
        .get(app.url("/api/v1/auth/config"))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("json");
    assert_eq!(config["mode"], "oidc");
    assert_eq!(config["client_id"], CLIENT_ID);
    assert_eq!(
        config["token_endpoint"],
        format!("{}/token", provider.uri())
    );
}

#[tokio::test]
async fn tokens_with_wrong_issuer_audience_expiry_signature_or_email_are_401() {
    let provider = MockServer::start().await;
    let key = Key::generate("k1");
    let impostor = Key::generate("k1");
    mount_provider(&provider, &[&key]).await;
    let app = spawn(&provider).await;
    let issuer = provider.uri();

    let mut wrong_issuer = claims(&issuer, "jane@tech.gov.sg");
    wrong_issuer["iss"] = json!("https://evil.example.com");
    let mut wrong_audience = claims(&issuer, "jane@tech.gov.sg");
    wrong_audience["aud"] = json!("another-app");
    let mut expired = claims(&issuer, "jane@tech.gov.sg");
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 3600);
    let mut unverified = claims(&issuer, "jane@tech.gov.sg");
    unverified["email_verified"] = json!(false);
    let mut not_yet = claims(&issuer, "jane@tech.gov.sg");
    not_yet["nbf"] = json!(chrono::Utc::now().timestamp() + 3600);
    let mut no_email = claims(&issuer, "jane@tech.gov.sg");
    no_email.as_object_mut().expect("object").remove("email");
    let cases = [
        ("wrong issuer", key.sign(&wrong_issuer)),
        ("wrong audience", key.sign(&wrong_audience)),
        ("expired", key.sign(&expired)),
        ("no email", key.sign(&no_email)),
        ("unverified email", key.sign(&unverified)),
        ("not valid before an hour from now", key.sign(&not_yet)),
        (
            "vendor email",
            key.sign(&claims(&issuer, "ah.kow@acme.com.sg")),
        ),
        (
            "signed by another key with the same kid",
            impostor.sign(&claims(&issuer, "jane@tech.gov.sg")),
        ),
        ("HS256 with the public key as secret", {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some("k1".into());
            jsonwebtoken::encode(
                &header,
                &claims(&issuer, "jane@tech.gov.sg"),
                &EncodingKey::from_secret(&key.public),
            )
            .expect("sign")
        }),
    ];
    for (name, token) in cases {
        let response = app.get("/api/v1/me", &token).await;
        assert_eq!(response.status(), 401, "{name}");
        assert_problem(response, 401).await;
    }
}

#[tokio::test]
async fn a_rotated_key_is_fetched_when_a_token_names_an_unknown_kid() {
    let provider = MockServer::start().await;
    let old = Key::generate("old");
    let new = Key::generate("new");
    mount_provider(&provider, &[&old]).await;
    // No refresh floor, so the test need not wait one out (the next test holds the floor).
    let app = spawn_with_refresh_floor(&provider, Duration::ZERO).await;
    let issuer = provider.uri();
    assert_eq!(
        app.get(
            "/api/v1/me",
            &old.sign(&claims(&issuer, "jane@tech.gov.sg"))
        )
        .await
        .status(),
        200
    );

    // The provider rotates; the server has only the old key cached.
    mount_provider(&provider, &[&old, &new]).await;
    assert_eq!(
        app.get(
            "/api/v1/me",
            &new.sign(&claims(&issuer, "jane@tech.gov.sg"))
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        jwks_fetches(&provider).await,
        1,
        "re-fetched exactly once after rotation"
    );
}

#[tokio::test]
async fn unknown_key_ids_within_the_refresh_floor_do_not_reach_the_provider() {
    let provider = MockServer::start().await;
    let old = Key::generate("old");
    mount_provider(&provider, &[&old]).await;
    let app = spawn_with_refresh_floor(&provider, Duration::from_secs(3600)).await;
    let issuer = provider.uri();
    let signed_in = app
        .get(
            "/api/v1/me",
            &old.sign(&claims(&issuer, "jane@tech.gov.sg")),
        )
        .await;
    assert_eq!(signed_in.status(), 200);
    assert_eq!(
        jwks_fetches(&provider).await,
        1,
        "the first token fetched the keys"
    );

    // Twenty tokens naming keys the provider never published: refused, and no fetch at all.
    for n in 0..20 {
        let forged = Key::generate(&format!("forged-{n}"));
        let response = app
            .get(
                "/api/v1/me",
                &forged.sign(&claims(&issuer, "jane@tech.gov.sg")),
            )
            .await;
        assert_problem(response, 401).await;
    }
    assert_eq!(jwks_fetches(&provider).await, 1, "the floor held");
}

/// A `kid` is the caller's choice, and the refusal names it: in text logs it is escaped, so it
/// cannot start a forged line.
#[tokio::test]
async fn a_chosen_kid_is_escaped_in_the_logs() {
    let provider = MockServer::start().await;
    let known = Key::generate("known");
    mount_provider(&provider, &[&known]).await;
    let app = spawn_with_refresh_floor(&provider, Duration::ZERO).await;
    let forged = "kid-7f3a\n2026-12-03T00:00:00.000000Z ERROR invite_server: forged-by-kid";
    let attacker = Key::generate(forged);
    let token = attacker.sign(&claims(&provider.uri(), "jane@tech.gov.sg"));
    assert_problem(app.get("/api/v1/me", &token).await, 401).await;
    let logs = crate::support::log_capture::captured();
    assert!(
        logs.contains(r"unknown key kid-7f3a\n2026-12-03T00:00:00.000000Z ERROR"),
        "the refusal is logged, escaped"
    );
    assert!(
        !logs
            .lines()
            .any(|line| line.contains("forged-by-kid") && !line.contains("kid-7f3a")),
        "no line of its own"
    );
}

/// The device rule reads the claim the server names from the provider's token.
#[tokio::test]
async fn the_device_rule_reads_the_providers_claim() {
    let provider = MockServer::start().await;
    let key = Key::generate("k1");
    mount_provider(&provider, &[&key]).await;
    let issuer = provider.uri();
    let app = TestApp::spawn_sqlite_with(|config| {
        config.oidc = Some(OidcConfig::new(issuer.clone(), CLIENT_ID.into()));
        config.device_policy = invite_server::config::DevicePolicy {
            claim: Some("gsib_class".into()),
            allowed: vec!["non_se_gsib".into()],
        };
    })
    .await;
    let token = |device: Value| {
        let mut claims = claims(&issuer, "jane@tech.gov.sg");
        claims["gsib_class"] = device;
        key.sign(&claims)
    };
    let invite = crate::support::officer_invite("kim@tech.gov.sg");
    let se = token(json!("se_gsib"));
    let me = app.get_value("/api/v1/me", &se).await;
    assert_eq!(me["can_invite"], false, "{me}");
    assert_problem(app.create_invitation(&se, &invite).await, 403).await;
    // An array claim counts by its first text.
    let allowed = token(json!(["non_se_gsib"]));
    assert_eq!(app.create_invitation(&allowed, &invite).await.status(), 201);
    // No claim at all: the rule cannot be met.
    let silent = key.sign(&claims(&issuer, "jane@tech.gov.sg"));
    let problem = assert_problem(app.create_invitation(&silent, &invite).await, 403).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("did not say"),
        "{problem}"
    );
}

async fn requests_to(provider: &MockServer, route: &str) -> usize {
    provider
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == route)
        .count()
}

/// Mounts discovery, and a JWKS answered by `jwks`.
async fn mount_discovery_with(provider: &MockServer, jwks: ResponseTemplate) {
    provider.reset().await;
    let issuer = provider.uri();
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": issuer, "jwks_uri": format!("{issuer}/jwks"),
            "authorization_endpoint": format!("{issuer}/authorize"), "token_endpoint": format!("{issuer}/token"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
        })))
        .mount(provider)
        .await;
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(jwks)
        .mount(provider)
        .await;
}

#[tokio::test]
async fn tokens_naming_unknown_keys_at_once_fetch_the_keys_once() {
    let provider = MockServer::start().await;
    let known = Key::generate("known");
    // A slow JWKS: every request below arrives while the first fetch is under way.
    let jwks = ResponseTemplate::new(200)
        .set_body_json(json!({ "keys": [known.jwk()] }))
        .set_delay(Duration::from_millis(300));
    mount_discovery_with(&provider, jwks).await;
    // No refresh floor: only the single flight keeps the requests from fetching each.
    let app = spawn_with_refresh_floor(&provider, Duration::ZERO).await;
    let stranger = Key::generate("stranger");
    let token = stranger.sign(&claims(&provider.uri(), "jane@tech.gov.sg"));
    let answers =
        futures_util::future::join_all((0..20).map(|_| app.get("/api/v1/me", &token))).await;
    for answer in answers {
        assert_eq!(answer.status(), 401);
    }
    assert_eq!(
        requests_to(&provider, "/jwks").await,
        1,
        "one fetch for twenty requests"
    );
}

#[tokio::test]
async fn a_failing_key_endpoint_is_backed_off_not_hammered() {
    let provider = MockServer::start().await;
    mount_discovery_with(&provider, ResponseTemplate::new(500)).await;
    let app = spawn_with_refresh_floor(&provider, Duration::ZERO).await;
    let key = Key::generate("k1");
    let token = key.sign(&claims(&provider.uri(), "jane@tech.gov.sg"));
    for _ in 0..5 {
        assert_problem(app.get("/api/v1/me", &token).await, 503).await;
    }
    assert_eq!(
        requests_to(&provider, "/jwks").await,
        1,
        "backed off after the failure"
    );
    // After the back-off (1 s) the provider is asked again, and recovers.
    mount_discovery_with(
        &provider,
        ResponseTemplate::new(200).set_body_json(json!({ "keys": [key.jwk()] })),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
}

#[tokio::test]
async fn an_oversized_key_set_is_not_read() {
    let provider = MockServer::start().await;
    let key = Key::generate("k1");
    let padding = "x".repeat(2 * 1024 * 1024);
    let jwks = ResponseTemplate::new(200)
        .set_body_json(json!({ "keys": [key.jwk()], "padding": padding }));
    mount_discovery_with(&provider, jwks).await;
    let app = spawn_with_refresh_floor(&provider, Duration::ZERO).await;
    let token = key.sign(&claims(&provider.uri(), "jane@tech.gov.sg"));
    let problem = assert_problem(app.get("/api/v1/me", &token).await, 503).await;
    assert!(
        problem["type"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/unavailable"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_failed_discovery_is_remembered_for_a_few_seconds() {
    let provider = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&provider)
        .await;
    let app = spawn_with_refresh_floor(&provider, Duration::ZERO).await;
    let key = Key::generate("k1");
    let token = key.sign(&claims(&provider.uri(), "jane@tech.gov.sg"));
    for _ in 0..5 {
        assert_problem(app.get("/api/v1/me", &token).await, 503).await;
    }
    assert_eq!(
        requests_to(&provider, "/.well-known/openid-configuration").await,
        1,
        "asked once, not per request"
    );
}

/// Officers are the provider's (issuer, subject): a renamed address stays the same officer; an
/// address another subject's officer holds is not taken over; the first sign-in of an officer
/// known by email binds their subject.
#[tokio::test]
async fn an_officer_is_the_providers_subject_not_their_email() {
    let provider = MockServer::start().await;
    let key = Key::generate("k1");
    mount_provider(&provider, &[&key]).await;
    let app = spawn(&provider).await;
    let issuer = provider.uri();
    let token = |subject: &str, email: &str| {
        let mut claims = claims(&issuer, email);
        claims["sub"] = json!(subject);
        key.sign(&claims)
    };
    let jane = app
        .get_value("/api/v1/me", &token("sub-jane", "jane@tech.gov.sg"))
        .await;
    // Renamed at the provider: the same officer, with the new address.
    let renamed = app
        .get_value("/api/v1/me", &token("sub-jane", "jane.tan@tech.gov.sg"))
        .await;
    assert_eq!(renamed["id"], jane["id"], "{renamed}");
    assert_eq!(renamed["email"], "jane.tan@tech.gov.sg");
    // Someone else (another subject) with Jane's address is not Jane.
    let borrowed = app
        .get("/api/v1/me", &token("sub-mallory", "jane.tan@tech.gov.sg"))
        .await;
    assert_problem(borrowed, 403).await;
    // A token without a subject is no identity.
    let mut no_subject = claims(&issuer, "kim@tech.gov.sg");
    no_subject.as_object_mut().expect("claims").remove("sub");
    assert_problem(app.get("/api/v1/me", &key.sign(&no_subject)).await, 401).await;
    // Another subject, another address: another officer.
    let kim = app
        .get_value("/api/v1/me", &token("sub-kim", "kim@tech.gov.sg"))
        .await;
    assert_ne!(kim["id"], jane["id"]);
    // An officer known by email before subjects were kept is bound at their first sign-in.
    let lee = invite_server::db::officers::find_or_create(&mut app.db(), "lee@tech.gov.sg")
        .expect("officer");
    let signed_in = app
        .get_value("/api/v1/me", &token("sub-lee", "lee@tech.gov.sg"))
        .await;
    assert_eq!(signed_in["id"], lee.id.as_str());
    assert_problem(
        app.get("/api/v1/me", &token("sub-other", "lee@tech.gov.sg"))
            .await,
        403,
    )
    .await;
}

/// A token for several audiences is this client's only when `azp` says so; a token whose
/// `azp` names another client is not this client's whatever its audiences.
#[tokio::test]
async fn a_token_issued_to_another_client_is_refused() {
    let provider = MockServer::start().await;
    let key = Key::generate("k1");
    mount_provider(&provider, &[&key]).await;
    let app = spawn(&provider).await;
    let with = |aud: Value, azp: Option<&str>| {
        let mut claims = claims(&provider.uri(), "jane@tech.gov.sg");
        claims["aud"] = aud;
        if let Some(azp) = azp {
            claims["azp"] = json!(azp);
        }
        key.sign(&claims)
    };
    let both = json!([CLIENT_ID, "reporting-app"]);
    assert_problem(app.get("/api/v1/me", &with(both.clone(), None)).await, 401).await;
    assert_problem(
        app.get("/api/v1/me", &with(both.clone(), Some("reporting-app")))
            .await,
        401,
    )
    .await;
    assert_eq!(
        app.get("/api/v1/me", &with(both, Some(CLIENT_ID)))
            .await
            .status(),
        200
    );
    assert_problem(
        app.get("/api/v1/me", &with(json!(CLIENT_ID), Some("reporting-app")))
            .await,
        401,
    )
    .await;
}

/// An address is an identity only when the provider vouches for it: `email_verified` must be
/// true, unless the server is told the provider issues only verified addresses.
#[tokio::test]
async fn an_email_the_provider_does_not_vouch_for_is_no_identity() {
    let provider = MockServer::start().await;
    let key = Key::generate("k1");
    mount_provider(&provider, &[&key]).await;
    let mut silent = claims(&provider.uri(), "jane@tech.gov.sg");
    silent
        .as_object_mut()
        .expect("claims")
        .remove("email_verified");
    let silent = key.sign(&silent);
    let strict = spawn(&provider).await;
    assert_problem(strict.get("/api/v1/me", &silent).await, 401).await;
    let issuer = provider.uri();
    let trusting = TestApp::spawn_sqlite_with(|config| {
        config.oidc = Some(OidcConfig {
            emails_always_verified: true,
            ..OidcConfig::new(issuer, CLIENT_ID.into())
        });
    })
    .await;
    assert_eq!(trusting.get("/api/v1/me", &silent).await.status(), 200);
    // An explicit false is refused either way.
    let mut unverified = claims(&provider.uri(), "jane@tech.gov.sg");
    unverified["email_verified"] = json!(false);
    assert_problem(
        trusting.get("/api/v1/me", &key.sign(&unverified)).await,
        401,
    )
    .await;
}

async fn mount_userinfo(provider: &MockServer, access_token: &str, answer: Value) {
    Mock::given(method("GET"))
        .and(path("/userinfo"))
        .and(wiremock::matchers::header(
            "authorization",
            format!("Bearer {access_token}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(provider)
        .await;
}

async fn session(app: &TestApp, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/oidc-session"))
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// A spec-conformant provider answers the `email` scope from UserInfo, not in the ID token:
/// the sign-in asks UserInfo with the access token, holds it to the ID token's subject and
/// nonce, and answers the server's own session token (which works behind a proxy).
#[tokio::test]
async fn a_provider_that_answers_the_email_from_userinfo_only_signs_in() {
    const SECRET: &str = "oidc-session-secret-of-32-bytes-or-more";
    let provider = MockServer::start().await;
    let key = Key::generate("k1");
    mount_provider(&provider, &[&key]).await;
    let jane = json!({ "sub": "user-1", "email": "jane@tech.gov.sg", "email_verified": true });
    mount_userinfo(&provider, "at-jane", jane).await;
    mount_userinfo(
        &provider,
        "at-other",
        json!({ "sub": "user-2", "email": "bob@tech.gov.sg", "email_verified": true }),
    )
    .await;
    let issuer = provider.uri();
    let app = TestApp::spawn_sqlite_with(|config| {
        config.oidc = Some(OidcConfig::new(issuer.clone(), CLIENT_ID.into()));
        config.token_secret = invite_server::config::Secret::new(SECRET);
    })
    .await;
    // The ID token names the subject and the nonce, not the address.
    let mut claims = claims(&issuer, "unused@tech.gov.sg");
    let object = claims.as_object_mut().expect("claims");
    object.remove("email");
    object.remove("email_verified");
    claims["nonce"] = json!("n-1");
    let id_token = key.sign(&claims);

    let signed_in = session(
        &app,
        json!({ "id_token": id_token, "access_token": "at-jane", "nonce": "n-1" }),
    )
    .await;
    assert_eq!(signed_in.status(), 200);
    let signed_in: Value = signed_in.json().await.expect("json");
    assert_eq!(signed_in["officer"]["email"], "jane@tech.gov.sg");
    let token = signed_in["token"].as_str().expect("token");
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200, "the session works behind a proxy");

    for (what, body) in [
        (
            "another nonce",
            json!({ "id_token": id_token, "access_token": "at-jane", "nonce": "n-2" }),
        ),
        ("no access token", json!({ "id_token": id_token })),
        (
            "UserInfo of another subject",
            json!({ "id_token": id_token, "access_token": "at-other" }),
        ),
        (
            "an access token UserInfo refuses",
            json!({ "id_token": id_token, "access_token": "at-unknown" }),
        ),
    ] {
        let problem = assert_problem(session(&app, body).await, 401).await;
        assert!(
            problem["type"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/unauthorized"),
            "{what}: {problem}"
        );
    }
    // A provider that puts the address in the ID token needs no UserInfo.
    let with_email = key.sign(&crate::oidc::claims(&issuer, "kim@tech.gov.sg"));
    assert_eq!(
        session(&app, json!({ "id_token": with_email }))
            .await
            .status(),
        200
    );
    // The built-in sign-in's tokens (no `via`) are not sessions, even signed with the secret.
    let (dev, _) = invite_server::auth::tokens::issue(
        signed_in["officer"]["id"].as_str().expect("id"),
        "jane@tech.gov.sg",
        None,
        None,
        SECRET,
        chrono::Duration::hours(1),
    )
    .expect("token");
    assert_problem(app.get("/api/v1/me", &dev).await, 401).await;
}
