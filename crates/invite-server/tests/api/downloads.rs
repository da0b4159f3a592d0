//! Downloads over HTTP: Invite User Status as an `.xlsx` (filtered as listed, text never a
//! formula) and a batch's error report.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::json;

use crate::support::batches::stage;
use crate::support::{
    TestApp, assert_problem, officer_invite, on_each_backend_with, vendor_invite,
};

/// The sheet's cells as text, row by row, and its formulas (none expected).
fn read_sheet(bytes: &[u8], name: &str) -> (Vec<Vec<String>>, usize) {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("xlsx");
    let range = book.worksheet_range(name).expect("sheet");
    let rows = range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("a cell that is not text: {other:?}"),
                })
                .collect()
        })
        .collect();
    let formulas = book
        .worksheet_formula(name)
        .expect("formulas")
        .used_cells()
        .filter(|(_, _, f)| !f.is_empty())
        .count();
    (rows, formulas)
}

async fn download(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    response
}

#[tokio::test]
async fn status_downloads_as_filtered_with_hostile_names_kept_as_text() {
    on_each_backend_with(
        |config| config.delivery.worker = false,
        |app| async move {
            let token = app.sign_in("jane@tech.gov.sg").await;
            let mut hostile = vendor_invite("evil@acme.com.sg", "Evil Corp User");
            hostile["first_name"] = json!("=HYPERLINK(\"https://evil.example\",\"Click\")");
            hostile["organisation"] = json!("+65 ACME");
            app.invite(&token, &hostile).await;
            app.invite(&token, &officer_invite("ann@tech.gov.sg")).await;
            let bob = app.sign_in("bob@tech.gov.sg").await;
            app.invite(&bob, &officer_invite("bobs@tech.gov.sg")).await;

            let response = download(&app, &token, "/api/v1/invitations/export").await;
            let disposition = response
                .headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            assert!(
                disposition.starts_with("attachment; filename=\"invitations-"),
                "{disposition}"
            );
            assert!(response.headers().get("x-export-truncated").is_none());
            let bytes = response.bytes().await.expect("body");
            let (rows, formulas) = read_sheet(&bytes, "Invitations");
            assert_eq!(formulas, 0, "no cell is a formula");
            assert_eq!(rows[0][0], "Email address");
            assert_eq!(
                rows.len(),
                3,
                "the header and Jane's two, not Bob's: {rows:?}"
            );
            assert_eq!(rows[1][0], "ann@tech.gov.sg", "newest first");
            let evil = &rows[2];
            assert_eq!(evil[1], "=HYPERLINK(\"https://evil.example\",\"Click\")");
            assert_eq!(evil[4], "+65 ACME");
            assert_eq!(evil[3], "Vendor");
            assert_eq!(evil[13], "Pending");

            // The list's filters apply.
            let filtered = download(&app, &token, "/api/v1/invitations/export?q=evil").await;
            let (rows, _) = read_sheet(&filtered.bytes().await.expect("body"), "Invitations");
            assert_eq!(rows.len(), 2);
            assert_eq!(rows[1][0], "evil@acme.com.sg", "{}", app.backend);
            assert_problem(
                app.get("/api/v1/invitations/export?techpass_status=nope", &token)
                    .await,
                400,
            )
            .await;
        },
    )
    .await;
}

#[tokio::test]
async fn a_batch_error_report_lists_every_row_with_its_errors_and_fields() {
    let app = TestApp::spawn_sqlite().await;
    let token = app.sign_in("jane@tech.gov.sg").await;
    let batch = stage(&app, &token, "résumé users.xlsx", "openpyxl_mixed.xlsx").await;
    let id = batch["id"].as_str().expect("id");
    let total = batch["summary"]["total"].as_u64().expect("total") as usize;
    let response = download(&app, &token, &format!("/api/v1/batches/{id}/report")).await;
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        disposition.contains("filename=\"r_sum_ users - error report.xlsx\""),
        "{disposition}"
    );
    assert!(
        disposition
            .contains("filename*=UTF-8''r%C3%A9sum%C3%A9%20users%20%2D%20error%20report.xlsx"),
        "{disposition}"
    );
    let (rows, formulas) = read_sheet(&response.bytes().await.expect("body"), "Rows");
    assert_eq!(formulas, 0);
    assert_eq!(rows[0][..4], ["Row", "Status", "Errors", "User type"]);
    assert_eq!(rows.len(), total + 1);
    // Every invalid row says why, at its cell; the fields are as entered.
    for (row, api) in rows[1..]
        .iter()
        .zip(batch["rows"].as_array().expect("rows"))
    {
        assert_eq!(row[0], api["row_number"].to_string());
        assert_eq!(row[1], api["status"].as_str().expect("status"));
        assert_eq!(row[4], api["email"].as_str().unwrap_or(""));
        for error in api["errors"].as_array().expect("errors") {
            let cell = error["cell"].as_str().expect("cell");
            assert!(
                row[2].contains(&format!("{cell}: ")),
                "{row:?} names {cell}"
            );
        }
    }
    let bob = app.sign_in("bob@tech.gov.sg").await;
    assert_problem(
        app.get(&format!("/api/v1/batches/{id}/report"), &bob).await,
        404,
    )
    .await;
}
