//! WeChat Pay API v3 for mini-programs (JSAPI), usable on its own: request signing, answer and
//! notification verification, `AEAD_AES_256_GCM` decryption, prepay, query, close, refund,
//! refund query and the `wx.requestPayment` parameters.
//!
//! It follows what WeChat Pay's own SDKs (wechatpay-go, wechatpay-java) do:
//!
//! - every request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=..,nonce_str=..,
//!   signature=..,timestamp=..,serial_no=..`, signed with the merchant's private key;
//! - every successful answer is verified with WeChat Pay's key named by `Wechatpay-Serial`
//!   before its body is read, with WeChat Pay's public key (`PUB_KEY_ID_...`, 公钥模式) or its
//!   platform certificates (平台证书模式, downloaded from `/v3/certificates`; see [`KeyMode`]
//!   and [`certificates`]); answers more than 5 minutes off are refused;
//! - error answers (`{"code","message"}` with a 4xx/5xx status) become [`PayError`] variants.
//!
//! Money is integer fen (分) everywhere.
//!
//! ```no_run
//! use minibase_wechat::pay::{JsapiPrepay, Amount, Payer, PayClient, PayConfig, PrivateKey, PublicKey};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = PayConfig::new(
//!     "1900009191",
//!     "wxd678efh567hg6787",
//!     "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",
//!     PrivateKey::from_pem(&std::fs::read_to_string("apiclient_key.pem")?)?,
//!     "the-32-byte-apiv3-key-set-in-console",
//!     "PUB_KEY_ID_0119000091912025000000000000000000",
//!     PublicKey::from_pem(&std::fs::read_to_string("pub_key.pem")?)?,
//! )?;
//! let client = PayClient::new(config)?;
//! let prepay_id = client
//!     .jsapi_prepay(&JsapiPrepay {
//!         description: "Flash sale order 42".into(),
//!         out_trade_no: "FS42".into(),
//!         time_expire: None,
//!         attach: None,
//!         notify_url: "https://shop.example.com/api/v1/payments/wechat/notify".into(),
//!         amount: Amount { total: 1999, currency: "CNY".into() },
//!         payer: Payer { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into() },
//!     })
//!     .await?;
//! let params = client.request_payment(&prepay_id); // hand these to wx.requestPayment
//! # let _ = params; Ok(())
//! # }
//! ```

pub mod certificates;
pub mod crypto;
pub mod mock;
pub mod types;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tracing::Instrument;

pub use certificates::PlatformCertificate;
pub use crypto::{ApiV3Key, PrivateKey, PublicKey};
pub use types::*;

/// WeChat Pay's API host.
pub const DEFAULT_PAY_API_BASE: &str = "https://api.mch.weixin.qq.com";

/// How far an answer's or a notification's timestamp may be from this machine's clock.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// Header names of WeChat Pay's signed answers and notifications.
pub mod headers {
    /// Unix seconds.
    pub const TIMESTAMP: &str = "Wechatpay-Timestamp";
    /// Random string.
    pub const NONCE: &str = "Wechatpay-Nonce";
    /// Base64 signature.
    pub const SIGNATURE: &str = "Wechatpay-Signature";
    /// Which WeChat Pay key signed: `PUB_KEY_ID_...` or a platform certificate serial.
    pub const SERIAL: &str = "Wechatpay-Serial";
    /// WeChat Pay's request id (quote it to their support).
    pub const REQUEST_ID: &str = "Request-ID";
}

/// Errors of the pay client; the variants for WeChat Pay's error answers follow its `code`.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// A key could not be read.
    #[error("key: {0}")]
    Key(String),
    /// An encrypted resource did not decrypt (wrong key, altered or cut data).
    #[error("decrypt: {0}")]
    Decrypt(String),
    /// The request did not reach WeChat Pay or its answer was cut.
    #[error("network: {0}")]
    Http(String),
    /// No answer within the timeout.
    #[error("timed out")]
    Timeout,
    /// An answer or notification whose signature is missing or wrong: never trust its body.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// Signed by a key this client does not know.
    #[error("unknown WeChat Pay key serial '{0}'")]
    UnknownSerial(String),
    /// Timestamp more than [`MAX_CLOCK_SKEW_SECS`] from now (replayed or stale).
    #[error("timestamp {0} is too far from now")]
    StaleTimestamp(String),
    /// A signed answer whose body is not what the API documents.
    #[error("unexpected answer: {0}")]
    BadResponse(String),
    /// `ORDER_NOT_EXIST` / `RESOURCE_NOT_EXISTS` (404).
    #[error("not found: {message}")]
    NotFound {
        /// WeChat Pay's text.
        message: String,
    },
    /// `ORDERPAID`: the order is paid (a close or a second prepay).
    #[error("order already paid: {message}")]
    OrderPaid {
        /// WeChat Pay's text.
        message: String,
    },
    /// `ORDER_CLOSED`: the order was closed.
    #[error("order closed: {message}")]
    OrderClosed {
        /// WeChat Pay's text.
        message: String,
    },
    /// `SIGN_ERROR` (401): WeChat Pay refused our signature (wrong key or serial).
    #[error("WeChat Pay refused the merchant signature: {message}")]
    SignError {
        /// WeChat Pay's text.
        message: String,
    },
    /// `NOTENOUGH`: the merchant balance cannot cover a refund.
    #[error("not enough balance: {message}")]
    NotEnough {
        /// WeChat Pay's text.
        message: String,
    },
    /// `FREQUENCY_LIMITED` (429).
    #[error("rate limited: {message}")]
    FrequencyLimited {
        /// WeChat Pay's text.
        message: String,
    },
    /// `SYSTEM_ERROR`, `BANKERROR` or any 5xx: try again (same parameters).
    #[error("WeChat Pay is unavailable ({status}): {message}")]
    SystemError {
        /// HTTP status.
        status: u16,
        /// WeChat Pay's text.
        message: String,
    },
    /// Any other error answer (`PARAM_ERROR`, `INVALID_REQUEST`, `APPID_MCHID_NOT_MATCH`, ...).
    #[error("WeChat Pay answered {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// WeChat Pay's `code`.
        code: String,
        /// WeChat Pay's text.
        message: String,
    },
}

impl PayError {
    /// Whether repeating the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Http(_)
                | Self::Timeout
                | Self::SystemError { .. }
                | Self::FrequencyLimited { .. }
                | Self::NotEnough { .. }
                | Self::BadSignature(_)
                | Self::UnknownSerial(_)
        )
    }

    /// How a call ended, as an [`Observer`](crate::observe::Observer) is told: WeChat Pay's
    /// error code, or `timeout`, `network`, `signature`, `decode`.
    pub fn outcome(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Self::Timeout => "timeout".into(),
            Self::Http(_) => "network".into(),
            Self::BadSignature(_) | Self::UnknownSerial(_) | Self::StaleTimestamp(_) => {
                "signature".into()
            }
            Self::BadResponse(_) | Self::Decrypt(_) | Self::Key(_) => "decode".into(),
            Self::NotFound { .. } => "ORDER_NOT_EXIST".into(),
            Self::OrderPaid { .. } => "ORDERPAID".into(),
            Self::OrderClosed { .. } => "ORDER_CLOSED".into(),
            Self::SignError { .. } => "SIGN_ERROR".into(),
            Self::NotEnough { .. } => "NOTENOUGH".into(),
            Self::FrequencyLimited { .. } => "FREQUENCY_LIMITED".into(),
            Self::SystemError { status, .. } => format!("SYSTEM_ERROR_{status}").into(),
            Self::Api { code, .. } if !code.is_empty() && code.len() <= 40 => code.clone().into(),
            Self::Api { status, .. } => format!("http_{status}").into(),
        }
    }

    fn from_answer(status: u16, code: &str, message: String) -> Self {
        match code {
            "ORDER_NOT_EXIST" | "RESOURCE_NOT_EXISTS" => Self::NotFound { message },
            "ORDERPAID" | "ORDER_PAID" => Self::OrderPaid { message },
            "ORDER_CLOSED" | "ORDERCLOSED" => Self::OrderClosed { message },
            "SIGN_ERROR" => Self::SignError { message },
            "NOTENOUGH" => Self::NotEnough { message },
            "FREQUENCY_LIMITED" => Self::FrequencyLimited { message },
            "SYSTEM_ERROR" | "SYSTEMERROR" | "BANKERROR" => Self::SystemError { status, message },
            _ if status >= 500 => Self::SystemError { status, message },
            _ => Self::Api {
                status,
                code: code.to_string(),
                message,
            },
        }
    }
}

/// WeChat Pay's keys that sign answers and notifications, by serial.
///
/// Two kinds, side by side: public keys (公钥模式, the mode of new merchants since 2024, named
/// `PUB_KEY_ID_...`), added by hand and kept; and platform certificates (平台证书模式, named by
/// their serial number), replaced as a whole by each download of `/v3/certificates` and trusted
/// only within their validity. During a rotation (or a switch between the modes) several are
/// trusted at once, and an answer signed by any of them verifies. A serial this verifier does
/// not know never verifies.
#[derive(Debug, Clone, Default)]
pub struct Verifier {
    trusted: Arc<std::sync::RwLock<Trusted>>,
}

#[derive(Debug, Default)]
struct Trusted {
    keys: HashMap<String, PublicKey>,
    certificates: HashMap<String, PlatformCertificate>,
}

impl Verifier {
    /// A verifier with one key.
    pub fn new(serial: impl Into<String>, key: PublicKey) -> Self {
        let verifier = Self::default();
        verifier.add(serial, key);
        verifier
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Trusted> {
        self.trusted.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Trusted> {
        self.trusted.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Trust one more public key (rotation: old and new side by side).
    pub fn add(&self, serial: impl Into<String>, key: PublicKey) {
        self.write().keys.insert(serial.into(), key);
    }

    /// Stop trusting a public key.
    pub fn remove(&self, serial: &str) {
        self.write().keys.remove(serial);
    }

    /// Trust exactly these platform certificates from now on (a fresh download of the list).
    pub fn set_certificates(&self, certificates: Vec<PlatformCertificate>) {
        self.write().certificates = certificates
            .into_iter()
            .map(|c| (c.serial_no.clone(), c))
            .collect();
    }

    /// The platform certificates trusted now, by serial.
    pub fn certificates(&self) -> Vec<PlatformCertificate> {
        let mut certificates: Vec<PlatformCertificate> =
            self.read().certificates.values().cloned().collect();
        certificates.sort_by(|a, b| a.serial_no.cmp(&b.serial_no));
        certificates
    }

    /// When the first trusted certificate stops being valid (Unix seconds).
    pub fn earliest_expiry(&self) -> Option<i64> {
        self.read().certificates.values().map(|c| c.not_after).min()
    }

    /// The ids of the public keys trusted now.
    pub fn public_key_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.read().keys.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The serials trusted now (public keys and certificates).
    pub fn serials(&self) -> Vec<String> {
        let trusted = self.read();
        let mut serials: Vec<String> = trusted
            .keys
            .keys()
            .chain(trusted.certificates.keys())
            .cloned()
            .collect();
        serials.sort();
        serials
    }

    fn key_for(&self, serial: &str, now: i64) -> Option<PublicKey> {
        let trusted = self.read();
        trusted.keys.get(serial).cloned().or_else(|| {
            trusted
                .certificates
                .get(serial)
                .filter(|c| c.is_valid_at(now))
                .map(|c| c.public_key.clone())
        })
    }

    /// Whether a message signed under `serial` could verify at `now`.
    pub fn knows(&self, serial: &str, now: i64) -> bool {
        self.key_for(serial, now).is_some()
    }

    /// Check a signed message (answer or notification): the serial is known (a certificate:
    /// valid at `now`), the timestamp is within [`MAX_CLOCK_SKEW_SECS`] of `now` (Unix
    /// seconds), and the signature covers `timestamp\nnonce\nbody\n`.
    pub fn verify(&self, signed: &Signed<'_>, now: i64) -> Result<(), PayError> {
        let key = self
            .key_for(signed.serial, now)
            .ok_or_else(|| PayError::UnknownSerial(signed.serial.to_string()))?;
        let timestamp: i64 = signed
            .timestamp
            .trim()
            .parse()
            .map_err(|_| PayError::BadSignature("the timestamp is not a number".into()))?;
        if (now - timestamp).abs() > MAX_CLOCK_SKEW_SECS {
            return Err(PayError::StaleTimestamp(signed.timestamp.to_string()));
        }
        let message = crypto::response_message(signed.timestamp, signed.nonce, signed.body);
        if key.verify(&message, signed.signature) {
            Ok(())
        } else {
            Err(PayError::BadSignature(
                "the signature does not match the body".into(),
            ))
        }
    }
}

/// The signed parts of an answer or a notification.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// `Wechatpay-Serial`.
    pub serial: &'a str,
    /// `Wechatpay-Timestamp`.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`.
    pub signature: &'a str,
    /// The body, exactly as received.
    pub body: &'a str,
}

impl<'a> Signed<'a> {
    /// From HTTP headers; a missing header is a [`PayError::BadSignature`] naming it.
    pub fn from_headers(headers: &'a HeaderMap, body: &'a str) -> Result<Self, PayError> {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| PayError::BadSignature(format!("no {name} header")))
        };
        Ok(Self {
            serial: get(headers::SERIAL)?,
            timestamp: get(headers::TIMESTAMP)?,
            nonce: get(headers::NONCE)?,
            signature: get(headers::SIGNATURE)?,
            body,
        })
    }
}

/// How this client learns WeChat Pay's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// 公钥模式: the public keys in the [`Verifier`] are all there is.
    PublicKey,
    /// 平台证书模式: certificates are downloaded from `/v3/certificates` before the first call
    /// ([`PayClient::download_certificates`]), again every `refresh_every` (sooner when one
    /// expires first; [`PayClient::spawn_certificate_refresh`]), and once when an answer or a
    /// notification names a serial not known yet (WeChat Pay started signing with a new one).
    /// Public keys in the [`Verifier`] are trusted beside them (a switch between the modes).
    PlatformCertificates {
        /// How often the list is downloaded again.
        refresh_every: Duration,
    },
}

/// How often platform certificates are downloaded again by default (WeChat Pay publishes a new
/// certificate well before it signs with it).
pub const DEFAULT_CERTIFICATE_REFRESH: Duration = Duration::from_secs(12 * 3600);

/// After a download that did not know an unknown serial, no other download for unknown serials
/// within this time: a stream of forged notifications must not turn into a stream of calls to
/// WeChat Pay.
pub const UNKNOWN_SERIAL_COOLDOWN: Duration = Duration::from_secs(60);

/// A merchant's settings.
#[derive(Debug, Clone)]
pub struct PayConfig {
    /// 商户号.
    pub mchid: String,
    /// The mini-program's AppID (bound to the merchant in the console).
    pub appid: String,
    /// Serial number of the merchant's API certificate (证书序列号).
    pub serial_no: String,
    /// The merchant's API private key (`apiclient_key.pem`).
    pub private_key: PrivateKey,
    /// The APIv3 key (32 bytes).
    pub api_v3_key: ApiV3Key,
    /// WeChat Pay's keys that sign answers and notifications.
    pub verifier: Verifier,
    /// Where those keys come from.
    pub key_mode: KeyMode,
    /// `https://api.mch.weixin.qq.com`, or a mock.
    pub api_base: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Told about every call (trace headers, outcomes); `None`: nobody.
    pub observer: Option<crate::observe::Observer>,
}

impl PayConfig {
    /// Settings in public-key mode with WeChat Pay's API host.
    pub fn new(
        mchid: impl Into<String>,
        appid: impl Into<String>,
        serial_no: impl Into<String>,
        private_key: PrivateKey,
        api_v3_key: &str,
        public_key_id: impl Into<String>,
        public_key: PublicKey,
    ) -> Result<Self, PayError> {
        Ok(Self {
            mchid: mchid.into(),
            appid: appid.into(),
            serial_no: serial_no.into(),
            private_key,
            api_v3_key: ApiV3Key::new(api_v3_key)?,
            verifier: Verifier::new(public_key_id, public_key),
            key_mode: KeyMode::PublicKey,
            api_base: DEFAULT_PAY_API_BASE.into(),
            timeout: Duration::from_secs(10),
            observer: None,
        })
    }

    /// Settings in platform-certificate mode with WeChat Pay's API host: no key is trusted until
    /// [`PayClient::download_certificates`] ran.
    pub fn with_platform_certificates(
        mchid: impl Into<String>,
        appid: impl Into<String>,
        serial_no: impl Into<String>,
        private_key: PrivateKey,
        api_v3_key: &str,
    ) -> Result<Self, PayError> {
        Ok(Self {
            mchid: mchid.into(),
            appid: appid.into(),
            serial_no: serial_no.into(),
            private_key,
            api_v3_key: ApiV3Key::new(api_v3_key)?,
            verifier: Verifier::default(),
            key_mode: KeyMode::PlatformCertificates {
                refresh_every: DEFAULT_CERTIFICATE_REFRESH,
            },
            api_base: DEFAULT_PAY_API_BASE.into(),
            timeout: Duration::from_secs(10),
            observer: None,
        })
    }

    /// Another API base (a mock, a forward proxy).
    pub fn with_api_base(mut self, api_base: impl Into<String>) -> Self {
        self.api_base = api_base.into().trim_end_matches('/').to_string();
        self
    }
}

/// The pay client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PayClient {
    config: Arc<PayConfig>,
    http: reqwest::Client,
    /// One certificate download at a time for unknown serials, and when the last one that
    /// found nothing new ran.
    unknown_serial_refresh: Arc<tokio::sync::Mutex<Option<std::time::Instant>>>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct PrepayAnswer {
    prepay_id: String,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl PayClient {
    /// A client for `config`.
    pub fn new(config: PayConfig) -> Result<Self, PayError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|err| PayError::Http(err.to_string()))?;
        Ok(Self {
            config: Arc::new(config),
            http,
            unknown_serial_refresh: Arc::default(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &PayConfig {
        &self.config
    }

    /// WeChat Pay's keys this client trusts.
    pub fn verifier(&self) -> &Verifier {
        &self.config.verifier
    }

    /// Send a signed request; verify and return the answer's body (empty for 204). `api` is the
    /// path's template, for the call's span and the observer. Runs in a `wechat.call` span.
    async fn call(
        &self,
        method: Method,
        api: &'static str,
        path: &str,
        body: Option<String>,
    ) -> Result<String, PayError> {
        let observer = self.config.observer.as_ref();
        let method_name = if method == Method::GET { "GET" } else { "POST" };
        let span = crate::observe::call_span(method_name, api);
        let started = std::time::Instant::now();
        let headers = crate::observe::injected(observer, &span);
        let result: Result<String, PayError> = async {
            let (answer_headers, text) = self.send(method, path, body, headers).await?;
            let signed = Signed::from_headers(&answer_headers, &text)?;
            self.verify_signed(&signed).await?;
            Ok(text)
        }
        .instrument(span.clone())
        .await;
        let outcome = match &result {
            Ok(_) => "0".into(),
            Err(err) => err.outcome(),
        };
        crate::observe::finish(observer, &span, api, &outcome, started.elapsed());
        result
    }

    /// Send a signed request; the headers and body of a 2xx answer (not verified yet), or the
    /// error answer as a [`PayError`].
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        extra_headers: HeaderMap,
    ) -> Result<(HeaderMap, String), PayError> {
        let body = body.unwrap_or_default();
        let timestamp = unix_now();
        let nonce = crypto::nonce();
        let authorization = crypto::authorization(
            &self.config.private_key,
            &self.config.mchid,
            &self.config.serial_no,
            method.as_str(),
            path,
            timestamp,
            &nonce,
            &body,
        );
        let mut request = self
            .http
            .request(method.clone(), format!("{}{}", self.config.api_base, path))
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, "minibase-wechat-pay/0.1")
            .headers(extra_headers);
        let public_key_ids = self.config.verifier.public_key_ids();
        if !public_key_ids.is_empty() {
            // Tells WeChat Pay to sign its answer with its public key (public-key mode, and a
            // switch to it). Certificate serials are not sent: WeChat Pay reads this header as
            // the certificate that encrypted sensitive fields, which these requests have none of.
            request = request.header(headers::SERIAL, public_key_ids.join(","));
        }
        if method != Method::GET {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let response = request.send().await.map_err(|err| {
            if err.is_timeout() {
                PayError::Timeout
            } else {
                PayError::Http(err.to_string())
            }
        })?;
        let status = response.status().as_u16();
        let answer_headers = response.headers().clone();
        let text = response.text().await.map_err(|err| {
            if err.is_timeout() {
                PayError::Timeout
            } else {
                PayError::Http(err.to_string())
            }
        })?;
        if !(200..300).contains(&status) {
            // Error answers carry no money state; they are read but not trusted for any.
            let answer: ErrorAnswer = serde_json::from_str(&text).unwrap_or(ErrorAnswer {
                code: String::new(),
                message: text.chars().take(200).collect(),
            });
            return Err(PayError::from_answer(status, &answer.code, answer.message));
        }
        Ok((answer_headers, text))
    }

    /// Verify an answer or a notification; in certificate mode a serial not known yet is given
    /// one download of the certificate list before it is refused.
    async fn verify_signed(&self, signed: &Signed<'_>) -> Result<(), PayError> {
        match self.config.verifier.verify(signed, unix_now()) {
            Err(PayError::UnknownSerial(serial))
                if matches!(self.config.key_mode, KeyMode::PlatformCertificates { .. }) =>
            {
                self.refresh_for_unknown_serial(&serial).await;
                self.config.verifier.verify(signed, unix_now())
            }
            other => other,
        }
    }

    async fn refresh_for_unknown_serial(&self, serial: &str) {
        let mut fruitless_at = self.unknown_serial_refresh.lock().await;
        if self.config.verifier.knows(serial, unix_now()) {
            return; // another caller's download brought it meanwhile
        }
        if fruitless_at.is_some_and(|at| at.elapsed() < UNKNOWN_SERIAL_COOLDOWN) {
            return;
        }
        match self.download_certificates().await {
            Ok(_) if self.config.verifier.knows(serial, unix_now()) => {
                tracing::info!(serial, "WeChat Pay signs with a new platform certificate");
                *fruitless_at = None;
            }
            Ok(_) => *fruitless_at = Some(std::time::Instant::now()),
            Err(err) => {
                tracing::warn!(serial, error = %err, "platform certificates could not be downloaded");
                *fruitless_at = Some(std::time::Instant::now());
            }
        }
    }

    /// `GET /v3/certificates`: download WeChat Pay's platform certificates, decrypt them with the
    /// APIv3 key, check the answer's signature with them (or with a key already trusted), and
    /// trust exactly the valid ones from now on. Their serials.
    pub async fn download_certificates(&self) -> Result<Vec<String>, PayError> {
        let (answer_headers, text) = self
            .send(Method::GET, "/v3/certificates", None, HeaderMap::new())
            .await?;
        let list: certificates::CertificateList = serde_json::from_str(&text)
            .map_err(|err| PayError::BadResponse(format!("certificates: {err}")))?;
        let now = unix_now();
        let mut fresh = Vec::new();
        for entry in &list.data {
            let certificate = certificates::open_entry(&self.config.api_v3_key, entry)?;
            if certificate.is_valid_at(now) {
                fresh.push(certificate);
            }
        }
        if fresh.is_empty() {
            return Err(PayError::BadResponse(
                "the certificate list has no certificate valid now".into(),
            ));
        }
        let signed = Signed::from_headers(&answer_headers, &text)?;
        let downloaded = Verifier::default();
        downloaded.set_certificates(fresh.clone());
        match downloaded.verify(&signed, now) {
            Err(PayError::UnknownSerial(_)) => self.config.verifier.verify(&signed, now)?,
            other => other?,
        }
        let serials = fresh.iter().map(|c| c.serial_no.clone()).collect();
        self.config.verifier.set_certificates(fresh);
        Ok(serials)
    }

    /// In certificate mode, a task that downloads the certificate list again every
    /// `refresh_every`, sooner when a trusted certificate expires before that, and a minute
    /// after a failed download; `None` in public-key mode. Abort the handle to stop it.
    pub fn spawn_certificate_refresh(&self) -> Option<tokio::task::JoinHandle<()>> {
        let KeyMode::PlatformCertificates { refresh_every } = self.config.key_mode else {
            return None;
        };
        let client = self.clone();
        Some(tokio::spawn(async move {
            let mut failed = false;
            loop {
                let until_expiry =
                    client.config.verifier.earliest_expiry().map(|at| {
                        Duration::from_secs(u64::try_from(at - unix_now() + 1).unwrap_or(0))
                    });
                let mut wait = until_expiry.map_or(refresh_every, |d| d.min(refresh_every));
                if failed {
                    wait = wait.min(Duration::from_secs(60));
                }
                tokio::time::sleep(wait.max(Duration::from_millis(100))).await;
                match client.download_certificates().await {
                    Ok(serials) => {
                        tracing::debug!(?serials, "platform certificates refreshed");
                        failed = false;
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "platform certificates could not be refreshed; the ones known stay trusted until they expire");
                        failed = true;
                    }
                }
            }
        }))
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        api: &'static str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, PayError> {
        let text = self.call(method, api, path, body).await?;
        serde_json::from_str(&text).map_err(|err| PayError::BadResponse(err.to_string()))
    }

    fn to_json(value: &impl serde::Serialize) -> Result<String, PayError> {
        serde_json::to_string(value).map_err(|err| PayError::BadResponse(err.to_string()))
    }

    /// `POST /v3/pay/transactions/jsapi`: the `prepay_id` (valid for 2 hours). Repeating it with
    /// the same `out_trade_no` and parameters gives the same order.
    pub async fn jsapi_prepay(&self, order: &JsapiPrepay) -> Result<String, PayError> {
        let body = JsapiPrepayBody {
            appid: self.config.appid.clone(),
            mchid: self.config.mchid.clone(),
            order: order.clone(),
        };
        let answer: PrepayAnswer = self
            .call_json(
                Method::POST,
                "/v3/pay/transactions/jsapi",
                "/v3/pay/transactions/jsapi",
                Some(Self::to_json(&body)?),
            )
            .await?;
        Ok(answer.prepay_id)
    }

    /// `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=...`.
    pub async fn query_by_out_trade_no(&self, out_trade_no: &str) -> Result<Transaction, PayError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={}",
            encode(out_trade_no),
            encode(&self.config.mchid)
        );
        self.call_json(
            Method::GET,
            "/v3/pay/transactions/out-trade-no/{out_trade_no}",
            &path,
            None,
        )
        .await
    }

    /// `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close`: after it, the order cannot
    /// be paid. Closing a closed order succeeds again.
    pub async fn close(&self, out_trade_no: &str) -> Result<(), PayError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}/close",
            encode(out_trade_no)
        );
        let body = serde_json::json!({ "mchid": self.config.mchid }).to_string();
        self.call(
            Method::POST,
            "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            &path,
            Some(body),
        )
        .await
        .map(|_| ())
    }

    /// `POST /v3/refund/domestic/refunds` (partial refunds: `amount.refund < amount.total`).
    pub async fn refund(&self, refund: &RefundRequest) -> Result<Refund, PayError> {
        self.call_json(
            Method::POST,
            "/v3/refund/domestic/refunds",
            "/v3/refund/domestic/refunds",
            Some(Self::to_json(refund)?),
        )
        .await
    }

    /// `GET /v3/refund/domestic/refunds/{out_refund_no}`.
    pub async fn query_refund(&self, out_refund_no: &str) -> Result<Refund, PayError> {
        let path = format!("/v3/refund/domestic/refunds/{}", encode(out_refund_no));
        self.call_json(
            Method::GET,
            "/v3/refund/domestic/refunds/{out_refund_no}",
            &path,
            None,
        )
        .await
    }

    /// The parameters of `wx.requestPayment` for `prepay_id`, signed with the merchant key.
    pub fn request_payment(&self, prepay_id: &str) -> RequestPayment {
        let time_stamp = unix_now().to_string();
        let nonce_str = crypto::nonce();
        let package = format!("prepay_id={prepay_id}");
        let pay_sign = crypto::pay_sign(
            &self.config.private_key,
            &self.config.appid,
            &time_stamp,
            &nonce_str,
            &package,
        );
        RequestPayment {
            time_stamp,
            nonce_str,
            package,
            sign_type: "RSA".into(),
            pay_sign,
        }
    }

    /// Verify a notification (signature by a trusted key, timestamp within 5 minutes) and
    /// decrypt its resource with the APIv3 key. Nothing of the body is read before the
    /// signature checks out. In certificate mode, a serial not known yet is given one download
    /// of the certificate list first.
    pub async fn parse_notification(&self, signed: &Signed<'_>) -> Result<Notification, PayError> {
        self.verify_signed(signed).await?;
        self.open_notification(signed.body)
    }

    /// [`Self::parse_notification`] with an explicit clock (Unix seconds) and no download.
    pub fn parse_notification_at(
        &self,
        signed: &Signed<'_>,
        now: i64,
    ) -> Result<Notification, PayError> {
        self.config.verifier.verify(signed, now)?;
        self.open_notification(signed.body)
    }

    /// Decrypt a verified notification's resource.
    fn open_notification(&self, body: &str) -> Result<Notification, PayError> {
        let body: NotificationBody = serde_json::from_str(body)
            .map_err(|err| PayError::BadResponse(format!("notification: {err}")))?;
        if body.resource.algorithm != "AEAD_AES_256_GCM" {
            return Err(PayError::Decrypt(format!(
                "unknown algorithm '{}'",
                body.resource.algorithm
            )));
        }
        let plaintext = self.config.api_v3_key.decrypt(
            &body.resource.associated_data,
            &body.resource.nonce,
            &body.resource.ciphertext,
        )?;
        let plaintext = String::from_utf8(plaintext)
            .map_err(|_| PayError::Decrypt("the resource is not UTF-8".into()))?;
        Ok(Notification {
            id: body.id,
            event_type: body.event_type,
            create_time: body.create_time,
            plaintext,
        })
    }
}

/// Percent-encode a path segment or query value (out_trade_no is `[0-9A-Za-z_-|*]`, so this is
/// for `|` and `*` and for safety).
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> (PayClient, PrivateKey) {
        let merchant = crypto::tests::test_key().clone();
        // The same key plays WeChat Pay here; the mock tests use two.
        let platform = merchant.clone();
        let config = PayConfig::new(
            "1900009191",
            "wxd678efh567hg6787",
            "SERIAL1",
            merchant,
            "0123456789abcdef0123456789abcdef",
            "PUB_KEY_ID_1",
            platform.public_key(),
        )
        .unwrap();
        (PayClient::new(config).unwrap(), platform)
    }

    fn notification(
        platform: &PrivateKey,
        key: &ApiV3Key,
        plaintext: &str,
        ts: i64,
    ) -> (String, String, String) {
        let ciphertext = key
            .encrypt("transaction", "0123456789ab", plaintext.as_bytes())
            .unwrap();
        let body = serde_json::json!({
            "id": "EV-2018022511223320873",
            "create_time": "2015-05-20T13:29:35+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": "transaction",
                "nonce": "0123456789ab"
            }
        })
        .to_string();
        let ts = ts.to_string();
        let signature = platform.sign(&crypto::response_message(&ts, "NONCE", &body));
        (body, ts, signature)
    }

    #[test]
    fn notifications_verify_then_decrypt() {
        let (client, platform) = client();
        let key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let plaintext = r#"{"appid":"wxd678efh567hg6787","mchid":"1900009191","out_trade_no":"FS1","transaction_id":"4200","trade_state":"SUCCESS","amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}"#;
        let now = 1_700_000_000;
        let (body, ts, signature) = notification(&platform, &key, plaintext, now);
        let signed = Signed {
            serial: "PUB_KEY_ID_1",
            timestamp: &ts,
            nonce: "NONCE",
            signature: &signature,
            body: &body,
        };
        let parsed = client.parse_notification_at(&signed, now + 10).unwrap();
        assert_eq!(parsed.id, "EV-2018022511223320873");
        let transaction = parsed.transaction().unwrap();
        assert_eq!(transaction.amount.total, 100);
        assert!(transaction.state().is_paid());

        // Unknown serial, stale, altered body, wrong signature.
        let other_serial = Signed {
            serial: "PUB_KEY_ID_2",
            ..signed
        };
        assert!(matches!(
            client.parse_notification_at(&other_serial, now),
            Err(PayError::UnknownSerial(_))
        ));
        assert!(matches!(
            client.parse_notification_at(&signed, now + 301),
            Err(PayError::StaleTimestamp(_))
        ));
        assert!(matches!(
            client.parse_notification_at(&signed, now - 301),
            Err(PayError::StaleTimestamp(_))
        ));
        let altered = body.replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS ");
        let forged = Signed {
            body: &altered,
            ..signed
        };
        assert!(matches!(
            client.parse_notification_at(&forged, now),
            Err(PayError::BadSignature(_))
        ));
        // Re-encrypted with another APIv3 key and signed properly: the signature is right, the
        // decryption is not.
        let other_key = ApiV3Key::new("fedcba9876543210fedcba9876543210").unwrap();
        let (body2, ts2, sig2) = notification(&platform, &other_key, plaintext, now);
        let signed2 = Signed {
            serial: "PUB_KEY_ID_1",
            timestamp: &ts2,
            nonce: "NONCE",
            signature: &sig2,
            body: &body2,
        };
        assert!(matches!(
            client.parse_notification_at(&signed2, now),
            Err(PayError::Decrypt(_))
        ));
    }

    #[test]
    fn certificates_verify_only_within_their_validity() {
        let key = crypto::tests::test_key();
        let pem =
            certificates::self_signed_pem(key, &[0x42], 1_700_000_000, 1_800_000_000, "t").unwrap();
        let verifier = Verifier::default();
        verifier.set_certificates(vec![PlatformCertificate::from_pem(&pem).unwrap()]);
        let at = |now: i64| {
            let ts = now.to_string();
            let signature = key.sign(&crypto::response_message(&ts, "N", "{}"));
            verifier.verify(
                &Signed {
                    serial: "42",
                    timestamp: &ts,
                    nonce: "N",
                    signature: &signature,
                    body: "{}",
                },
                now,
            )
        };
        assert!(at(1_750_000_000).is_ok());
        assert!(matches!(at(1_800_000_001), Err(PayError::UnknownSerial(_))));
        assert!(matches!(at(1_699_999_999), Err(PayError::UnknownSerial(_))));
        assert_eq!(verifier.earliest_expiry(), Some(1_800_000_000));
        // A new download replaces the set.
        verifier.set_certificates(Vec::new());
        assert!(verifier.serials().is_empty());
    }

    #[test]
    fn request_payment_is_signed_for_the_app() {
        let (client, platform) = client();
        let params = client.request_payment("wx201410272009395522657a690389285100");
        assert_eq!(
            params.package,
            "prepay_id=wx201410272009395522657a690389285100"
        );
        assert_eq!(params.sign_type, "RSA");
        let message = format!(
            "wxd678efh567hg6787\n{}\n{}\n{}\n",
            params.time_stamp, params.nonce_str, params.package
        );
        assert!(platform.public_key().verify(&message, &params.pay_sign));
        let json = serde_json::to_value(&params).unwrap();
        for field in ["timeStamp", "nonceStr", "package", "signType", "paySign"] {
            assert!(json.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn error_answers_become_typed_errors() {
        assert!(matches!(
            PayError::from_answer(404, "ORDER_NOT_EXIST", "x".into()),
            PayError::NotFound { .. }
        ));
        assert!(matches!(
            PayError::from_answer(400, "ORDERPAID", "x".into()),
            PayError::OrderPaid { .. }
        ));
        assert!(matches!(
            PayError::from_answer(401, "SIGN_ERROR", "x".into()),
            PayError::SignError { .. }
        ));
        assert!(matches!(
            PayError::from_answer(502, "", "x".into()),
            PayError::SystemError { status: 502, .. }
        ));
        assert!(matches!(
            PayError::from_answer(400, "PARAM_ERROR", "x".into()),
            PayError::Api { .. }
        ));
        assert!(PayError::from_answer(500, "SYSTEM_ERROR", "x".into()).is_retryable());
        assert!(!PayError::from_answer(400, "PARAM_ERROR", "x".into()).is_retryable());
    }
}
