//! Hooks for the application's telemetry. The crate depends on no tracing backend and no
//! metrics library: every HTTP call to WeChat or WeChat Pay runs in a `tracing` span named
//! `wechat.call`, and an [`Observer`], when configured, may add headers to the request (a W3C
//! `traceparent`) and is told how each attempt ended.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;

/// Told about every HTTP call the clients make.
pub trait CallObserver: Send + Sync + 'static {
    /// Add headers to an outgoing request (for example W3C `traceparent`). Called inside the
    /// call's span.
    fn inject(&self, _headers: &mut HeaderMap) {}

    /// One attempt ended. `api` is the endpoint's path template (`/sns/jscode2session`,
    /// `/v3/pay/transactions/out-trade-no/{out_trade_no}`); `outcome` is `0` on success,
    /// WeChat's errcode or WeChat Pay's error code, or one of `timeout`, `network`,
    /// `http_<status>`, `decode`.
    fn finished(&self, _api: &'static str, _outcome: &str, _elapsed: Duration) {}
}

/// A shared [`CallObserver`], as the clients' settings hold it.
#[derive(Clone)]
pub struct Observer(pub Arc<dyn CallObserver>);

impl Observer {
    /// Wrap `observer`.
    pub fn new(observer: impl CallObserver) -> Self {
        Self(Arc::new(observer))
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

/// The span every attempt runs in. `otel.*` fields name and classify it for OpenTelemetry
/// bridges; `wechat.outcome` is recorded when the attempt ends.
pub(crate) fn call_span(method: &'static str, api: &'static str) -> tracing::Span {
    tracing::info_span!(
        "wechat.call",
        otel.name = %format_args!("wechat {api}"),
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        http.request.method = method,
        wechat.api = api,
        wechat.outcome = tracing::field::Empty,
    )
}

/// Record how an attempt ended, on its span and with the observer.
pub(crate) fn finish(
    observer: Option<&Observer>,
    span: &tracing::Span,
    api: &'static str,
    outcome: &str,
    elapsed: Duration,
) {
    span.record("wechat.outcome", outcome);
    if outcome != "0" {
        span.record("otel.status_code", "error");
    }
    if let Some(observer) = observer {
        observer.0.finished(api, outcome, elapsed);
    }
}

/// The headers an observer adds, made inside `span` (empty without an observer: no allocation).
pub(crate) fn injected(observer: Option<&Observer>, span: &tracing::Span) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(observer) = observer {
        span.in_scope(|| observer.0.inject(&mut headers));
    }
    headers
}
