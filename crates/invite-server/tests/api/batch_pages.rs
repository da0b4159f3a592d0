//! Batches that scale: the list of an officer's batches, a large batch carried a page at a
//! time (`rows_next_cursor`, `GET /batches/{id}/rows`), and the delivery counts of a batch.

use invite_core::api::{SeedStatus, TechpassStatus};
use invite_sheets::synthetic::{self, Strings};
use serde_json::Value;

use crate::support::batches::{stage, upload};
use crate::support::store;
use crate::support::{TestApp, assert_problem, eventually, json_of, on_each_backend_with};

/// Every row of the batch through `GET /batches/{id}/rows` from `cursor` on, `query` added.
async fn rows_from(
    app: &TestApp,
    token: &str,
    batch_id: &str,
    query: &str,
    mut cursor: Option<String>,
) -> Vec<Value> {
    let mut rows = Vec::new();
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/batches/{batch_id}/rows?{query}&cursor={c}"),
            None => format!("/api/v1/batches/{batch_id}/rows?{query}"),
        };
        let page = app.get_value(&path, token).await;
        rows.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return rows,
        }
    }
}

fn row_numbers(rows: &[Value]) -> Vec<u64> {
    rows.iter()
        .map(|r| r["row_number"].as_u64().expect("row_number"))
        .collect()
}

async fn upload_synthetic(app: &TestApp, token: &str, rows: usize) -> (Value, usize) {
    let response = upload(
        app,
        token,
        "big.xlsx",
        synthetic::workbook(rows, Strings::Shared),
    )
    .await;
    assert_eq!(response.status(), 201);
    let bytes = response.bytes().await.expect("body");
    (serde_json::from_slice(&bytes).expect("json"), bytes.len())
}

#[tokio::test]
async fn a_large_batch_carries_its_first_500_rows_and_pages_the_rest_in_sheet_order() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let (batch, size) = upload_synthetic(&app, &token, 1_234).await;
            let id = batch["id"].as_str().expect("id").to_owned();
            assert_eq!(batch["summary"]["total"], 1_234);
            // One row in twenty of the synthetic file is invalid.
            let invalid = (0..1_234).filter(|i| i % 20 == 6).count();
            assert_eq!(batch["summary"]["invalid"], invalid);
            let inline = batch["rows"].as_array().expect("rows");
            assert_eq!(inline.len(), 500);
            assert_eq!(row_numbers(inline), (2..502).collect::<Vec<_>>());
            assert!(size < 1024 * 1024, "upload response {size} bytes");

            let cursor = batch["rows_next_cursor"].as_str().map(str::to_owned);
            assert!(cursor.is_some());
            let rest = rows_from(&app, &token, &id, "limit=300", cursor).await;
            assert_eq!(
                row_numbers(&rest),
                (502..1_236).collect::<Vec<_>>(),
                "{}",
                app.backend
            );

            // GET carries the same first page; the whole batch pages from the start too.
            let again = app.get(&format!("/api/v1/batches/{id}"), &token).await;
            let bytes = again.bytes().await.expect("body");
            assert!(bytes.len() < 1024 * 1024);
            let again: Value = serde_json::from_slice(&bytes).expect("json");
            assert_eq!(again["rows"].as_array().map(Vec::len), Some(500));
            assert_eq!(again["rows_next_cursor"], batch["rows_next_cursor"]);
            let all = rows_from(&app, &token, &id, "limit=500", None).await;
            assert_eq!(all.len(), 1_234);

            // The rows that need attention, alone.
            let attention =
                rows_from(&app, &token, &id, "status=invalid,failed&limit=7", None).await;
            assert_eq!(attention.len(), invalid);
            assert!(attention.iter().all(|r| r["status"] == "invalid"));
            assert_eq!(attention[0]["row_number"], 8, "data row 6 is sheet row 8");

            // Submit answers with the first page too.
            let submitted = app
                .post_json(
                    &format!("/api/v1/batches/{id}/submit"),
                    &token,
                    &Value::Null,
                )
                .await;
            assert_eq!(submitted.status(), 200);
            let bytes = submitted.bytes().await.expect("body");
            assert!(bytes.len() < 1024 * 1024);
            let submitted: Value = serde_json::from_slice(&bytes).expect("json");
            assert_eq!(submitted["summary"]["submitted"], 1_234 - invalid);
            assert_eq!(submitted["rows"].as_array().map(Vec::len), Some(500));
            assert_eq!(
                submitted["delivery"]["pending"],
                1_234 - invalid,
                "{}",
                app.backend
            );
            let done = rows_from(&app, &token, &id, "status=submitted&limit=500", None).await;
            assert_eq!(done.len(), 1_234 - invalid);
        },
    )
    .await;
}

#[tokio::test]
async fn a_small_batch_is_returned_whole_as_before() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let batch = stage(&app, &token, "users.xlsx", "openpyxl_mixed.xlsx").await;
    let total = batch["summary"]["total"].as_u64().expect("total");
    assert_eq!(batch["rows"].as_array().map(Vec::len), Some(total as usize));
    assert_eq!(batch["rows_next_cursor"], Value::Null);
    assert_eq!(
        batch["delivery"],
        serde_json::json!({"sent": 0, "failed": 0, "pending": 0})
    );
}

#[tokio::test]
async fn batches_are_listed_newest_first_with_their_counts_and_only_to_their_officer() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let jane = app.sign_in("jane@tech.gov.sg").await;
            let bob = app.sign_in("bob@tech.gov.sg").await;
            let mut ids = Vec::new();
            for (i, rows) in [3, 5, 8].into_iter().enumerate() {
                let response = upload(
                    &app,
                    &jane,
                    &format!("batch{i}.xlsx"),
                    synthetic::workbook(rows, Strings::Inline),
                )
                .await;
                let batch = json_of(response).await;
                ids.push(batch["id"].as_str().expect("id").to_owned());
            }
            let first = app.get_value("/api/v1/batches?limit=2", &jane).await;
            let items = first["items"].as_array().expect("items");
            assert_eq!(items.len(), 2);
            assert_eq!(items[0]["id"], ids[2].as_str());
            assert_eq!(items[0]["filename"], "batch2.xlsx");
            assert_eq!(items[0]["summary"]["total"], 8);
            assert_eq!(items[0]["summary"]["invalid"], 1, "data row 6 is invalid");
            assert_eq!(items[0]["status"], "draft");
            assert!(items[0].get("rows").is_none(), "the list carries no rows");
            assert_eq!(items[1]["id"], ids[1].as_str());
            let cursor = first["next_cursor"].as_str().expect("a next page");
            let second = app
                .get_value(&format!("/api/v1/batches?limit=2&cursor={cursor}"), &jane)
                .await;
            assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
            assert_eq!(second["items"][0]["id"], ids[0].as_str());
            assert_eq!(second["items"][0]["summary"]["total"], 3);
            assert_eq!(second["next_cursor"], Value::Null);

            let bobs = app.get_value("/api/v1/batches", &bob).await;
            assert_eq!(bobs["items"], serde_json::json!([]));
            assert_problem(
                app.get(&format!("/api/v1/batches/{}/rows", ids[0]), &bob)
                    .await,
                404,
            )
            .await;
        },
    )
    .await;
}

#[tokio::test]
async fn bad_row_and_list_parameters_are_400_problems() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let batch = stage(&app, &token, "users.xlsx", "openpyxl_mixed.xlsx").await;
    let id = batch["id"].as_str().expect("id");
    let invitations_cursor = {
        let at = invite_server::db::now();
        invite_server::services::cursor::encode(at, &uuid::Uuid::new_v4().to_string())
    };
    for query in [
        "limit=0".to_owned(),
        "limit=501".to_owned(),
        "status=draft".to_owned(),
        "status=valid,".to_owned(),
        "cursor=garbage".to_owned(),
        format!("cursor={invitations_cursor}"),
    ] {
        assert_problem(
            app.get(&format!("/api/v1/batches/{id}/rows?{query}"), &token)
                .await,
            400,
        )
        .await;
    }
    for query in ["limit=101", "cursor=garbage"] {
        assert_problem(
            app.get(&format!("/api/v1/batches?{query}"), &token).await,
            400,
        )
        .await;
    }
    assert_problem(
        app.get(
            &format!("/api/v1/batches/{}/rows", uuid::Uuid::new_v4()),
            &token,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_batch_counts_its_invitations_sent_failed_and_pending() {
    on_each_backend_with(
        |config| config.delivery.worker = true,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let response = upload(
                &app,
                &token,
                "six.xlsx",
                synthetic::workbook(6, Strings::Inline),
            )
            .await;
            let batch = json_of(response).await;
            let id = batch["id"].as_str().expect("id").to_owned();
            let submitted = app
                .post_value(
                    &format!("/api/v1/batches/{id}/submit"),
                    &token,
                    &Value::Null,
                )
                .await;
            assert_eq!(submitted["summary"]["submitted"], 6);
            // The built-in mailbox takes every email: all six go out.
            let delivered = eventually("every invitation email sent", || {
                let (app, token, id) = (&app, &token, &id);
                async move {
                    let batch = app.get_value(&format!("/api/v1/batches/{id}"), token).await;
                    (batch["delivery"]["sent"] == 6).then_some(batch)
                }
            })
            .await;
            assert_eq!(delivered["delivery"]["pending"], 0);
            assert_eq!(delivered["delivery"]["failed"], 0);
            // One of them fails afterwards: it counts as failed, not sent.
            let invitation = delivered["rows"][0]["invitation_id"]
                .as_str()
                .expect("invited");
            store::set_statuses(
                &mut app.db(),
                invitation,
                TechpassStatus::Failed,
                SeedStatus::NotRequired,
            );
            let after = app
                .get_value(&format!("/api/v1/batches/{id}"), &token)
                .await;
            assert_eq!(after["delivery"]["failed"], 1, "{}", app.backend);
            assert_eq!(after["delivery"]["sent"], 5);
        },
    )
    .await;
}

#[tokio::test]
async fn an_upload_while_the_worker_delivers_a_submit_is_staged_not_refused() {
    // On SQLite a transaction that reads before it writes fails when another writer (here the
    // worker, settling thousands of deliveries) commits in between: staging writes first.
    on_each_backend_with(
        |config| config.delivery.poll_ms = 50,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let (batch, _) = upload_synthetic(&app, &token, 1_500).await;
            let id = batch["id"].as_str().expect("id");
            let submitted = app
                .post_value(
                    &format!("/api/v1/batches/{id}/submit"),
                    &token,
                    &Value::Null,
                )
                .await;
            assert_eq!(submitted["summary"]["submitted"], batch["summary"]["valid"]);
            for _ in 0..3 {
                let (again, _) = upload_synthetic(&app, &token, 1_500).await;
                assert_eq!(again["summary"]["valid"], 0, "{}", app.backend);
                assert_eq!(again["summary"]["invalid"], 1_500);
                let already = again["rows"]
                    .as_array()
                    .expect("rows")
                    .iter()
                    .filter(|r| r["errors"][0]["code"] == "already_invited")
                    .count();
                let were_valid = batch["rows"]
                    .as_array()
                    .expect("rows")
                    .iter()
                    .filter(|r| r["status"] == "valid")
                    .count();
                assert_eq!(already, were_valid, "{}", app.backend);
            }
        },
    )
    .await;
}
