use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::service::{self, Realtime};
use super::socket::Session;
use super::upgrade::MaybeUpgrade;
use crate::auth::extract::bearer_token;
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult};
use crate::http::{ApiJson, Envelope, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_ticket))
        .routes(routes!(websocket))
        .routes(routes!(events))
}

#[derive(Serialize, ToSchema)]
pub struct Ticket {
    /// Pass as `?ticket=` to the WebSocket or SSE endpoint; it works once.
    pub ticket: String,
    /// Seconds it stays valid.
    pub expires_in: u64,
}

/// A one-time ticket for opening a realtime connection where no `Authorization` header can be
/// sent (a browser's `WebSocket` or `EventSource`). It stands for the caller's token, works once
/// on any node, and expires after `realtime_ticket_ttl_secs`.
#[utoipa::path(post, path = "/api/v1/realtime/tickets", tag = "realtime", security(("bearer" = [])),
    responses((status = 201, description = "A ticket", body = Envelope<Ticket>),
              (status = 401, description = "Not signed in", body = ErrorEnvelope)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    _caller: Principal,
    headers: HeaderMap,
) -> AppResult<ApiJson<Ticket>> {
    let token = bearer_token(&headers)?.unwrap_or_default();
    let claims = state.config.jwt.keys.verify(token)?;
    service::issue_ticket(&state, &claims)
        .await
        .map(|(ticket, expires_in)| ApiJson::created(Ticket { ticket, expires_in }))
}

#[derive(Deserialize, Validate, IntoParams)]
pub struct ConnectQuery {
    /// A ticket from `POST /api/v1/realtime/tickets`, when no `Authorization` header is sent.
    ticket: Option<String>,
}

/// The realtime WebSocket (what `wx.connectSocket` opens). Authenticate with the
/// `Authorization: Bearer` header or `?ticket=`; without either the answer is a 401 envelope and
/// nothing is upgraded.
///
/// Frames are JSON text. The client sends `{"type":"subscribe","channel":"post:12","since":"<last
/// event id>"}`, `{"type":"unsubscribe","channel":...}` and `{"type":"ping"}`. The server sends
/// `welcome`, `subscribed` (with the resume `position`), `event` (`id`, `channel`, `event`,
/// `data`, `at`), `reload` (missed events are gone: reload over HTTP), `error` (a refused frame,
/// with an error code; the connection stays), `pong` and `closing` (then a close: 1012 restart,
/// reconnect; 4001 session ended, do not; 4002 idle; 4008 too slow). Channels: `user:<id>` (only
/// your own), `post:<id>`, `flash-sale:<id>`, `config`, `admin` (admins). The full protocol:
/// docs/realtime.md.
#[utoipa::path(get, path = "/api/v1/realtime/ws", tag = "realtime", security(("bearer" = []), ()),
    params(ConnectQuery),
    responses((status = 101, description = "Switched to the WebSocket protocol; frames as described"),
              (status = 400, description = "Not a WebSocket upgrade request", body = ErrorEnvelope),
              (status = 401, description = "No token or ticket, or a bad one (nothing is upgraded)", body = ErrorEnvelope),
              (status = 429, description = "Too many connections (yours, or this node's)", body = ErrorEnvelope),
              (status = 503, description = "The node is shutting down", body = ErrorEnvelope)))]
pub async fn websocket(
    State(state): State<AppState>,
    ValidQuery(query): ValidQuery<ConnectQuery>,
    headers: HeaderMap,
    MaybeUpgrade(upgrade): MaybeUpgrade,
) -> AppResult<Response> {
    let bearer = bearer_token(&headers)?;
    let admitted = service::connect(&state, bearer, query.ticket.as_deref()).await?;
    let upgrade = upgrade.map_err(|rejection| {
        AppError::bad_request(format!("not a WebSocket upgrade: {rejection}"))
    })?;
    let session = Session {
        state,
        principal: admitted.principal,
        claims: admitted.claims,
        slot: admitted.slot,
    };
    upgrade.accept(session)
}

#[derive(Deserialize, Validate, IntoParams)]
pub struct EventsQuery {
    /// Channels, comma-separated: `user:<id>,post:<id>,flash-sale:<id>,config,admin`.
    channels: String,
    /// A ticket from `POST /api/v1/realtime/tickets`, when no `Authorization` header is sent.
    ticket: Option<String>,
    /// Resume after this event id (the `Last-Event-ID` header does the same and wins).
    last_event_id: Option<String>,
}

/// The realtime event stream over server-sent events, for browsers and the console. Each SSE
/// message's `data` is a frame as on the WebSocket (`welcome`, `subscribed`, `event`, `reload`,
/// `closing`), and event frames carry their id as the SSE `id`, so `EventSource` resumes by
/// itself. A channel the caller may not read is a 403 before anything is streamed.
#[utoipa::path(get, path = "/api/v1/realtime/sse", tag = "realtime", security(("bearer" = []), ()),
    params(EventsQuery),
    responses((status = 200, description = "text/event-stream of frames", content_type = "text/event-stream", body = String),
              (status = 400, description = "Bad channels or last event id", body = ErrorEnvelope),
              (status = 401, description = "No token or ticket, or a bad one", body = ErrorEnvelope),
              (status = 403, description = "A channel the caller may not read", body = ErrorEnvelope),
              (status = 429, description = "Too many connections", body = ErrorEnvelope)))]
pub async fn events(
    State(state): State<AppState>,
    ValidQuery(query): ValidQuery<EventsQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let bearer = bearer_token(&headers)?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(query.last_event_id.as_deref());
    let heartbeat = state.feature::<Realtime>()?.settings.heartbeat;
    let stream = service::open_sse(
        &state,
        bearer,
        query.ticket.as_deref(),
        &query.channels,
        last_event_id,
    )
    .await?;
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(heartbeat))
        .into_response())
}
