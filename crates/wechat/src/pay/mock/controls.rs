//! The test controls over HTTP, under `/mock/pay/`: what the Rust methods of [`PayMock`] do, for
//! tests that drive the mock from another process.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::super::crypto::{ApiV3Key, PublicKey};
use super::{rfc3339, MockMerchant, NotifyOptions, PayMock};

/// The control routes, under `/mock/pay/`.
pub(super) fn routes() -> Router<PayMock> {
    Router::new()
        .route("/mock/pay/certificates", get(control_certificates))
        .route(
            "/mock/pay/certificates/rotate",
            post(control_rotate_certificate),
        )
        .route(
            "/mock/pay/certificates/withdraw",
            post(control_withdraw_certificate),
        )
        .route("/mock/pay/public-key", get(control_public_key))
        .route("/mock/pay/merchants", post(control_register))
        .route("/mock/pay/pay", post(control_pay))
        .route("/mock/pay/fail", post(control_fail))
        .route("/mock/pay/pay-after-close", post(control_pay_after_close))
        .route("/mock/pay/refunds/complete", post(control_complete_refund))
        .route("/mock/pay/refunds/delay", post(control_refund_delay))
        .route("/mock/pay/notify", post(control_notify))
        .route("/mock/pay/fail-next", post(control_fail_next))
        .route("/mock/pay/orders/{mchid}/{no}", get(control_order))
}

async fn control_certificates(State(mock): State<PayMock>) -> Response {
    match mock.platform_certificates() {
        Ok(certificates) => Json(json!({
            "certificates": certificates
                .iter()
                .map(|c| json!({
                    "serial_no": c.serial_no,
                    "effective_time": rfc3339(c.not_before),
                    "expire_time": rfc3339(c.not_after),
                    "pem": c.pem,
                }))
                .collect::<Vec<_>>()
        }))
        .into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err).into_response(),
    }
}

async fn control_rotate_certificate(State(mock): State<PayMock>) -> Response {
    let rotated = tokio::task::spawn_blocking(move || mock.rotate_certificate(None)).await;
    match rotated {
        Ok(Ok(serial)) => Json(json!({ "serial_no": serial })).into_response(),
        Ok(Err(err)) => (StatusCode::INTERNAL_SERVER_ERROR, err).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
struct WithdrawBody {
    serial_no: String,
}

async fn control_withdraw_certificate(
    State(mock): State<PayMock>,
    Json(body): Json<WithdrawBody>,
) -> Response {
    match mock.withdraw_certificate(&body.serial_no) {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, err).into_response(),
    }
}

async fn control_public_key(State(mock): State<PayMock>) -> Response {
    match mock.public_key().to_pem() {
        Ok(pem) => Json(json!({ "public_key_id": mock.public_key_id(), "public_key_pem": pem }))
            .into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
struct RegisterBody {
    mchid: String,
    appid: String,
    serial_no: String,
    public_key_pem: String,
    api_v3_key: String,
    #[serde(default)]
    platform_certificates: bool,
}

async fn control_register(State(mock): State<PayMock>, Json(body): Json<RegisterBody>) -> Response {
    let key = match PublicKey::from_pem(&body.public_key_pem) {
        Ok(key) => key,
        Err(err) => return (StatusCode::BAD_REQUEST, err.to_string()).into_response(),
    };
    if let Err(err) = ApiV3Key::new(&body.api_v3_key) {
        return (StatusCode::BAD_REQUEST, err.to_string()).into_response();
    }
    mock.register_merchant(MockMerchant {
        mchid: body.mchid,
        appid: body.appid,
        serial_no: body.serial_no,
        public_key: key,
        api_v3_key: body.api_v3_key,
        platform_certificates: body.platform_certificates,
    });
    Json(json!({ "ok": true })).into_response()
}

#[derive(Deserialize)]
struct OrderRef {
    mchid: String,
    out_trade_no: String,
    #[serde(default)]
    options: Option<NotifyOptions>,
}

async fn control_pay(State(mock): State<PayMock>, Json(body): Json<OrderRef>) -> Response {
    let options = body.options.unwrap_or_else(NotifyOptions::once);
    match mock.pay(&body.mchid, &body.out_trade_no, options).await {
        Ok(deliveries) => Json(json!({ "deliveries": deliveries })).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, err).into_response(),
    }
}

async fn control_pay_after_close(
    State(mock): State<PayMock>,
    Json(body): Json<OrderRef>,
) -> Response {
    let options = body.options.unwrap_or_else(NotifyOptions::once);
    match mock
        .pay_after_close(&body.mchid, &body.out_trade_no, options)
        .await
    {
        Ok(deliveries) => Json(json!({ "deliveries": deliveries })).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, err).into_response(),
    }
}

#[derive(Deserialize)]
struct RefundRef {
    mchid: String,
    out_refund_no: String,
    #[serde(default)]
    options: Option<NotifyOptions>,
}

async fn control_complete_refund(
    State(mock): State<PayMock>,
    Json(body): Json<RefundRef>,
) -> Response {
    let options = body.options.unwrap_or_else(NotifyOptions::once);
    match mock
        .complete_refund(&body.mchid, &body.out_refund_no, options)
        .await
    {
        Ok(deliveries) => Json(json!({ "deliveries": deliveries })).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, err).into_response(),
    }
}

#[derive(Deserialize)]
struct RefundDelay {
    /// None: refunds wait for `/mock/pay/refunds/complete`.
    delay_ms: Option<u64>,
}

async fn control_refund_delay(
    State(mock): State<PayMock>,
    Json(body): Json<RefundDelay>,
) -> Response {
    mock.set_refund_delay(body.delay_ms.map(Duration::from_millis));
    Json(json!({ "ok": true })).into_response()
}

async fn control_fail(State(mock): State<PayMock>, Json(body): Json<OrderRef>) -> Response {
    match mock.fail(&body.mchid, &body.out_trade_no) {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, err).into_response(),
    }
}

async fn control_notify(State(mock): State<PayMock>, Json(body): Json<OrderRef>) -> Response {
    let options = body.options.unwrap_or_else(NotifyOptions::once);
    match mock.notify(&body.mchid, &body.out_trade_no, options).await {
        Ok(deliveries) => Json(json!({ "deliveries": deliveries })).into_response(),
        Err(err) => (StatusCode::BAD_REQUEST, err).into_response(),
    }
}

#[derive(Deserialize)]
struct FailNext {
    count: u32,
    #[serde(default = "default_fault_status")]
    status: u16,
}

fn default_fault_status() -> u16 {
    500
}

async fn control_fail_next(State(mock): State<PayMock>, Json(body): Json<FailNext>) -> Response {
    mock.fail_next(body.count, body.status);
    Json(json!({ "ok": true })).into_response()
}

async fn control_order(
    State(mock): State<PayMock>,
    Path((mchid, no)): Path<(String, String)>,
    _query: Query<HashMap<String, String>>,
) -> Response {
    match mock.order(&mchid, &no) {
        Some(order) => Json(order).into_response(),
        None => (StatusCode::NOT_FOUND, "no such order").into_response(),
    }
}
