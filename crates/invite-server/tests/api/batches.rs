//! Batch upload over HTTP: template, upload of real files, row edits, reset, submit.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::batches::{fixture, stage, upload};
use crate::support::{TestApp, assert_problem, officer_invite, on_each_backend, status_counts};

fn row(batch: &Value, number: u64) -> &Value {
    batch["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["row_number"] == number)
        .unwrap_or_else(|| panic!("row {number}"))
}

fn cells(row: &Value) -> Vec<(String, String)> {
    row["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap_or("").to_owned(),
                e["cell"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Rows in `batches` and `batch_rows`, straight from the database.
fn stored_batches(app: &TestApp) -> (i64, i64) {
    use diesel::prelude::*;
    use invite_server::db::schema::{batch_rows, batches};
    let mut conn = app.db();
    let batches: i64 = batches::table.count().get_result(&mut conn).expect("count");
    let rows: i64 = batch_rows::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    (batches, rows)
}

#[tokio::test]
async fn the_template_downloads_as_an_xlsx_attachment() {
    let app = TestApp::spawn_sqlite().await;
    let response = app
        .client
        .get(app.url("/api/v1/batch-template"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("h")
            .starts_with("attachment;")
    );
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(&bytes[..2], b"PK", "a zip container");
    // Uploading the empty template is refused: it has no users (examples live on Instructions).
    let token = app.sign_in("jane@tech.gov.sg").await;
    let problem = assert_problem(
        upload(&app, &token, "template.xlsx", bytes.to_vec()).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "no_rows");
}

#[tokio::test]
async fn uploading_a_file_from_openpyxl_stages_rows_with_errors_pointing_at_cells() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let response = upload(
            &app,
            &token,
            "officers.xlsx",
            fixture("openpyxl_mixed.xlsx"),
        )
        .await;
        assert_eq!(response.status(), 201, "{}", app.backend);
        let batch: Value = response.json().await.expect("json");
        assert_eq!(batch["status"], "draft");
        assert_eq!(batch["filename"], "officers.xlsx");
        assert_eq!(
            batch["summary"],
            json!({"total": 8, "valid": 2, "invalid": 6, "submitted": 0})
        );
        assert_eq!(row(&batch, 2)["status"], "valid");
        assert_eq!(row(&batch, 6)["status"], "valid");
        assert_eq!(row(&batch, 6)["contact_number"], "+6581234567");
        for (number, code, cell) in [
            (7, "username_consecutive_dots", "H7"),
            (8, "not_public_officer_email", "B8"),
            (9, "required", "J9"),
            (11, "invalid_seed_required", "I11"),
            (3, "duplicate_in_file", "B3"),
            (10, "duplicate_in_file", "B10"),
        ] {
            assert_eq!(
                cells(row(&batch, number)),
                vec![(code.to_owned(), cell.to_owned())],
                "row {number}"
            );
        }
        let fetched: Value = app
            .get_value(
                &format!("/api/v1/batches/{}", batch["id"].as_str().expect("id")),
                &token,
            )
            .await;
        assert_eq!(fetched, batch);
    })
    .await;
}

#[tokio::test]
async fn a_file_saved_by_libreoffice_reads_like_the_original() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let batch: Value = stage(&app, &token, "lo.xlsx", "libreoffice_mixed.xlsx").await;
    assert_eq!(
        batch["summary"],
        json!({"total": 8, "valid": 2, "invalid": 6, "submitted": 0})
    );
    assert_eq!(
        cells(row(&batch, 7)),
        vec![("username_consecutive_dots".to_owned(), "H7".to_owned())]
    );
}

#[tokio::test]
async fn alt_enter_reasons_and_country_code_numbers_from_libreoffice_are_invited_as_typed() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let batch: Value = stage(&app, &token, "lo.xlsx", "libreoffice_multiline.xlsx").await;
        assert_eq!(
            batch["summary"],
            json!({"total": 2, "valid": 2, "invalid": 0, "submitted": 0}),
            "{batch}"
        );
        let id = batch["id"].as_str().expect("id");
        let submitted: Value = app
            .post_value(&format!("/api/v1/batches/{id}/submit"), &token, &json!({}))
            .await;
        assert_eq!(submitted["summary"]["submitted"], 2);
        let page: Value = app.get_value("/api/v1/invitations", &token).await;
        let mut invited: Vec<(String, String)> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["contact_number"].as_str().unwrap_or("").to_owned(),
                    i["reason"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        invited.sort();
        assert_eq!(
            invited,
            vec![
                (
                    "+6561234567".to_owned(),
                    "Joins the platform team:\n\tfirst the laptop, then TechPass.".to_owned()
                ),
                (
                    "+6591234567".to_owned(),
                    "Builds the booking system.\nNeeds access until March.".to_owned()
                ),
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn a_row_already_invited_is_flagged_at_upload() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    assert_eq!(
        app.create_invitation(&token, &officer_invite("jane_tan@tech.gov.sg"))
            .await
            .status(),
        201
    );
    let batch: Value = stage(&app, &token, "f.xlsx", "openpyxl_mixed.xlsx").await;
    assert_eq!(
        cells(row(&batch, 2)),
        vec![("already_invited".to_owned(), "B2".to_owned())]
    );
}

#[tokio::test]
async fn fix_remove_reset_and_submit_follow_the_guide() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let batch: Value = stage(&app, &token, "f.xlsx", "openpyxl_mixed.xlsx").await;
        let id = batch["id"].as_str().expect("id").to_owned();
        let row7 = row(&batch, 7)["id"].as_str().expect("id").to_owned();

        // View details → Save with the username still wrong: stays invalid, cell kept.
        let mut draft = json!({"user_type": "vendor", "email": "bad.user@vendor.com", "first_name": "Ah",
            "last_name": "Kow", "contact_number": "81234567", "organisation": "Vendor Co",
            "techpass_username": "ah..kow", "seed_required": false, "reason": "Needs access"});
        let response = app.put_json(&format!("/api/v1/batches/{id}/rows/{row7}"), &token, &draft).await;
        assert_eq!(response.status(), 200);
        let saved: Value = response.json().await.expect("json");
        assert_eq!(saved["status"], "invalid");
        assert_eq!(cells(&saved), vec![("username_consecutive_dots".to_owned(), "H7".to_owned())]);
        // Fixed → valid.
        draft["techpass_username"] = json!("ah.kow");
        let saved: Value = app.put_value(&format!("/api/v1/batches/{id}/rows/{row7}"), &token, &draft).await;
        assert_eq!(saved["status"], "valid", "{saved}");
        assert_eq!(saved["contact_number"], "+6581234567");

        // Remove row 8, then submit: rows 2, 6, 7 are invited; the rest stay with errors.
        let row8 = row(&batch, 8)["id"].as_str().expect("id").to_owned();
        let removed = app.delete(&format!("/api/v1/batches/{id}/rows/{row8}"), &token).await;
        assert_eq!(removed.status(), 204);
        let submitted: Value = app.post_value(&format!("/api/v1/batches/{id}/submit"), &token, &json!({})).await;
        assert_eq!(submitted["summary"], json!({"total": 7, "valid": 0, "invalid": 4, "submitted": 3}), "{}", app.backend);
        assert_eq!(submitted["status"], "draft");
        assert!(row(&submitted, 7)["invitation_id"].is_string());
        let page: Value = app.get_value("/api/v1/invitations", &token).await;
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), 3);
        assert!(items.iter().all(|i| i["channel"] == "batch_upload"));

        // Submitted rows are history: they cannot change or be removed.
        let row2 = row(&batch, 2)["id"].as_str().expect("id").to_owned();
        assert_problem(app.delete(&format!("/api/v1/batches/{id}/rows/{row2}"), &token).await, 409).await;

        // Reset → Confirm removes the rest; with only submitted rows left the batch is submitted.
        let reset = app.delete(&format!("/api/v1/batches/{id}/rows"), &token).await;
        assert_eq!(reset.status(), 204);
        let after: Value = app.get_value(&format!("/api/v1/batches/{id}"), &token).await;
        assert_eq!(after["summary"], json!({"total": 3, "valid": 0, "invalid": 0, "submitted": 3}));
        assert_eq!(after["status"], "submitted");
    })
    .await;
}

#[tokio::test]
async fn twenty_concurrent_submits_invite_each_row_exactly_once() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let batch: Value = stage(&app, &token, "f.xlsx", "openpyxl_filled_template.xlsx").await;
        assert_eq!(batch["summary"]["valid"], 3, "{batch}");
        let path = format!(
            "/api/v1/batches/{}/submit",
            batch["id"].as_str().expect("id")
        );
        let body = json!({});
        let requests = (0..20).map(|_| app.post_json(&path, &token, &body));
        let statuses = status_counts(requests).await;
        assert_eq!(statuses, BTreeMap::from([(200, 20)]), "on {}", app.backend);
        let page: Value = app.get_value("/api/v1/invitations", &token).await;
        assert_eq!(
            page["items"].as_array().expect("items").len(),
            3,
            "{}",
            app.backend
        );
        let final_batch: Value = app.get_value(&path.replace("/submit", ""), &token).await;
        assert_eq!(final_batch["summary"]["submitted"], 3);
        assert_eq!(final_batch["status"], "submitted");
    })
    .await;
}

#[tokio::test]
async fn the_same_file_uploaded_twice_and_submitted_twice_invites_once() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let first: Value = stage(&app, &token, "a.xlsx", "openpyxl_filled_template.xlsx").await;
    let second: Value = stage(&app, &token, "b.xlsx", "openpyxl_filled_template.xlsx").await;
    let submit = |b: &Value| format!("/api/v1/batches/{}/submit", b["id"].as_str().expect("id"));
    let a: Value = app.post_value(&submit(&first), &token, &json!({})).await;
    let b: Value = app.post_value(&submit(&second), &token, &json!({})).await;
    assert_eq!(a["summary"]["submitted"], 3);
    assert_eq!(b["summary"]["submitted"], 0);
    assert_eq!(b["summary"]["invalid"], 3);
    assert!(
        b["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["status"] == "failed" && r["errors"][0]["code"] == "already_invited")
    );
}

#[tokio::test]
async fn hostile_and_wrong_files_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty.xlsx", vec![], 422, "empty_file"),
        (
            "random.xlsx",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
            422,
            "not_xlsx",
        ),
        (
            "users.xlsx",
            b"User type,Email address\nVendor,a@b.com\n".to_vec(),
            422,
            "not_xlsx",
        ),
        (
            "legacy.xls",
            fixture("libreoffice_legacy.xls"),
            422,
            "not_xlsx",
        ),
        (
            "big.xlsx",
            vec![b'A'; 10 * 1024 * 1024 + 1],
            413,
            "file_too_large",
        ),
    ];
    for (name, bytes, status, code) in cases {
        let problem = assert_problem(upload(&app, &token, name, bytes).await, status).await;
        assert_eq!(problem["errors"][0]["code"], code, "{name}: {problem}");
    }
    assert_eq!(
        stored_batches(&app),
        (0, 0),
        "nothing is stored for a refused file"
    );
    // Not multipart at all, and multipart without a `file` part.
    let raw = app
        .client
        .post(app.url("/api/v1/batches"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .expect("r");
    assert!(raw.status().is_client_error());
    assert_problem(raw, 400).await;
    let form = reqwest::multipart::Form::new().text("other", "x");
    let no_file = app
        .client
        .post(app.url("/api/v1/batches"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .expect("r");
    assert_problem(no_file, 400).await;
}

#[tokio::test]
async fn batches_belong_to_their_officer_alone() {
    on_each_backend(|app| async move {
        let jane = app.sign_in("jane@tech.gov.sg").await;
        let bob = app.sign_in("bob@tech.gov.sg").await;
        let batch: Value = stage(&app, &jane, "f.xlsx", "openpyxl_mixed.xlsx").await;
        let id = batch["id"].as_str().expect("id");
        let row_id = row(&batch, 2)["id"].as_str().expect("id");
        assert_problem(app.get(&format!("/api/v1/batches/{id}"), &bob).await, 404).await;
        assert_problem(
            app.post_json(&format!("/api/v1/batches/{id}/submit"), &bob, &json!({}))
                .await,
            404,
        )
        .await;
        assert_problem(
            app.delete(&format!("/api/v1/batches/{id}/rows"), &bob)
                .await,
            404,
        )
        .await;
        assert_problem(
            app.delete(&format!("/api/v1/batches/{id}/rows/{row_id}"), &bob)
                .await,
            404,
        )
        .await;
        let put = app
            .put_json(
                &format!("/api/v1/batches/{id}/rows/{row_id}"),
                &bob,
                &officer_invite("x@tech.gov.sg"),
            )
            .await;
        assert_problem(put, 404).await;
        // Jane's batch is untouched.
        let still: Value = app.get_value(&format!("/api/v1/batches/{id}"), &jane).await;
        assert_eq!(still["summary"]["total"], 8);
    })
    .await;
}

#[tokio::test]
async fn an_edited_row_is_checked_for_duplicates_in_the_batch() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane@tech.gov.sg").await;
        let batch: Value = stage(&app, &token, "f.xlsx", "openpyxl_mixed.xlsx").await;
        let id = batch["id"].as_str().expect("id");
        let row7 = row(&batch, 7)["id"].as_str().expect("id");
        // Row 6 (valid) is mei.ling@vendor.com with username "Lim Mei Ling".
        let draft = json!({"user_type": "vendor", "email": "MEI.LING@vendor.com", "first_name": "Ah",
            "last_name": "Kow", "contact_number": "81234567", "organisation": "Vendor Co",
            "techpass_username": "LIM MEI LING", "seed_required": false, "reason": "Needs access"});
        let saved: Value = app.put_value(&format!("/api/v1/batches/{id}/rows/{row7}"), &token, &draft).await;
        assert_eq!(saved["status"], "invalid");
        assert_eq!(
            cells(&saved),
            vec![("duplicate_in_file".to_owned(), "B7".to_owned()), ("duplicate_in_file".to_owned(), "H7".to_owned())],
            "{}", app.backend
        );
    })
    .await;
}

#[tokio::test]
async fn rows_that_collide_at_submit_fail_alone_and_the_rest_are_invited() {
    on_each_backend(|app| async move {
        use diesel::prelude::*;
        use invite_server::db::schema::batch_rows;
        let token = app.sign_in("jane@tech.gov.sg").await;
        let batch: Value = stage(&app, &token, "f.xlsx", "openpyxl_filled_template.xlsx").await;
        let id = batch["id"].as_str().expect("id");
        // Two valid rows with one email (as a race between two edits could leave them): the
        // set-based insert collides, and the chunk is taken again row by row.
        let second = row(&batch, 3)["id"].as_str().expect("id").to_owned();
        let first_email = row(&batch, 2)["email"].as_str().expect("email").to_owned();
        diesel::update(batch_rows::table.filter(batch_rows::id.eq(&second)))
            .set((
                batch_rows::email.eq(&first_email),
                batch_rows::user_type.eq("public_officer"),
                batch_rows::techpass_username.eq(None::<String>),
            ))
            .execute(&mut app.db())
            .expect("update");
        let submitted: Value = app
            .post_value(&format!("/api/v1/batches/{id}/submit"), &token, &json!({}))
            .await;
        assert_eq!(
            submitted["summary"],
            json!({"total": 3, "valid": 0, "invalid": 1, "submitted": 2}),
            "{}",
            app.backend
        );
        assert_eq!(row(&submitted, 3)["status"], "failed");
        assert_eq!(row(&submitted, 3)["errors"][0]["code"], "already_invited");
        let page: Value = app.get_value("/api/v1/invitations", &token).await;
        assert_eq!(page["items"].as_array().expect("items").len(), 2);
    })
    .await;
}
