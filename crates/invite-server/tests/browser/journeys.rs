//! The guide's journeys, end to end, in the browser.

use fantoccini::Locator;
use serde_json::json;

use crate::ONE_BROWSER_AT_A_TIME;
use crate::harness::{Browser, fixture};
use crate::navigation::sign_in;

async fn signed_in_at(path: &str) -> Browser {
    let browser = Browser::start().await;
    browser.goto(path).await;
    browser.wait_for_path("/sign-in").await;
    sign_in(&browser, "jane_tan@tech.gov.sg").await;
    browser.wait_for_path(path).await;
    browser
}

/// How many requests with this method and path the server log shows. The log is shared by the
/// tests of this process (they run one at a time), so compare counts before and after.
fn requests_logged(browser: &Browser, method: &str, path: &str) -> usize {
    browser
        .server_log()
        .lines()
        .filter(|line| {
            line.contains("request finished")
                && line.contains(&format!("\"method\":\"{method}\""))
                && line.contains(&format!("\"path\":\"{path}\""))
        })
        .count()
}

#[tokio::test]
async fn email_invitation_refuses_a_non_gov_sg_address_before_any_request_then_sends() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = signed_in_at("/invite/email").await;
    let before = requests_logged(&browser, "POST", "/api/v1/invitations");

    browser.fill("email", "john@gmail.com").await;
    browser
        .find(Locator::Id("reason"))
        .await
        .click()
        .await
        .expect("leave the field");
    let error = browser.text_of("email-error").await;
    assert!(error.contains("gov.sg"), "message under the field: {error}");
    browser.click_button("Submit").await;
    browser.wait_for_text("There is a problem").await;
    browser.screenshot("email-invitation-errors").await;
    assert_eq!(
        requests_logged(&browser, "POST", "/api/v1/invitations"),
        before,
        "no request was sent"
    );

    browser.fill("email", "lim_ah_seng@tech.gov.sg").await;
    browser
        .find(Locator::Id("seed_required-yes"))
        .await
        .click()
        .await
        .expect("Yes");
    browser.fill("reason", "Joins the platform team").await;
    browser.click_button("Submit").await;
    browser
        .wait_for_text("Invitation sent to lim_ah_seng@tech.gov.sg")
        .await;
    browser.screenshot("email-invitation-sent").await;
    assert_eq!(
        requests_logged(&browser, "POST", "/api/v1/invitations"),
        before + 1
    );
}

#[tokio::test]
async fn create_account_shows_username_errors_while_typing_and_invites_the_vendor() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = signed_in_at("/invite/create-account").await;

    browser.fill("techpass_username", "ah..kow").await;
    // No blur: the message appears while typing.
    browser
        .wait_for_text_in(
            "#techpass_username-error",
            "the username error shows",
            |t| t.contains("consecutive dots"),
        )
        .await;
    browser.screenshot("create-account-username-error").await;

    browser.fill("techpass_username", "Tan Ah Kow").await;
    browser.fill("email", "ah.kow@acme.com.sg").await;
    browser.fill("first_name", "Ah Kow").await;
    browser.fill("last_name", "Tan").await;
    browser.fill("contact_number", "9123 4567").await;
    browser.fill("organisation", "ACME Pte Ltd").await;
    browser
        .find(Locator::Id("seed_required-no"))
        .await
        .click()
        .await
        .expect("No");
    browser.fill("reason", "Builds the booking system").await;
    browser.click_button("Submit").await;
    browser
        .wait_for_text("Invitation sent to ah.kow@acme.com.sg")
        .await;
}

async fn open_row_menu(browser: &Browser, row: u32, item: &str) {
    let button = browser
        .find(Locator::Css(&format!(
            "button[aria-label='Actions for row {row}']"
        )))
        .await;
    button.click().await.expect("open menu");
    let menu = button
        .attr("aria-controls")
        .await
        .expect("attr")
        .expect("the button names its menu");
    let xpath = format!("//*[@id='{menu}']//*[@role='menuitem' and normalize-space()='{item}']");
    browser
        .find(Locator::XPath(&xpath))
        .await
        .click()
        .await
        .expect("menu item");
}

async fn upload(browser: &Browser, name: &str) {
    upload_path(browser, &fixture(name)).await;
}

async fn upload_path(browser: &Browser, path: &str) {
    browser
        .find(Locator::Id("batch-file"))
        .await
        .send_keys(path)
        .await
        .expect("choose file");
    browser.click_button("Upload").await;
}

#[tokio::test]
async fn a_large_batch_pages_its_rows_from_the_server_and_shows_delivery_progress() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let path = std::env::temp_dir().join(format!("250-users-{}.xlsx", std::process::id()));
    std::fs::write(
        &path,
        invite_sheets::synthetic::workbook(250, invite_sheets::synthetic::Strings::Shared),
    )
    .expect("write file");
    let browser = signed_in_at("/invite/batch-upload").await;
    let row_pages = |browser: &Browser| {
        browser
            .server_log()
            .lines()
            .filter(|line| {
                line.contains("request finished")
                    && line.contains("\"method\":\"GET\"")
                    && line.contains("\"path\":\"/api/v1/batches/")
                    && line.contains("/rows\"")
            })
            .count()
    };
    let pages_before = row_pages(&browser);
    upload_path(&browser, &path.display().to_string()).await;
    browser.wait_for_text("Rows 1–100 of 250").await;
    browser.wait_for_text("officer.0@tech.gov.sg").await;
    browser.click_button("Next").await;
    browser.wait_for_text("Rows 101–200 of 250").await;
    browser.wait_for_text("officer.100@tech.gov.sg").await;
    assert!(!browser.page_text().await.contains("officer.0@tech.gov.sg"));
    browser.click_button("Next").await;
    browser.wait_for_text("Rows 201–250 of 250").await;
    browser.wait_for_text("vendor.249@acme.com.sg").await;
    browser.click_button("Previous").await;
    browser.wait_for_text("Rows 101–200 of 250").await;
    assert!(
        row_pages(&browser) >= pages_before + 4,
        "each page came from the server"
    );

    // Only the rows that need attention: one in twenty of the file.
    browser
        .find(Locator::Id("attention-only"))
        .await
        .click()
        .await
        .expect("filter");
    browser.wait_for_text("Rows 1–13 of 13").await;
    browser.wait_for_text("user6@gmail.com").await;
    browser.wait_for_text("user246@gmail.com").await;

    browser.click_button("Submit").await;
    browser
        .wait_for_text("237 users are about to be invited")
        .await;
    browser.click_button("Confirm").await;
    browser
        .wait_for_text_in(
            "[data-testid='batch-delivery']",
            "every email sent, without a reload",
            |t| t == "Emails: 237 sent.",
        )
        .await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn batch_upload_fix_remove_reset_reupload_and_submit() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = signed_in_at("/invite/batch-upload").await;
    let link = browser
        .find(Locator::LinkText("Download excel template"))
        .await;
    assert_eq!(
        link.attr("href").await.expect("href").as_deref(),
        Some("/api/v1/batch-template")
    );

    upload(&browser, "openpyxl_mixed.xlsx").await;
    browser.wait_for_text("H7").await;
    browser.scroll_to("#batch-title").await;
    browser.screenshot("batch-uploaded").await;

    // View details → fix the username → Save.
    open_row_menu(&browser, 7, "View details").await;
    browser.find(Locator::Id("row-dialog")).await;
    browser.screenshot("batch-view-details").await;
    browser.fill("row-techpass_username", "ah.kow").await;
    browser.click_button("Save").await;
    browser.wait_until_gone("row-dialog").await;
    browser
        .wait_for_text_in("[data-testid='batch-summary']", "row 7 is valid now", |t| {
            t.contains("Valid\n3")
        })
        .await;

    // Remove row 8.
    open_row_menu(&browser, 8, "Remove").await;
    browser.wait_for_text("Total\n7").await;

    // Reset → Confirm empties the list.
    browser.click_button("Reset").await;
    browser.click_button("Confirm").await;
    browser.wait_for_text("No users in this upload.").await;

    // Upload again and submit: the valid rows are invited, the others stay.
    upload(&browser, "openpyxl_mixed.xlsx").await;
    browser.wait_for_text("H7").await;
    browser.click_button("Submit").await;
    // Submit asks first, with the number about to be invited.
    browser
        .wait_for_text("2 users are about to be invited")
        .await;
    browser.screenshot("batch-submit-confirm").await;
    browser.click_button("Confirm").await;
    let said = browser
        .wait_for_text_of("[data-testid='batch-outcome']")
        .await;
    assert_eq!(
        said,
        "2 invitations sent. 6 rows still need attention: open View details on each, fix the errors, save, then submit again."
    );
    browser.scroll_to("[data-testid='batch-outcome']").await;
    browser.screenshot("batch-submitted").await;

    // The status page lists the new invitees.
    browser
        .find(Locator::LinkText("Invite User Status"))
        .await
        .click()
        .await
        .expect("status");
    browser.wait_for_text("jane_tan@tech.gov.sg").await;
    browser.wait_for_text("mei.ling@vendor.com").await;
}

#[tokio::test]
async fn status_page_lists_invitees_with_the_resend_rules() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = Browser::start().await;
    let token = browser.api_token("jane_tan@tech.gov.sg").await;
    let client = reqwest::Client::new();
    for email in ["a@tech.gov.sg", "b@tech.gov.sg"] {
        let response = client
            .post(format!("{}/api/v1/invitations", browser.base))
            .bearer_auth(&token)
            .json(&json!({"user_type": "public_officer", "email": email, "seed_required": true, "reason": "r"}))
            .send()
            .await
            .expect("create");
        assert_eq!(response.status(), 201);
    }
    browser.goto("/invite/status").await;
    sign_in(&browser, "jane_tan@tech.gov.sg").await;
    browser.wait_for_text("b@tech.gov.sg").await;
    browser.wait_for_text("a@tech.gov.sg").await;
    let table = browser
        .find(Locator::Css("[data-testid='invitations-table']"))
        .await;
    let text = table.text().await.expect("table");
    for column in [
        "First Name",
        "Last Name",
        "Email address",
        "Organisation",
        "Department",
        "Date of Invite",
        "TechPass Status",
        "SEED Status",
        "Resend invite",
    ] {
        assert!(text.contains(column), "column {column}: {text}");
    }
    // Just sent: Resend invite is there but disabled, with the time it becomes available.
    assert!(text.contains("Available"), "{text}");
    let disabled = browser
        .client
        .find_all(Locator::XPath(
            "//button[contains(normalize-space(), 'Resend invite') and @disabled]",
        ))
        .await
        .expect("buttons");
    assert_eq!(disabled.len(), 2);
    browser.screenshot("invite-status").await;

    // Search narrows the list.
    browser.fill("search", "b@tech").await;
    browser.click_button("Search").await;
    browser
        .wait_for_text_in(
            "[data-testid='invitations-table']",
            "the search leaves only b@tech.gov.sg",
            |t| t.contains("b@tech.gov.sg") && !t.contains("a@tech.gov.sg"),
        )
        .await;
}

#[tokio::test]
async fn a_failed_call_shows_a_trace_id_that_is_in_the_server_log() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let missing = uuid::Uuid::new_v4();
    let browser = signed_in_at("/invite/batch-upload").await;
    browser
        .goto(&format!("/invite/batch-upload?batch={missing}"))
        .await;
    let notification = browser
        .find(Locator::Css("[data-testid='error-notification']"))
        .await;
    let text = notification.text().await.expect("text");
    let trace_id = text
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|word| word.len() == 32)
        .unwrap_or_else(|| panic!("a 32-hex Trace ID in: {text}"))
        .to_owned();
    browser.screenshot("error-notification").await;
    let mailto = notification
        .find(Locator::Css("a[href^='mailto:']"))
        .await
        .expect("support link");
    let href = mailto.attr("href").await.expect("href").unwrap_or_default();
    assert!(
        href.contains(&trace_id),
        "support link carries the Trace ID: {href}"
    );
    let log = browser.server_log();
    assert!(
        log.lines()
            .any(|l| l.contains(&trace_id) && l.contains("\"status\":404")),
        "the server log has the trace id {trace_id}"
    );
}

#[tokio::test]
async fn the_embedded_journey_invite_then_mailbox_then_sign_up_then_onboarded() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = signed_in_at("/invite/email").await;
    browser.fill("email", "lim_wei_ling@tech.gov.sg").await;
    browser
        .find(Locator::Id("seed_required-yes"))
        .await
        .click()
        .await
        .expect("Yes");
    browser.fill("reason", "Joins the platform team").await;
    browser.click_button("Submit").await;
    browser
        .wait_for_text("Invitation sent to lim_wei_ling@tech.gov.sg")
        .await;

    // The sidebar offers the Mailbox (no SMTP relay here); the email is in it.
    browser
        .find(Locator::LinkText("Mailbox"))
        .await
        .click()
        .await
        .expect("Mailbox");
    browser.wait_for_path("/dev/mailbox").await;
    crate::harness::eventually("the email in the mailbox", || async {
        browser.click_button("Refresh").await;
        let text = browser.page_text().await;
        if text.contains("You are invited to TechPass") && text.contains("lim_wei_ling@tech.gov.sg")
        {
            Ok(())
        } else {
            Err(text)
        }
    })
    .await;
    browser.screenshot("mailbox").await;

    // The link opens the invitation's page (opening it changes nothing); its button leads on
    // to TechPass's sign-up (the stand-in's), where only the next button signs up.
    browser
        .find(Locator::Css(".mail-links a"))
        .await
        .click()
        .await
        .expect("the link");
    browser.wait_for_text("Continue to TechPass sign-up").await;
    browser.screenshot("invitation-link").await;
    browser.click_button("Continue to TechPass sign-up").await;
    browser.wait_for_text("Create your TechPass account").await;
    browser.fill("first_name", "Wei Ling").await;
    browser.fill("last_name", "Lim").await;
    browser.click_button("Create my TechPass account").await;
    browser
        .wait_for_text("Your TechPass account is active")
        .await;

    // Back in the app, the status page shows the names TechPass holds, and SEED follows.
    browser.goto("/invite/status").await;
    browser.wait_for_text("lim_wei_ling@tech.gov.sg").await;
    crate::harness::eventually("TechPass and SEED onboarded on the status page", || async {
        let table = browser
            .find(Locator::Css("[data-testid='invitations-table'] tbody"))
            .await
            .text()
            .await
            .unwrap_or_default();
        if table.contains("Wei Ling")
            && table.contains("Lim")
            && table.matches("Onboarded").count() == 2
        {
            return Ok(());
        }
        // SEED reports a moment after TechPass: load the page again.
        browser.goto("/invite/status").await;
        browser.wait_for_text("lim_wei_ling@tech.gov.sg").await;
        Err(table)
    })
    .await;
    browser.screenshot("invite-status-onboarded").await;
    // The invitation link's page and TechPass's sign-up stand-in ran under their policy too.
    browser.assert_no_csp_violation().await;
}

#[tokio::test]
async fn revoking_from_the_status_page_asks_first_then_shows_revoked() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = Browser::start().await;
    let token = browser.api_token("jane_tan@tech.gov.sg").await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/invitations", browser.base))
        .bearer_auth(&token)
        .json(&json!({"user_type": "public_officer", "email": "lim@tech.gov.sg", "seed_required": false, "reason": "r"}))
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), 201);
    browser.goto("/invite/status").await;
    sign_in(&browser, "jane_tan@tech.gov.sg").await;
    browser.wait_for_text("lim@tech.gov.sg").await;

    // Cancel leaves it as it was.
    browser.click_button("Revoke").await;
    browser.wait_for_text("Revoke this invitation?").await;
    browser.click_button("Cancel").await;
    browser.wait_until_gone("revoke-dialog").await;

    browser.click_button("Revoke").await;
    browser.wait_for_text("nothing more is sent").await;
    browser.screenshot("revoke-dialog").await;
    browser.click_button("Revoke invitation").await;
    browser
        .wait_for_text("The invitation to lim@tech.gov.sg is revoked.")
        .await;
    let row = browser
        .wait_for_text_in(
            "[data-testid='invitations-table'] tbody",
            "the row shows Revoked",
            |t| t.contains("Revoked"),
        )
        .await;
    assert!(!row.contains("Resend invite"), "{row}");
    let today = chrono::Utc::now().format("%d %b %Y").to_string();
    assert!(
        row.contains(&format!("Revoked {today}")) && !row.contains("Expires"),
        "dated, no deadline left: {row}"
    );
    let revoke_buttons = browser
        .client
        .find_all(Locator::XPath("//button[normalize-space()='Revoke']"))
        .await
        .expect("buttons");
    assert!(revoke_buttons.is_empty(), "nothing left to revoke");
}

/// The device rule, seen locally: signed in (built-in sign-in) from an SE GSIB device, the
/// officer is told why they cannot invite instead of being shown the forms; reading still works.
#[tokio::test]
async fn an_officer_on_an_se_gsib_device_is_told_why_instead_of_shown_the_forms() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = Browser::start_with(|config| {
        config.device_policy = invite_server::config::DevicePolicy::non_se_gsib_only();
    })
    .await;
    browser.goto("/sign-in").await;
    browser
        .find(Locator::Id("sign-in-device"))
        .await
        .select_by_value("se_gsib")
        .await
        .expect("pick the device");
    sign_in(&browser, "jane_tan@tech.gov.sg").await;
    browser.wait_for_path("/invite/email").await;
    let rule = browser
        .wait_for_text_of("[data-testid='device-rule']")
        .await;
    assert!(rule.contains("non-SE GSIB"), "{rule}");
    assert!(rule.contains("SE GSIB device"), "names the device: {rule}");
    assert!(
        browser.client.find(Locator::Id("email")).await.is_err(),
        "no invitation form"
    );
    browser.screenshot("device-rule").await;
    browser.goto("/invite/batch-upload").await;
    browser
        .wait_for_text_of("[data-testid='device-rule']")
        .await;
    assert!(
        browser
            .client
            .find(Locator::Css("input[type='file']"))
            .await
            .is_err(),
        "no upload"
    );
    // Following invitations is still open.
    browser.goto("/invite/status").await;
    browser.wait_for_text("Invite User Status").await;
    browser.assert_no_csp_violation().await;
}
