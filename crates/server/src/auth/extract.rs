//! The one place permissions are checked: extractors that authenticate the bearer token and
//! require a kind of caller or a minimum role.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use super::guard::Principal;
use super::jwt::SubjectKind;
use crate::app::AppState;
use crate::error::{AppError, ErrorCode};
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
        let token = bearer_token(&parts.headers)?
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated, "missing bearer token"))?;
        let claims = state.config.jwt.keys.verify(token)?;
        let principal = state.sessions.authenticate(&state.db, &claims).await?;
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
