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
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::crypto::{self, PrivateKey, PublicKey};
use super::MAX_CLOCK_SKEW_SECS;
use certificates::list_certificates;
use orders::{close_order, prepay, query_order};
use refunds::{create_refund, query_refund};

mod certificates;
mod controls;
mod notifications;
mod orders;
mod refunds;
#[cfg(test)]
mod tests;

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
            .merge(controls::routes())
            .with_state(self.clone())
    }

    /// What every `/v3` call goes through first: a fault injected by [`Self::fail_next`], then
    /// the merchant's signature. The merchant, or the answer that refuses the call (boxed: it is
    /// large, and answered at once).
    fn admit(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &str,
    ) -> Result<MockMerchant, Box<Response>> {
        if let Some(fault) = self.fault() {
            return Err(Box::new(fault));
        }
        self.authenticate(method, uri, headers, body)
            .map_err(|refused| Box::new(refused.into_response()))
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
}

/// Why the mock refused a request's signature; answered as 401 `SIGN_ERROR`.
struct SignError(String);

impl IntoResponse for SignError {
    fn into_response(self) -> Response {
        error(StatusCode::UNAUTHORIZED, "SIGN_ERROR", &self.0)
    }
}

fn body_text(body: &Bytes) -> String {
    String::from_utf8_lossy(body).into_owned()
}
