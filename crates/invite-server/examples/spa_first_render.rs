//! Measures the SPA in headless Chromium against the real server (release build recommended):
//! - its first render: first contentful paint, and the time until the sign-in form is in the
//!   DOM, over repeated cold loads (a fresh browser profile each run, so nothing is cached);
//! - the status page of an officer with 100 invitations: from the moment the list's answer has
//!   arrived (its resource timing's `responseEnd`) until its rows are in the DOM and the page has
//!   painted and is idle again (the first task after the next frame), for the first page
//!   (25 rows) and after three "Load more" (the table re-rendered with 100 rows).
//!
//! `cargo xtask spa && cargo run -p invite-server --release --example spa_first_render`

#[path = "../tests/browser/harness.rs"]
#[expect(dead_code, reason = "the harness has helpers only the tests use")]
mod harness;

use std::time::Duration;

/// Cold loads measured (`BENCH_SPA_RUNS` to change it; the benchmark suite's smoke run uses 1).
const RUNS: usize = 7;

/// Waits (in the page) until the sign-in field exists and returns `performance.now()` then,
/// with the first-contentful-paint time.
const PROBE: &str = r#"
const done = arguments[arguments.length - 1];
const check = () => {
  if (document.getElementById('sign-in-email')) {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    done({ form: performance.now(), fcp: fcp ? fcp.startTime : null });
  } else {
    requestAnimationFrame(check);
  }
};
check();
"#;

/// Installs an observer for the status table, then does `arguments[1]` (`open`: follow the
/// sidebar link to the status page; `more`: press "Load more"), and answers when the table
/// holds `arguments[0]` rows: the times from the list answer's arrival to the rows in the DOM
/// and to the first task after the following frame.
const ROWS_PROBE: &str = r#"
const [expected, action] = arguments;
const done = arguments[arguments.length - 1];
const rows = () => document.querySelectorAll("[data-testid='invitations-table'] tbody tr:not(:has(.table-empty))").length;
let seen = false;
const check = () => {
  if (seen || rows() < expected) return;
  seen = true;
  observer.disconnect();
  const inDom = performance.now();
  requestAnimationFrame(() => setTimeout(() => {
    const idle = performance.now();
    const answers = performance.getEntriesByType('resource')
      .filter(e => e.name.includes('/api/v1/invitations?'));
    const arrived = answers[answers.length - 1].responseEnd;
    done({ dom: inDom - arrived, idle: idle - arrived, rows: rows() });
  }, 0));
};
const observer = new MutationObserver(check);
observer.observe(document.body, { childList: true, subtree: true });
if (action === 'open') {
  document.querySelector("a[href='/invite/status']").click();
} else {
  [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Load more').click();
}
"#;

/// Invitations of the officer whose status page is measured (four pages of 25).
const STATUS_ROWS: usize = 100;
const OFFICER: &str = "jane_tan@tech.gov.sg";

/// The status page's render times over `runs` visits: (first page, 100 rows), each a list of
/// milliseconds to idle.
async fn status_page(runs: usize) -> (Vec<f64>, Vec<f64>) {
    let browser = harness::Browser::start().await;
    let token = browser.api_token(OFFICER).await;
    let client = reqwest::Client::new();
    for i in 0..STATUS_ROWS {
        let created = client
            .post(format!("{}/api/v1/invitations", browser.base))
            .bearer_auth(&token)
            // Vendors: every column of the table filled.
            .json(&serde_json::json!({
                "user_type": "vendor",
                "email": format!("vendor{i}@acme.com.sg"),
                "techpass_username": format!("acmevendor{i:03}"),
                "first_name": format!("Wei Ling {i}"),
                "last_name": "Tan",
                "contact_number": "+65 9123 4567",
                "organisation": "ACME Pte Ltd",
                "department": "Engineering",
                "seed_required": i % 2 == 0,
                "reason": "Builds the booking system",
            }))
            .send()
            .await
            .expect("create");
        assert_eq!(created.status(), 201, "create {i}");
    }
    browser.goto("/sign-in").await;
    browser.fill("sign-in-email", OFFICER).await;
    browser.click_button("Sign in").await;
    browser.wait_for_path("/invite/email").await;
    let (mut first, mut hundred) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let opened = browser
            .client
            .execute_async(ROWS_PROBE, vec![25.into(), "open".into()])
            .await
            .expect("open the status page");
        first.push(opened["idle"].as_f64().expect("idle"));
        for rows in [50, 75, STATUS_ROWS] {
            let more = browser
                .client
                .execute_async(ROWS_PROBE, vec![rows.into(), "more".into()])
                .await
                .expect("load more");
            assert_eq!(more["rows"].as_u64(), Some(rows as u64), "{more}");
            if rows == STATUS_ROWS {
                hundred.push(more["idle"].as_f64().expect("idle"));
            }
        }
        // Away and back (client-side), so the next visit renders from an empty page again.
        browser
            .client
            .execute(
                "document.querySelector(\"a[href='/invite/email']\").click()",
                vec![],
            )
            .await
            .expect("leave");
        browser.wait_for_path("/invite/email").await;
    }
    (first, hundred)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_SPA_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(RUNS);
    let mut form_ms = Vec::new();
    let mut fcp_ms = Vec::new();
    for _ in 0..runs {
        let browser = harness::Browser::start().await;
        browser.goto("/sign-in").await;
        let result = browser
            .client
            .execute_async(PROBE, vec![])
            .await
            .expect("probe");
        form_ms.push(result["form"].as_f64().unwrap_or(f64::NAN));
        if let Some(fcp) = result["fcp"].as_f64() {
            fcp_ms.push(fcp);
        }
        drop(browser);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (first, hundred) = status_page(runs).await;
    println!(
        "status page, first page of 25 rows, answer to idle: median {:.0} ms (all: {first:.0?})",
        median(first.clone())
    );
    println!(
        "status page with 100 rows interactive: median {:.0} ms (all: {hundred:.0?})",
        median(hundred.clone())
    );
    let wasm = harness::spa_dir().join("pkg/frontend_bg.wasm");
    let raw = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
    println!("runs: {runs} cold loads of /sign-in on 127.0.0.1");
    println!(
        "sign-in form in the DOM: median {:.0} ms (all: {form_ms:.0?})",
        median(form_ms.clone())
    );
    if !fcp_ms.is_empty() {
        println!(
            "first contentful paint: median {:.0} ms (all: {fcp_ms:.0?})",
            median(fcp_ms.clone())
        );
    }
    println!(
        "wasm: {} KB raw (gzip: measure with `gzip -9 -c {} | wc -c`)",
        raw / 1024,
        wasm.display()
    );
}
