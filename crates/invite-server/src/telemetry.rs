//! Trace ids, request logs and problem rendering.
//!
//! Every request gets a trace id (from a W3C `traceparent` header, else random), a tracing span
//! that carries it, and an `X-Trace-Id` response header. Error responses leave here as
//! problem+json with the same `trace_id`, whether they came from our `ApiError` or from actix.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use invite_core::api::Problem;
use tracing::Instrument;

use crate::config::Config;
use crate::error::{PROBLEM_BASE, ProblemSpec};
use crate::state::AppState;
use crate::trace_export::{self, TraceExport, Traceparent};
use opentelemetry_sdk::trace::SdkTracer;

/// The current request's trace id, readable by handlers through `web::ReqData<TraceId>`.
#[derive(Debug, Clone)]
pub struct TraceId(pub String);

pub fn init_logging(format: &str) {
    init_logging_to(format, std::io::stdout);
}

/// [`init_logging`] writing to `writer` (tests capture the logs this way).
pub fn init_logging_to<W>(format: &str, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    install(format, writer, None);
}

/// Logs as `config` says, and, when `config.traces` is set, exports traces too: the returned
/// [`TraceExport`] must be shut down when the server stops, to send the last spans.
pub fn init(config: &Config) -> Result<Option<TraceExport>, String> {
    let Some(traces) = &config.traces else {
        init_logging(&config.log_format);
        return Ok(None);
    };
    let (export, tracer) = TraceExport::start(traces)?;
    install(&config.log_format, std::io::stdout, Some(tracer));
    Ok(Some(export))
}

fn install<W>(format: &str, writer: W, tracer: Option<SdkTracer>)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,actix_server=warn".into());
    let logs = tracing_subscriber::fmt::layer().with_writer(writer);
    let logs: Box<dyn tracing_subscriber::Layer<_> + Send + Sync> = if format == "json" {
        Box::new(logs.json().flatten_event(true).with_current_span(true))
    } else {
        Box::new(logs.fmt_fields(escaped_fields()))
    };
    let traces = tracer.map(|tracer| {
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            // Thread and source-location attributes on every span are noise in a trace view.
            .with_threads(false)
            .with_location(false)
    });
    // try_init: tests start many servers in one process; the first subscriber wins.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init();
}

/// Text logs' fields with control characters escaped (`\n`, `\u{1b}`): a value a caller
/// chose (a token's `kid`, an upstream's answer) cannot start a forged log line or drive the
/// terminal. (JSON logs are escaped by JSON itself.)
fn escaped_fields() -> impl for<'w> tracing_subscriber::fmt::FormatFields<'w> {
    use tracing_subscriber::field::MakeExt;
    tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        let text = escape_controls(&format!("{value:?}"));
        if field.name() == "message" {
            write!(writer, "{text}")
        } else {
            write!(writer, "{field}={text}")
        }
    })
    .delimited(" ")
}

fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn new_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

pub async fn trace_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let caller = req
        .headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(Traceparent::parse);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let support_email = state
        .as_ref()
        .map(|state| state.config.support_email.clone())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        otel.kind = "server",
        trace_id = tracing::field::Empty,
        method = %req.method(),
        path = %req.path(),
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    // The exported trace's id when traces are exported; else the caller's, else a new one.
    let trace_id = trace_export::join_trace(&span, caller.as_ref())
        .or_else(|| caller.map(|c| c.trace_id))
        .unwrap_or_else(new_trace_id);
    span.record("trace_id", trace_id.as_str());
    req.extensions_mut().insert(TraceId(trace_id.clone()));
    // The stand-ins' pages and answers (`/dev/…`) and the invitation link's pages (`/accept/…`)
    // are not our API: their error bodies stay as they are.
    let own_body = req.path().starts_with("/dev/") || req.path().starts_with("/accept/");
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    // Handlers' and extractors' errors arrive here as responses. Only a failing middleware
    // inside this one could return `Err`; there is none, and holding a clone of the request to
    // render one would break actix's request pooling (it needs the request uniquely owned).
    let response = crate::security::deadline::answer_timeouts(result?.map_into_boxed_body());
    let response = render_problem(response, &trace_id, &support_email, own_body);
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    let request = response.request();
    // The route's pattern, not the path: ids must not make a series (or a span name) each.
    let route = request.match_pattern();
    let route = route.as_deref().unwrap_or("unmatched");
    if let Some(state) = &state {
        state
            .metrics
            .request(request.method().as_str(), route, status, elapsed);
    }
    trace_export::rename(&span, || format!("{} {route}", request.method()));
    span.record("http.response.status_code", status);
    if status >= 500 {
        span.record("otel.status_code", "ERROR");
    }
    let elapsed_ms = elapsed * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, elapsed_ms, "request finished");
        } else {
            tracing::info!(status, elapsed_ms, "request finished");
        }
    });
    Ok(response)
}

/// Adds `X-Trace-Id`, and makes sure every error body is problem+json carrying that id (except
/// `own_body` ones: the stand-ins').
fn render_problem(
    mut response: ServiceResponse<BoxBody>,
    trace_id: &str,
    support_email: &str,
    own_body: bool,
) -> ServiceResponse<BoxBody> {
    if let Ok(value) = HeaderValue::from_str(trace_id) {
        response
            .headers_mut()
            .insert("x-trace-id".parse().expect("static name"), value);
    }
    let status = response.status();
    if own_body || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let spec = response
        .response()
        .extensions()
        .get::<ProblemSpec>()
        .cloned();
    let spec = spec.unwrap_or_else(|| default_spec(status));
    let problem = Problem {
        problem_type: format!("{PROBLEM_BASE}{}", spec.slug),
        title: spec.title.to_owned(),
        status: status.as_u16(),
        detail: spec.detail,
        trace_id: trace_id.to_owned(),
        support_email: support_email.to_owned(),
        errors: spec.errors,
    };
    let body = serde_json::to_string(&problem).unwrap_or_default();
    response.map_body(|head, _| {
        head.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        head.headers.remove(actix_web::http::header::CONTENT_LENGTH);
        // Compression ran inside this middleware; the new body is plain JSON.
        head.headers
            .remove(actix_web::http::header::CONTENT_ENCODING);
        BoxBody::new(body)
    })
}

/// Problems for errors actix produced itself (no route, wrong method, …).
fn default_spec(status: StatusCode) -> ProblemSpec {
    let (slug, title, detail) = match status {
        StatusCode::NOT_FOUND => (
            "not-found",
            "Not found",
            "There is nothing at this address.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "Method not allowed",
            "This address does not accept this method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload-too-large",
            "Payload too large",
            "The request body is too large.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported-media-type",
            "Unsupported media type",
            "Send the body as application/json.",
        ),
        s if s.is_server_error() => (
            "internal",
            "Something went wrong",
            "The server could not complete the request. Quote the trace id to support.",
        ),
        _ => (
            "bad-request",
            "The request is malformed",
            "The request could not be understood.",
        ),
    };
    ProblemSpec {
        slug,
        title,
        detail: detail.to_owned(),
        errors: vec![],
    }
}

/// Actix's default 404 for unknown `/api` paths, as a response the middleware can render.
pub async fn api_not_found() -> HttpResponse {
    HttpResponse::NotFound().finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_chosen_value_cannot_forge_a_text_log_line() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .fmt_fields(escaped_fields())
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let reason = "unknown key evil\n2026-12-03T00:00:00Z ERROR forged line \u{1b}[2J";
            tracing::info!(%reason, count = 2, "bearer token refused");
        });
        let logged = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf-8");
        assert_eq!(logged.lines().count(), 1, "{logged}");
        assert!(
            logged.contains(r"evil\n2026-12-03T00:00:00Z ERROR forged line \u{1b}[2J"),
            "{logged}"
        );
        assert!(
            logged.contains("bearer token refused") && logged.contains("count=2"),
            "{logged}"
        );
    }
}
