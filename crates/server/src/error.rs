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

/// Declares the codes once: the enum, `ALL` (numeric order) and each code's meaning.
macro_rules! error_codes {
    ($($name:ident = $number:literal => $meaning:literal,)+) => {
        /// Stable error codes. The numeric value is part of the public API: never renumber a
        /// variant, only add new ones (docs/error-codes.md is checked against this list).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum ErrorCode {
            $($name = $number,)+
        }

        impl ErrorCode {
            /// Every code, in numeric order: the docs and the OpenAPI spec are generated from this.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$name,)+];

            /// What the code means, for docs/error-codes.md and the OpenAPI description.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Self::$name => $meaning,)+
                }
            }
        }
    };
}

// rustfmt leaves macro input alone: keep one code per line, in numeric order.
error_codes! {
    BadRequest = 40000 => "The request is not acceptable as sent.",
    MalformedJson = 40001 => "The body is not well-formed JSON.",
    InvalidQuery = 40002 => "A query-string parameter is missing or malformed; the message names it.",
    InvalidCursor = 40003 => "The pagination cursor is unknown or forged.",
    InvalidWechatCode = 40010 => "WeChat rejected the wx.login code (errcode 40029).",
    WechatCodeUsed = 40011 => "The wx.login code was already used (errcode 40163).",
    SaleNotStarted = 40020 => "The flash sale has not started yet; wait for its start time.",
    SaleEnded = 40021 => "The flash sale has ended or was closed.",
    ApproverUnresolved = 40030 => "An approval step has nobody to approve it (no manager, no department head, nobody with the role); the message names the step.",
    TemplateDisabled = 40031 => "The approval template is disabled; no new request can be submitted with it.",
    InvalidFilter = 40040 => "A collection query (filter, where, sort, fields or expand) does not parse, names an unknown field, compares values of different types or is too complex; the message says where.",
    UnindexedFilter = 40041 => "The query filters or sorts on a field that is not indexed, in a collection larger than its scan limit; add an index on the field the message names.",
    Unauthenticated = 40100 => "No bearer token was sent.",
    TokenMalformed = 40101 => "The bearer token is not a well-formed JWT.",
    TokenInvalid = 40102 => "The token's signature, algorithm or claims are not valid.",
    TokenExpired = 40103 => "The access token has expired; refresh it.",
    TokenRevoked = 40104 => "The token was revoked (logout, ban, an admin ended all sessions, or the account was deleted).",
    InvalidCredentials = 40105 => "Wrong username or password.",
    RefreshTokenInvalid = 40106 => "The refresh token is unknown, expired or revoked, or was not issued for the session it names.",
    RefreshTokenReused = 40107 => "A spent refresh token was presented again (after the short grace for parallel refreshes); its whole session is revoked.",
    TicketInvalid = 40108 => "The realtime ticket is unknown, expired or already used; get a new one.",
    Forbidden = 40300 => "The caller lacks the role or ownership needed.",
    UserBanned = 40301 => "The account is banned.",
    WechatRiskyUser = 40302 => "WeChat flagged the user as high risk (errcode 40226).",
    WatermarkMismatch = 40303 => "Decrypted open data belongs to another AppID.",
    SignatureMismatch = 40304 => "The login-state or raw-data signature does not match.",
    CsrfRejected = 40305 => "A state-changing request signed in by the console's cookie lacks the X-CSRF-Token header, or it does not match the session.",
    RouteNotFound = 40400 => "No route matches the path.",
    NotFound = 40401 => "The resource does not exist (or is not visible to the caller).",
    MethodNotAllowed = 40500 => "The path exists but not with this HTTP method.",
    Conflict = 40900 => "The request conflicts with the current state.",
    SoldOut = 40910 => "The flash sale is sold out.",
    OverLimit = 40911 => "The caller already bought as many as the sale's per-user limit allows.",
    OrderStateConflict = 40912 => "The order is not in a state that allows this (e.g. cancelling a paid order).",
    IdempotencyConflict = 40913 => "The Idempotency-Key was already used for a different request.",
    RequestNotPending = 40930 => "The approval request is no longer pending (approved, rejected or withdrawn).",
    AlreadyDecided = 40931 => "You already acted on this approval request (approved, rejected or transferred your task).",
    NotYourTurn = 40932 => "The approval request is not waiting for you: you have no pending task at its current step.",
    StepCompleted = 40933 => "Another approver completed this approval step first; your task was cancelled.",
    DepartmentNotEmpty = 40934 => "The department still has sub-departments or members; move them first.",
    DestructiveChange = 40940 => "The change would delete data (a dropped or retyped field, a deleted collection); the message says what, and the request must confirm it.",
    DuplicateContent = 40950 => "The same text was posted again within the duplicate window.",
    NotEditable = 40951 => "The content can no longer be changed (removed, blocked or deleted).",
    RefundExceedsPaid = 40960 => "The refund is larger than what is left of the payment (refunds so far included).",
    PayloadTooLarge = 41300 => "The body exceeds the configured size limit.",
    UnsupportedMediaType = 41500 => "The Content-Type is not the one the endpoint takes (usually application/json).",
    ValidationFailed = 42200 => "A field is missing or invalid; the message names the field.",
    ContentRejected = 42210 => "WeChat's content check found the text risky; it was not published.",
    InvalidRule = 42220 => "An access rule does not parse or names an unknown field; the message names the rule and the column of the error.",
    RateLimited = 42900 => "Too many requests; retry after the Retry-After header's seconds.",
    TooManyConnections = 42910 => "Too many realtime connections: the caller's own limit, or the node's.",
    Internal = 50000 => "An unexpected server error; the log holds the detail under the request id.",
    WechatUnavailable = 50200 => "WeChat could not be reached or answered 'system busy' after retries.",
    WechatRateLimited = 50201 => "WeChat's API quota was reached (errcode 45011 and kin).",
    WechatError = 50202 => "WeChat answered an error not covered by a more specific code.",
    PaymentUnavailable = 50210 => "WeChat Pay is unreachable or answered 5xx; retry the same request.",
    PaymentRejected = 50211 => "WeChat Pay refused the request; the message names its code.",
    Unavailable = 50300 => "A dependency (database, Redis) is unavailable.",
    Timeout = 50301 => "The request took longer than the configured request timeout.",
    PaymentsDisabled = 50310 => "WeChat Pay is not configured on this server.",
}

impl ErrorCode {
    pub fn as_u32(self) -> u32 {
        self as u32
    }

    pub fn status(self) -> StatusCode {
        // The first three digits of the code are the HTTP status.
        StatusCode::from_u16((self.as_u32() / 100) as u16)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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
