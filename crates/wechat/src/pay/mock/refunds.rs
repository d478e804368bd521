//! Refunds: created and queried as WeChat Pay answers them; they stay `PROCESSING` for a while
//! (or until a test completes them), then succeed and notify.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use super::super::RefundRequest;
use super::{
    body_text, error, locked, rfc3339_now, Delivery, MockOrder, MockRefund, NotifyOptions, PayMock,
};

impl PayMock {
    fn schedule_refund_success(&self, mchid: String, out_refund_no: String) {
        let Some(delay) = *locked(&self.inner.refund_delay) else {
            return;
        };
        let mock = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = mock
                .complete_refund(&mchid, &out_refund_no, NotifyOptions::once())
                .await;
        });
    }

    /// How long refunds stay `PROCESSING` before they succeed and notify; `None`: until
    /// [`Self::complete_refund`] (for tests that send its notification themselves).
    pub fn set_refund_delay(&self, delay: Option<Duration>) {
        *locked(&self.inner.refund_delay) = delay;
    }

    /// A processing refund succeeds; its notification goes out as `options` say (if the refund
    /// has a notify URL).
    pub async fn complete_refund(
        &self,
        mchid: &str,
        out_refund_no: &str,
        options: NotifyOptions,
    ) -> Result<Vec<Delivery>, String> {
        let notify = {
            let mut refunds = locked(&self.inner.refunds);
            let refund = refunds
                .get_mut(&(mchid.to_string(), out_refund_no.to_string()))
                .ok_or("no such refund")?;
            if refund.status != "PROCESSING" {
                return Err(format!("the refund is {}", refund.status));
            }
            refund.status = "SUCCESS".into();
            refund.success_time = Some(rfc3339_now());
            refund.notify_url.is_some()
        };
        if notify {
            self.notify_refund(mchid, out_refund_no, options).await
        } else {
            Ok(Vec::new())
        }
    }
}

pub(super) async fn create_refund(
    State(mock): State<PayMock>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = body_text(&body);
    let merchant = match mock.admit(&method, &uri, &headers, &text) {
        Ok(m) => m,
        Err(answer) => return *answer,
    };
    let signer = mock.signer_for(&merchant, &headers);
    let Ok(request) = serde_json::from_str::<RefundRequest>(&text) else {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "the body does not match the refund schema",
        );
    };
    let refund_key = (merchant.mchid.clone(), request.out_refund_no.clone());
    if let Some(existing) = locked(&mock.inner.refunds).get(&refund_key).cloned() {
        let order = mock.order(&merchant.mchid, &existing.out_trade_no);
        return mock.answer(
            &signer,
            StatusCode::OK,
            Some(refund_json(&existing, order.as_ref())),
        );
    }
    let refund = {
        let mut orders = locked(&mock.inner.orders);
        let Some(order) = orders.get_mut(&(merchant.mchid.clone(), request.out_trade_no.clone()))
        else {
            return error(StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "订单不存在");
        };
        if !matches!(order.trade_state.as_str(), "SUCCESS" | "REFUND") {
            return error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "订单未支付");
        }
        if request.amount.total != order.total {
            return error(
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                "amount.total does not match the order",
            );
        }
        if request.amount.refund < 1 || request.amount.refund > order.total - order.refunded {
            return error(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "退款金额超过订单可退金额",
            );
        }
        order.refunded += request.amount.refund;
        order.trade_state = "REFUND".into();
        MockRefund {
            refund_id: format!("5030{:016}", mock.inner.seq.fetch_add(1, Ordering::SeqCst)),
            out_refund_no: request.out_refund_no.clone(),
            out_trade_no: request.out_trade_no.clone(),
            refund: request.amount.refund,
            status: "PROCESSING".into(),
            notify_url: request.notify_url.clone(),
            success_time: None,
        }
    };
    locked(&mock.inner.refunds).insert(refund_key, refund.clone());
    mock.schedule_refund_success(merchant.mchid.clone(), refund.out_refund_no.clone());
    let order = mock.order(&merchant.mchid, &refund.out_trade_no);
    mock.answer(
        &signer,
        StatusCode::OK,
        Some(refund_json(&refund, order.as_ref())),
    )
}

fn refund_json(refund: &MockRefund, order: Option<&MockOrder>) -> Value {
    let total = order.map(|o| o.total).unwrap_or_default();
    json!({
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": order.and_then(|o| o.transaction_id.clone()).unwrap_or_default(),
        "out_trade_no": refund.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "success_time": refund.success_time,
        "create_time": rfc3339_now(),
        "status": refund.status,
        "amount": { "total": total, "refund": refund.refund, "payer_total": total, "payer_refund": refund.refund, "currency": "CNY" },
    })
}

pub(super) async fn query_refund(
    State(mock): State<PayMock>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let merchant = match mock.admit(&method, &uri, &headers, "") {
        Ok(m) => m,
        Err(answer) => return *answer,
    };
    let signer = mock.signer_for(&merchant, &headers);
    match mock.refund(&merchant.mchid, &no) {
        Some(refund) => {
            let order = mock.order(&merchant.mchid, &refund.out_trade_no);
            mock.answer(
                &signer,
                StatusCode::OK,
                Some(refund_json(&refund, order.as_ref())),
            )
        }
        None => error(StatusCode::NOT_FOUND, "RESOURCE_NOT_EXISTS", "退款单不存在"),
    }
}
