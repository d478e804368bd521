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
mod error;
pub mod mock;
mod notifications;
mod requests;
#[cfg(test)]
mod tests;
mod trust;
pub mod types;
mod verifier;

use std::sync::Arc;
use std::time::Duration;

pub use certificates::PlatformCertificate;
pub use crypto::{ApiV3Key, PrivateKey, PublicKey};
pub use error::PayError;
pub use types::*;
pub use verifier::{Signed, Verifier};

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
}
