//! The pages for officers at scale: API keys and webhooks, earlier batches, downloads, and an
//! invitation's history.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use fantoccini::Locator;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::ONE_BROWSER_AT_A_TIME;
use crate::harness::{Browser, eventually, fixture};
use crate::navigation::sign_in;

const OFFICER: &str = "jane_tan@tech.gov.sg";

async fn signed_in_at(path: &str) -> Browser {
    let browser = Browser::start().await;
    browser.goto(path).await;
    browser.wait_for_path("/sign-in").await;
    sign_in(&browser, OFFICER).await;
    browser.wait_for_path(path).await;
    browser
}

async fn invite_by_api(browser: &Browser, token: &str, email: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{}/api/v1/invitations", browser.base))
        .bearer_auth(token)
        .json(&json!({"user_type": "public_officer", "email": email, "seed_required": false, "reason": "Needs access"}))
        .send()
        .await
        .expect("invite")
        .status()
}

fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an .xlsx");
    let range = book.worksheet_range(sheet).expect("sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn an_api_key_is_created_shown_once_works_and_is_revoked() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = signed_in_at("/settings/integrations").await;
    browser.wait_for_text("No API keys yet.").await;
    browser.fill("api-key-name", "HR onboarding system").await;
    browser.click_button("Create API key").await;
    let secret = browser.wait_for_text_of("[data-testid='new-secret']").await;
    assert!(secret.starts_with("iu_"), "{secret}");
    browser
        .wait_for_text_in("[data-testid='api-keys-table']", "the key is listed", |t| {
            t.contains("HR onboarding system") && t.contains("Never")
        })
        .await;
    browser.screenshot("api-keys").await;
    assert_eq!(
        invite_by_api(&browser, &secret, "by.key@tech.gov.sg").await,
        201
    );

    browser
        .find(Locator::Css(
            "button[aria-label='Revoke API key HR onboarding system']",
        ))
        .await
        .click()
        .await
        .expect("revoke");
    browser.find(Locator::Id("revoke-key-dialog")).await;
    browser.click_button("Revoke API key").await;
    browser
        .wait_for_text_in(
            "[data-testid='api-keys-table']",
            "the key is revoked",
            |t| t.contains("Revoked"),
        )
        .await;
    assert_eq!(
        invite_by_api(&browser, &secret, "after.revoke@tech.gov.sg").await,
        401
    );
}

#[tokio::test]
async fn a_webhook_endpoint_is_added_receives_events_shows_its_log_and_is_deleted() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let browser = signed_in_at("/settings/integrations").await;
    browser.wait_for_text("No webhook endpoints yet.").await;
    browser
        .fill("webhook-url", &format!("{}/hooks", receiver.uri()))
        .await;
    // "Invited" is not chosen by default; choose it too.
    browser
        .find(Locator::Id("event-invitation-created"))
        .await
        .click()
        .await
        .expect("choose");
    browser.click_button("Add endpoint").await;
    let secret = browser.wait_for_text_of("[data-testid='new-secret']").await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    browser
        .wait_for_text("invitation.created, invitation.expired")
        .await;

    let token = browser.api_token(OFFICER).await;
    assert_eq!(
        invite_by_api(&browser, &token, "hooked@tech.gov.sg").await,
        201
    );
    eventually("the receiver got the events", || async {
        let n = receiver.received_requests().await.map_or(0, |r| r.len());
        if n >= 2 {
            Ok(())
        } else {
            Err(format!("{n} so far"))
        }
    })
    .await;
    browser.click_button("Delivery log").await;
    browser
        .wait_for_text_in(
            "[data-testid='deliveries-table']",
            "the deliveries are logged",
            |t| {
                t.contains("invitation.created")
                    && t.contains("invitation.sent")
                    && t.contains("Delivered")
            },
        )
        .await;
    browser.screenshot("webhooks").await;

    browser.click_button("Rotate secret").await;
    browser
        .wait_for_text("The old one keeps signing too for 24 hours.")
        .await;
    let rotated = browser.wait_for_text_of("[data-testid='new-secret']").await;
    assert_ne!(rotated, secret);

    browser.click_button("Delete").await;
    browser.find(Locator::Id("delete-webhook-dialog")).await;
    browser.click_button("Delete endpoint").await;
    browser.wait_for_text("No webhook endpoints yet.").await;
}

#[tokio::test]
async fn earlier_batches_are_listed_and_open_their_rows_with_a_downloadable_error_report() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = signed_in_at("/invite/batch-upload").await;
    browser
        .find(Locator::Id("batch-file"))
        .await
        .send_keys(&fixture("openpyxl_mixed.xlsx"))
        .await
        .expect("choose file");
    browser.click_button("Upload").await;
    browser.wait_for_text("H7").await;

    browser
        .find(Locator::LinkText("Batches"))
        .await
        .click()
        .await
        .expect("batches");
    browser.wait_for_path("/invite/batches").await;
    let table = browser
        .wait_for_text_in(
            "[data-testid='batches-table']",
            "the upload is listed",
            |t| t.contains("openpyxl_mixed.xlsx") && t.contains("Draft"),
        )
        .await;
    assert!(table.contains("Spreadsheet"), "{table}");
    browser.screenshot("batches").await;
    browser
        .find(Locator::LinkText("openpyxl_mixed.xlsx"))
        .await
        .click()
        .await
        .expect("open batch");
    browser.wait_for_text("H7").await;
    assert!(
        browser
            .current_path()
            .await
            .starts_with("/invite/batch-upload")
    );

    browser.click_button("Download error report").await;
    let (name, bytes) = browser.downloaded("error report").await;
    assert_eq!(name, "openpyxl_mixed - error report.xlsx");
    let rows = sheet_rows(&bytes, "Rows");
    assert_eq!(rows[0][..3], ["Row", "Status", "Errors"]);
    assert!(rows.iter().any(|r| r[2].contains("H7: ")), "{rows:?}");
}

#[tokio::test]
async fn the_status_list_downloads_as_filtered_and_a_history_says_who_did_what() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = signed_in_at("/invite/status").await;
    let token = browser.api_token(OFFICER).await;
    for email in ["ann@tech.gov.sg", "bob@tech.gov.sg"] {
        assert_eq!(invite_by_api(&browser, &token, email).await, 201);
    }
    browser.goto("/invite/status").await;
    browser.wait_for_text("bob@tech.gov.sg").await;
    browser.fill("search", "ann").await;
    browser.click_button("Search").await;
    browser
        .wait_for_text_in("[data-testid='invitations-table']", "only Ann", |t| {
            t.contains("ann@tech.gov.sg") && !t.contains("bob@tech.gov.sg")
        })
        .await;
    browser.click_button("Download (.xlsx)").await;
    let (name, bytes) = browser.downloaded("invitations-").await;
    assert!(name.ends_with(".xlsx"), "{name}");
    let rows = sheet_rows(&bytes, "Invitations");
    assert_eq!(rows.len(), 2, "the header and Ann, as filtered: {rows:?}");
    assert_eq!(rows[1][0], "ann@tech.gov.sg");

    // The email went out before the history is opened (it shows what there is).
    eventually("Ann's email sent", || async {
        let client = reqwest::Client::new();
        let page: serde_json::Value = client
            .get(format!(
                "{}/api/v1/invitations?email=ann@tech.gov.sg",
                browser.base
            ))
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let id = page["items"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let events: serde_json::Value = client
            .get(format!("{}/api/v1/invitations/{id}/events", browser.base))
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let sent = events["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|e| e["type"] == "invitation.sent"));
        if sent {
            Ok(())
        } else {
            Err(events.to_string())
        }
    })
    .await;
    browser.click_button("History").await;
    browser.find(Locator::Id("history-dialog")).await;
    let history = browser.wait_for_text_of("[data-testid='history']").await;
    assert!(
        history.contains(&format!("Invited by {OFFICER}")),
        "{history}"
    );
    browser
        .wait_for_text_in("[data-testid='history']", "the send is there", |t| {
            t.contains("Invitation email sent")
        })
        .await;
    browser.screenshot("history").await;
}
