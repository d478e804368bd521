//! WeChat Pay's notification endpoints. They answer as WeChat Pay expects, not with the API
//! envelope: 204 with no body when the notification was taken (WeChat Pay stops sending it),
//! otherwise 4xx/5xx with `{"code":"FAIL","message":...}` (WeChat Pay sends it again later).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::notifications::{self, NotifyError, SignedNotification};
use crate::error::Enveloped;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pay_notify))
        .routes(routes!(refund_notify))
}

/// The failure answer WeChat Pay reads.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotifyFailure {
    /// `FAIL`.
    pub code: String,
    pub message: String,
}

/// The signed parts; what is missing is a 401 (the notification cannot be verified).
fn signed(headers: &HeaderMap, body: &Bytes) -> Result<SignedNotification, String> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| format!("no {name} header"))
    };
    let body = String::from_utf8(body.to_vec()).map_err(|_| "the body is not UTF-8".to_string())?;
    Ok(SignedNotification {
        serial: get("wechatpay-serial")?,
        timestamp: get("wechatpay-timestamp")?,
        nonce: get("wechatpay-nonce")?,
        signature: get("wechatpay-signature")?,
        body,
    })
}

fn failure(status: StatusCode, message: String) -> Response {
    let mut response = (
        status,
        Json(NotifyFailure {
            code: "FAIL".into(),
            message,
        }),
    )
        .into_response();
    // WeChat Pay's form, on purpose: keep the middleware from rewriting it as an envelope.
    response.extensions_mut().insert(Enveloped);
    response
}

fn answer(result: Result<(), NotifyError>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(NotifyError::Refused(message)) => failure(StatusCode::UNAUTHORIZED, message),
        Err(NotifyError::Retry(err)) => {
            tracing::error!(error = ?err, "payment notification not processed; WeChat Pay will retry");
            failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "not processed; send it again".into(),
            )
        }
    }
}

/// WeChat Pay's payment notification (`TRANSACTION.SUCCESS`). Verified against the key named
/// by `Wechatpay-Serial`, refused when its timestamp is more than 5 minutes off, decrypted with
/// the APIv3 key, and applied at most once (on any number of nodes): the order becomes paid when
/// appid, mchid and amount match; a mismatch or an unknown order is recorded and alerted.
#[utoipa::path(post, path = "/api/v1/payments/wechat/notify", tag = "payments",
    params(("Wechatpay-Serial" = String, Header, description = "Which WeChat Pay key signed"),
           ("Wechatpay-Timestamp" = String, Header, description = "Unix seconds"),
           ("Wechatpay-Nonce" = String, Header, description = "Random"),
           ("Wechatpay-Signature" = String, Header, description = "Base64 RSA-SHA256 of timestamp, nonce and body")),
    request_body(content = String, description = "The notification as WeChat Pay sends it", content_type = "application/json"),
    responses((status = 204, description = "Taken (processed now or before, or recorded as a mismatch or unknown order)"),
              (status = 401, description = "Not verified: signature, key serial, timestamp or decryption", body = NotifyFailure),
              (status = 500, description = "Not processed now (e.g. database down); WeChat Pay sends it again", body = NotifyFailure)))]
pub async fn pay_notify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signed = match signed(&headers, &body) {
        Ok(signed) => signed,
        Err(message) => return failure(StatusCode::UNAUTHORIZED, message),
    };
    answer(
        notifications::pay_notification(&state, signed)
            .await
            .map(|_| ()),
    )
}

/// WeChat Pay's refund notification (`REFUND.SUCCESS`, `REFUND.CLOSED`, `REFUND.ABNORMAL`),
/// verified and applied like the payment notification.
#[utoipa::path(post, path = "/api/v1/payments/wechat/refund-notify", tag = "payments",
    params(("Wechatpay-Serial" = String, Header, description = "Which WeChat Pay key signed"),
           ("Wechatpay-Timestamp" = String, Header, description = "Unix seconds"),
           ("Wechatpay-Nonce" = String, Header, description = "Random"),
           ("Wechatpay-Signature" = String, Header, description = "Base64 RSA-SHA256 of timestamp, nonce and body")),
    request_body(content = String, description = "The notification as WeChat Pay sends it", content_type = "application/json"),
    responses((status = 204, description = "Taken"),
              (status = 401, description = "Not verified", body = NotifyFailure),
              (status = 500, description = "Not processed now; WeChat Pay sends it again", body = NotifyFailure)))]
pub async fn refund_notify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let signed = match signed(&headers, &body) {
        Ok(signed) => signed,
        Err(message) => return failure(StatusCode::UNAUTHORIZED, message),
    };
    answer(notifications::refund_notification(&state, signed).await)
}
