//! The one place permissions are checked: extractors that authenticate the bearer token and
//! require a kind of caller or a minimum role.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use super::cookie;
use super::guard::Principal;
use super::jwt::SubjectKind;
use crate::console::audit::AuditSlot;
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;
use crate::users::model::Role;

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(principal.clone());
        }
        let (token, by_cookie) = match bearer_token(&parts.headers)? {
            Some(token) => (token.to_string(), false),
            None => (console_cookie_token(parts, state)?, true),
        };
        let claims = state.config.jwt.keys.verify(&token)?;
        if by_cookie && claims.knd != SubjectKind::Admin {
            return Err(AppError::new(
                ErrorCode::TokenInvalid,
                "the console cookie holds no admin session",
            ));
        }
        let principal = super::guard::authenticate(state, &claims).await?;
        if let Some(slot) = parts.extensions.get::<AuditSlot>() {
            slot.record(&principal);
        }
        tracing::Span::current().record("user_id", principal.id);
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

/// The token of an `Authorization: Bearer <token>` header: None without the header, a 401 when
/// it is there but not in that form.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, AppError> {
    let Some(header) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    header
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .map(Some)
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::TokenMalformed,
                "Authorization must be 'Bearer <token>'",
            )
        })
}

/// The admin console's session cookie, when there is no `Authorization` header. A request that
/// changes state must also carry the session's CSRF token (auth::cookie explains why).
fn console_cookie_token(parts: &Parts, state: &AppState) -> Result<String, AppError> {
    let token = state
        .config
        .console
        .enabled
        .then(|| cookie::read_cookie(&parts.headers, cookie::SESSION_COOKIE))
        .flatten()
        .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated, "missing bearer token"))?;
    if !cookie::is_safe_method(&parts.method) {
        let presented = parts
            .headers
            .get(cookie::CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !cookie::csrf_matches(token, presented) {
            return Err(AppError::new(
                ErrorCode::CsrfRejected,
                "this request needs the X-CSRF-Token header of the console session",
            ));
        }
    }
    Ok(token.to_string())
}

/// A mini-program user (not an admin-console account).
pub struct CurrentUser(pub Principal);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        if principal.kind != SubjectKind::User {
            return Err(AppError::forbidden(
                "this endpoint is for mini-program users",
            ));
        }
        Ok(Self(principal))
    }
}

/// The least role a route needs.
pub trait MinRole {
    const ROLE: Role;
}

pub struct Moderator;
impl MinRole for Moderator {
    const ROLE: Role = Role::Moderator;
}

pub struct Admin;
impl MinRole for Admin {
    const ROLE: Role = Role::Admin;
}

/// A caller (user or admin account) whose live role is at least `R`.
pub struct RequireRole<R: MinRole>(pub Principal, pub PhantomData<R>);

impl<R: MinRole> FromRequestParts<AppState> for RequireRole<R> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        if principal.role < R::ROLE {
            return Err(AppError::forbidden(format!(
                "this needs the {} role",
                R::ROLE.as_str()
            )));
        }
        Ok(Self(principal, PhantomData))
    }
}

/// An optional caller: None without an `Authorization` header; a header that is present but
/// wrong is still a 401, never silently ignored.
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybePrincipal {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(AUTHORIZATION) {
            Principal::from_request_parts(parts, state)
                .await
                .map(|p| Self(Some(p)))
        } else {
            Ok(Self(None))
        }
    }
}
