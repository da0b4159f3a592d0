//! Trace export over OTLP: the server binary, pointed at a collector (a mock that keeps what it
//! receives, decoded here as a collector would), exports the spans of its requests and
//! deliveries under the trace id its responses carry, joins a caller's `traceparent`, carries
//! a create's trace on to its deliveries, and continues the trace in its calls to TechPass. What is still buffered at SIGTERM is sent
//! before the process exits.

use std::collections::HashMap;
use std::time::Duration;

use invite_server::config::Config;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::server_process::ServerProcess;
use crate::support::upstreams;
use crate::support::{TestApp, officer_invite};

/// One exported span, as read back from the collector's requests.
#[derive(Debug, Clone)]
struct Exported {
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    name: String,
    kind: i32,
    attributes: HashMap<String, String>,
    service: String,
}

fn text_of(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// Every span the collector received, decoding each body as OTLP/HTTP protobuf.
async fn exported(collector: &MockServer) -> Vec<Exported> {
    let mut spans = Vec::new();
    for request in collector.received_requests().await.unwrap_or_default() {
        assert_eq!(request.url.path(), "/v1/traces");
        assert_eq!(
            request
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/x-protobuf"),
            "the default protocol is http/protobuf"
        );
        let export = ExportTraceServiceRequest::decode(request.body.as_slice())
            .expect("an OTLP protobuf export");
        for resource in export.resource_spans {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .map(|kv| text_of(kv.value.as_ref()))
                .unwrap_or_default();
            for span in resource.scope_spans.into_iter().flat_map(|s| s.spans) {
                spans.push(Exported {
                    trace_id: hex::encode(&span.trace_id),
                    span_id: hex::encode(&span.span_id),
                    parent_span_id: hex::encode(&span.parent_span_id),
                    name: span.name,
                    kind: span.kind,
                    attributes: span
                        .attributes
                        .iter()
                        .map(|kv| (kv.key.clone(), text_of(kv.value.as_ref())))
                        .collect(),
                    service: service.clone(),
                });
            }
        }
    }
    spans
}

/// The trace id and parent span id of a `traceparent` header a mock received.
fn traceparent_of(request: &wiremock::Request) -> (String, String) {
    let value = request
        .headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .expect("the call carries a traceparent");
    let parts: Vec<&str> = value.split('-').collect();
    assert_eq!(parts.len(), 4, "{value}");
    (parts[1].to_owned(), parts[2].to_owned())
}

/// `POST /invitations` for a public officer, with the caller's `traceparent` if given.
async fn create(
    process: &ServerProcess,
    token: &str,
    email: &str,
    traceparent: Option<&str>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/invitations", process.address))
        .bearer_auth(token)
        .json(&officer_invite(email));
    if let Some(traceparent) = traceparent {
        request = request.header("traceparent", traceparent);
    }
    request.send().await.expect("create")
}

fn one<'a>(spans: &'a [Exported], what: &str, found: impl Fn(&Exported) -> bool) -> &'a Exported {
    let matching: Vec<&Exported> = spans.iter().filter(|s| found(s)).collect();
    assert_eq!(matching.len(), 1, "{what}: {matching:#?}\nall: {spans:#?}");
    matching[0]
}

#[tokio::test]
async fn requests_and_deliveries_are_exported_under_the_trace_id_the_response_carries() {
    // The test's own server only makes the database; the process under test exports.
    let app =
        TestApp::spawn_sqlite_with(|config: &mut Config| config.delivery.worker = false).await;
    let techpass = upstreams::accepting().await;
    let collector = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/traces"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&collector)
        .await;
    let mut process = ServerProcess::start_with(
        &app.database_url,
        &techpass.uri(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.uri().as_str()),
            ("OTEL_SERVICE_NAME", "invites-under-test"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let token = process.sign_in(&client, "jane_tan@tech.gov.sg").await;

    // A caller that traces its own work sends a traceparent: the server joins that trace.
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let caller = format!("00-{caller_trace}-{caller_span}-01");
    let created = create(&process, &token, "traced@tech.gov.sg", Some(&caller)).await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["x-trace-id"], caller_trace);

    // A failure without one: the problem's trace id (what the SPA's notification shows) is the
    // exported trace's.
    let refused = create(&process, &token, "traced@tech.gov.sg", None).await;
    assert_eq!(refused.status(), 409);
    let header_trace = refused.headers()["x-trace-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["trace_id"], header_trace.as_str());
    assert_ne!(header_trace, caller_trace);

    // The worker delivers the invitation to TechPass.
    upstreams::until_received(
        &techpass,
        "/v1/invitations",
        "the TechPass request delivered",
    )
    .await;
    // SIGTERM: the spans still buffered (the export runs every 5 s) are sent before exit.
    let status = process.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    let spans = exported(&collector).await;
    assert!(
        spans.iter().all(|s| s.service == "invites-under-test"),
        "{spans:#?}"
    );

    // The traced create: a server span under the caller's, its TechPass lookup a client span
    // under it, and the lookup request itself carrying that client span as its parent.
    let server = one(&spans, "the traced create", |s| {
        s.trace_id == caller_trace && s.kind == SpanKind::Server as i32
    });
    assert_eq!(server.name, "POST /api/v1/invitations");
    assert_eq!(server.parent_span_id, caller_span);
    assert_eq!(server.attributes["http.response.status_code"], "201");
    let lookup = one(&spans, "the create's TechPass lookup", |s| {
        s.trace_id == caller_trace && s.name == "TechPass POST /v1/users/lookup"
    });
    assert_eq!(lookup.kind, SpanKind::Client as i32);
    assert_eq!(lookup.parent_span_id, server.span_id);
    let commit = one(&spans, "the create's commit", |s| {
        s.trace_id == caller_trace && s.name == "group commit"
    });
    assert_eq!(commit.parent_span_id, server.span_id);
    let lookups = upstreams::received(&techpass, "/v1/users/lookup").await;
    assert!(
        lookups
            .iter()
            .any(|(r, _)| traceparent_of(r) == (caller_trace.to_owned(), lookup.span_id.clone())),
        "TechPass sees the lookup's span as its caller"
    );

    // The refused create: its own trace, under the id its problem carried.
    let refused = one(&spans, "the refused create", |s| {
        s.trace_id == header_trace && s.kind == SpanKind::Server as i32
    });
    assert_eq!(refused.name, "POST /api/v1/invitations");
    assert_eq!(refused.parent_span_id, "");
    assert_eq!(refused.attributes["http.response.status_code"], "409");

    // The sign-in read the database: a span of its request.
    let sign_in = one(&spans, "the sign-in", |s| {
        s.name == "POST /api/v1/auth/dev-login"
    });
    assert!(
        spans.iter().any(|s| s.name == "database"
            && s.trace_id == sign_in.trace_id
            && s.parent_span_id == sign_in.span_id),
        "{spans:#?}"
    );

    // The deliveries, later and by the worker, are spans of the create's trace (the job kept
    // its request's traceparent), and TechPass sees the delivery's call as its caller.
    for kind in ["email", "techpass"] {
        let delivery = one(&spans, "a delivery", |s| {
            s.name == format!("deliver {kind}")
        });
        assert_eq!(
            (delivery.trace_id.as_str(), &delivery.parent_span_id),
            (caller_trace, &server.span_id),
            "deliver {kind}"
        );
    }
    let delivery = one(&spans, "the TechPass delivery", |s| {
        s.name == "deliver techpass"
    });
    let request = one(&spans, "the delivery's TechPass call", |s| {
        s.name == "TechPass POST /v1/invitations"
    });
    assert_eq!(
        (&request.trace_id, &request.parent_span_id),
        (&delivery.trace_id, &delivery.span_id)
    );
    let delivered = upstreams::received(&techpass, "/v1/invitations").await;
    assert_eq!(
        traceparent_of(&delivered[0].0),
        (request.trace_id.clone(), request.span_id.clone())
    );
}

#[tokio::test]
async fn without_an_otlp_endpoint_nothing_is_sent_and_no_traceparent_goes_upstream() {
    let app =
        TestApp::spawn_sqlite_with(|config: &mut Config| config.delivery.worker = false).await;
    let techpass = upstreams::accepting().await;
    let mut process = ServerProcess::start(&app.database_url, &techpass.uri()).await;
    let client = reqwest::Client::new();
    let token = process.sign_in(&client, "jane_tan@tech.gov.sg").await;
    let created = create(&process, &token, "untraced@tech.gov.sg", None).await;
    assert_eq!(created.status(), 201);
    // Still a trace id for logs and support, just not exported.
    assert_eq!(created.headers()["x-trace-id"].len(), 32);
    upstreams::until_received(
        &techpass,
        "/v1/invitations",
        "the TechPass request delivered",
    )
    .await;
    assert!(process.terminate(Duration::from_secs(20)).success());
    for request in techpass.received_requests().await.unwrap_or_default() {
        assert!(
            request.headers.get("traceparent").is_none(),
            "{}",
            request.url
        );
    }
}
