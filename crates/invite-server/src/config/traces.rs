//! Trace export over OTLP/HTTP, read from OpenTelemetry's standard variables so that an
//! operator's collector settings carry over unchanged. Off unless an endpoint is set.

use super::Settings;

/// How spans are encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceProtocol {
    /// `http/protobuf`, the OTLP/HTTP default.
    Protobuf,
    /// `http/json`.
    Json,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TraceExportConfig {
    /// Where spans are POSTed: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended (the specification's rule).
    pub endpoint: String,
    /// `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` or `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub protocol: TraceProtocol,
    /// `OTEL_SERVICE_NAME` (default `invite-users`).
    pub service_name: String,
    /// `OTEL_TRACES_SAMPLER_ARG` (default 1): the share of new traces kept. A request that
    /// arrives with a `traceparent` follows its caller's decision.
    pub sample_ratio: f64,
}

impl TraceExportConfig {
    pub(super) fn from_settings(settings: &Settings<'_>) -> Result<Option<Self>, String> {
        if settings.parse("OTEL_SDK_DISABLED", false)? {
            return Ok(None);
        }
        let endpoint = match (
            settings.text("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            settings.text("OTEL_EXPORTER_OTLP_ENDPOINT"),
        ) {
            (Some(traces), _) => traces,
            (None, Some(base)) => format!("{}/v1/traces", base.trim_end_matches('/')),
            (None, None) => return Ok(None),
        };
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(format!(
                "the OTLP endpoint {endpoint:?} is not an http(s) URL"
            ));
        }
        let protocol = settings
            .text("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            .or_else(|| settings.text("OTEL_EXPORTER_OTLP_PROTOCOL"));
        let protocol = match protocol.as_deref().map(str::trim) {
            None | Some("http/protobuf") => TraceProtocol::Protobuf,
            Some("http/json") => TraceProtocol::Json,
            Some(other) => {
                return Err(format!(
                    "OTEL_EXPORTER_OTLP_PROTOCOL={other:?} is not supported: traces go out over \
                     OTLP/HTTP, as http/protobuf (the default; a collector's port 4318) or \
                     http/json"
                ));
            }
        };
        let sample_ratio: f64 = settings.parse("OTEL_TRACES_SAMPLER_ARG", 1.0)?;
        if !(0.0..=1.0).contains(&sample_ratio) {
            return Err(format!(
                "OTEL_TRACES_SAMPLER_ARG={sample_ratio} must be between 0 and 1"
            ));
        }
        Ok(Some(Self {
            endpoint,
            protocol,
            service_name: settings
                .text("OTEL_SERVICE_NAME")
                .unwrap_or_else(|| "invite-users".into()),
            sample_ratio,
        }))
    }
}
