//! "Already on TechPass?": an email TechPass's directory knows is refused before anything is
//! sent (409 `already_on_techpass`, a batch row's own code), and a slow or failing directory
//! never blocks: the invitation goes ahead, and a batch is asked again at submit.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::batches::{fixture, upload};
use crate::support::upstreams;
use crate::support::{TestApp, assert_problem, error_codes, officer_invite};

const LOOKUP: &str = "/v1/users/lookup";

async fn techpass(lookup: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOOKUP))
        .respond_with(lookup)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    server
}

async fn app_with(server: &MockServer) -> TestApp {
    let uri = server.uri();
    TestApp::spawn_sqlite_with(move |config| {
        upstreams::configure(config, &uri);
        config.directory_timeout_ms = 300;
    })
    .await
}

#[tokio::test]
async fn an_email_techpass_already_knows_is_refused_before_anything_is_sent() {
    let server = techpass(
        ResponseTemplate::new(200).set_body_json(json!({ "existing": ["lim@tech.gov.sg"] })),
    )
    .await;
    let app = app_with(&server).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let problem = assert_problem(
        app.create_invitation(&token, &officer_invite("Lim@Tech.gov.sg"))
            .await,
        409,
    )
    .await;
    assert_eq!(
        error_codes(&problem),
        [("email".to_owned(), "already_on_techpass".to_owned())]
    );
    let list = app.get_value("/api/v1/invitations", &token).await;
    assert_eq!(list["items"], json!([]), "nothing stored, nothing sent");
    let asked = upstreams::received(&server, LOOKUP).await;
    assert_eq!(asked[0].1, json!({ "emails": ["lim@tech.gov.sg"] }));
    // Someone else goes ahead.
    assert_eq!(
        app.create_invitation(&token, &officer_invite("tan@tech.gov.sg"))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_slow_directory_never_blocks_an_invitation() {
    let server = techpass(
        ResponseTemplate::new(200)
            .set_body_json(json!({ "existing": ["lim@tech.gov.sg"] }))
            .set_delay(std::time::Duration::from_secs(3)),
    )
    .await;
    let app = app_with(&server).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let started = std::time::Instant::now();
    let response = app
        .create_invitation(&token, &officer_invite("lim@tech.gov.sg"))
        .await;
    assert_eq!(response.status(), 201, "went ahead without the answer");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "bounded by the lookup timeout"
    );
}

#[tokio::test]
async fn a_batch_row_techpass_knows_gets_its_own_code_at_upload_or_else_at_submit() {
    // TechPass is down during the upload, then answers.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(LOOKUP))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let app = app_with(&server).await;
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let staged: Value = upload(
        &app,
        &token,
        "f.xlsx",
        fixture("openpyxl_filled_template.xlsx"),
    )
    .await
    .json()
    .await
    .expect("json");
    let rows = staged["rows"].as_array().expect("rows").clone();
    let valid: Vec<&Value> = rows.iter().filter(|r| r["status"] == "valid").collect();
    assert!(valid.len() >= 2, "{staged}");
    let known = valid[0]["email"]
        .as_str()
        .expect("email")
        .trim()
        .to_lowercase();
    Mock::given(method("POST"))
        .and(path(LOOKUP))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "existing": [known] })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;

    let id = staged["id"].as_str().expect("id");
    let submitted = app
        .post_value(&format!("/api/v1/batches/{id}/submit"), &token, &json!({}))
        .await;
    let row = submitted["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == valid[0]["id"])
        .expect("the row")
        .clone();
    assert_eq!(row["status"], "failed", "{row}");
    assert_eq!(row["errors"][0]["code"], "already_on_techpass", "{row}");
    assert_eq!(
        submitted["summary"]["submitted"].as_u64(),
        Some(valid.len() as u64 - 1),
        "the others are invited"
    );

    // A new upload of that person is flagged at once (TechPass answers now).
    let again: Value = upload(
        &app,
        &token,
        "g.xlsx",
        fixture("openpyxl_filled_template.xlsx"),
    )
    .await
    .json()
    .await
    .expect("json");
    let flagged = again["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["email"].as_str().map(|e| e.trim().to_lowercase()) == Some(known.clone()))
        .expect("the row")
        .clone();
    assert_eq!(flagged["status"], "invalid");
    assert_eq!(
        flagged["errors"][0]["code"], "already_on_techpass",
        "{flagged}"
    );
}
