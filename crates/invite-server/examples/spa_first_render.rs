//! Measures the SPA's first render in headless Chromium against the real server (release
//! build recommended): first contentful paint, and the time until the sign-in form is in the
//! DOM, over repeated cold loads (a fresh browser profile each run, so nothing is cached).
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
