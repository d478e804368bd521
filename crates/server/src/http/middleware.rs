//! The request-context middleware: request id, tracing span, access log, metrics, timeout, and
//! the guarantee that every error response is an envelope; and the checks of the path that run
//! before routing (NUL characters, where the operators' endpoints are served).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::error::{error_response, AppError, Enveloped, ErrorCode};
use crate::http::request_id;
use crate::{observability, telemetry};

#[derive(Clone)]
pub struct RequestContext {
    pub request_timeout: Duration,
}

/// Routes that are not matched share one metrics label so that scanners cannot blow up the
/// number of time series.
const UNMATCHED_ROUTE: &str = "<unmatched>";

pub async fn request_context(
    State(ctx): State<Arc<RequestContext>>,
    req: Request,
    next: Next,
) -> Response {
    let id = request_id::from_header(req.headers().get(&request_id::HEADER))
        .unwrap_or_else(request_id::generate);
    let method = req.method().clone();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched
        .as_ref()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = %route,
        user_id = tracing::field::Empty,
        // Filled only while traces are exported (crate::telemetry).
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
    );
    let tracing_on = telemetry::enabled();
    if tracing_on {
        telemetry::start_server_span(&span, &method, route, req.headers());
    }
    let started = Instant::now();
    let timeout = ctx.request_timeout;
    // The rest of the stack runs in its own task: neither a client that hangs up nor the
    // timeout cancels a handler halfway. A dropped future can stop between two writes, and sqlx
    // 0.8 can return a connection to the pool inside a transaction when a `BEGIN` is cancelled
    // before its answer arrives (later statements of other requests then join it unseen). After
    // the timeout the caller gets its 503 and the handler still runs to its end.
    let mut handler =
        tokio::spawn(request_id::scope(id.clone(), next.run(req)).instrument(span.clone()));
    let mut response = request_id::scope(
        id.clone(),
        async move {
            match tokio::time::timeout(timeout, &mut handler).await {
                Ok(Ok(response)) => envelope_fallback(response),
                // Panics are answered inside (CatchPanicLayer); this is the runtime stopping.
                Ok(Err(err)) => {
                    tracing::error!(error = %err, "request task did not finish");
                    AppError::new(ErrorCode::Internal, "internal server error").into_response()
                }
                Err(_) => AppError::new(ErrorCode::Timeout, "request timed out").into_response(),
            }
        }
        .instrument(span.clone()),
    )
    .await;
    let elapsed = started.elapsed();
    let status = response.status();
    // Load balancers probe every node every few seconds: a healthy probe is logged at debug, so
    // the access log at info keeps what clients did.
    let healthy_probe = matches!(route, "/ping" | "/healthz" | "/readyz") && status.is_success();
    span.in_scope(|| {
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        if healthy_probe {
            tracing::debug!(status = status.as_u16(), latency_ms, "request")
        } else {
            tracing::info!(status = status.as_u16(), latency_ms, "request")
        }
    });
    if tracing_on {
        telemetry::finish_server_span(&span, status);
    }
    observability::record_request(&method, route, status, elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(request_id::HEADER.clone(), value);
    }
    response
}

/// Which of the operators' endpoints (`/metrics`, `/docs`, `/openapi.json`) and of the API a
/// listener serves, and the token the former need (`ops_*` settings).
#[derive(Clone)]
pub struct OpsPolicy {
    pub serve_ops: bool,
    /// Everything but the operators' endpoints and the health probes.
    pub serve_api: bool,
    pub token: Option<Arc<str>>,
}

fn is_ops_path(path: &str) -> bool {
    matches!(path, "/metrics" | "/openapi.json" | "/docs") || path.starts_with("/docs/")
}

fn is_probe_path(path: &str) -> bool {
    matches!(path, "/ping" | "/healthz" | "/readyz")
}

/// Checks of the path before any handler sees it, in one layer (each layer boxes a future per
/// request):
/// - A NUL character (`%00`, the only way one can be there) is refused with a 400: PostgreSQL
///   cannot store or compare text holding one, and no key, name or id the server makes
///   contains it.
/// - The operators' endpoints are unknown paths (404) on listeners that must not serve them,
///   and need the ops token where one is set (401).
pub async fn guard_path(State(policy): State<OpsPolicy>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.contains("%00") {
        return AppError::bad_request("path: must not contain NUL (%00) characters")
            .into_response();
    }
    if !is_ops_path(path) {
        if policy.serve_api || is_probe_path(path) {
            return next.run(req).await;
        }
        return AppError::new(ErrorCode::RouteNotFound, "no route for this path").into_response();
    }
    if !policy.serve_ops {
        return AppError::new(ErrorCode::RouteNotFound, "no route for this path").into_response();
    }
    if let Some(token) = &policy.token {
        let given = req
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        match given {
            None => {
                return AppError::new(
                    ErrorCode::Unauthenticated,
                    "this endpoint needs the ops token (Authorization: Bearer ...)",
                )
                .into_response()
            }
            Some(given)
                if !minibase_wechat::constant_time_eq(given.as_bytes(), token.as_bytes()) =>
            {
                return AppError::new(ErrorCode::TokenInvalid, "the ops token is not valid")
                    .into_response()
            }
            Some(_) => {}
        }
    }
    next.run(req).await
}

/// Error responses made by layers and by axum itself (405, a rejected body) become envelopes.
fn envelope_fallback(response: Response) -> Response {
    let status = response.status();
    if status.as_u16() < 400 || response.extensions().get::<Enveloped>().is_some() {
        return response;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (ErrorCode::RouteNotFound, "no route for this path"),
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, "request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            (ErrorCode::UnsupportedMediaType, "unsupported content type")
        }
        StatusCode::REQUEST_TIMEOUT => (ErrorCode::Timeout, "request timed out"),
        StatusCode::TOO_MANY_REQUESTS => (ErrorCode::RateLimited, "too many requests"),
        s if s.is_client_error() => (ErrorCode::BadRequest, "bad request"),
        StatusCode::SERVICE_UNAVAILABLE => (ErrorCode::Unavailable, "service unavailable"),
        _ => (ErrorCode::Internal, "internal server error"),
    };
    let mut enveloped = error_response(code, message);
    // Keep headers such as `Allow` on a 405.
    for (name, value) in response.headers() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            enveloped.headers_mut().insert(name.clone(), value.clone());
        }
    }
    enveloped
}

/// Turns a panic in a handler into a 500 envelope; the panic text goes to the log only.
pub fn panic_response(payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    tracing::error!(panic = detail, "handler panicked");
    error_response(ErrorCode::Internal, "internal server error")
}
