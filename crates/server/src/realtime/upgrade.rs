//! The WebSocket upgrade (RFC 6455 section 4.2), done here rather than by axum's
//! `WebSocketUpgrade`: that one wraps the socket in hyper's `Upgraded` (a boxed IO with a rewind
//! buffer) and keeps its own state in the connection's task. Here the task takes the accepted
//! TCP stream back from hyper, so an idle connection holds only the stream, tungstenite's state
//! and the connection's own (see `socket`).

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};
use axum::response::Response;
use hyper::upgrade::OnUpgrade;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::socket::{self, Session};
use crate::error::{AppError, AppResult};

/// A valid WebSocket upgrade request, or what is wrong with it. Extracting never fails: the
/// handler authenticates first, so a request without credentials is a 401 whatever it is.
pub struct MaybeUpgrade(pub Result<Upgrade, &'static str>);

pub struct Upgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeUpgrade {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(upgrade_of(parts)))
    }
}

fn upgrade_of(parts: &mut Parts) -> Result<Upgrade, &'static str> {
    if parts.method != Method::GET {
        return Err("the method must be GET");
    }
    if parts.version != Version::HTTP_11 {
        return Err("WebSocket upgrades need HTTP/1.1");
    }
    if !has_token(&parts.headers, CONNECTION, "upgrade") {
        return Err("the Connection header does not name upgrade");
    }
    if !has_token(&parts.headers, UPGRADE, "websocket") {
        return Err("the Upgrade header does not name websocket");
    }
    if parts
        .headers
        .get(SEC_WEBSOCKET_VERSION)
        .is_none_or(|v| v.as_bytes() != b"13")
    {
        return Err("Sec-WebSocket-Version must be 13");
    }
    let key = parts
        .headers
        .get(SEC_WEBSOCKET_KEY)
        .cloned()
        .ok_or("the Sec-WebSocket-Key header is missing")?;
    let on_upgrade = parts
        .extensions
        .remove::<OnUpgrade>()
        .ok_or("this connection cannot be upgraded")?;
    Ok(Upgrade { key, on_upgrade })
}

/// Whether a comma-separated header lists `token` (case-insensitive).
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

impl Upgrade {
    /// Answer 101 and hand the connection, once hyper lets go of it, to its task.
    pub fn accept(self, session: Session) -> AppResult<Response> {
        let accept = HeaderValue::try_from(derive_accept_key(self.key.as_bytes()))
            .map_err(|err| AppError::internal(anyhow::anyhow!("Sec-WebSocket-Accept: {err}")))?;
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
        socket::spawn(self.on_upgrade, session);
        Ok(response)
    }
}
