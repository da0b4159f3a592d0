//! The authorization matrix: every signed-in operation of the OpenAPI document, called with
//! each kind of credential that must not work — none, malformed, expired, signed with another
//! key, issued by someone else, for someone who is not a public officer, a revoked API key —
//! answers 401 with a problem; another officer gets 404 for the first officer's resources (403
//! for operator pages) and lists without them. No answer carries the first officer's data.

use chrono::Utc;
use invite_server::auth::tokens::{self, Claims};
use serde_json::{Value, json};

use crate::support::batches::stage;
use crate::support::{TestApp, officer_invite, on_each_backend_with};

const SECRET: &str = "matrix-token-secret-of-32-bytes-or-more";

/// A built-in token with these claims, signed with `secret`.
fn token(claims: &Claims, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode")
}

fn claims(officer_id: &str, email: &str) -> Claims {
    let now = Utc::now().timestamp();
    Claims {
        sub: officer_id.to_owned(),
        email: email.to_owned(),
        iss: "invite-users".into(),
        iat: now,
        exp: now + 3600,
        device_type: None,
        via: None,
    }
}

/// What officer A owns, by the path parameter that names it.
struct Owned {
    invitation: String,
    batch: String,
    row: String,
    webhook: String,
    api_key: String,
    /// Strings that must appear in no answer to anyone else.
    secrets: Vec<String>,
}

async fn make_owned(app: &TestApp, token: &str) -> Owned {
    let invitation = app
        .post_value(
            "/api/v1/invitations",
            token,
            &officer_invite("secret.invitee@tech.gov.sg"),
        )
        .await;
    let batch = stage(app, token, "users.xlsx", "openpyxl_mixed.xlsx").await;
    let webhook = app
        .post_value(
            "/api/v1/webhooks",
            token,
            &json!({ "url": "https://hooks.agency.gov.sg/matrix", "event_types": ["invitation.created"] }),
        )
        .await;
    let api_key = app
        .post_value("/api/v1/api-keys", token, &json!({ "name": "matrix" }))
        .await;
    let id = |v: &Value| {
        v["id"]
            .as_str()
            .unwrap_or_else(|| panic!("id in {v}"))
            .to_owned()
    };
    let owned = Owned {
        invitation: id(&invitation),
        batch: id(&batch),
        row: id(&batch["rows"][0]),
        webhook: id(&webhook),
        api_key: id(&api_key),
        secrets: Vec::new(),
    };
    let secrets = vec![
        owned.invitation.clone(),
        owned.batch.clone(),
        owned.row.clone(),
        owned.webhook.clone(),
        owned.api_key.clone(),
        "secret.invitee@tech.gov.sg".into(),
        webhook["secret"]
            .as_str()
            .expect("webhook secret")
            .to_owned(),
    ];
    Owned { secrets, ..owned }
}

/// The path with A's resources in its parameters.
fn concrete(template: &str, owned: &Owned) -> String {
    let id = if template.starts_with("/api/v1/invitations/") {
        &owned.invitation
    } else if template.starts_with("/api/v1/batches/") {
        &owned.batch
    } else if template.starts_with("/api/v1/webhooks/") {
        &owned.webhook
    } else if template.starts_with("/api/v1/api-keys/") {
        &owned.api_key
    } else {
        // Operator jobs: an id that names nothing; the refusal comes first.
        "00000000-0000-4000-8000-000000000000"
    };
    template.replace("{id}", id).replace("{row_id}", &owned.row)
}

/// Every operation the document says needs a bearer credential: (method, path template).
fn signed_in_operations() -> Vec<(String, String)> {
    let spec = invite_server::openapi();
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let bearer = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if bearer {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(
        operations.len() >= 25,
        "{} signed-in operations",
        operations.len()
    );
    operations
}

async fn call(app: &TestApp, method: &str, path: &str, credential: Option<&str>) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(credential) = credential {
        request = request.header("Authorization", format!("Bearer {credential}"));
    }
    if method == reqwest::Method::POST || method == reqwest::Method::PUT {
        request = request.json(&json!({}));
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn assert_no_data(owned: &Owned, what: &str, body: &str) {
    for secret in &owned.secrets {
        assert!(
            !body.contains(secret.as_str()),
            "{what} leaked {secret}: {body}"
        );
    }
}

#[tokio::test]
async fn no_borrowed_or_broken_credential_reaches_anything() {
    on_each_backend_with(
        |config| {
            config.token_secret = invite_server::config::Secret::new(SECRET);
            config.rate_limits = invite_server::config::RateLimits {
                sign_in: 0,
                create: 0,
                upload: 0,
                submit: 0,
            };
        },
        |app| async move {
            let alice = app.sign_in("alice@tech.gov.sg").await;
            let alice_id = tokens::verify(&alice, SECRET).expect("alice's token").sub;
            let owned = make_owned(&app, &alice).await;
            let revoked = app
                .post_value("/api/v1/api-keys", &alice, &json!({ "name": "revoked" }))
                .await;
            let revoked_id = revoked["id"].as_str().expect("id");
            let revoked_secret = revoked["secret"].as_str().expect("secret").to_owned();
            let answer = app
                .delete(&format!("/api/v1/api-keys/{revoked_id}"), &alice)
                .await;
            assert_eq!(answer.status(), 204);

            let expired = {
                let mut c = claims(&alice_id, "alice@tech.gov.sg");
                c.iat -= 7200;
                c.exp = Utc::now().timestamp() - 3600;
                token(&c, SECRET)
            };
            let other_issuer = {
                let mut c = claims(&alice_id, "alice@tech.gov.sg");
                c.iss = "someone-else".into();
                token(&c, SECRET)
            };
            let refused: Vec<(&str, Option<String>)> = vec![
                ("no credential", None),
                ("a malformed token", Some("not-a-token".into())),
                ("an expired token", Some(expired)),
                (
                    "a token signed with another key",
                    Some(token(
                        &claims(&alice_id, "alice@tech.gov.sg"),
                        "another-secret-of-32-bytes-or-more!",
                    )),
                ),
                ("a token from another issuer", Some(other_issuer)),
                (
                    "a token for someone who is not an officer",
                    Some(token(&claims(&alice_id, "eve@gmail.com"), SECRET)),
                ),
                ("a revoked API key", Some(revoked_secret)),
                ("an unknown API key", Some(format!("iu_{}", "0".repeat(64)))),
            ];
            let operations = signed_in_operations();
            for (method, template) in &operations {
                let path = concrete(template, &owned);
                for (what, credential) in &refused {
                    let (status, body) = call(&app, method, &path, credential.as_deref()).await;
                    assert_eq!(status, 401, "{method} {template} with {what}: {body}");
                    assert!(
                        body.contains("/problems/unauthorized"),
                        "{method} {template}: {body}"
                    );
                    assert_no_data(&owned, what, &body);
                }
            }

            // Another officer: A's resources do not exist for them; lists are their own.
            let bob = app.sign_in("bob@tech.gov.sg").await;
            for (method, template) in &operations {
                let path = concrete(template, &owned);
                let (status, body) = call(&app, method, &path, Some(&bob)).await;
                let what = format!("{method} {template} as another officer");
                assert_no_data(&owned, &what, &body);
                if template.starts_with("/api/v1/operator/") {
                    assert_eq!(status, 403, "{what}: {body}");
                } else if template.contains('{') {
                    assert_eq!(status, 404, "{what}: {body}");
                } else {
                    assert!(status < 500, "{what}: {status} {body}");
                }
            }
        },
    )
    .await;
}
