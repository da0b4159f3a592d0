//! Sign-in through a real OpenID Provider: node-oidc-provider (npm; `.ci/run` installs it
//! into `target/oidc-provider`) with its built-in login form, in both of its modes — the
//! address in the ID token, and (its spec-conformant default) the address only from UserInfo —
//! then an invitation.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use fantoccini::Locator;
use invite_server::config::OidcConfig;

use crate::ONE_BROWSER_AT_A_TIME;
use crate::harness::{Browser, eventually, free_port};

const CLIENT_ID: &str = "invite-users-spa";

/// The provider process; stopped when dropped.
struct NodeProvider(Child);

impl Drop for NodeProvider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/oidc-provider")
}

async fn start_provider(port: u16, mode: &str, redirect: &str) -> NodeProvider {
    let dir = provider_dir();
    assert!(
        dir.join("node_modules/oidc-provider").exists(),
        "node-oidc-provider is missing from target/oidc-provider: run the tests with `cargo xtask \
         test` (or `cargo xtask setup` first), which installs it"
    );
    let script = dir.join("provider.mjs");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/oidc_provider.mjs"),
        &script,
    )
    .expect("copy the provider script");
    let child = Command::new("node")
        .arg(&script)
        .arg(port.to_string())
        .arg(mode)
        .arg(redirect)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("node starts");
    let provider = NodeProvider(child);
    let discovery = format!("http://127.0.0.1:{port}/.well-known/openid-configuration");
    eventually("the provider answers", || async {
        reqwest::get(&discovery)
            .await
            .ok()
            .filter(|r| r.status().is_success())
            .ok_or_else(|| "not yet".to_owned())
    })
    .await;
    provider
}

async fn sign_in_and_invite(mode: &str) {
    let _one = ONE_BROWSER_AT_A_TIME.lock().await;
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let browser = Browser::start_with(|config| {
        config.oidc = Some(OidcConfig::new(issuer.clone(), CLIENT_ID.into()));
    })
    .await;
    let _provider = start_provider(port, mode, &format!("{}/sign-in", browser.base)).await;

    browser.goto("/sign-in").await;
    browser
        .find(Locator::XPath("//button[normalize-space()='Sign in']"))
        .await
        .click()
        .await
        .expect("sign in");
    // The provider's own login form (any password), then its consent page.
    let login = browser.find(Locator::Css("input[name='login']")).await;
    login
        .send_keys("jane_tan@tech.gov.sg")
        .await
        .expect("login");
    browser
        .find(Locator::Css("input[name='password']"))
        .await
        .send_keys("any-password")
        .await
        .expect("password");
    browser
        .find(Locator::Css("button[type='submit']"))
        .await
        .click()
        .await
        .expect("submit login");
    // The consent page replaces the login form: wait for it, or the click finds the old button.
    eventually("the consent page", || async {
        match browser
            .client
            .find(Locator::Css("input[name='login']"))
            .await
        {
            Err(_) => Ok(()),
            Ok(_) => Err("the login form is still shown".to_owned()),
        }
    })
    .await;
    browser
        .find(Locator::Css("button[type='submit']"))
        .await
        .click()
        .await
        .expect("consent");
    browser.wait_for_path("/invite/email").await;
    browser.wait_for_text("jane_tan@tech.gov.sg").await;

    // Signed in: invite someone.
    browser.fill("email", "kim_lee@tech.gov.sg").await;
    browser
        .find(Locator::Id("seed_required-yes"))
        .await
        .click()
        .await
        .expect("Yes");
    browser.fill("reason", "Joins the platform team").await;
    browser.click_button("Submit").await;
    browser
        .wait_for_text("Invitation sent to kim_lee@tech.gov.sg")
        .await;
    browser.screenshot(&format!("oidc-{mode}")).await;
    browser.assert_no_csp_violation().await;
}

#[tokio::test]
async fn an_officer_signs_in_through_a_provider_that_puts_the_email_in_the_id_token() {
    sign_in_and_invite("id-token").await;
}

#[tokio::test]
async fn an_officer_signs_in_through_a_provider_that_answers_the_email_from_userinfo_only() {
    sign_in_and_invite("userinfo").await;
}
