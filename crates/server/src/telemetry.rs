//! OpenTelemetry traces, exported over OTLP/HTTP (protobuf) and configured only by the standard
//! `OTEL_*` variables: off unless an endpoint is set. Incoming W3C `traceparent` headers become
//! the parent of the request's span; outgoing WeChat and WeChat Pay calls carry the trace on.
//!
//! Off, nothing here runs on the request path but one relaxed atomic load ([`enabled`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use opentelemetry_sdk::Resource;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The values of `OTEL_TRACES_SAMPLER` the SDK implements.
const SAMPLERS: &[&str] = &[
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
];

/// How long shutdown waits for the last spans to be sent.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest SQL text kept on a database span.
const MAX_STATEMENT_CHARS: usize = 2048;

static ENABLED: AtomicBool = AtomicBool::new(false);
static TRACER: OnceLock<Tracer> = OnceLock::new();

/// Whether traces are exported (an OTLP endpoint is configured).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// What the `OTEL_*` variables ask for, checked once at start.
#[derive(Debug, Clone)]
pub struct TraceSettings {
    /// Where spans go (for the start-up log line).
    pub endpoint: String,
}

/// A bad `OTEL_*` value, naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {problem}")]
pub struct TelemetryError {
    pub var: &'static str,
    pub problem: String,
}

fn bad(var: &'static str, problem: impl Into<String>) -> TelemetryError {
    TelemetryError {
        var,
        problem: problem.into(),
    }
}

impl TraceSettings {
    /// Read and check the standard variables: `None` when tracing is off (no endpoint,
    /// `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`).
    pub fn from_env() -> Result<Option<Self>, TelemetryError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// [`TraceSettings::from_env`] over any source of variables (tests).
    pub fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, TelemetryError> {
        if let Some(disabled) = var("OTEL_SDK_DISABLED") {
            match disabled.trim().to_ascii_lowercase().as_str() {
                "true" => return Ok(None),
                "false" => {}
                other => {
                    return Err(bad(
                        "OTEL_SDK_DISABLED",
                        format!("'{other}' is not true or false"),
                    ))
                }
            }
        }
        if let Some(exporter) = var("OTEL_TRACES_EXPORTER") {
            match exporter.trim() {
                "none" => return Ok(None),
                "otlp" => {}
                other => {
                    return Err(bad(
                        "OTEL_TRACES_EXPORTER",
                        format!("'{other}' is not supported; use otlp or none"),
                    ))
                }
            }
        }
        for protocol_var in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Some(protocol) = var(protocol_var) {
                if protocol.trim() != "http/protobuf" {
                    return Err(bad(
                        if protocol_var.contains("TRACES") {
                            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
                        } else {
                            "OTEL_EXPORTER_OTLP_PROTOCOL"
                        },
                        format!("'{protocol}' is not supported; Minibase sends http/protobuf"),
                    ));
                }
            }
        }
        if let Some(sampler) = var("OTEL_TRACES_SAMPLER") {
            let sampler = sampler.trim();
            if !SAMPLERS.contains(&sampler) {
                return Err(bad(
                    "OTEL_TRACES_SAMPLER",
                    format!("'{sampler}' is not one of {}", SAMPLERS.join(", ")),
                ));
            }
            if sampler.ends_with("traceidratio") {
                if let Some(arg) = var("OTEL_TRACES_SAMPLER_ARG") {
                    match arg.trim().parse::<f64>() {
                        Ok(ratio) if (0.0..=1.0).contains(&ratio) => {}
                        _ => {
                            return Err(bad(
                                "OTEL_TRACES_SAMPLER_ARG",
                                format!("'{arg}' is not a ratio between 0 and 1"),
                            ))
                        }
                    }
                }
            }
        }
        let (endpoint_var, endpoint) = match var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            Some(endpoint) => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint),
            None => match var("OTEL_EXPORTER_OTLP_ENDPOINT") {
                Some(endpoint) => ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
                None => return Ok(None),
            },
        };
        match url::Url::parse(endpoint.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            _ => {
                return Err(bad(
                    endpoint_var,
                    format!("'{endpoint}' is not an http(s) URL like http://127.0.0.1:4318"),
                ))
            }
        }
        Ok(Some(Self {
            endpoint: endpoint.trim().to_string(),
        }))
    }
}

/// Build the exporter and the tracer provider, and make them the process's. The exporter reads
/// the endpoint, headers, timeout and compression from the `OTEL_EXPORTER_OTLP_*` variables;
/// the sampler comes from `OTEL_TRACES_SAMPLER`; the service name from `OTEL_SERVICE_NAME`
/// (default `minibase`). `_settings` is the proof that they were checked.
pub fn install(_settings: &TraceSettings) -> anyhow::Result<SdkTracerProvider> {
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .build()?;
    let detected = Resource::builder().build();
    let named = detected
        .get(&opentelemetry::Key::from_static_str("service.name"))
        .is_some_and(|name| !name.as_str().starts_with("unknown_service"));
    let mut resource = Resource::builder()
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if !named {
        resource = resource.with_service_name("minibase");
    }
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());
    let tracer = opentelemetry::trace::TracerProvider::tracer(&provider, "minibase");
    let _ = TRACER.set(tracer);
    ENABLED.store(true, Ordering::Relaxed);
    Ok(provider)
}

/// The tracer spans are made with (set by [`install`]).
pub fn tracer() -> Option<&'static Tracer> {
    TRACER.get()
}

/// Send what is buffered and stop exporting: run at shutdown, outside the async runtime (the
/// exporter's HTTP client blocks).
pub fn shutdown(provider: SdkTracerProvider) {
    ENABLED.store(false, Ordering::Relaxed);
    if let Err(err) = provider.shutdown_with_timeout(FLUSH_TIMEOUT) {
        eprintln!("minibase: sending the last spans failed: {err}");
    }
}

/// The trace of the code running now, when tracing is on and there is one (for log lines).
pub fn current_trace_id() -> Option<opentelemetry::TraceId> {
    if !enabled() {
        return None;
    }
    Context::map_current(|cx| {
        let span = cx.span();
        let context = span.span_context();
        context.is_valid().then(|| context.trace_id())
    })
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

struct HeaderInjector<'a>(&'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Make the request's span an OpenTelemetry server span, child of the caller's `traceparent`
/// when it sent a valid one. Call before the span is first entered; only when [`enabled`].
pub fn start_server_span(span: &tracing::Span, method: &Method, route: &str, headers: &HeaderMap) {
    span.record("otel.name", format!("{method} {route}"));
    span.record("otel.kind", "server");
    if headers.contains_key("traceparent") {
        let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
    }
}

/// Record the answer's status on the request's span (5xx marks it an error).
pub fn finish_server_span(span: &tracing::Span, status: StatusCode) {
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
}

/// One database statement as a client span under the current one, made after the fact from the
/// pool's timing (sea-orm reports each statement once it has run). Statements outside any trace
/// (the job worker's polling) make no span.
pub fn record_statement(system: &'static str, sql: &str, elapsed: Duration, failed: bool) {
    let Some(tracer) = tracer().filter(|_| enabled()) else {
        return;
    };
    let parent = Context::current();
    if !parent.span().span_context().is_valid() {
        return;
    }
    let end = SystemTime::now();
    let start = end.checked_sub(elapsed).unwrap_or(end);
    let operation = sql
        .split_whitespace()
        .next()
        .unwrap_or("QUERY")
        .to_ascii_uppercase();
    let text: String = sql.chars().take(MAX_STATEMENT_CHARS).collect();
    let mut span = tracer
        .span_builder(format!("db {operation}"))
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_attributes([
            KeyValue::new("db.system.name", system),
            KeyValue::new("db.operation.name", operation),
            KeyValue::new("db.query.text", text),
        ])
        .start_with_context(tracer, &parent);
    if failed {
        span.set_status(Status::error("statement failed"));
    }
    span.end_with_timestamp(end);
}

/// Put the current span's trace context on an outgoing call's headers (when tracing is on).
pub fn inject_trace_headers(headers: &mut HeaderMap) {
    if enabled() {
        let cx = tracing::Span::current().context();
        TraceContextPropagator::new().inject_context(&cx, &mut HeaderInjector(headers));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Option<TraceSettings>, TelemetryError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TraceSettings::from_lookup(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn off_unless_an_endpoint_is_set() {
        assert!(settings(&[]).unwrap().is_none());
        assert!(settings(&[("OTEL_SERVICE_NAME", "x")]).unwrap().is_none());
        let on = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")]).unwrap();
        assert_eq!(on.unwrap().endpoint, "http://127.0.0.1:4318");
        let off = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_SDK_DISABLED", "true"),
        ]);
        assert!(off.unwrap().is_none());
        let none = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ]);
        assert!(none.unwrap().is_none());
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318")],
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ),
            (
                &[
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
                    ("OTEL_TRACES_SAMPLER", "sometimes"),
                ],
                "OTEL_TRACES_SAMPLER",
            ),
            (
                &[
                    ("OTEL_TRACES_SAMPLER", "traceidratio"),
                    ("OTEL_TRACES_SAMPLER_ARG", "2"),
                ],
                "OTEL_TRACES_SAMPLER_ARG",
            ),
            (
                &[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")],
                "OTEL_EXPORTER_OTLP_PROTOCOL",
            ),
            (
                &[("OTEL_TRACES_EXPORTER", "zipkin")],
                "OTEL_TRACES_EXPORTER",
            ),
        ];
        for (vars, named) in cases {
            let err = settings(vars).expect_err(named);
            assert_eq!(err.var, *named);
        }
        assert!(settings(&[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
        ])
        .is_ok());
    }
}
