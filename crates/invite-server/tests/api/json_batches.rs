//! Bulk without a spreadsheet: `POST /api/v1/batches` with `application/json` rows, staged by
//! the same rules as an upload, and `Idempotency-Key` on batch creation and submit.

use invite_sheets::synthetic::xml::{header_row, text_row, workbook_parts, worksheet, zip};
use serde_json::{Value, json};

use crate::support::batches::upload;
use crate::support::{
    TestApp, assert_problem, json_of, officer_invite, on_each_backend, on_each_backend_with,
};

/// The same people, once as template rows (cell text) and once as JSON rows.
const PEOPLE: [[&str; 10]; 8] = [
    [
        "Public officer",
        "ann@tech.gov.sg",
        "Ann",
        "Lee",
        "",
        "GovTech",
        "Platform",
        "",
        "Yes",
        "Runs the platform",
    ],
    [
        "Vendor",
        "ah.kow@acme.com.sg",
        "Ah Kow",
        "Tan",
        "6591234567",
        "ACME Pte Ltd",
        "",
        "Tan Ah Kow",
        "No",
        "Builds the portal",
    ],
    // Invalid: the username starts with a dash, and there is no reason.
    [
        "Vendor",
        "bad.name@acme.com.sg",
        "Bad",
        "Name",
        "91234567",
        "ACME Pte Ltd",
        "",
        "-bad",
        "No",
        "",
    ],
    // Invalid: an officer with an address that is not a government one.
    [
        "Public officer",
        "someone@gmail.com",
        "",
        "",
        "",
        "",
        "",
        "",
        "No",
        "Needs access",
    ],
    // Invalid: a vendor without an organisation.
    [
        "Vendor",
        "no.org@acme.com.sg",
        "No",
        "Org",
        "",
        "",
        "",
        "No Org User",
        "No",
        "Testing",
    ],
    // Duplicates of each other in the file.
    [
        "Public officer",
        "twice@tech.gov.sg",
        "",
        "",
        "",
        "",
        "",
        "",
        "No",
        "First",
    ],
    [
        "Public officer",
        "Twice@Tech.gov.sg",
        "",
        "",
        "",
        "",
        "",
        "",
        "No",
        "Second",
    ],
    // Already invited (invited before the upload).
    [
        "Public officer",
        "invited@tech.gov.sg",
        "",
        "",
        "",
        "",
        "",
        "",
        "No",
        "Again",
    ],
];

fn xlsx(people: &[[&str; 10]]) -> Vec<u8> {
    let mut sheet = header_row();
    for (i, person) in people.iter().enumerate() {
        sheet.push_str(&text_row(u32::try_from(i + 2).expect("row"), person));
    }
    zip(&workbook_parts(&[("Users", worksheet(&sheet))], None))
}

fn json_row(person: &[&str; 10]) -> Value {
    let text = |i: usize| (!person[i].is_empty()).then(|| person[i].to_owned());
    json!({
        "user_type": person[0], "email": person[1], "first_name": text(2), "last_name": text(3),
        "contact_number": text(4), "organisation": text(5), "department": text(6),
        "techpass_username": text(7),
        "seed_required": match person[8] { "Yes" => json!(true), "No" => json!(false), _ => Value::Null },
        "reason": person[9],
    })
}

async fn post_rows(
    app: &TestApp,
    token: &str,
    body: &Value,
    key: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/batches"))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("request")
}

fn stored_batches(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use invite_server::db::schema::batches;
    batches::table
        .count()
        .get_result(&mut app.db())
        .expect("count")
}

/// A row without what only a sheet has (its id, number and cells).
fn comparable(row: &Value) -> Value {
    let mut row = row.clone();
    let object = row.as_object_mut().expect("row");
    object.remove("id");
    object.remove("row_number");
    for error in object["errors"].as_array_mut().expect("errors") {
        error.as_object_mut().expect("error").remove("cell");
    }
    row
}

#[tokio::test]
async fn json_rows_stage_exactly_as_the_same_rows_in_a_spreadsheet() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            app.invite(&token, &officer_invite("invited@tech.gov.sg"))
                .await;
            let sheet = json_of(upload(&app, &token, "people.xlsx", xlsx(&PEOPLE)).await).await;
            let rows: Vec<Value> = PEOPLE.iter().map(json_row).collect();
            let response = post_rows(
                &app,
                &token,
                &json!({"name": "nightly sync", "rows": rows}),
                None,
            )
            .await;
            assert_eq!(response.status(), 201, "{}", app.backend);
            let location = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            let batch = json_of(response).await;
            assert_eq!(
                location,
                Some(format!(
                    "/api/v1/batches/{}",
                    batch["id"].as_str().expect("id")
                ))
            );
            assert_eq!(batch["filename"], "nightly sync");
            assert_eq!(batch["source"], "json");
            assert_eq!(sheet["source"], "xlsx");
            assert_eq!(batch["summary"], sheet["summary"]);
            assert_eq!(batch["summary"]["valid"], 2, "{}", batch["summary"]);

            let (from_sheet, from_json) = (
                sheet["rows"].as_array().expect("rows"),
                batch["rows"].as_array().expect("rows"),
            );
            assert_eq!(from_sheet.len(), PEOPLE.len());
            for (i, (s, j)) in from_sheet.iter().zip(from_json).enumerate() {
                assert_eq!(
                    j["row_number"],
                    i + 1,
                    "a JSON row is numbered by its position"
                );
                assert_eq!(s["row_number"], i + 2, "a sheet row by its sheet row");
                assert_eq!(comparable(j), comparable(s), "row {i} on {}", app.backend);
                for error in s["errors"].as_array().expect("errors") {
                    assert!(error["cell"].is_string(), "a sheet error names its cell");
                }
                for error in j["errors"].as_array().expect("errors") {
                    assert_eq!(
                        error["cell"],
                        Value::Null,
                        "a JSON error names its field only"
                    );
                }
            }
            let codes = |rows: &[Value], i: usize| -> Vec<String> {
                rows[i]["errors"]
                    .as_array()
                    .expect("errors")
                    .iter()
                    .map(|e| {
                        format!(
                            "{}:{}",
                            e["field"].as_str().unwrap_or(""),
                            e["code"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            };
            assert_eq!(
                codes(from_json, 2),
                [
                    "techpass_username:username_invalid_start",
                    "reason:required"
                ]
            );
            assert_eq!(codes(from_json, 3), ["email:not_public_officer_email"]);
            assert_eq!(codes(from_json, 5), ["email:duplicate_in_file"]);
            assert_eq!(codes(from_json, 7), ["email:already_invited"]);

            // Edited and submitted, a JSON row keeps naming fields, not cells.
            let id = batch["id"].as_str().expect("id");
            let row_id = from_json[2]["id"].as_str().expect("row id");
            let mut fixed = json_row(&PEOPLE[2]);
            fixed["reason"] = json!("Builds the portal");
            fixed["email"] = json!("not an email");
            let saved = app
                .put_value(
                    &format!("/api/v1/batches/{id}/rows/{row_id}"),
                    &token,
                    &fixed,
                )
                .await;
            assert_eq!(saved["status"], "invalid");
            assert_eq!(saved["errors"][0]["field"], "email");
            assert_eq!(saved["errors"][0]["cell"], Value::Null);
            let submitted = app
                .post_value(
                    &format!("/api/v1/batches/{id}/submit"),
                    &token,
                    &Value::Null,
                )
                .await;
            assert_eq!(submitted["summary"]["submitted"], 2);
            let invited = app
                .get_value("/api/v1/invitations?email=ann@tech.gov.sg", &token)
                .await;
            assert_eq!(invited["items"][0]["channel"], "batch_upload");
        },
    )
    .await;
}

#[tokio::test]
async fn a_json_body_that_does_not_read_as_rows_is_refused_whole_and_nothing_is_stored() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let good = json_row(&PEOPLE[0]);
        let mut wrong_type = json_row(&PEOPLE[1]);
        wrong_type["seed_required"] = json!("yes");
        let problem = assert_problem(
            post_rows(&app, &token, &json!({"rows": [good, wrong_type]}), None).await,
            400,
        )
        .await;
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.contains("rows[1].seed_required"), "{detail}");

        for body in [
            json!({}),
            json!({"rows": {}}),
            json!([1, 2]),
            json!({"rows": [1]}),
        ] {
            assert_problem(post_rows(&app, &token, &body, None).await, 400).await;
        }
        let empty = assert_problem(
            post_rows(&app, &token, &json!({"rows": []}), None).await,
            422,
        )
        .await;
        assert_eq!(empty["errors"][0]["code"], "no_rows");
        let many: Vec<Value> = (0..50_001).map(|_| json!({})).collect();
        let too_many = assert_problem(
            post_rows(&app, &token, &json!({"rows": many}), None).await,
            422,
        )
        .await;
        assert_eq!(too_many["errors"][0]["field"], "rows");
        assert_eq!(too_many["errors"][0]["code"], "too_many_rows");

        // Past 32 MB the body is refused while it is read.
        let reason = "x".repeat(1_000);
        let huge: Vec<Value> = (0..34_000).map(|_| json!({"reason": reason})).collect();
        assert_problem(
            post_rows(&app, &token, &json!({"rows": huge}), None).await,
            413,
        )
        .await;
        let malformed = app
            .client
            .post(app.url("/api/v1/batches"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("{\"rows\": [")
            .send()
            .await
            .expect("request");
        assert_problem(malformed, 400).await;
        let text = app
            .client
            .post(app.url("/api/v1/batches"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body("User type,Email address\n")
            .send()
            .await
            .expect("request");
        assert_problem(text, 415).await;
        assert_eq!(stored_batches(&app), 0, "{}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn an_idempotency_key_stages_a_batch_once_whatever_the_retries() {
    on_each_backend_with(
        |config| {
            config.delivery.worker = false;
            // Six at once: past the default two uploads in flight, which would answer 429.
            config.uploads.max_in_flight = 6;
        },
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let body = json!({"rows": [json_row(&PEOPLE[0]), json_row(&PEOPLE[1])]});
            let first = post_rows(&app, &token, &body, Some("sync-2026-12-03")).await;
            assert_eq!(first.status(), 201);
            assert!(first.headers().get("idempotent-replayed").is_none());
            let first = json_of(first).await;
            // Five retries at once: each answers the first batch.
            let retries = (0..5).map(|_| post_rows(&app, &token, &body, Some("sync-2026-12-03")));
            for retry in futures_util::future::join_all(retries).await {
                assert_eq!(retry.status(), 201);
                assert_eq!(
                    retry
                        .headers()
                        .get("idempotent-replayed")
                        .and_then(|v| v.to_str().ok()),
                    Some("true")
                );
                assert_eq!(json_of(retry).await["id"], first["id"], "{}", app.backend);
            }
            assert_eq!(stored_batches(&app), 1);
            // The same key with other rows, or for a spreadsheet, is refused.
            let other = json!({"rows": [json_row(&PEOPLE[0])]});
            assert_problem(
                post_rows(&app, &token, &other, Some("sync-2026-12-03")).await,
                422,
            )
            .await;
            let sheet = app
                .client
                .post(app.url("/api/v1/batches"))
                .bearer_auth(&token)
                .header("Idempotency-Key", "sync-2026-12-03")
                .multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(xlsx(&PEOPLE[..2])).file_name("p.xlsx"),
                ))
                .send()
                .await
                .expect("request");
            assert_problem(sheet, 422).await;
            // Another officer's identical key is theirs alone.
            let bob = app.sign_in("bob@tech.gov.sg").await;
            let bobs = json_of(post_rows(&app, &bob, &body, Some("sync-2026-12-03")).await).await;
            assert_ne!(bobs["id"], first["id"]);
            assert_eq!(stored_batches(&app), 2);
        },
    )
    .await;
}

#[tokio::test]
async fn a_submit_retried_with_its_key_submits_nothing_more() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let body = json!({"rows": [json_row(&PEOPLE[0]), json_row(&PEOPLE[2])]});
            let batch = json_of(post_rows(&app, &token, &body, None).await).await;
            let id = batch["id"].as_str().expect("id");
            let submit = |key: &'static str| {
                app.client
                    .post(app.url(&format!("/api/v1/batches/{id}/submit")))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", key)
                    .send()
            };
            let first = submit("submit-1").await.expect("request");
            assert_eq!(first.status(), 200);
            assert!(first.headers().get("idempotent-replayed").is_none());
            assert_eq!(json_of(first).await["summary"]["submitted"], 1);
            // The invalid row is fixed; a retry of the first submit does not take it.
            let row_id = batch["rows"][1]["id"].as_str().expect("row");
            let mut fixed = json_row(&PEOPLE[2]);
            fixed["techpass_username"] = json!("good.name");
            fixed["reason"] = json!("Builds the portal");
            let saved = app
                .put_value(
                    &format!("/api/v1/batches/{id}/rows/{row_id}"),
                    &token,
                    &fixed,
                )
                .await;
            assert_eq!(saved["status"], "valid");
            let retry = submit("submit-1").await.expect("request");
            assert_eq!(
                retry
                    .headers()
                    .get("idempotent-replayed")
                    .and_then(|v| v.to_str().ok()),
                Some("true")
            );
            assert_eq!(
                json_of(retry).await["summary"]["submitted"],
                1,
                "{}",
                app.backend
            );
            // A new key submits the fixed row.
            let second = submit("submit-2").await.expect("request");
            assert_eq!(json_of(second).await["summary"]["submitted"], 2);
            // A submit key is bound to its batch.
            let other = json_of(
                post_rows(&app, &token, &json!({"rows": [json_row(&PEOPLE[5])]}), None).await,
            )
            .await;
            let reused = app
                .client
                .post(app.url(&format!(
                    "/api/v1/batches/{}/submit",
                    other["id"].as_str().expect("id")
                )))
                .bearer_auth(&token)
                .header("Idempotency-Key", "submit-1")
                .send()
                .await
                .expect("request");
            assert_problem(reused, 422).await;
        },
    )
    .await;
}

/// Rows past several submit chunks (500 each): on PostgreSQL they go through two connections at
/// once (`lanes`), on SQLite through one. Either way each valid row is invited exactly once,
/// with its two delivery jobs, even with three submits racing; an invalid row and a row whose
/// invitee was invited meanwhile fail alone.
#[tokio::test]
async fn a_submit_of_thousands_of_rows_invites_each_valid_row_once_however_it_is_split() {
    const ROWS: usize = 2_300;
    const INVALID: usize = 9;
    const INVITED_MEANWHILE: usize = 1_717;
    on_each_backend_with(
        |config| {
            config.delivery.worker = false;
            // The default size: two lanes on PostgreSQL.
            config.database_pool_size = 8;
        },
        |app| async move {
            use diesel::prelude::*;
            use invite_server::db::schema::{delivery_jobs, invitations};

            let token = app.sign_in("jane@tech.gov.sg").await;
            let rows: Vec<Value> = (0..ROWS)
                .map(|i| {
                    let email = if i == INVALID {
                        "not an email".to_owned()
                    } else {
                        format!("bulk{i}@tech.gov.sg")
                    };
                    json!({"user_type": "Public officer", "email": email, "seed_required": true, "reason": "Bulk"})
                })
                .collect();
            let batch = json_of(post_rows(&app, &token, &json!({"rows": rows}), None).await).await;
            assert_eq!(
                batch["summary"],
                json!({"total": ROWS, "valid": ROWS - 1, "invalid": 1, "submitted": 0}),
                "{}",
                app.backend
            );
            app.invite(&token, &officer_invite(&format!("bulk{INVITED_MEANWHILE}@tech.gov.sg")))
                .await;

            let path = format!("/api/v1/batches/{}/submit", batch["id"].as_str().expect("id"));
            let empty = json!({});
            let submits = (0..3).map(|_| app.post_json(&path, &token, &empty));
            let statuses = crate::support::status_counts(submits).await;
            assert_eq!(statuses, std::collections::BTreeMap::from([(200, 3)]), "{}", app.backend);

            let after = app.get_value(&path.replace("/submit", ""), &token).await;
            assert_eq!(
                after["summary"],
                json!({"total": ROWS, "valid": 0, "invalid": 2, "submitted": ROWS - 2}),
                "{}",
                app.backend
            );
            let mut conn = app.db();
            let invited: i64 = invitations::table
                .filter(invitations::channel.eq("batch_upload"))
                .count()
                .get_result(&mut conn)
                .expect("count");
            let emails: Vec<String> = invitations::table
                .select(invitations::email)
                .load(&mut conn)
                .expect("emails");
            let distinct =
                emails.iter().collect::<std::collections::HashSet<_>>().len() as i64;
            let jobs: i64 = delivery_jobs::table
                .count()
                .get_result(&mut conn)
                .expect("count");
            // The batch's invitations, plus the one made directly; two jobs each.
            assert_eq!(
                (invited, distinct, jobs),
                (ROWS as i64 - 2, ROWS as i64 - 1, 2 * (ROWS as i64 - 1)),
                "{}",
                app.backend
            );
            let failed = app
                .get_value(&format!("{}/rows?status=failed", path.replace("/submit", "")), &token)
                .await;
            let codes: Vec<&str> = failed["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|r| r["errors"][0]["code"].as_str().unwrap_or_default())
                .collect();
            assert_eq!(codes, ["already_invited"], "{failed}");
        },
    )
    .await;
}
