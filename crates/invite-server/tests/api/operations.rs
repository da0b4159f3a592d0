use crate::support::{TestApp, on_each_backend};

#[tokio::test]
async fn health_and_readiness_answer_200_with_a_trace_id() {
    on_each_backend(|app| async move {
        for path in ["/healthz", "/readyz"] {
            let response = app.client.get(app.url(path)).send().await.expect("request");
            assert_eq!(response.status(), 200, "{path} on {}", app.backend);
            assert!(response.headers().contains_key("x-trace-id"));
        }
    })
    .await;
}

#[tokio::test]
async fn swagger_ui_and_the_openapi_document_are_served_offline() {
    let app = TestApp::spawn_sqlite().await;
    let spec = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(spec.status(), 200);
    let spec: serde_json::Value = spec.json().await.expect("json");
    assert_eq!(spec["info"]["title"], "Invite Users API");
    let redirect = app
        .client
        .get(app.url("/swagger-ui"))
        .send()
        .await
        .expect("request");
    assert_eq!(redirect.status(), 308);
    let ui = app
        .client
        .get(app.url("/swagger-ui/"))
        .send()
        .await
        .expect("request");
    assert_eq!(ui.status(), 200);
    let html = ui.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "Swagger UI page");
    assert!(
        !html.contains("unpkg.com") && !html.contains("cdn."),
        "no CDN"
    );
}

#[tokio::test]
async fn every_response_reuses_the_trace_id_of_an_incoming_traceparent() {
    let app = TestApp::spawn_sqlite().await;
    let response = app
        .client
        .get(app.url("/api/v1/invitations"))
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.headers()["x-trace-id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let problem = crate::support::assert_problem(response, 401).await;
    assert_eq!(problem["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
}

/// CI sets `REQUIRE_POSTGRES=1`: then the suite must have a PostgreSQL to run on, so that it
/// cannot pass on SQLite alone by accident.
#[test]
fn postgres_is_configured_when_ci_requires_it() {
    if std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        let url = crate::support::postgres_url()
            .expect("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
        invite_server::db::establish_postgres(&url)
            .expect("PostgreSQL at TEST_DATABASE_URL answers");
    }
}
