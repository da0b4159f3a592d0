//! Keyboard alone: an officer who cannot use a mouse signs in, invites, reads the error summary,
//! works a row's menu and its dialog, and always sees where focus is. Every interaction here is
//! a key press sent through WebDriver's keyboard actions (the file input, which opens the
//! operating system's chooser, is the one exception: the path is given to it directly). Scripts
//! only read the page, to learn which element has focus.

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::ONE_BROWSER_AT_A_TIME;
use crate::harness::{Browser, eventually, fixture};

const OFFICER: &str = "jane_tan@tech.gov.sg";

/// Presses `keys` one after another, as a keyboard would. Shift, Control, Alt and Meta stay held
/// until the end, as with WebDriver's send keys: `Shift` then `Tab` is Shift+Tab.
async fn press(browser: &Browser, keys: &str) {
    let modifiers: [char; 4] = [Key::Shift, Key::Control, Key::Alt, Key::Meta].map(char::from);
    let mut actions = KeyActions::new("keyboard".into());
    let mut held = Vec::new();
    for key in keys.chars() {
        actions = actions.then(KeyAction::Down { value: key });
        if modifiers.contains(&key) {
            held.push(key);
        } else {
            actions = actions.then(KeyAction::Up { value: key });
        }
    }
    for key in held.into_iter().rev() {
        actions = actions.then(KeyAction::Up { value: key });
    }
    browser
        .client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|e| panic!("press {keys:?}: {e}"));
}

fn key(key: Key) -> String {
    char::from(key).to_string()
}

fn shift_tab() -> String {
    format!("{}{}", Key::Shift, Key::Tab)
}

/// What has focus, in a few words, for assertions and failure messages.
async fn focused(browser: &Browser) -> Value {
    let script = r#"
        const el = document.activeElement;
        if (!el || el === document.body) { return { tag: el ? 'body' : null }; }
        return {
            tag: el.tagName.toLowerCase(),
            id: el.id || null,
            class: el.getAttribute('class'),
            role: el.getAttribute('role'),
            label: el.getAttribute('aria-label'),
            href: el.getAttribute('href'),
            type: el.getAttribute('type'),
            text: (el.innerText || '').trim().slice(0, 60),
            in_dialog: el.closest('[role=dialog]') ? el.closest('[role=dialog]').id : null,
        };
    "#;
    browser.client.execute(script, vec![]).await.expect("focus")
}

async fn focus_matches(browser: &Browser, css: &str) -> bool {
    browser
        .client
        .execute(
            "return !!document.activeElement && document.activeElement.matches(arguments[0]);",
            vec![json!(css)],
        )
        .await
        .expect("matches")
        .as_bool()
        .unwrap_or(false)
}

/// Presses Tab until the element matching `css` has focus, at most `max` times; returns every
/// stop on the way (the last one is the element).
async fn tab_to(browser: &Browser, css: &str, max: usize) -> Vec<Value> {
    let mut stops = Vec::new();
    for _ in 0..max {
        press(browser, &key(Key::Tab)).await;
        stops.push(focused(browser).await);
        if focus_matches(browser, css).await {
            return stops;
        }
    }
    panic!(
        "{css} not reached in {max} presses of Tab; focus went:\n{}",
        stops
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Waits for focus to arrive on the element matching `css` (the SPA moves it after a render).
async fn wait_for_focus(browser: &Browser, css: &str) {
    eventually(&format!("focus is on {css}"), || async {
        if focus_matches(browser, css).await {
            Ok(())
        } else {
            Err(focused(browser).await.to_string())
        }
    })
    .await
}

async fn attr(browser: &Browser, id: &str, name: &str) -> Option<String> {
    browser
        .find(Locator::Id(id))
        .await
        .attr(name)
        .await
        .expect("attr")
}

/// Signs in from the sign-in page with the keyboard: Tab to the email field, type, Enter.
async fn sign_in_by_keyboard(browser: &Browser) {
    browser.goto("/sign-in").await;
    browser.find(Locator::Id("sign-in-email")).await;
    tab_to(browser, "#sign-in-email", 5).await;
    press(browser, &format!("{OFFICER}{}", Key::Enter)).await;
    browser.wait_for_path("/invite/email").await;
    browser.wait_for_text(OFFICER).await;
}

#[tokio::test]
async fn keyboard_only_officer_signs_in_and_sends_an_email_invitation() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = Browser::start().await;

    // Sign in: the email field is a few Tabs from the top, after the skip link and the brand.
    browser.goto("/sign-in").await;
    browser.find(Locator::Id("sign-in-email")).await;
    let stops = tab_to(&browser, "#sign-in-email", 3).await;
    assert_eq!(
        stops[0]["class"], "skip-link",
        "the first Tab reaches the skip link: {stops:?}"
    );
    for stop in &stops[..stops.len() - 1] {
        assert_eq!(stop["tag"], "a", "only header links come first: {stops:?}");
    }
    press(&browser, &format!("{OFFICER}{}", Key::Enter)).await;
    // Signed in, the officer lands on Email invitation.
    browser.wait_for_path("/invite/email").await;
    browser.wait_for_text(OFFICER).await;
    browser.find(Locator::Id("email")).await;
    // The sign-in form is gone: focus moves to the new page's main content rather than being
    // lost, so the next Tab reaches the page's first field.
    wait_for_focus(&browser, "#main").await;

    // A wrong address is refused when the field is left with Tab, and the error is tied to it.
    let stops = tab_to(&browser, "#email", 1).await;
    assert_eq!(stops.len(), 1);
    press(&browser, "john@gmail.com").await;
    press(&browser, &key(Key::Tab)).await;
    let error = browser.text_of("email-error").await;
    assert!(error.contains("gov.sg"), "message under the field: {error}");
    assert_eq!(
        attr(&browser, "email", "aria-invalid").await.as_deref(),
        Some("true")
    );
    let describedby = attr(&browser, "email", "aria-describedby")
        .await
        .unwrap_or_default();
    assert!(
        describedby.split_whitespace().any(|id| id == "email-error"),
        "aria-describedby names the error: {describedby:?}"
    );
    assert!(
        focus_matches(&browser, "#seed_required-yes").await,
        "Tab went on to the SEED question: {}",
        focused(&browser).await
    );

    // Back with Shift+Tab, select the address and type the right one over it.
    press(&browser, &shift_tab()).await;
    wait_for_focus(&browser, "#email").await;
    press(&browser, &format!("{}a", Key::Control)).await;
    press(&browser, "lim_ah_seng@tech.gov.sg").await;
    press(&browser, &key(Key::Tab)).await;
    wait_for_focus(&browser, "#seed_required-yes").await;
    assert!(
        browser
            .client
            .find(Locator::Id("email-error"))
            .await
            .is_err(),
        "the error has gone once the address is right"
    );
    assert_eq!(attr(&browser, "email", "aria-invalid").await, None);

    // Space selects "Yes"; the radio group is one Tab stop, so Tab goes on to Reason.
    press(&browser, &key(Key::Space)).await;
    let checked = browser
        .client
        .execute(
            "return document.getElementById('seed_required-yes').checked;",
            vec![],
        )
        .await
        .expect("checked");
    assert_eq!(checked, json!(true), "Space selected Yes");
    press(&browser, &key(Key::Tab)).await;
    wait_for_focus(&browser, "#reason").await;
    press(&browser, "Joins the platform team").await;
    press(&browser, &key(Key::Tab)).await;
    let submit = focused(&browser).await;
    assert_eq!(
        (submit["tag"].as_str(), submit["text"].as_str()),
        (Some("button"), Some("Submit")),
        "Tab reaches Submit: {submit}"
    );
    press(&browser, &key(Key::Enter)).await;
    browser
        .wait_for_text("Invitation sent to lim_ah_seng@tech.gov.sg")
        .await;
    // Focus goes to the confirmation, so that it is read out.
    wait_for_focus(&browser, "[data-testid='invitation-sent']").await;
    browser.screenshot("keyboard-invitation-sent").await;
}

#[tokio::test]
async fn the_error_summary_links_move_focus_to_the_field() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = Browser::start().await;
    sign_in_by_keyboard(&browser).await;

    // Loaded afresh, the first Tab reaches the skip link, and Enter on it goes to the content.
    browser.goto("/invite/email").await;
    browser.find(Locator::Id("email")).await;
    press(&browser, &key(Key::Tab)).await;
    wait_for_focus(&browser, "a.skip-link").await;
    press(&browser, &key(Key::Enter)).await;
    wait_for_focus(&browser, "#main").await;
    press(&browser, &key(Key::Tab)).await;
    wait_for_focus(&browser, "#email").await;

    // Submit the empty form from the keyboard: focus goes to the error summary.
    let stops = tab_to(&browser, "form button[type=submit]", 5).await;
    assert_eq!(stops.last().expect("a stop")["text"], "Submit");
    press(&browser, &key(Key::Enter)).await;
    wait_for_focus(&browser, "[data-testid='error-summary']").await;
    let summary = browser
        .find(Locator::Css("[data-testid='error-summary']"))
        .await
        .text()
        .await
        .expect("summary");
    assert!(summary.contains("There is a problem"), "{summary}");
    browser.screenshot("keyboard-error-summary").await;

    // Its first link is the email's; Enter on it puts focus in the email field.
    press(&browser, &key(Key::Tab)).await;
    let link = focused(&browser).await;
    assert_eq!(
        (link["tag"].as_str(), link["href"].as_str()),
        (Some("a"), Some("#email")),
        "Tab reaches the summary's first link: {link}"
    );
    press(&browser, &key(Key::Enter)).await;
    wait_for_focus(&browser, "#email").await;
}

#[tokio::test]
async fn row_menu_and_details_dialog_work_from_the_keyboard_and_return_focus() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = Browser::start().await;
    sign_in_by_keyboard(&browser).await;

    // Batch upload, from the side navigation.
    tab_to(&browser, "nav.sidebar a[href='/invite/batch-upload']", 20).await;
    press(&browser, &key(Key::Enter)).await;
    browser.wait_for_path("/invite/batch-upload").await;

    // The file chooser is the operating system's: give the input its path, then Tab to Upload.
    browser
        .find(Locator::Id("batch-file"))
        .await
        .send_keys(&fixture("openpyxl_mixed.xlsx"))
        .await
        .expect("choose file");
    let stops = tab_to(
        &browser,
        "section[aria-labelledby='upload-title'] button[type=submit]",
        20,
    )
    .await;
    assert_eq!(stops.last().expect("a stop")["text"], "Upload");
    press(&browser, &key(Key::Enter)).await;
    browser.wait_for_text("H7").await;

    // The row's menu button: Enter opens the menu with focus on its first item.
    let button = "button[aria-label='Actions for row 7']";
    tab_to(&browser, button, 30).await;
    press(&browser, &key(Key::Enter)).await;
    wait_for_focus(&browser, "[role=menuitem]").await;
    let item = focused(&browser).await;
    assert_eq!(item["text"], "View details", "{item}");
    let menu = browser.find(Locator::Css(button)).await;
    assert_eq!(
        menu.attr("aria-expanded").await.expect("attr").as_deref(),
        Some("true")
    );
    press(&browser, &key(Key::Down)).await;
    let item = focused(&browser).await;
    assert_eq!(
        (item["role"].as_str(), item["text"].as_str()),
        (Some("menuitem"), Some("Remove")),
        "ArrowDown moves to Remove: {item}"
    );
    press(&browser, &key(Key::Up)).await;
    let item = focused(&browser).await;
    assert_eq!(item["text"], "View details", "ArrowUp moves back: {item}");

    // Enter opens the details dialog, a modal with focus inside.
    press(&browser, &key(Key::Enter)).await;
    let dialog = browser.find(Locator::Id("row-dialog")).await;
    assert_eq!(
        dialog.attr("role").await.expect("attr").as_deref(),
        Some("dialog")
    );
    assert_eq!(
        dialog.attr("aria-modal").await.expect("attr").as_deref(),
        Some("true")
    );
    // Focus starts in the dialog's body (this row has errors: on the error summary's first link).
    wait_for_focus(&browser, "#row-dialog .modal-body *").await;
    browser.screenshot("keyboard-row-dialog").await;

    // Tab and Shift+Tab go round and round inside it.
    for n in 1..=30 {
        press(&browser, &key(Key::Tab)).await;
        let now = focused(&browser).await;
        assert_eq!(
            now["in_dialog"], "row-dialog",
            "Tab {n} left the dialog: {now}"
        );
    }
    for n in 1..=5 {
        press(&browser, &shift_tab()).await;
        let now = focused(&browser).await;
        assert_eq!(
            now["in_dialog"], "row-dialog",
            "Shift+Tab {n} left the dialog: {now}"
        );
    }

    // Escape closes it, and focus is back on the button that opened the menu.
    press(&browser, &key(Key::Escape)).await;
    browser.wait_until_gone("row-dialog").await;
    assert!(
        browser
            .client
            .find(Locator::Id("row-dialog"))
            .await
            .is_err(),
        "Escape closed the dialog"
    );
    wait_for_focus(&browser, button).await;
    assert_eq!(
        menu.attr("aria-expanded").await.expect("attr").as_deref(),
        Some("false")
    );
}

/// The outline, box shadow and background of the element matching `css`, and whether it has
/// focus.
async fn focus_style(browser: &Browser, css: &str) -> Value {
    let script = r#"
        const el = document.querySelector(arguments[0]);
        const s = getComputedStyle(el);
        return {
            focused: document.activeElement === el,
            outline_style: s.outlineStyle,
            outline_width: s.outlineWidth,
            box_shadow: s.boxShadow,
            background: s.backgroundColor,
        };
    "#;
    browser
        .client
        .execute(script, vec![json!(css)])
        .await
        .expect("style")
}

fn has_outline(style: &Value) -> bool {
    style["outline_style"] != "none" && style["outline_width"] != "0px"
}

fn has_shadow(style: &Value) -> bool {
    style["box_shadow"] != "none"
}

/// Tabs to the element and checks that focusing it drew an outline or a shadow it had not.
async fn assert_focus_visible(browser: &Browser, css: &str) {
    let before = focus_style(browser, css).await;
    assert_eq!(before["focused"], false, "{css} starts without focus");
    tab_to(browser, css, 20).await;
    let after = focus_style(browser, css).await;
    assert_eq!(after["focused"], true, "{css} has focus");
    let outline = has_outline(&after) && after["outline_style"] != before["outline_style"];
    let shadow = has_shadow(&after) && after["box_shadow"] != before["box_shadow"];
    assert!(
        outline || shadow,
        "focus on {css} shows: before {before}, focused {after}"
    );
}

#[tokio::test]
async fn focus_is_visible_on_interactive_elements() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = Browser::start().await;
    sign_in_by_keyboard(&browser).await;
    browser.goto("/invite/email").await;
    browser.find(Locator::Id("email")).await;

    // In page order: a button in the header, a side navigation link, an input, a radio, Submit.
    for css in [
        "header .account button",
        "nav.sidebar a[href='/invite/create-account']",
        "#email",
        "#seed_required-yes",
        "form button[type=submit]",
    ] {
        assert_focus_visible(&browser, css).await;
    }
    browser.screenshot("keyboard-focus-visible").await;
}
