//! The admin audit log: a middleware that records every state-changing request on an
//! `/api/v1/admin/` route by an authenticated caller (an admin-console account, a staff user, or
//! a user who tried and was refused), with who, what (method, route, path, final status), when
//! and from where (client IP, request id). Every admin action has such a route; other requests
//! (the mini-program's hot paths among them) pass straight through.
//!
//! The auth extractor fills an [`AuditSlot`] the middleware put in the request, so the row names
//! the caller exactly as authenticated, without decoding the token twice. Requests that were not
//! authenticated (refused logins, bad tokens) leave no row; their log lines have the request id.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;

use super::model::AuditRecord;
use super::repo;
use crate::auth::cookie::is_safe_method;
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::http::{client_ip, request_id};
use crate::state::AppState;

/// Where the auth extractor leaves the caller, and a handler the reason it was given, for the
/// audit middleware.
#[derive(Clone, Default)]
pub struct AuditSlot(Arc<(OnceLock<Principal>, OnceLock<String>)>);

impl AuditSlot {
    pub fn record(&self, principal: &Principal) {
        let _ = self.0 .0.set(principal.clone());
    }

    fn principal(&self) -> Option<&Principal> {
        self.0 .0.get()
    }

    fn note(&self) -> Option<&String> {
        self.0 .1.get()
    }
}

/// Lets a handler add the reason an operator gave (a ban's, say) to the request's audit entry.
pub struct AuditNote(Option<AuditSlot>);

impl AuditNote {
    pub fn set(&self, note: Option<&str>) {
        if let (Some(slot), Some(note)) = (&self.0, note.map(str::trim).filter(|n| !n.is_empty())) {
            let _ = slot.0 .1.set(note.chars().take(500).collect());
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuditNote {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<AuditSlot>().cloned()))
    }
}

const ADMIN_PREFIX: &str = "/api/v1/admin/";

pub async fn audit_admin_actions(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if is_safe_method(req.method()) || !req.uri().path().starts_with(ADMIN_PREFIX) {
        return next.run(req).await;
    }
    let slot = AuditSlot::default();
    req.extensions_mut().insert(slot.clone());
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| path.clone(), |m| m.as_str().to_string());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_string())
        .collect::<Vec<_>>();
    let response = next.run(req).await;
    let Some(principal) = slot.principal() else {
        return response;
    };
    let forwarded: Vec<&str> = forwarded.iter().map(String::as_str).collect();
    let ip = client_ip::client_ip(peer, &forwarded, &state.config.http.trusted_proxies);
    let record = AuditRecord {
        actor_kind: match principal.kind {
            SubjectKind::Admin => "admin",
            SubjectKind::User => "user",
        },
        actor_id: principal.id,
        actor_role: principal.role.as_str(),
        method,
        route,
        path,
        status: response.status().as_u16(),
        client_ip: ip.to_string(),
        request_id: request_id::current()
            .map(|id| id.to_string())
            .unwrap_or_default(),
        note: slot.note().cloned(),
    };
    // Written before the answer goes out, so an acknowledged admin action is always in the log.
    if let Err(err) = repo::insert_audit(&state.db, &record, Utc::now()).await {
        tracing::error!(error = %err, route = %record.route, "could not write the admin audit log");
    }
    response
}
