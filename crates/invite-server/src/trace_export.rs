//! Optional trace export over OTLP/HTTP (on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; see
//! `config::traces`). The `tracing` spans the server already makes (a request, its database
//! work, its calls to TechPass and SEED) become OpenTelemetry spans, batched and sent to the
//! operator's collector by the OpenTelemetry SDK.
//!
//! One id everywhere: the trace id a response carries (`X-Trace-Id`, a problem's `trace_id`, the
//! SPA's error notification, every log line of the request) is the exported trace's id, so
//! pasting it into the tracing UI opens the whole request. A caller's `traceparent` is joined;
//! our calls upstream carry one of their own.
//!
//! The SDK exports from a thread of its own, driving the exporter's future with a plain
//! executor; the HTTP client is therefore reqwest's blocking client (the crate the server
//! already uses, rather than the exporter's default, another reqwest major version).

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider as _,
};
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::config::{TraceExportConfig, TraceProtocol};

/// The longest one export may take, connect to last byte.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The running export; [`TraceExport::shutdown`] sends what is still buffered.
pub struct TraceExport {
    provider: SdkTracerProvider,
}

impl TraceExport {
    /// Starts the SDK's batch exporter; returns it with the tracer the `tracing` layer feeds.
    pub fn start(config: &TraceExportConfig) -> Result<(TraceExport, SdkTracer), String> {
        let protocol = match config.protocol {
            TraceProtocol::Protobuf => Protocol::HttpBinary,
            TraceProtocol::Json => Protocol::HttpJson,
        };
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(&config.endpoint)
            .with_protocol(protocol)
            .with_timeout(EXPORT_TIMEOUT)
            .with_http_client(ExportClient::default())
            .build()
            .map_err(|e| format!("OTLP trace export: {e}"))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
                config.sample_ratio,
            ))))
            .with_resource(
                Resource::builder()
                    .with_service_name(config.service_name.clone())
                    .build(),
            )
            .build();
        let tracer = provider.tracer("invite-server");
        Ok((TraceExport { provider }, tracer))
    }

    /// Exports the spans still buffered and stops. Blocks until the collector answered (or
    /// the export timed out): call it off the async runtime.
    pub fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("trace export did not finish: {error}");
        }
    }
}

/// A W3C `traceparent` a caller sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Traceparent {
    /// 32 lower-case hex digits.
    pub trace_id: String,
    parent_id: String,
    sampled: bool,
}

impl Traceparent {
    /// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`; `None` unless well formed.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.trim().split('-');
        let (version, trace_id, parent_id, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
        let nonzero = |s: &str| s.bytes().any(|b| b != b'0');
        let valid = hex(version, 2)
            && version != "ff"
            && hex(trace_id, 32)
            && nonzero(trace_id)
            && hex(parent_id, 16)
            && nonzero(parent_id)
            && hex(flags, 2);
        valid.then(|| Self {
            trace_id: trace_id.to_ascii_lowercase(),
            parent_id: parent_id.to_ascii_lowercase(),
            sampled: u8::from_str_radix(flags, 16).is_ok_and(|f| f & 1 == 1),
        })
    }

    fn span_context(&self) -> Option<SpanContext> {
        let flags = if self.sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        Some(SpanContext::new(
            TraceId::from_hex(&self.trace_id).ok()?,
            SpanId::from_hex(&self.parent_id).ok()?,
            flags,
            true,
            TraceState::default(),
        ))
    }
}

/// Makes `span` (a request's or a delivery attempt's, not yet entered) part of the caller's
/// trace, and returns the exported trace's id; `None` when traces are not exported.
pub fn join_trace(span: &tracing::Span, caller: Option<&Traceparent>) -> Option<String> {
    if let Some(parent) = caller.and_then(Traceparent::span_context) {
        // Fails only when no OpenTelemetry layer is installed: then nothing is exported.
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(parent));
    }
    exported(span).map(|exported| exported.trace_id().to_string())
}

/// Names an exported span once its name is known (a request's route is known only after
/// routing); a no-op, and nothing formatted, when traces are not exported.
pub fn rename(span: &tracing::Span, name: impl FnOnce() -> String) {
    let context = span.context();
    let exported = context.span();
    if exported.span_context().is_valid() {
        exported.update_name(name());
    }
}

/// The `traceparent` header that continues `span`'s trace in a call we make, if it is exported.
pub fn traceparent(span: &tracing::Span) -> Option<String> {
    exported(span).map(|exported| {
        format!(
            "00-{}-{}-{:02x}",
            exported.trace_id(),
            exported.span_id(),
            exported.trace_flags().to_u8()
        )
    })
}

/// `span`'s OpenTelemetry identity, when traces are exported.
fn exported(span: &tracing::Span) -> Option<SpanContext> {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context.is_valid().then_some(span_context)
}

/// The exporter's HTTP client: reqwest's blocking client, built on the SDK's export thread on
/// first use (a blocking client must not be made or dropped on an async runtime's thread).
#[derive(Debug, Default)]
struct ExportClient(OnceLock<Result<reqwest::blocking::Client, String>>);

#[async_trait::async_trait]
impl HttpClient for ExportClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self
            .0
            .get_or_init(|| {
                reqwest::blocking::Client::builder()
                    .timeout(EXPORT_TIMEOUT)
                    .user_agent(concat!("invite-users/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| HttpError::from(e.clone()))?;
        let response = client.execute(request.try_into()?)?;
        let mut answer = Response::builder().status(response.status());
        if let Some(headers) = answer.headers_mut() {
            headers.extend(response.headers().clone());
        }
        Ok(answer.body(response.bytes()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_is_taken_only_when_well_formed() {
        let parsed = Traceparent::parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")
            .expect("valid");
        assert_eq!(parsed.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(parsed.sampled);
        let context = parsed.span_context().expect("context");
        assert!(context.is_valid() && context.is_remote() && context.is_sampled());
        assert_eq!(context.span_id().to_string(), "00f067aa0ba902b7");
        let unsampled =
            Traceparent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                .expect("valid");
        assert!(!unsampled.sampled);
        for bad in [
            "garbage",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-xyz-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert_eq!(Traceparent::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn without_an_exporter_no_trace_is_joined_and_nothing_is_propagated() {
        let span = tracing::info_span!("request");
        let caller = Traceparent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert_eq!(join_trace(&span, caller.as_ref()), None);
        assert_eq!(traceparent(&span), None);
    }
}
