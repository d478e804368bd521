//! Logging, traces and metrics set-up.

use std::collections::HashSet;
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{fmt, prelude::*, EnvFilter, Layer};

use crate::config::{LogConfig, LogFormat};
use crate::telemetry::{self, TraceSettings};

/// Install the global tracing subscriber (once, from `main`): log lines to stdout at the
/// configured level and, when `traces` is given, spans to OpenTelemetry. The tracer provider
/// returned must be handed to [`telemetry::shutdown`] at exit, so the last spans are sent.
pub fn init_logging(
    config: &LogConfig,
    traces: Option<&TraceSettings>,
) -> anyhow::Result<Option<SdkTracerProvider>> {
    let filter = EnvFilter::try_new(&config.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let provider = traces.map(telemetry::install).transpose()?;
    let result = match telemetry::tracer().filter(|_| provider.is_some()) {
        // As before tracing existed: one filter for the whole subscriber, so spans and events
        // below the log level are never made.
        None => tracing_subscriber::registry()
            .with(filter)
            .with(log_layer(config.format))
            .try_init(),
        // Spans go to OpenTelemetry whatever the log level: a quiet log still gets whole traces.
        Some(tracer) => tracing_subscriber::registry()
            .with(log_layer(config.format).with_filter(filter))
            .with(
                tracing_opentelemetry::layer()
                    .with_tracer(tracer.clone())
                    .with_filter(
                        Targets::new()
                            .with_target("minibase", Level::INFO)
                            .with_target("minibase_wechat", Level::INFO),
                    ),
            )
            .try_init(),
    };
    if let Err(err) = result {
        eprintln!("logging was already initialised: {err}");
    }
    Ok(provider)
}

/// The log-line writer: JSON objects or readable lines, with the trace id when there is one.
fn log_layer<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    match format {
        LogFormat::Json => fmt::layer()
            .json()
            .event_format(TraceIdFormat {
                inner: fmt::format()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false),
                json: true,
            })
            .boxed(),
        LogFormat::Pretty => fmt::layer()
            .event_format(TraceIdFormat {
                inner: fmt::format().compact(),
                json: false,
            })
            .boxed(),
    }
}

/// Puts the trace id into every log line written inside a trace (`"trace_id"` first in JSON,
/// `trace_id=` last in the readable format), so a log search finds a trace and the reverse.
/// Without tracing it adds nothing and costs one atomic load.
struct TraceIdFormat<F> {
    inner: F,
    json: bool,
}

impl<S, N, F> FormatEvent<S, N> for TraceIdFormat<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let Some(trace_id) = telemetry::current_trace_id() else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        match (self.json, line.strip_prefix('{')) {
            (true, Some(rest)) => write!(writer, "{{\"trace_id\":\"{trace_id}\",{rest}"),
            _ => {
                let body = line.strip_suffix('\n').unwrap_or(&line);
                writeln!(writer, "{body} trace_id={trace_id}")
            }
        }
    }
}

/// Latency buckets in seconds. Explicit buckets render as Prometheus histograms (not summaries),
/// which can be aggregated across nodes.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process-wide Prometheus recorder. Installed on first use; several apps in one process
/// (tests) share it.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = [
            "http_request_duration_seconds",
            "wechat_call_duration_seconds",
            "job_duration_seconds",
        ]
        .into_iter()
        .try_fold(PrometheusBuilder::new(), |builder, name| {
            builder.set_buckets_for_metric(Matcher::Full(name.to_string()), LATENCY_BUCKETS)
        })
        .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
        }
        // Histogram samples queue up until upkeep drains them; without it a node nobody scrapes
        // grows by every request's sample (found by the benchmark: ~17 bytes a request).
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                upkeep.run_upkeep();
            });
        if let Err(err) = spawned {
            tracing::error!(error = %err, "cannot start the metrics upkeep thread");
        }
        handle
    })
}

/// Count a request and its latency. Labels are `'static` strings, so recording allocates nothing
/// once a route has been seen (this runs on every request).
pub fn record_request(method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
    let method = method_label(method);
    let route = intern(route);
    let status = status_label(status);
    metrics::counter!("http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
    traffic::record(status_is_error(status), elapsed);
}

/// What the WeChat clients are told to report to: trace headers on every call, and
/// `wechat_calls_total` / `wechat_call_duration_seconds` by API and outcome. Here rather than in
/// `telemetry`, which stays below this module (it knows traces, not metrics).
pub fn wechat_observer() -> minibase_wechat::Observer {
    minibase_wechat::Observer::new(WechatCalls)
}

struct WechatCalls;

impl minibase_wechat::CallObserver for WechatCalls {
    fn inject(&self, headers: &mut axum::http::HeaderMap) {
        telemetry::inject_trace_headers(headers);
    }

    fn finished(&self, api: &'static str, outcome: &str, elapsed: Duration) {
        record_wechat_call(api, outcome, elapsed);
    }
}

/// Count one HTTP call to WeChat or WeChat Pay (each attempt) by API and errcode (`0`: success;
/// `timeout`, `network`, `http_<status>` for failures without one), and its latency by API.
pub fn record_wechat_call(api: &'static str, errcode: &str, elapsed: Duration) {
    let errcode = intern(errcode);
    metrics::counter!("wechat_calls_total", "api" => api, "errcode" => errcode).increment(1);
    metrics::histogram!("wechat_call_duration_seconds", "api" => api).record(elapsed.as_secs_f64());
}

fn status_is_error(status: &str) -> bool {
    status.starts_with('5')
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Labels are interned: route templates are fixed by the router (unmatched paths share one
/// label) and status codes are few, so what is leaked is bounded.
fn intern(label: &str) -> &'static str {
    static LABELS: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();
    let labels = LABELS.get_or_init(Default::default);
    if let Some(found) = labels
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(label)
    {
        return found;
    }
    let mut labels = labels.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = labels.get(label) {
        return found;
    }
    let interned: &'static str = Box::leak(label.into());
    labels.insert(interned);
    interned
}

fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200 => "200",
        201 => "201",
        204 => "204",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        409 => "409",
        422 => "422",
        429 => "429",
        500 => "500",
        503 => "503",
        // Rarer codes: at most a few hundred distinct values exist.
        _ => intern(status.as_str()),
    }
}

/// The node's own request rate, latency and error rate over the last two hours, for the admin
/// console's dashboard: a ring of one-minute buckets in memory (Prometheus keeps the real
/// history; this is what a console can show without one). Per node, and empty after a restart.
pub mod traffic {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use serde::Serialize;
    use utoipa::ToSchema;

    /// Minutes kept.
    pub const MINUTES: usize = 120;

    struct Bucket {
        /// Minutes since the Unix epoch this bucket counts, + 1 (0: never used).
        minute: AtomicU64,
        requests: AtomicU64,
        errors: AtomicU64,
        latency_micros: AtomicU64,
    }

    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: Bucket = Bucket {
        minute: AtomicU64::new(0),
        requests: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        latency_micros: AtomicU64::new(0),
    };

    static RING: [Bucket; MINUTES] = [EMPTY; MINUTES];

    fn now_minute() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / 60)
    }

    /// Count one request (lock-free: a few atomic adds). `error`: it ended in a 5xx.
    pub fn record(error: bool, elapsed: Duration) {
        let minute = now_minute();
        let bucket = &RING[(minute % MINUTES as u64) as usize];
        let stamp = minute + 1;
        let seen = bucket.minute.load(Ordering::Acquire);
        if seen != stamp
            && bucket
                .minute
                .compare_exchange(seen, stamp, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            // This request opened the minute: clear what the bucket held two hours ago. A
            // request of the same minute counted between the swap and here is lost, which a
            // dashboard can afford.
            bucket.requests.store(0, Ordering::Release);
            bucket.errors.store(0, Ordering::Release);
            bucket.latency_micros.store(0, Ordering::Release);
        }
        bucket.requests.fetch_add(1, Ordering::AcqRel);
        if error {
            bucket.errors.fetch_add(1, Ordering::AcqRel);
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        bucket.latency_micros.fetch_add(micros, Ordering::AcqRel);
    }

    /// One minute of traffic on this node.
    #[derive(Debug, Clone, Serialize, ToSchema)]
    pub struct TrafficSample {
        /// The minute's start (RFC 3339, UTC).
        pub minute: chrono::DateTime<chrono::Utc>,
        pub requests: u64,
        /// Requests answered with a 5xx.
        pub errors: u64,
        /// `errors / requests` (0 without requests).
        pub error_rate: f64,
        /// Mean latency in milliseconds (0 without requests).
        pub mean_latency_ms: f64,
    }

    /// The last `MINUTES` minutes, oldest first, minutes without traffic included as zeros.
    pub fn samples() -> Vec<TrafficSample> {
        let current = now_minute();
        (0..MINUTES as u64)
            .rev()
            .filter_map(|ago| current.checked_sub(ago))
            .map(|minute| {
                let bucket = &RING[(minute % MINUTES as u64) as usize];
                let (requests, errors, micros) =
                    if bucket.minute.load(Ordering::Acquire) == minute + 1 {
                        (
                            bucket.requests.load(Ordering::Acquire),
                            bucket.errors.load(Ordering::Acquire),
                            bucket.latency_micros.load(Ordering::Acquire),
                        )
                    } else {
                        (0, 0, 0)
                    };
                let start = i64::try_from(minute * 60).unwrap_or_default();
                TrafficSample {
                    minute: chrono::DateTime::from_timestamp(start, 0).unwrap_or_default(),
                    requests,
                    errors,
                    error_rate: if requests == 0 {
                        0.0
                    } else {
                        errors as f64 / requests as f64
                    },
                    mean_latency_ms: if requests == 0 {
                        0.0
                    } else {
                        micros as f64 / requests as f64 / 1000.0
                    },
                }
            })
            .collect()
    }
}
