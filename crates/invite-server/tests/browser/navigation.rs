use fantoccini::Locator;

use crate::ONE_BROWSER_AT_A_TIME;
use crate::harness::{self, Browser};

pub const SIDEBAR: [(&str, &str); 6] = [
    ("Email invitation", "/invite/email"),
    ("Create account", "/invite/create-account"),
    ("Batch upload", "/invite/batch-upload"),
    ("Invite User Status", "/invite/status"),
    ("Batches", "/invite/batches"),
    ("API keys and webhooks", "/settings/integrations"),
];

/// Signs in through the sign-in page with the built-in sign-in.
pub async fn sign_in(browser: &Browser, email: &str) {
    let input = browser.find(Locator::Id("sign-in-email")).await;
    input.send_keys(email).await.expect("type email");
    browser
        .find(Locator::XPath("//button[normalize-space()='Sign in']"))
        .await
        .click()
        .await
        .expect("click");
}

#[tokio::test]
async fn the_spa_loads_signs_in_and_every_sidebar_entry_navigates_including_deep_links() {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let browser = Browser::start().await;

    // A deep link while signed out goes to sign-in, then back to where the officer wanted to be.
    browser.goto("/invite/status").await;
    browser.wait_for_path("/sign-in").await;
    browser.screenshot("01-sign-in").await;
    sign_in(&browser, "jane_tan@tech.gov.sg").await;
    browser.wait_for_path("/invite/status").await;
    browser.wait_for_text("jane_tan@tech.gov.sg").await;

    let nav = browser.find(Locator::Css("nav.sidebar")).await;
    let nav_text = nav.text().await.expect("nav text");
    assert!(
        nav_text.to_lowercase().contains("invite users"),
        "{nav_text}"
    );
    for (label, path) in SIDEBAR {
        assert!(
            nav_text.contains(label),
            "sidebar lists {label}: {nav_text}"
        );
        let link = browser.find(Locator::LinkText(label)).await;
        link.click().await.expect("click");
        browser.wait_for_path(path).await;
        let current = browser
            .find(Locator::Css("nav.sidebar a[aria-current='page']"))
            .await;
        assert_eq!(current.text().await.expect("text").trim(), label);
        browser
            .screenshot(&format!(
                "nav-{}",
                path.trim_start_matches('/').replace('/', "-")
            ))
            .await;
    }

    // Deep links load directly, also after a reload (the session survives it).
    for (label, path) in SIDEBAR {
        browser.goto(path).await;
        browser.wait_for_path(path).await;
        let current = browser
            .find(Locator::Css("nav.sidebar a[aria-current='page']"))
            .await;
        assert_eq!(
            current.text().await.expect("text").trim(),
            label,
            "deep link {path}"
        );
    }

    // An unknown client route shows the SPA's not-found page, not a server error.
    browser.goto("/no/such/page").await;
    browser.wait_for_text("not found").await;

    // Every page ran under the server's Content-Security-Policy without breaking it.
    browser.assert_no_csp_violation().await;
    // The policy is enforced: a script injected into the page is refused (and the check above
    // would have seen it).
    browser
        .client
        .execute(
            "const s = document.createElement('script'); s.textContent = 'window.injected = 1'; \
             document.body.appendChild(s); return window.injected === undefined;",
            vec![],
        )
        .await
        .expect("inject")
        .as_bool()
        .filter(|refused| *refused)
        .expect("the injected script did not run");
    let console = harness::eventually("the refusal to be logged", || async {
        let console = browser.console().await;
        if console
            .iter()
            .any(|m| m.contains("Content Security Policy"))
        {
            Ok(console)
        } else {
            Err(format!("{console:?}"))
        }
    })
    .await;
    assert!(
        console.iter().any(|m| m.contains("inline script")),
        "{console:?}"
    );

    // Swagger UI renders under its own policy.
    browser.goto("/swagger-ui/").await;
    browser.find(Locator::Css(".swagger-ui .info .title")).await;
    browser.find(Locator::Css(".opblock-tag")).await;
    browser.assert_no_csp_violation().await;
}
