//! Orders: prepay, query and close as WeChat Pay answers them, and the payer's side that tests
//! drive (pay, pay after a close, fail).

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use super::super::JsapiPrepayBody;
use super::{
    body_text, error, locked, rfc3339_now, unix_now, Delivery, MockOrder, NotifyOptions, PayMock,
};

impl PayMock {
    /// The payer pays: the order becomes `SUCCESS` and its notification goes out as `options`
    /// say. Returns the deliveries (empty when `times` is 0).
    pub async fn pay(
        &self,
        mchid: &str,
        out_trade_no: &str,
        options: NotifyOptions,
    ) -> Result<Vec<Delivery>, String> {
        self.settle(mchid, out_trade_no, "NOTPAY")?;
        self.notify(mchid, out_trade_no, options).await
    }

    /// A payment that completes although the order was closed, and its notification: WeChat
    /// Pay documents that a closed order cannot be paid, so this stands for what its documents
    /// do not rule out (a payment finishing inside WeChat Pay while the close is processed).
    /// The merchant must never mark such an order paid; it has to give the money back.
    pub async fn pay_after_close(
        &self,
        mchid: &str,
        out_trade_no: &str,
        options: NotifyOptions,
    ) -> Result<Vec<Delivery>, String> {
        self.settle(mchid, out_trade_no, "CLOSED")?;
        self.notify(mchid, out_trade_no, options).await
    }

    /// The order, found in state `from`, is paid now.
    fn settle(&self, mchid: &str, out_trade_no: &str, from: &str) -> Result<(), String> {
        let mut orders = locked(&self.inner.orders);
        let order = orders
            .get_mut(&(mchid.to_string(), out_trade_no.to_string()))
            .ok_or("no such order")?;
        if order.trade_state != from {
            return Err(format!("the order is {}", order.trade_state));
        }
        order.trade_state = "SUCCESS".into();
        order.transaction_id = Some(format!(
            "4200{:016}",
            self.inner.seq.fetch_add(1, Ordering::SeqCst)
        ));
        order.success_time = Some(rfc3339_now());
        Ok(())
    }

    /// The payment fails (`PAYERROR`); no notification (WeChat Pay sends none for failures).
    pub fn fail(&self, mchid: &str, out_trade_no: &str) -> Result<(), String> {
        let mut orders = locked(&self.inner.orders);
        let order = orders
            .get_mut(&(mchid.to_string(), out_trade_no.to_string()))
            .ok_or("no such order")?;
        if order.trade_state != "NOTPAY" {
            return Err(format!("the order is {}", order.trade_state));
        }
        order.trade_state = "PAYERROR".into();
        Ok(())
    }

    pub(super) fn transaction_json(order: &MockOrder) -> Value {
        let mut value = json!({
            "appid": order.appid,
            "mchid": order.mchid,
            "out_trade_no": order.out_trade_no,
            "trade_type": "JSAPI",
            "trade_state": order.trade_state,
            "trade_state_desc": match order.trade_state.as_str() {
                "SUCCESS" => "支付成功",
                "REFUND" => "转入退款",
                "CLOSED" => "已关闭",
                "PAYERROR" => "支付失败",
                _ => "未支付",
            },
            "payer": { "openid": order.openid },
            "amount": { "total": order.total, "currency": "CNY" },
        });
        if let Some(attach) = &order.attach {
            value["attach"] = json!(attach);
        }
        if let Some(id) = &order.transaction_id {
            value["transaction_id"] = json!(id);
            value["bank_type"] = json!("OTHERS");
            value["success_time"] = json!(order.success_time);
            value["amount"]["payer_total"] = json!(order.total);
            value["amount"]["payer_currency"] = json!("CNY");
        }
        value
    }
}

pub(super) async fn prepay(
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
    let Ok(request) = serde_json::from_str::<JsapiPrepayBody>(&text) else {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "the body does not match the JSAPI order schema",
        );
    };
    if request.mchid != merchant.mchid {
        return error(
            StatusCode::BAD_REQUEST,
            "MCH_NOT_EXISTS",
            "mchid does not match the signature",
        );
    }
    if request.appid != merchant.appid {
        return error(
            StatusCode::BAD_REQUEST,
            "APPID_MCHID_NOT_MATCH",
            "appid and mchid do not match",
        );
    }
    let order = request.order;
    if order.amount.total < 1 {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "amount.total must be at least 1",
        );
    }
    if order.out_trade_no.len() < 6 || order.out_trade_no.len() > 32 {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "out_trade_no must be 6-32 characters",
        );
    }
    if order.payer.openid.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "payer.openid is required",
        );
    }
    let key = (merchant.mchid.clone(), order.out_trade_no.clone());
    let mut orders = locked(&mock.inner.orders);
    if let Some(existing) = orders.get_mut(&key) {
        existing.prepays += 1;
        return match existing.trade_state.as_str() {
            "SUCCESS" | "REFUND" => error(StatusCode::BAD_REQUEST, "ORDERPAID", "该订单已支付"),
            "CLOSED" => error(StatusCode::BAD_REQUEST, "ORDER_CLOSED", "该订单已关闭"),
            _ if existing.total != order.amount.total || existing.openid != order.payer.openid => {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REQUEST",
                    "201 商户订单号重复",
                )
            }
            _ => {
                let prepay_id = existing.prepay_id.clone();
                drop(orders);
                mock.answer(
                    &signer,
                    StatusCode::OK,
                    Some(json!({ "prepay_id": prepay_id })),
                )
            }
        };
    }
    let prepay_id = format!(
        "wx{}{:010}",
        unix_now(),
        mock.inner.seq.fetch_add(1, Ordering::SeqCst)
    );
    orders.insert(
        key,
        MockOrder {
            mchid: merchant.mchid.clone(),
            appid: request.appid,
            out_trade_no: order.out_trade_no,
            description: order.description,
            total: order.amount.total,
            openid: order.payer.openid,
            notify_url: order.notify_url,
            prepay_id: prepay_id.clone(),
            trade_state: "NOTPAY".into(),
            transaction_id: None,
            success_time: None,
            attach: order.attach,
            refunded: 0,
            prepays: 1,
            closes: 0,
        },
    );
    drop(orders);
    mock.answer(
        &signer,
        StatusCode::OK,
        Some(json!({ "prepay_id": prepay_id })),
    )
}

pub(super) async fn query_order(
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
    match mock.order(&merchant.mchid, &no) {
        Some(order) => mock.answer(
            &signer,
            StatusCode::OK,
            Some(PayMock::transaction_json(&order)),
        ),
        None => error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
    }
}

pub(super) async fn close_order(
    State(mock): State<PayMock>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let merchant = match mock.admit(&method, &uri, &headers, &body_text(&body)) {
        Ok(m) => m,
        Err(answer) => return *answer,
    };
    let signer = mock.signer_for(&merchant, &headers);
    let mut orders = locked(&mock.inner.orders);
    let Some(order) = orders.get_mut(&(merchant.mchid.clone(), no)) else {
        return error(StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在");
    };
    order.closes += 1;
    match order.trade_state.as_str() {
        "SUCCESS" | "REFUND" => error(StatusCode::BAD_REQUEST, "ORDERPAID", "订单已支付"),
        _ => {
            order.trade_state = "CLOSED".into();
            drop(orders);
            mock.answer(&signer, StatusCode::NO_CONTENT, None)
        }
    }
}
