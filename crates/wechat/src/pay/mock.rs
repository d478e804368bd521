//! A mock of WeChat Pay API v3, served by [`crate::mock::MockWechat`] on its own port under
//! WeChat Pay's paths:
//!
//! | path | what |
//! |---|---|
//! | `POST /v3/pay/transactions/jsapi` | prepay; the same `out_trade_no` and amount gives the same `prepay_id` |
//! | `GET /v3/pay/transactions/out-trade-no/{no}?mchid=` | query |
//! | `POST /v3/pay/transactions/out-trade-no/{no}/close` | close (204) |
//! | `POST /v3/refund/domestic/refunds` | refund, partial included; succeeds shortly after with a `REFUND.SUCCESS` notification |
//! | `GET /v3/refund/domestic/refunds/{no}` | refund query |
//! | `GET /v3/certificates` | the platform certificates valid now, encrypted with the merchant's APIv3 key |
//!
//! Like WeChat Pay it checks the merchant's `Authorization` (401 `SIGN_ERROR` when it is missing,
//! malformed, by an unknown merchant or serial, more than 5 minutes off, or does not verify),
//! signs every answer with its own RSA key (`Wechatpay-Serial` = its public key id,
//! public-key mode) or, for a merchant in platform-certificate mode, with its current platform
//! certificate (`Wechatpay-Serial` = the certificate's serial), and sends notifications signed
//! the same way and encrypted with the merchant's APIv3 key.
//!
//! Test controls (Rust methods, and HTTP under `/mock/pay/`): pay an order (with the
//! notification sent normally, twice, late, not at all, or tampered with), pay it after it was
//! closed, fail it, send its notification again, hold refunds and complete them, make the next
//! calls answer 5xx, read an order, register a merchant, rotate the platform certificate and
//! withdraw an old one.
//!
//! Where WeChat Pay's documentation leaves the behaviour open, the mock guesses:
//! - closing a paid order answers 400 `ORDERPAID`; closing a closed one answers 204 again;
//! - a second prepay with the same `out_trade_no` but another amount answers 400
//!   `INVALID_REQUEST`; for a paid order, 400 `ORDERPAID`; for a closed one, 400 `ORDER_CLOSED`;
//! - a refund above what is left answers 400 `INVALID_REQUEST`; the same `out_refund_no` again
//!   answers the existing refund;
//! - a refund stays `PROCESSING` for [`REFUND_DELAY`], then succeeds and notifies;
//! - its platform certificates are self-signed (WeChat Pay's come from its own CA, which merchants
//!   do not check), valid 5 years, with 40-hex-digit serials; a rotation lists the new one beside
//!   the old and signs with it at once (WeChat Pay publishes it some time before it switches);
//! - an answer is signed with the public key when the request names it in `Wechatpay-Serial`,
//!   otherwise as the merchant's mode says;
//! - notifications are not retried by the mock on their own: tests resend them explicitly
//!   (WeChat Pay retries for 24 hours at growing intervals when the answer is not 2xx).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::crypto::{self, ApiV3Key, PrivateKey, PublicKey};
use super::{headers, JsapiPrepayBody, RefundRequest, MAX_CLOCK_SKEW_SECS};

/// How long a mock refund stays `PROCESSING`.
pub const REFUND_DELAY: Duration = Duration::from_millis(200);

/// The mock's default merchant (what dev mode uses).
pub const MOCK_MCHID: &str = "1900000001";
/// The default APIv3 key of the mock's merchants.
pub const MOCK_API_V3_KEY: &str = "mock-apiv3-key-0123456789abcdef!";
/// The id of the mock's public key (`Wechatpay-Serial` of its answers).
pub const MOCK_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000000012026000000000000000001";

/// A merchant the mock accepts requests from.
#[derive(Debug, Clone)]
pub struct MockMerchant {
    /// 商户号.
    pub mchid: String,
    /// The AppID bound to it.
    pub appid: String,
    /// Serial of its API certificate.
    pub serial_no: String,
    /// Its API public key: requests must verify with it.
    pub public_key: PublicKey,
    /// Its APIv3 key: notifications are encrypted with it.
    pub api_v3_key: String,
    /// Platform-certificate mode (平台证书模式): its answers and notifications are signed with
    /// the mock's current platform certificate, unless a request names the public key in
    /// `Wechatpay-Serial`; otherwise (公钥模式) with the mock's public key.
    pub platform_certificates: bool,
}

/// An order as the mock holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MockOrder {
    /// The merchant.
    pub mchid: String,
    /// The AppID.
    pub appid: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Description.
    pub description: String,
    /// Fen.
    pub total: i64,
    /// Payer.
    pub openid: String,
    /// Notification target.
    pub notify_url: String,
    /// Issued prepay id.
    pub prepay_id: String,
    /// `NOTPAY`, `SUCCESS`, `REFUND`, `CLOSED`, `PAYERROR`.
    pub trade_state: String,
    /// Set when paid.
    pub transaction_id: Option<String>,
    /// RFC 3339.
    pub success_time: Option<String>,
    /// Echo.
    pub attach: Option<String>,
    /// Fen refunded so far (refunds not closed).
    pub refunded: i64,
    /// How many prepay calls it got.
    pub prepays: u32,
    /// How many close calls it got.
    pub closes: u32,
}

/// A refund as the mock holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MockRefund {
    /// WeChat Pay's refund id.
    pub refund_id: String,
    /// The merchant's.
    pub out_refund_no: String,
    /// The order.
    pub out_trade_no: String,
    /// Fen.
    pub refund: i64,
    /// `PROCESSING`, `SUCCESS`.
    pub status: String,
    /// Where its notification goes.
    pub notify_url: Option<String>,
    /// RFC 3339.
    pub success_time: Option<String>,
}

/// How a notification is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tamper {
    /// As WeChat Pay sends it.
    #[default]
    None,
    /// The signature is of another body.
    BadSignature,
    /// Signed by a key the merchant does not know, under an unknown serial.
    UnknownKey,
    /// Signed properly, with a timestamp 10 minutes old.
    Stale,
    /// The body cut in half (the signature of the whole body).
    Truncated,
    /// The resource encrypted with another APIv3 key (the signature is valid).
    ReEncrypted,
    /// A genuine notification whose amount is this many fen instead of the order's.
    Amount(i64),
    /// A genuine notification under another AppID.
    Appid(String),
}

/// Options of [`PayMock::pay`] and [`PayMock::notify`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NotifyOptions {
    /// Send it this many times. 0: prepare it without sending (a lost notification); the
    /// answer's one [`Delivery`] (status 0) names it for [`PayMock::replay`].
    #[serde(default = "one")]
    pub times: u32,
    /// Wait this long first, milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
    /// Send it altered.
    #[serde(default)]
    pub tamper: Tamper,
    /// Send the copies at the same moment rather than one after the other.
    #[serde(default)]
    pub concurrent: bool,
}

fn one() -> u32 {
    1
}

impl NotifyOptions {
    /// One normal notification.
    pub fn once() -> Self {
        Self {
            times: 1,
            ..Self::default()
        }
    }
}

/// What a notification delivery got back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The notification id (`id` of the body).
    pub id: String,
    /// HTTP status of the merchant's answer, 0 when unreachable.
    pub status: u16,
    /// The merchant's answer body.
    pub body: String,
}

/// A platform certificate of the mock, with its key.
#[derive(Clone)]
struct MockCertificate {
    serial_no: String,
    key: PrivateKey,
    pem: String,
    not_before: i64,
    not_after: i64,
}

/// What signs an answer or a notification: a key and the serial it is known by.
pub(crate) struct SigningIdentity {
    serial: String,
    key: PrivateKey,
}

/// How long the mock's platform certificates are valid (WeChat Pay's: 5 years).
pub const CERTIFICATE_VALIDITY_SECS: i64 = 5 * 365 * 86_400;

#[derive(Default)]
struct Faults {
    /// The next this-many `/v3` calls answer `status`.
    remaining: u32,
    status: u16,
}

struct Inner {
    key: OnceLock<PrivateKey>,
    public_key_id: String,
    /// Platform certificates, oldest first; the last one signs. Made at first use.
    certificates: Mutex<Vec<MockCertificate>>,
    merchants: RwLock<HashMap<String, MockMerchant>>,
    orders: Mutex<HashMap<(String, String), MockOrder>>,
    refunds: Mutex<HashMap<(String, String), MockRefund>>,
    /// Every notification sent, by id, to resend it verbatim (replays).
    sent: Mutex<HashMap<String, (String, HeaderMap, String)>>,
    faults: Mutex<Faults>,
    seq: AtomicU64,
    /// `GET /v3/certificates` calls answered.
    certificate_downloads: AtomicU64,
    http: reqwest::Client,
    /// None: refunds stay `PROCESSING` until [`PayMock::complete_refund`].
    refund_delay: Mutex<Option<Duration>>,
}

/// The mock pay platform. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct PayMock {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PayMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayMock")
            .field("public_key_id", &self.inner.public_key_id)
            .finish_non_exhaustive()
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn rfc3339_now() -> String {
    rfc3339(unix_now())
}

fn rfc3339(secs: i64) -> String {
    // Seconds precision in UTC+8 is what WeChat Pay sends; UTC is as valid RFC 3339.
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

impl Default for PayMock {
    fn default() -> Self {
        Self::new()
    }
}

impl PayMock {
    /// A mock whose own key is generated on first use.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                key: OnceLock::new(),
                public_key_id: MOCK_PUBLIC_KEY_ID.into(),
                certificates: Mutex::new(Vec::new()),
                merchants: RwLock::new(HashMap::new()),
                orders: Mutex::new(HashMap::new()),
                refunds: Mutex::new(HashMap::new()),
                sent: Mutex::new(HashMap::new()),
                faults: Mutex::new(Faults::default()),
                seq: AtomicU64::new(1),
                certificate_downloads: AtomicU64::new(0),
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap_or_default(),
                refund_delay: Mutex::new(Some(REFUND_DELAY)),
            }),
        }
    }

    /// A mock that signs with `key` (no key generation).
    pub fn with_key(key: PrivateKey) -> Self {
        let mock = Self::new();
        let _ = mock.inner.key.set(key);
        mock
    }

    fn key(&self) -> &PrivateKey {
        // One key per process for every mock made without one: generating a 2048-bit key takes
        // seconds in unoptimised builds, and a mock's key is no secret.
        static SHARED: OnceLock<PrivateKey> = OnceLock::new();
        self.inner.key.get_or_init(|| {
            SHARED
                .get_or_init(|| match PrivateKey::generate() {
                    Ok(key) => key,
                    // Generation only fails on a broken RNG; nothing can work then.
                    Err(err) => panic!("the mock pay platform cannot make its key: {err}"),
                })
                .clone()
        })
    }

    /// The id of the mock's public key (what merchants configure as the public key id).
    pub fn public_key_id(&self) -> &str {
        &self.inner.public_key_id
    }

    /// The mock's public key (what merchants configure to verify its answers).
    pub fn public_key(&self) -> PublicKey {
        self.key().public_key()
    }

    fn make_certificate(
        key: PrivateKey,
        not_before: i64,
        not_after: i64,
    ) -> Result<MockCertificate, String> {
        // 20 random bytes, positive, 40 hex digits: what WeChat Pay's serials look like.
        let mut serial: [u8; 20] = rand::random();
        serial[0] = (serial[0] & 0x7f) | 0x10;
        let pem = super::certificates::self_signed_pem(
            &key,
            &serial,
            not_before,
            not_after,
            "Minibase mock WeChat Pay platform certificate",
        )
        .map_err(|e| e.to_string())?;
        Ok(MockCertificate {
            serial_no: super::certificates::serial_hex(&serial),
            key,
            pem,
            not_before,
            not_after,
        })
    }

    /// The platform certificates, oldest first; the first is made (with the mock's key) at
    /// first use.
    fn platform_certificates(&self) -> Result<Vec<MockCertificate>, String> {
        let mut certificates = locked(&self.inner.certificates);
        if certificates.is_empty() {
            let now = unix_now();
            certificates.push(Self::make_certificate(
                self.key().clone(),
                now - 86_400,
                now + CERTIFICATE_VALIDITY_SECS,
            )?);
        }
        Ok(certificates.clone())
    }

    /// How many times `/v3/certificates` was downloaded.
    pub fn certificate_downloads(&self) -> u64 {
        self.inner.certificate_downloads.load(Ordering::SeqCst)
    }

    /// The serials of the platform certificates `/v3/certificates` lists, oldest first; the last
    /// one signs.
    pub fn certificate_serials(&self) -> Vec<String> {
        self.platform_certificates()
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.serial_no)
            .collect()
    }

    /// Rotation: a new platform certificate (of `key`, or of a key made now, which is slow in
    /// unoptimised builds) is listed beside the old ones and signs from now on, as WeChat Pay
    /// does when it switches. The old ones stay listed and valid (the overlap) until
    /// [`Self::withdraw_certificate`]. Its serial.
    pub fn rotate_certificate(&self, key: Option<PrivateKey>) -> Result<String, String> {
        let key = match key {
            Some(key) => key,
            None => PrivateKey::generate().map_err(|e| e.to_string())?,
        };
        self.platform_certificates()?;
        let now = unix_now();
        let certificate = Self::make_certificate(key, now - 60, now + CERTIFICATE_VALIDITY_SECS)?;
        let serial = certificate.serial_no.clone();
        locked(&self.inner.certificates).push(certificate);
        Ok(serial)
    }

    /// The end of an overlap: a certificate is no longer listed (the last one cannot go).
    pub fn withdraw_certificate(&self, serial: &str) -> Result<(), String> {
        let mut certificates = locked(&self.inner.certificates);
        if certificates.len() < 2 || certificates.last().is_some_and(|c| c.serial_no == serial) {
            return Err("the signing certificate cannot be withdrawn".into());
        }
        let before = certificates.len();
        certificates.retain(|c| c.serial_no != serial);
        if certificates.len() == before {
            return Err("no such certificate".into());
        }
        Ok(())
    }

    fn current_certificate(&self) -> Result<SigningIdentity, String> {
        let certificate = self
            .platform_certificates()?
            .pop()
            .ok_or("the mock has no platform certificate")?;
        Ok(SigningIdentity {
            serial: certificate.serial_no,
            key: certificate.key,
        })
    }

    fn public_key_identity(&self) -> SigningIdentity {
        SigningIdentity {
            serial: self.inner.public_key_id.clone(),
            key: self.key().clone(),
        }
    }

    /// What signs an answer to `merchant`'s request: the public key when the request names it
    /// in `Wechatpay-Serial` or the merchant is in public-key mode, else the current platform
    /// certificate.
    fn signer_for(&self, merchant: &MockMerchant, headers: &HeaderMap) -> SigningIdentity {
        let names_public_key = headers
            .get(headers::SERIAL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|s| s.trim() == self.inner.public_key_id));
        if merchant.platform_certificates && !names_public_key {
            if let Ok(signer) = self.current_certificate() {
                return signer;
            }
        }
        self.public_key_identity()
    }

    fn notification_signer(&self, merchant: &MockMerchant) -> Result<SigningIdentity, String> {
        if merchant.platform_certificates {
            self.current_certificate()
        } else {
            Ok(self.public_key_identity())
        }
    }

    /// Accept requests from a merchant.
    pub fn register_merchant(&self, merchant: MockMerchant) {
        self.inner
            .merchants
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(merchant.mchid.clone(), merchant);
    }

    fn merchant(&self, mchid: &str) -> Option<MockMerchant> {
        self.inner
            .merchants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(mchid)
            .cloned()
    }

    /// An order, by merchant and number.
    pub fn order(&self, mchid: &str, out_trade_no: &str) -> Option<MockOrder> {
        locked(&self.inner.orders)
            .get(&(mchid.to_string(), out_trade_no.to_string()))
            .cloned()
    }

    /// Every order of a merchant.
    pub fn orders(&self, mchid: &str) -> Vec<MockOrder> {
        locked(&self.inner.orders)
            .values()
            .filter(|o| o.mchid == mchid)
            .cloned()
            .collect()
    }

    /// A refund, by merchant and refund number.
    pub fn refund(&self, mchid: &str, out_refund_no: &str) -> Option<MockRefund> {
        locked(&self.inner.refunds)
            .get(&(mchid.to_string(), out_refund_no.to_string()))
            .cloned()
    }

    /// The next `count` calls under `/v3` answer `status` (500, 502, 503 ...) with
    /// `SYSTEM_ERROR`; 0 for `status` makes them hang up without answering.
    pub fn fail_next(&self, count: u32, status: u16) {
        let mut faults = locked(&self.inner.faults);
        faults.remaining = count;
        faults.status = status;
    }

    /// The payer pays: the order becomes `SUCCESS` and its notification goes out as `options`
    /// say. Returns the deliveries (empty when `times` is 0).
    pub async fn pay(
        &self,
        mchid: &str,
        out_trade_no: &str,
        options: NotifyOptions,
    ) -> Result<Vec<Delivery>, String> {
        {
            let mut orders = locked(&self.inner.orders);
            let order = orders
                .get_mut(&(mchid.to_string(), out_trade_no.to_string()))
                .ok_or("no such order")?;
            if order.trade_state != "NOTPAY" {
                return Err(format!("the order is {}", order.trade_state));
            }
            order.trade_state = "SUCCESS".into();
            order.transaction_id = Some(format!(
                "4200{:016}",
                self.inner.seq.fetch_add(1, Ordering::SeqCst)
            ));
            order.success_time = Some(rfc3339_now());
        }
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
        {
            let mut orders = locked(&self.inner.orders);
            let order = orders
                .get_mut(&(mchid.to_string(), out_trade_no.to_string()))
                .ok_or("no such order")?;
            if order.trade_state != "CLOSED" {
                return Err(format!("the order is {}", order.trade_state));
            }
            order.trade_state = "SUCCESS".into();
            order.transaction_id = Some(format!(
                "4200{:016}",
                self.inner.seq.fetch_add(1, Ordering::SeqCst)
            ));
            order.success_time = Some(rfc3339_now());
        }
        self.notify(mchid, out_trade_no, options).await
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

    fn transaction_json(order: &MockOrder) -> Value {
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
        if !crate::mock::is_loopback(&target) {
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

    /// The routes: WeChat Pay's paths and the controls.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v3/pay/transactions/jsapi", post(prepay))
            .route("/v3/pay/transactions/out-trade-no/{no}", get(query_order))
            .route(
                "/v3/pay/transactions/out-trade-no/{no}/close",
                post(close_order),
            )
            .route("/v3/refund/domestic/refunds", post(create_refund))
            .route("/v3/refund/domestic/refunds/{no}", get(query_refund))
            .route("/v3/certificates", get(list_certificates))
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
            .with_state(self.clone())
    }

    /// Check the merchant's signature as WeChat Pay does; the merchant on success.
    fn authenticate(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &str,
    ) -> Result<MockMerchant, SignError> {
        let sign_error = |message: &str| SignError(message.to_string());
        let header = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| sign_error("Authorization header is missing"))?;
        let parts = crypto::parse_authorization(header)
            .ok_or_else(|| sign_error("Authorization is not WECHATPAY2-SHA256-RSA2048"))?;
        let merchant = self
            .merchant(&parts.mchid)
            .ok_or_else(|| sign_error("unknown mchid"))?;
        if merchant.serial_no != parts.serial_no {
            return Err(sign_error("the certificate serial number does not match"));
        }
        let timestamp: i64 = parts
            .timestamp
            .parse()
            .map_err(|_| sign_error("bad timestamp"))?;
        if (unix_now() - timestamp).abs() > MAX_CLOCK_SKEW_SECS {
            return Err(sign_error("the timestamp is too far from now"));
        }
        let url = uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or_else(|| uri.path());
        let message = format!(
            "{}\n{}\n{}\n{}\n{}\n",
            method.as_str(),
            url,
            parts.timestamp,
            parts.nonce_str,
            body
        );
        if !merchant.public_key.verify(&message, &parts.signature) {
            return Err(sign_error("signature verification failed"));
        }
        Ok(merchant)
    }

    /// A signed answer.
    fn answer(
        &self,
        signer: &SigningIdentity,
        status: StatusCode,
        body: Option<Value>,
    ) -> Response {
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        let timestamp = unix_now().to_string();
        let nonce = crypto::nonce();
        let signature = signer
            .key
            .sign(&crypto::response_message(&timestamp, &nonce, &text));
        let mut response = (status, text).into_response();
        let headers = response.headers_mut();
        for (name, value) in [
            ("wechatpay-timestamp", timestamp),
            ("wechatpay-nonce", nonce),
            ("wechatpay-signature", signature),
            ("wechatpay-serial", signer.serial.clone()),
            (
                "request-id",
                format!("mock-{}", self.inner.seq.fetch_add(1, Ordering::SeqCst)),
            ),
            ("content-type", "application/json".to_string()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }

    /// A fault injected by [`Self::fail_next`], if one is due.
    fn fault(&self) -> Option<Response> {
        let mut faults = locked(&self.inner.faults);
        if faults.remaining == 0 {
            return None;
        }
        faults.remaining -= 1;
        let status =
            StatusCode::from_u16(faults.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Some(error(status, "SYSTEM_ERROR", "系统错误 (mock fault)"))
    }

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

/// Why the mock refused a request's signature; answered as 401 `SIGN_ERROR`.
struct SignError(String);

impl IntoResponse for SignError {
    fn into_response(self) -> Response {
        error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", &self.0)
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

fn body_text(body: &Bytes) -> String {
    String::from_utf8_lossy(body).into_owned()
}

async fn prepay(
    State(mock): State<PayMock>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(fault) = mock.fault() {
        return fault;
    }
    let text = body_text(&body);
    let merchant = match mock.authenticate(&method, &uri, &headers, &text) {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
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

async fn query_order(
    State(mock): State<PayMock>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(fault) = mock.fault() {
        return fault;
    }
    let merchant = match mock.authenticate(&method, &uri, &headers, "") {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
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

async fn close_order(
    State(mock): State<PayMock>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(fault) = mock.fault() {
        return fault;
    }
    let merchant = match mock.authenticate(&method, &uri, &headers, &body_text(&body)) {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
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

async fn create_refund(
    State(mock): State<PayMock>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(fault) = mock.fault() {
        return fault;
    }
    let text = body_text(&body);
    let merchant = match mock.authenticate(&method, &uri, &headers, &text) {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
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

async fn query_refund(
    State(mock): State<PayMock>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(fault) = mock.fault() {
        return fault;
    }
    let merchant = match mock.authenticate(&method, &uri, &headers, "") {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
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

/// `GET /v3/certificates`: every platform certificate valid now, each encrypted with the
/// merchant's APIv3 key; the answer is signed with the current certificate.
async fn list_certificates(
    State(mock): State<PayMock>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(fault) = mock.fault() {
        return fault;
    }
    let merchant = match mock.authenticate(&method, &uri, &headers, "") {
        Ok(m) => m,
        Err(refused) => return refused.into_response(),
    };
    let (certificates, signer) = match (mock.platform_certificates(), mock.current_certificate()) {
        (Ok(certificates), Ok(signer)) => (certificates, signer),
        (Err(err), _) | (_, Err(err)) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "SYSTEM_ERROR", &err)
        }
    };
    let Ok(key) = ApiV3Key::new(&merchant.api_v3_key) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "bad APIv3 key",
        );
    };
    mock.inner
        .certificate_downloads
        .fetch_add(1, Ordering::SeqCst);
    let now = unix_now();
    let mut data = Vec::new();
    for certificate in certificates.iter().filter(|c| c.not_after > now) {
        let nonce: String = crypto::nonce().chars().take(12).collect();
        let Ok(ciphertext) = key.encrypt(
            super::certificates::CERTIFICATE_AAD,
            &nonce,
            certificate.pem.as_bytes(),
        ) else {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "encryption failed",
            );
        };
        data.push(json!({
            "serial_no": certificate.serial_no,
            "effective_time": rfc3339(certificate.not_before),
            "expire_time": rfc3339(certificate.not_after),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": super::certificates::CERTIFICATE_AAD,
                "ciphertext": ciphertext,
            },
        }));
    }
    mock.answer(&signer, StatusCode::OK, Some(json!({ "data": data })))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pay::{
        Amount, JsapiPrepay, PayClient, PayConfig, PayError, Payer, RefundAmountRequest, Signed,
    };

    fn setup() -> (PayMock, PayClient, PrivateKey) {
        let merchant_key = crate::pay::crypto::tests::test_key().clone();
        let mock = PayMock::new();
        mock.register_merchant(MockMerchant {
            mchid: MOCK_MCHID.into(),
            appid: "wx-mock-appid".into(),
            serial_no: "MERCHANT-SERIAL".into(),
            public_key: merchant_key.public_key(),
            api_v3_key: MOCK_API_V3_KEY.into(),
            platform_certificates: false,
        });
        let config = PayConfig::new(
            MOCK_MCHID,
            "wx-mock-appid",
            "MERCHANT-SERIAL",
            merchant_key.clone(),
            MOCK_API_V3_KEY,
            mock.public_key_id(),
            mock.public_key(),
        )
        .unwrap();
        (mock, PayClient::new(config).unwrap(), merchant_key)
    }

    fn order(no: &str, total: i64) -> JsapiPrepay {
        JsapiPrepay {
            description: "test".into(),
            out_trade_no: no.into(),
            time_expire: None,
            attach: None,
            notify_url: "http://127.0.0.1:9/notify".into(),
            amount: Amount {
                total,
                currency: "CNY".into(),
            },
            payer: Payer {
                openid: "o-1".into(),
            },
        }
    }

    #[tokio::test]
    async fn the_client_and_the_mock_agree_end_to_end() {
        let (mock, client, _) = setup();
        let (addr, _server) = {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let router = mock.router();
            (
                addr,
                tokio::spawn(async move { axum::serve(listener, router).await }),
            )
        };
        let client = PayClient::new(
            client
                .config()
                .clone()
                .with_api_base(format!("http://{addr}")),
        )
        .unwrap();

        let prepay_id = client
            .jsapi_prepay(&order("ORDER-0001", 1999))
            .await
            .unwrap();
        // Same order again: same prepay id; another amount: refused.
        assert_eq!(
            client
                .jsapi_prepay(&order("ORDER-0001", 1999))
                .await
                .unwrap(),
            prepay_id
        );
        assert!(
            matches!(client.jsapi_prepay(&order("ORDER-0001", 1)).await, Err(PayError::Api { code, .. }) if code == "INVALID_REQUEST")
        );
        let found = client.query_by_out_trade_no("ORDER-0001").await.unwrap();
        assert_eq!(found.trade_state, "NOTPAY");
        assert!(matches!(
            client.query_by_out_trade_no("ORDER-none").await,
            Err(PayError::NotFound { .. })
        ));

        mock.pay(
            MOCK_MCHID,
            "ORDER-0001",
            NotifyOptions {
                times: 0,
                ..NotifyOptions::default()
            },
        )
        .await
        .unwrap();
        let paid = client.query_by_out_trade_no("ORDER-0001").await.unwrap();
        assert!(paid.state().is_paid());
        assert_eq!(paid.amount.total, 1999);
        assert!(matches!(
            client.close("ORDER-0001").await,
            Err(PayError::OrderPaid { .. })
        ));

        // Partial refunds, then over the rest.
        let refund = client
            .refund(&RefundRequest {
                out_trade_no: "ORDER-0001".into(),
                out_refund_no: "R-1".into(),
                reason: Some("test".into()),
                notify_url: None,
                amount: RefundAmountRequest {
                    refund: 999,
                    total: 1999,
                    currency: "CNY".into(),
                },
            })
            .await
            .unwrap();
        assert_eq!(refund.status, "PROCESSING");
        assert!(matches!(
            client
                .refund(&RefundRequest {
                    out_trade_no: "ORDER-0001".into(),
                    out_refund_no: "R-2".into(),
                    reason: None,
                    notify_url: None,
                    amount: RefundAmountRequest {
                        refund: 1001,
                        total: 1999,
                        currency: "CNY".into()
                    },
                })
                .await,
            Err(PayError::Api { .. })
        ));
        tokio::time::sleep(REFUND_DELAY * 3).await;
        assert_eq!(client.query_refund("R-1").await.unwrap().status, "SUCCESS");

        client.jsapi_prepay(&order("ORDER-0002", 5)).await.unwrap();
        client.close("ORDER-0002").await.unwrap();
        client.close("ORDER-0002").await.unwrap();
        assert_eq!(
            client
                .query_by_out_trade_no("ORDER-0002")
                .await
                .unwrap()
                .trade_state,
            "CLOSED"
        );

        // Faults: 5xx becomes a retryable error.
        mock.fail_next(1, 503);
        let err = client
            .query_by_out_trade_no("ORDER-0002")
            .await
            .unwrap_err();
        assert!(matches!(err, PayError::SystemError { status: 503, .. }) && err.is_retryable());

        // Another merchant key: SIGN_ERROR. Another WeChat Pay key: the answer is refused.
        let stranger = PrivateKey::generate().unwrap();
        let mut wrong = client.config().clone();
        wrong.private_key = stranger.clone();
        let wrong = PayClient::new(wrong).unwrap();
        assert!(matches!(
            wrong.query_by_out_trade_no("ORDER-0002").await,
            Err(PayError::SignError { .. })
        ));
        let mut distrust = client.config().clone();
        distrust.verifier = crate::pay::Verifier::new(mock.public_key_id(), stranger.public_key());
        let distrust = PayClient::new(distrust).unwrap();
        assert!(matches!(
            distrust.query_by_out_trade_no("ORDER-0002").await,
            Err(PayError::BadSignature(_))
        ));
    }

    async fn serve(mock: &PayMock) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = mock.router();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn certificate_mode_downloads_verifies_and_follows_a_rotation() {
        let merchant_key = crate::pay::crypto::tests::test_key().clone();
        let mock = PayMock::new();
        mock.register_merchant(MockMerchant {
            mchid: MOCK_MCHID.into(),
            appid: "wx-mock-appid".into(),
            serial_no: "MERCHANT-SERIAL".into(),
            public_key: merchant_key.public_key(),
            api_v3_key: MOCK_API_V3_KEY.into(),
            platform_certificates: true,
        });
        let base = serve(&mock).await;
        let config = |api_v3_key: &str| {
            PayConfig::with_platform_certificates(
                MOCK_MCHID,
                "wx-mock-appid",
                "MERCHANT-SERIAL",
                merchant_key.clone(),
                api_v3_key,
            )
            .unwrap()
            .with_api_base(base.clone())
        };
        let client = PayClient::new(config(MOCK_API_V3_KEY)).unwrap();
        assert!(client.verifier().serials().is_empty());
        let first = mock.certificate_serials();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].len(), 40, "{first:?}");
        // The download: decrypted with the APIv3 key, its answer verified with what it brought.
        assert_eq!(client.download_certificates().await.unwrap(), first);
        assert_eq!(client.verifier().serials(), first);
        client
            .jsapi_prepay(&order("ORDER-CERT-1", 100))
            .await
            .unwrap();

        // Another APIv3 key cannot open the list: nothing is trusted.
        let stranger = PayClient::new(config("another-apiv3-key-0123456789abcd")).unwrap();
        assert!(matches!(
            stranger.download_certificates().await,
            Err(PayError::Decrypt(_))
        ));
        assert!(stranger.verifier().serials().is_empty());

        // What the first certificate signed (a notification sent before the rotation).
        let before = {
            let ts = unix_now().to_string();
            let body = "{\"id\":\"EV-1\"}".to_string();
            let signature = mock
                .current_certificate()
                .unwrap()
                .key
                .sign(&crypto::response_message(&ts, "N", &body));
            (ts, body, signature)
        };
        let signed_before = Signed {
            serial: &first[0],
            timestamp: &before.0,
            nonce: "N",
            signature: &before.2,
            body: &before.1,
        };

        // Rotation: WeChat Pay signs with a new certificate. The client learns it at the first
        // answer under the unknown serial (one download), and trusts both during the overlap.
        let second = mock
            .rotate_certificate(Some(PrivateKey::generate().unwrap()))
            .unwrap();
        assert_ne!(second, first[0]);
        let answer = client.query_by_out_trade_no("ORDER-CERT-1").await.unwrap();
        assert_eq!(answer.trade_state, "NOTPAY");
        let mut both = vec![first[0].clone(), second.clone()];
        both.sort();
        assert_eq!(client.verifier().serials(), both);
        client
            .config()
            .verifier
            .verify(&signed_before, unix_now())
            .unwrap();

        // A notification under a serial WeChat Pay never used: one download, still unknown,
        // refused; a second one within the cooldown is refused without another download.
        let forged = |serial: &'static str| {
            let ts = unix_now().to_string();
            let body = "{}".to_string();
            let signature = merchant_key.sign(&crypto::response_message(&ts, "N", &body));
            (serial, ts, body, signature)
        };
        let downloads = mock.certificate_downloads();
        for (serial, ts, body, signature) in [forged("FORGED-1"), forged("FORGED-2")] {
            let signed = Signed {
                serial,
                timestamp: &ts,
                nonce: "N",
                signature: &signature,
                body: &body,
            };
            assert!(matches!(
                client.parse_notification(&signed).await,
                Err(PayError::UnknownSerial(_))
            ));
        }
        assert_eq!(mock.certificate_downloads(), downloads + 1);

        // The end of the overlap: the next download drops the withdrawn certificate.
        assert!(
            mock.withdraw_certificate(&second).is_err(),
            "the signing one stays"
        );
        mock.withdraw_certificate(&first[0]).unwrap();
        assert_eq!(
            client.download_certificates().await.unwrap(),
            vec![second.clone()]
        );
        assert!(matches!(
            client.config().verifier.verify(&signed_before, unix_now()),
            Err(PayError::UnknownSerial(_))
        ));

        // In the background: with a short refresh period, a new certificate is known before
        // anything signed with it arrives.
        let mut quick = config(MOCK_API_V3_KEY);
        quick.key_mode = crate::pay::KeyMode::PlatformCertificates {
            refresh_every: Duration::from_millis(200),
        };
        let quick = PayClient::new(quick).unwrap();
        quick.download_certificates().await.unwrap();
        let task = quick.spawn_certificate_refresh().expect("certificate mode");
        let third = mock
            .rotate_certificate(Some(crate::pay::crypto::tests::test_key().clone()))
            .unwrap();
        let started = std::time::Instant::now();
        while !quick.verifier().serials().contains(&third) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "refreshed in time"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        task.abort();

        // A switch to the public key: named in `Wechatpay-Serial`, it signs the answers, and no
        // certificate is needed.
        let mut switching = config(MOCK_API_V3_KEY);
        switching.verifier = crate::pay::Verifier::new(mock.public_key_id(), mock.public_key());
        let switching = PayClient::new(switching).unwrap();
        let downloads = mock.certificate_downloads();
        switching
            .query_by_out_trade_no("ORDER-CERT-1")
            .await
            .unwrap();
        assert_eq!(mock.certificate_downloads(), downloads);
        // Public-key mode has no such task.
        assert!(setup().1.spawn_certificate_refresh().is_none());
    }
}
