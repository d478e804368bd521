//! Notifications: payment and refund events encrypted with the merchant's APIv3 key, signed,
//! delivered to loopback URLs (normally, twice, late, concurrently, not at all, or tampered
//! with), and replayed verbatim.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use serde_json::{json, Value};

use super::super::crypto::{self, ApiV3Key, PrivateKey};
use super::super::headers;
use super::{locked, rfc3339_now, unix_now, Delivery, NotifyOptions, PayMock, Tamper};
use crate::loopback::is_loopback;

impl PayMock {
    /// Send (again) the order's payment notification as `options` say; a fresh notification
    /// id each call (use [`Self::replay`] to resend one verbatim).
    pub async fn notify(
        &self,
        mchid: &str,
        out_trade_no: &str,
        options: NotifyOptions,
    ) -> Result<Vec<Delivery>, String> {
        let order = self.order(mchid, out_trade_no).ok_or("no such order")?;
        let mut resource = Self::transaction_json(&order);
        match &options.tamper {
            Tamper::Amount(total) => {
                resource["amount"]["total"] = json!(total);
                resource["amount"]["payer_total"] = json!(total);
            }
            Tamper::Appid(appid) => resource["appid"] = json!(appid),
            _ => {}
        }
        let event = if order.transaction_id.is_some() {
            "TRANSACTION.SUCCESS"
        } else {
            "TRANSACTION.NOTPAY"
        };
        self.send_notification(
            &order.mchid,
            &order.notify_url,
            event,
            "transaction",
            "支付成功",
            &resource,
            options,
        )
        .await
    }

    /// Send a refund's notification (again).
    pub async fn notify_refund(
        &self,
        mchid: &str,
        out_refund_no: &str,
        options: NotifyOptions,
    ) -> Result<Vec<Delivery>, String> {
        let refund = self.refund(mchid, out_refund_no).ok_or("no such refund")?;
        let order = self
            .order(mchid, &refund.out_trade_no)
            .ok_or("no such order")?;
        let url = refund
            .notify_url
            .clone()
            .ok_or("the refund has no notify_url")?;
        let resource = json!({
            "mchid": mchid,
            "out_trade_no": refund.out_trade_no,
            "transaction_id": order.transaction_id,
            "out_refund_no": refund.out_refund_no,
            "refund_id": refund.refund_id,
            "refund_status": refund.status,
            "success_time": refund.success_time,
            "user_received_account": "支付用户零钱",
            "amount": { "total": order.total, "refund": refund.refund, "payer_total": order.total, "payer_refund": refund.refund },
        });
        let event = format!("REFUND.{}", refund.status);
        self.send_notification(
            mchid,
            &url,
            &event,
            "refund",
            "退款成功",
            &resource,
            options,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_notification(
        &self,
        mchid: &str,
        url: &str,
        event_type: &str,
        original_type: &str,
        summary: &str,
        resource: &Value,
        options: NotifyOptions,
    ) -> Result<Vec<Delivery>, String> {
        let merchant = self.merchant(mchid).ok_or("unknown merchant")?;
        let target = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
        if !is_loopback(&target) {
            return Err("the mock only notifies http URLs on a loopback address".into());
        }
        let api_v3_key = match &options.tamper {
            Tamper::ReEncrypted => "another-apiv3-key-0123456789abcd",
            _ => merchant.api_v3_key.as_str(),
        };
        let key = ApiV3Key::new(api_v3_key).map_err(|e| e.to_string())?;
        let nonce: String = crypto::nonce().chars().take(12).collect();
        let ciphertext = key
            .encrypt(original_type, &nonce, resource.to_string().as_bytes())
            .map_err(|e| e.to_string())?;
        let id = format!(
            "EV-{}-{:08}",
            unix_now(),
            self.inner.seq.fetch_add(1, Ordering::SeqCst)
        );
        let body = json!({
            "id": id,
            "create_time": rfc3339_now(),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": original_type,
                "nonce": nonce,
            }
        })
        .to_string();
        let timestamp = match options.tamper {
            Tamper::Stale => unix_now() - 600,
            _ => unix_now(),
        }
        .to_string();
        let sign_nonce = crypto::nonce();
        let signer = self.notification_signer(&merchant)?;
        let (serial, signature) = match &options.tamper {
            Tamper::BadSignature => (
                signer.serial.clone(),
                signer
                    .key
                    .sign(&crypto::response_message(&timestamp, &sign_nonce, "{}")),
            ),
            Tamper::UnknownKey => {
                let stranger = PrivateKey::generate().map_err(|e| e.to_string())?;
                (
                    "PUB_KEY_ID_UNKNOWN".to_string(),
                    stranger.sign(&crypto::response_message(&timestamp, &sign_nonce, &body)),
                )
            }
            _ => (
                signer.serial.clone(),
                signer
                    .key
                    .sign(&crypto::response_message(&timestamp, &sign_nonce, &body)),
            ),
        };
        let sent_body = match options.tamper {
            Tamper::Truncated => body[..body.len() / 2].to_string(),
            _ => body,
        };
        let mut headers = HeaderMap::new();
        for (name, value) in [
            (headers::TIMESTAMP, timestamp),
            (headers::NONCE, sign_nonce),
            (headers::SIGNATURE, signature),
            (headers::SERIAL, serial),
            ("Wechatpay-Signature-Type", crypto::SCHEMA.to_string()),
            ("Content-Type", "application/json".to_string()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(
                    axum::http::HeaderName::from_static(static_lower(name)),
                    value,
                );
            }
        }
        locked(&self.inner.sent).insert(
            id.clone(),
            (url.to_string(), headers.clone(), sent_body.clone()),
        );
        if options.times == 0 {
            // Prepared, not sent: `replay` / `replay_to` deliver it.
            return Ok(vec![Delivery {
                id,
                status: 0,
                body: "not sent".into(),
            }]);
        }
        if options.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(options.delay_ms)).await;
        }
        self.deliver_times(
            &id,
            url,
            &headers,
            &sent_body,
            options.times,
            options.concurrent,
        )
        .await
    }

    async fn deliver_times(
        &self,
        id: &str,
        url: &str,
        headers: &HeaderMap,
        body: &str,
        times: u32,
        concurrent: bool,
    ) -> Result<Vec<Delivery>, String> {
        if concurrent {
            let sends = (0..times).map(|_| self.deliver(id, url, headers, body));
            Ok(futures::future::join_all(sends).await)
        } else {
            let mut out = Vec::new();
            for _ in 0..times {
                out.push(self.deliver(id, url, headers, body).await);
            }
            Ok(out)
        }
    }

    async fn deliver(&self, id: &str, url: &str, headers: &HeaderMap, body: &str) -> Delivery {
        let result = self
            .inner
            .http
            .post(url)
            .headers(headers.clone())
            .body(body.to_string())
            .send()
            .await;
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                Delivery {
                    id: id.to_string(),
                    status,
                    body: response.text().await.unwrap_or_default(),
                }
            }
            Err(err) => Delivery {
                id: id.to_string(),
                status: 0,
                body: err.to_string(),
            },
        }
    }

    /// Resend a notification exactly as it was sent before (same id, headers, body): a
    /// replay, or WeChat Pay's own retry.
    pub async fn replay(&self, id: &str) -> Result<Delivery, String> {
        self.replay_to(id, None).await
    }

    /// [`Self::replay`] to another URL (another node behind the same domain).
    pub async fn replay_to(&self, id: &str, url: Option<&str>) -> Result<Delivery, String> {
        let (stored_url, headers, body) = locked(&self.inner.sent)
            .get(id)
            .cloned()
            .ok_or("no such notification")?;
        let url = url.unwrap_or(&stored_url);
        Ok(self.deliver(id, url, &headers, &body).await)
    }
}

/// Lower-case header names the mock sends (HeaderName::from_static needs lower case).
fn static_lower(name: &'static str) -> &'static str {
    match name {
        headers::TIMESTAMP => "wechatpay-timestamp",
        headers::NONCE => "wechatpay-nonce",
        headers::SIGNATURE => "wechatpay-signature",
        headers::SERIAL => "wechatpay-serial",
        "Wechatpay-Signature-Type" => "wechatpay-signature-type",
        _ => "content-type",
    }
}
