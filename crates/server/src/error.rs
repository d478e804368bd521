//! The one error type of the server.
//!
//! Every failure a client can see is an [`AppError`]: an [`ErrorCode`] (which fixes the HTTP
//! status and the stable numeric code listed in docs/error-codes.md), a message that is safe to
//! show, and optionally the internal cause, which goes to the log with the request id and never to
//! the client. Services return `AppError`; handlers pass it through; `IntoResponse` renders the
//! envelope.

use std::borrow::Cow;
use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::http::request_id;

/// Stable error codes. The numeric value is part of the public API: never renumber a variant,
/// only add new ones (and list them in docs/error-codes.md; a test checks the list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    BadRequest = 40000,
    MalformedJson = 40001,
    InvalidQuery = 40002,
    InvalidCursor = 40003,
    InvalidWechatCode = 40010,
    WechatCodeUsed = 40011,
    SaleNotStarted = 40020,
    SaleEnded = 40021,
    ApproverUnresolved = 40030,
    TemplateDisabled = 40031,
    InvalidFilter = 40040,
    UnindexedFilter = 40041,
    Unauthenticated = 40100,
    TokenMalformed = 40101,
    TokenInvalid = 40102,
    TokenExpired = 40103,
    TokenRevoked = 40104,
    InvalidCredentials = 40105,
    RefreshTokenInvalid = 40106,
    RefreshTokenReused = 40107,
    TicketInvalid = 40108,
    Forbidden = 40300,
    UserBanned = 40301,
    WechatRiskyUser = 40302,
    WatermarkMismatch = 40303,
    SignatureMismatch = 40304,
    CsrfRejected = 40305,
    RouteNotFound = 40400,
    NotFound = 40401,
    MethodNotAllowed = 40500,
    Conflict = 40900,
    SoldOut = 40910,
    OverLimit = 40911,
    OrderStateConflict = 40912,
    IdempotencyConflict = 40913,
    RequestNotPending = 40930,
    AlreadyDecided = 40931,
    NotYourTurn = 40932,
    StepCompleted = 40933,
    DepartmentNotEmpty = 40934,
    DestructiveChange = 40940,
    DuplicateContent = 40950,
    NotEditable = 40951,
    RefundExceedsPaid = 40960,
    PayloadTooLarge = 41300,
    UnsupportedMediaType = 41500,
    ValidationFailed = 42200,
    ContentRejected = 42210,
    InvalidRule = 42220,
    RateLimited = 42900,
    TooManyConnections = 42910,
    Internal = 50000,
    WechatUnavailable = 50200,
    WechatRateLimited = 50201,
    WechatError = 50202,
    PaymentUnavailable = 50210,
    PaymentRejected = 50211,
    Unavailable = 50300,
    Timeout = 50301,
    PaymentsDisabled = 50310,
}

impl ErrorCode {
    /// Every code, in numeric order: the docs and the OpenAPI spec are generated from this.
    pub const ALL: &'static [ErrorCode] = &[
        Self::BadRequest,
        Self::MalformedJson,
        Self::InvalidQuery,
        Self::InvalidCursor,
        Self::InvalidWechatCode,
        Self::WechatCodeUsed,
        Self::SaleNotStarted,
        Self::SaleEnded,
        Self::ApproverUnresolved,
        Self::TemplateDisabled,
        Self::InvalidFilter,
        Self::UnindexedFilter,
        Self::Unauthenticated,
        Self::TokenMalformed,
        Self::TokenInvalid,
        Self::TokenExpired,
        Self::TokenRevoked,
        Self::InvalidCredentials,
        Self::RefreshTokenInvalid,
        Self::RefreshTokenReused,
        Self::TicketInvalid,
        Self::Forbidden,
        Self::UserBanned,
        Self::WechatRiskyUser,
        Self::WatermarkMismatch,
        Self::SignatureMismatch,
        Self::CsrfRejected,
        Self::RouteNotFound,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::SoldOut,
        Self::OverLimit,
        Self::OrderStateConflict,
        Self::IdempotencyConflict,
        Self::RequestNotPending,
        Self::AlreadyDecided,
        Self::NotYourTurn,
        Self::StepCompleted,
        Self::DepartmentNotEmpty,
        Self::DestructiveChange,
        Self::DuplicateContent,
        Self::NotEditable,
        Self::RefundExceedsPaid,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::ValidationFailed,
        Self::ContentRejected,
        Self::InvalidRule,
        Self::RateLimited,
        Self::TooManyConnections,
        Self::Internal,
        Self::WechatUnavailable,
        Self::WechatRateLimited,
        Self::WechatError,
        Self::PaymentUnavailable,
        Self::PaymentRejected,
        Self::Unavailable,
        Self::Timeout,
        Self::PaymentsDisabled,
    ];

    pub fn as_u32(self) -> u32 {
        self as u32
    }

    pub fn status(self) -> StatusCode {
        // The first three digits of the code are the HTTP status.
        StatusCode::from_u16((self.as_u32() / 100) as u16)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// What the code means, for docs/error-codes.md and the OpenAPI description.
    pub fn meaning(self) -> &'static str {
        match self {
            Self::BadRequest => "The request is not acceptable as sent.",
            Self::MalformedJson => "The body is not well-formed JSON.",
            Self::InvalidQuery => {
                "A query-string parameter is missing or malformed; the message names it."
            }
            Self::InvalidCursor => "The pagination cursor is unknown or forged.",
            Self::InvalidWechatCode => "WeChat rejected the wx.login code (errcode 40029).",
            Self::WechatCodeUsed => "The wx.login code was already used (errcode 40163).",
            Self::SaleNotStarted => "The flash sale has not started yet; wait for its start time.",
            Self::SaleEnded => "The flash sale has ended or was closed.",
            Self::ApproverUnresolved => {
                "An approval step has nobody to approve it (no manager, no department head, nobody with the role); the message names the step."
            }
            Self::TemplateDisabled => {
                "The approval template is disabled; no new request can be submitted with it."
            }
            Self::InvalidFilter => {
                "A collection query (filter, where, sort, fields or expand) does not parse, names an unknown field, compares values of different types or is too complex; the message says where."
            }
            Self::UnindexedFilter => {
                "The query filters or sorts on a field that is not indexed, in a collection larger than its scan limit; add an index on the field the message names."
            }
            Self::Unauthenticated => "No bearer token was sent.",
            Self::TokenMalformed => "The bearer token is not a well-formed JWT.",
            Self::TokenInvalid => "The token's signature, algorithm or claims are not valid.",
            Self::TokenExpired => "The access token has expired; refresh it.",
            Self::TokenRevoked => {
                "The token was revoked (logout, ban, an admin ended all sessions, or the account was deleted)."
            }
            Self::InvalidCredentials => "Wrong username or password.",
            Self::RefreshTokenInvalid => {
                "The refresh token is unknown, expired or revoked, or was not issued for the session it names."
            }
            Self::RefreshTokenReused => {
                "A spent refresh token was presented again (after the short grace for parallel refreshes); its whole session is revoked."
            }
            Self::TicketInvalid => {
                "The realtime ticket is unknown, expired or already used; get a new one."
            }
            Self::Forbidden => "The caller lacks the role or ownership needed.",
            Self::UserBanned => "The account is banned.",
            Self::WechatRiskyUser => "WeChat flagged the user as high risk (errcode 40226).",
            Self::WatermarkMismatch => "Decrypted open data belongs to another AppID.",
            Self::SignatureMismatch => "The login-state or raw-data signature does not match.",
            Self::CsrfRejected => {
                "A state-changing request signed in by the console's cookie lacks the X-CSRF-Token header, or it does not match the session."
            }
            Self::RouteNotFound => "No route matches the path.",
            Self::NotFound => "The resource does not exist (or is not visible to the caller).",
            Self::MethodNotAllowed => "The path exists but not with this HTTP method.",
            Self::Conflict => "The request conflicts with the current state.",
            Self::SoldOut => "The flash sale is sold out.",
            Self::OverLimit => {
                "The caller already bought as many as the sale's per-user limit allows."
            }
            Self::OrderStateConflict => {
                "The order is not in a state that allows this (e.g. cancelling a paid order)."
            }
            Self::IdempotencyConflict => {
                "The Idempotency-Key was already used for a different request."
            }
            Self::RequestNotPending => {
                "The approval request is no longer pending (approved, rejected or withdrawn)."
            }
            Self::AlreadyDecided => {
                "You already acted on this approval request (approved, rejected or transferred your task)."
            }
            Self::NotYourTurn => {
                "The approval request is not waiting for you: you have no pending task at its current step."
            }
            Self::StepCompleted => {
                "Another approver completed this approval step first; your task was cancelled."
            }
            Self::DepartmentNotEmpty => {
                "The department still has sub-departments or members; move them first."
            }
            Self::DestructiveChange => {
                "The change would delete data (a dropped or retyped field, a deleted collection); the message says what, and the request must confirm it."
            }
            Self::DuplicateContent => "The same text was posted again within the duplicate window.",
            Self::NotEditable => {
                "The content can no longer be changed (removed, blocked or deleted)."
            }
            Self::PayloadTooLarge => "The body exceeds the configured size limit.",
            Self::UnsupportedMediaType => {
                "The Content-Type is not the one the endpoint takes (usually application/json)."
            }
            Self::ValidationFailed => "A field is missing or invalid; the message names the field.",
            Self::ContentRejected => {
                "WeChat's content check found the text risky; it was not published."
            }
            Self::TooManyConnections => {
                "Too many realtime connections: the caller's own limit, or the node's."
            }
            Self::InvalidRule => {
                "An access rule does not parse or names an unknown field; the message names the rule and the column of the error."
            }
            Self::RateLimited => "Too many requests; retry after the Retry-After header's seconds.",
            Self::Internal => {
                "An unexpected server error; the log holds the detail under the request id."
            }
            Self::WechatUnavailable => {
                "WeChat could not be reached or answered 'system busy' after retries."
            }
            Self::WechatRateLimited => "WeChat's API quota was reached (errcode 45011 and kin).",
            Self::WechatError => "WeChat answered an error not covered by a more specific code.",
            Self::Unavailable => "A dependency (database, Redis) is unavailable.",
            Self::Timeout => "The request took longer than the configured request timeout.",
            Self::RefundExceedsPaid => {
                "The refund is larger than what is left of the payment (refunds so far included)."
            }
            Self::PaymentUnavailable => {
                "WeChat Pay is unreachable or answered 5xx; retry the same request."
            }
            Self::PaymentRejected => "WeChat Pay refused the request; the message names its code.",
            Self::PaymentsDisabled => "WeChat Pay is not configured on this server.",
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.as_u32())
    }
}

/// An error a client will see, with its internal cause kept for the log.
pub struct AppError {
    code: ErrorCode,
    message: Cow<'static, str>,
    retry_after_secs: Option<u64>,
    source: Option<anyhow::Error>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_secs: None,
            source: None,
        }
    }

    /// A 422 naming the offending field, the way clients expect from form binding.
    pub fn validation(field: &str, problem: impl fmt::Display) -> Self {
        Self::new(ErrorCode::ValidationFailed, format!("{field}: {problem}"))
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn conflict(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(code, message)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(ErrorCode::RateLimited, "too many requests")
        }
    }

    /// An unexpected failure: the client sees a generic message, the log sees the cause.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(ErrorCode::Internal, "internal server error")
        }
    }

    pub fn unavailable(what: &str, source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(ErrorCode::Unavailable, format!("{what} is unavailable"))
        }
    }

    /// Keep an internal cause for the log without changing what the client sees.
    pub fn with_source(mut self, source: impl Into<anyhow::Error>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The database error behind this one, when a statement or commit failed.
    pub fn db_error(&self) -> Option<&sea_orm::DbErr> {
        self.source.as_ref()?.downcast_ref()
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppError")
            .field("code", &self.code.as_u32())
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code.as_u32())
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        if database_unreachable(&err) {
            Self::unavailable("database", err)
        } else {
            Self::internal(err)
        }
    }
}

/// Errors that say the database could not be reached, or that the connection broke under a
/// statement (the server went away, a network cut), rather than that a statement was wrong: a
/// 503 the client may retry, not a 500.
fn database_unreachable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(err)) | DbErr::Query(RuntimeErr::SqlxError(err)) => {
            match err {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                // SQLSTATE class 08 (connection exception) and 57P (the server is shutting
                // down, restarting or not yet accepting connections).
                sqlx::Error::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

/// The error envelope of the API contract.
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub code: ErrorCode,
    pub message: &'a str,
    pub data: (),
    pub request_id: &'a str,
}

/// Marks a response whose body is already an envelope (or deliberately in another party's
/// form, like the answers WeChat Pay reads), so the fallback in the request-context middleware
/// leaves it alone.
#[derive(Clone, Copy)]
pub struct Enveloped;

pub(crate) fn error_response(code: ErrorCode, message: &str) -> Response {
    let request_id = request_id::current();
    let body = ErrorBody {
        code,
        message,
        data: (),
        request_id: request_id.as_deref().unwrap_or(""),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = (
        code.status(),
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response();
    response.extensions_mut().insert(Enveloped);
    response
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(source) = &self.source {
            // `{:#}` prints the whole cause chain on one line.
            if self.code.status().is_server_error() {
                tracing::error!(code = self.code.as_u32(), error = %format!("{source:#}"), "request failed");
            } else {
                tracing::info!(code = self.code.as_u32(), error = %format!("{source:#}"), "request rejected");
            }
        }
        let mut response = error_response(self.code, &self.message);
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_map_to_their_status() {
        let mut last = 0;
        for code in ErrorCode::ALL {
            assert!(code.as_u32() > last, "{code:?} out of order or duplicated");
            last = code.as_u32();
            assert_eq!(
                u32::from(code.status().as_u16()),
                code.as_u32() / 100,
                "{code:?}"
            );
        }
    }

    #[test]
    fn docs_list_every_code() {
        let docs = include_str!("../../../docs/error-codes.md");
        for code in ErrorCode::ALL {
            let row = format!(
                "| {} | {} | {:?} | {} |",
                code.as_u32(),
                code.status().as_u16(),
                code,
                code.meaning()
            );
            assert!(
                docs.contains(&row),
                "docs/error-codes.md lacks the row:\n{row}"
            );
        }
    }
}
