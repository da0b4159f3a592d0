//! `GET /metrics`: what an operator's Prometheus scrapes, counted from real requests and
//! deliveries on each backend.

use serde_json::{Value, json};

use crate::support::{TestApp, eventually, json_of, officer_invite, on_each_backend};

/// The value of the sample `series` (name and labels exactly as exposed), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/plain")),
        "{:?}",
        response.headers()["content-type"]
    );
    response.text().await.expect("text")
}

fn officer_row(email: &str) -> Value {
    json!({
        "user_type": "public_officer", "email": email, "first_name": null, "last_name": null,
        "contact_number": null, "organisation": null, "department": null,
        "techpass_username": null, "seed_required": false, "reason": "Joins the platform team",
    })
}

#[tokio::test]
async fn metrics_count_requests_by_route_invitations_by_channel_batches_and_deliveries() {
    on_each_backend(|app| async move {
        let token = app.sign_in("jane_tan@tech.gov.sg").await;
        let id = app.invite(&token, &officer_invite("one@tech.gov.sg")).await;
        assert_eq!(
            app.get(&format!("/api/v1/invitations/{id}"), &token)
                .await
                .status(),
            200
        );
        let rows: Vec<Value> = (0..3)
            .map(|i| officer_row(&format!("row{i}@tech.gov.sg")))
            .collect();
        let staged = app
            .post_json("/api/v1/batches", &token, &json!({"name": "three", "rows": rows}))
            .await;
        assert_eq!(staged.status(), 201);
        let batch = json_of(staged).await;
        let batch_id = batch["id"].as_str().expect("batch id").to_owned();
        let submitted = app
            .post_json(&format!("/api/v1/batches/{batch_id}/submit"), &token, &json!({}))
            .await;
        assert_eq!(submitted.status(), 200);
        // A refused create is counted under its status, and creates nothing.
        let refused = app
            .create_invitation(&token, &officer_invite("not-an-officer@example.com"))
            .await;
        assert_eq!(refused.status(), 422);

        // Every email (4) delivered, then scraped.
        let text = eventually("four emails delivered and counted", || async {
            let text = scrape(&app).await;
            (sample(&text, r#"invite_delivery_attempts_total{kind="email",outcome="delivered"}"#)
                == Some(4.0))
            .then_some(text)
        })
        .await;
        let backend = app.backend;
        let count = |series: &str| {
            sample(&text, series).unwrap_or_else(|| panic!("{series} missing on {backend}:\n{text}"))
        };
        assert_eq!(
            count(r#"invite_http_request_duration_seconds_count{method="POST",route="/api/v1/invitations",status="201"}"#),
            1.0
        );
        assert_eq!(
            count(r#"invite_http_request_duration_seconds_count{method="POST",route="/api/v1/invitations",status="422"}"#),
            1.0
        );
        // The route's pattern, not the id asked for.
        assert_eq!(
            count(r#"invite_http_request_duration_seconds_count{method="GET",route="/api/v1/invitations/{id}",status="200"}"#),
            1.0
        );
        assert!(!text.contains(&id), "an id became a label on {backend}");
        assert_eq!(count(r#"invite_invitations_created_total{channel="email_invitation"}"#), 1.0);
        assert_eq!(count(r#"invite_invitations_created_total{channel="batch_upload"}"#), 3.0);
        assert_eq!(count("invite_batch_rows_count"), 1.0);
        assert_eq!(count("invite_batch_rows_sum"), 3.0);
        assert_eq!(count("invite_db_up"), 1.0);
        assert_eq!(count("invite_db_pool_max_connections"), 4.0);
        assert!(count("invite_db_pool_checkouts_total") >= 5.0);
        assert_eq!(count("invite_db_outages_total"), 0.0);
        // The backlog is the database's: the TechPass requests go to the stand-in, so by now
        // nothing is due, and nothing is dead.
        assert_eq!(count("invite_outbox_dead_jobs"), 0.0);
        assert!(count("invite_outbox_pending_jobs") >= 0.0);
        assert!(count("invite_outbox_oldest_due_age_seconds") >= 0.0);
        // Metrics are no API: not under /api, no trace of a credential.
        assert!(!text.contains(&token));
    })
    .await;
}
