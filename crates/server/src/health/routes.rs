use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, Readiness};
use crate::error::AppResult;
use crate::http::{ApiJson, Envelope};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ping))
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Pong {
    /// Always "pong".
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct Alive {
    /// Always "ok".
    status: &'static str,
}

/// Liveness probe of the API contract: `{"message":"pong"}`, no envelope.
#[utoipa::path(get, path = "/ping", tag = "health",
    responses((status = 200, description = "The process answers", body = Pong)))]
pub async fn ping() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/json")],
        r#"{"message":"pong"}"#,
    )
}

/// The process is alive (no dependency is checked).
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Alive", body = Envelope<Alive>)))]
pub async fn healthz() -> ApiJson<Alive> {
    ApiJson::ok(Alive { status: "ok" })
}

/// Ready to serve: the database answers, and Redis too when configured.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Every dependency answers", body = Envelope<Readiness>),
        (status = 503, description = "A dependency is down; the message names it", body = ErrorEnvelope),
    ))]
pub async fn readyz(State(state): State<AppState>) -> AppResult<ApiJson<Readiness>> {
    service::readiness(&state).await.map(ApiJson::ok)
}

/// Prometheus metrics: requests by route template and status, latency histograms, pool gauges.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        service::render_metrics(&state).await,
    )
}
