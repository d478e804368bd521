//! Logging and metrics set-up.

use std::collections::HashSet;
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use crate::config::{LogConfig, LogFormat};

/// Install the global tracing subscriber (once, from `main`).
pub fn init_logging(config: &LogConfig) {
    let filter = EnvFilter::try_new(&config.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
    if let Err(err) = result {
        eprintln!("logging was already initialised: {err}");
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
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".to_string()),
                LATENCY_BUCKETS,
            )
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
