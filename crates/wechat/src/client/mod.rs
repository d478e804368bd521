//! The HTTP client for WeChat mini-program server APIs.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::WechatError;
use crate::observe::Observer;
use crate::token::{CachedToken, MemoryTokenStore, TokenStore};
use transport::{parse_image, parse_json};

mod token;
mod transport;

/// WeChat's production API origin.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// How long an unused connection to WeChat stays open (Node's keep-alive agents use 4 to 5 s).
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// How to reach WeChat and as which app.
#[derive(Clone)]
pub struct WechatConfig {
    /// The mini-program's AppID.
    pub appid: String,
    /// The mini-program's AppSecret.
    pub secret: String,
    /// API origin without trailing slash; [`DEFAULT_API_BASE`] in production,
    /// the mock's address in tests.
    pub api_base: String,
    /// Per-request timeout (connect + response).
    pub timeout: Duration,
    /// Extra attempts after a retryable failure (-1 system busy, network, timeout).
    pub max_retries: u32,
    /// How long a connection may sit unused before it is closed. A burst of calls opens one
    /// connection per concurrent call; steady traffic keeps reusing them, and a short timeout
    /// stops a past burst's connections (about 25 KiB each) from staying resident.
    pub pool_idle_timeout: Duration,
    /// Told about every call (trace headers, outcomes); `None`: nobody.
    pub observer: Option<Observer>,
}

impl WechatConfig {
    /// Production settings for `appid`/`secret`.
    pub fn new(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            appid: appid.into(),
            secret: secret.into(),
            ..Self::default()
        }
    }

    /// Same config talking to another origin (e.g. the mock).
    pub fn with_api_base(mut self, api_base: impl Into<String>) -> Self {
        self.api_base = api_base.into();
        self
    }
}

impl Default for WechatConfig {
    fn default() -> Self {
        Self {
            appid: String::new(),
            secret: String::new(),
            api_base: DEFAULT_API_BASE.to_string(),
            timeout: Duration::from_secs(10),
            max_retries: 2,
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            observer: None,
        }
    }
}

impl fmt::Debug for WechatConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatConfig")
            .field("appid", &self.appid)
            .field("secret", &"(redacted)")
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("observer", &self.observer)
            .finish()
    }
}

/// The result of `code2session`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The user's id within this app.
    pub openid: String,
    /// Key for decrypting this user's open data. Secret: never log or send it.
    pub session_key: String,
    /// The user's id across the developer's apps, when bound to an Open Platform account.
    #[serde(default)]
    pub unionid: Option<String>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("openid", &self.openid)
            .field("session_key", &"(redacted)")
            .field("unionid", &self.unionid)
            .finish()
    }
}

/// A user's phone number, from `getuserphonenumber`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneInfo {
    /// Number as the user bound it; foreign numbers include the country code.
    pub phone_number: String,
    /// Number without country code.
    pub pure_phone_number: String,
    /// Country code, e.g. `"86"`.
    pub country_code: String,
}

/// The verdict of a content security check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suggest {
    /// Content is fine.
    Pass,
    /// Content needs human review.
    Review,
    /// Content is risky; do not publish.
    Risky,
}

/// The result of `msg_sec_check` (version 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentCheck {
    /// Overall verdict.
    pub suggest: Suggest,
    /// Documented label: 100 normal, 10001 ads, 20001 politics, 20002 porn,
    /// 20003 abuse, 20006 crime, 20008 fraud, 20012 vulgar, 20013 copyright, 21000 other.
    pub label: i64,
    /// WeChat's id for this check.
    pub trace_id: String,
}

/// Media kinds accepted by `media_check_async`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// Audio (`media_type` 1).
    Audio = 1,
    /// Image (`media_type` 2).
    Image = 2,
}

/// A subscription message to send.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscribeMessage {
    /// Recipient openid.
    pub touser: String,
    /// Template id the user subscribed to.
    pub template_id: String,
    /// Page opened from the message, with query (e.g. `pages/a/a?id=1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Template data: `{"thing1": {"value": "..."}}`.
    pub data: Value,
    /// `developer`, `trial` or `formal` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram_state: Option<String>,
    /// `zh_CN` (default), `en_US`, `zh_HK` or `zh_TW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// Parameters for an unlimited mini-program code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WxaCodeRequest {
    /// Up to 32 visible characters handed to the page as `scene`.
    pub scene: String,
    /// Page to open, without leading `/` or query; home page when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Image width in pixels (280-1280, default 430).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Whether WeChat checks that `page` exists in the released version (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_path: Option<bool>,
    /// `release` (default), `trial` or `develop`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_version: Option<String>,
}

/// Async client for the mini-program server APIs. Cheap to clone; clones
/// share the HTTP pool and token cache.
#[derive(Clone)]
pub struct WechatClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: WechatConfig,
    base: String,
    http: reqwest::Client,
    store: Arc<dyn TokenStore>,
    /// Hot path: a read lock and a clone, no await.
    cached: RwLock<Option<CachedToken>>,
    /// Single-flight guard: only its holder talks to the store or stable_token.
    refresh: tokio::sync::Mutex<()>,
    /// The last failed refresh, handed to callers that queued behind it.
    last_failure: std::sync::Mutex<Option<(std::time::Instant, WechatError)>>,
}

impl fmt::Debug for WechatClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl WechatClient {
    /// A client with an in-process token store.
    pub fn new(config: WechatConfig) -> Result<Self, WechatError> {
        Self::with_token_store(config, Arc::new(MemoryTokenStore::new()))
    }

    /// A client sharing access tokens through `store` (e.g. a
    /// [`RedisTokenStore`](crate::RedisTokenStore)).
    pub fn with_token_store(
        config: WechatConfig,
        store: Arc<dyn TokenStore>,
    ) -> Result<Self, WechatError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .pool_idle_timeout(config.pool_idle_timeout)
            .user_agent(concat!("minibase-wechat/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(WechatError::from_reqwest)?;
        Ok(Self::from_parts(config, http, store))
    }

    /// A client reusing an existing `reqwest::Client` (its timeout settings apply).
    pub fn from_parts(
        config: WechatConfig,
        http: reqwest::Client,
        store: Arc<dyn TokenStore>,
    ) -> Self {
        let base = config.api_base.trim_end_matches('/').to_string();
        Self {
            inner: Arc::new(Inner {
                config,
                base,
                http,
                store,
                cached: RwLock::new(None),
                refresh: tokio::sync::Mutex::new(()),
                last_failure: std::sync::Mutex::new(None),
            }),
        }
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &WechatConfig {
        &self.inner.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.inner.base, path)
    }

    /// Exchanges a `wx.login` code for the user's openid and session key.
    pub async fn code2session(&self, js_code: &str) -> Result<Session, WechatError> {
        let url = self.url("/sns/jscode2session");
        let c = &self.inner.config;
        let query = [
            ("appid", c.appid.as_str()),
            ("secret", c.secret.as_str()),
            ("js_code", js_code),
            ("grant_type", "authorization_code"),
        ];
        self.execute(
            ("GET", "/sns/jscode2session"),
            || self.inner.http.get(&url).query(&query),
            |raw| parse_json::<Session>(&raw),
        )
        .await
    }

    /// A valid access token: the cached one, or a fresh one fetched once for
    /// all concurrent callers (and shared through the token store).
    pub async fn access_token(&self) -> Result<String, WechatError> {
        if let Some(token) = self.local_usable(None) {
            return Ok(token);
        }
        self.obtain_token(None).await
    }

    /// Fetches a user's phone number from a `getPhoneNumber` code.
    pub async fn phone_number(&self, code: &str) -> Result<PhoneInfo, WechatError> {
        #[derive(Deserialize)]
        struct Response {
            phone_info: RawPhone,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct RawPhone {
            phone_number: String,
            pure_phone_number: String,
            country_code: Value,
            watermark: Option<Watermark>,
        }
        #[derive(Deserialize)]
        struct Watermark {
            appid: Option<String>,
        }

        let body = json!({ "code": code });
        let raw: Response = self
            .call_with_token("/wxa/business/getuserphonenumber", &body, |raw| {
                parse_json(&raw)
            })
            .await?;
        let phone = raw.phone_info;
        // The watermark binds the number to this app; a different appid means
        // the code was issued elsewhere.
        if let Some(appid) = phone.watermark.and_then(|w| w.appid) {
            if appid != self.inner.config.appid {
                return Err(WechatError::WatermarkMismatch);
            }
        }
        // Documented as a string, seen as a number: accept both.
        let country_code = match phone.country_code {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            other => {
                return Err(WechatError::Decode(format!(
                    "countryCode has unexpected type: {other}"
                )))
            }
        };
        Ok(PhoneInfo {
            phone_number: phone.phone_number,
            pure_phone_number: phone.pure_phone_number,
            country_code,
        })
    }

    /// Checks text with `msg_sec_check` version 2. `scene`: 1 profile,
    /// 2 comment, 3 forum, 4 social log.
    pub async fn msg_sec_check(
        &self,
        content: &str,
        openid: &str,
        scene: u8,
    ) -> Result<ContentCheck, WechatError> {
        #[derive(Deserialize)]
        struct Response {
            result: Verdict,
            #[serde(default)]
            trace_id: String,
        }
        #[derive(Deserialize)]
        struct Verdict {
            suggest: Suggest,
            label: i64,
        }

        let body = json!({ "content": content, "version": 2, "scene": scene, "openid": openid });
        let response: Response = self
            .call_with_token("/wxa/msg_sec_check", &body, |raw| parse_json(&raw))
            .await?;
        Ok(ContentCheck {
            suggest: response.result.suggest,
            label: response.result.label,
            trace_id: response.trace_id,
        })
    }

    /// Submits an image or audio URL for asynchronous checking; the verdict
    /// arrives later as a `wxa_media_check` push event carrying the returned trace_id.
    pub async fn media_check_async(
        &self,
        media_url: &str,
        media_type: MediaType,
        openid: &str,
        scene: u8,
    ) -> Result<String, WechatError> {
        #[derive(Deserialize)]
        struct Response {
            trace_id: String,
        }
        let body = json!({
            "media_url": media_url,
            "media_type": media_type as u8,
            "version": 2,
            "scene": scene,
            "openid": openid,
        });
        let response: Response = self
            .call_with_token("/wxa/media_check_async", &body, |raw| parse_json(&raw))
            .await?;
        Ok(response.trace_id)
    }

    /// Sends a subscription message.
    pub async fn send_subscribe_message(
        &self,
        message: &SubscribeMessage,
    ) -> Result<(), WechatError> {
        let body = serde_json::to_value(message)
            .map_err(|e| WechatError::Decode(format!("cannot encode message: {e}")))?;
        self.call_with_token("/cgi-bin/message/subscribe/send", &body, |raw| {
            parse_json::<serde::de::IgnoredAny>(&raw).map(|_| ())
        })
        .await
    }

    /// Generates an unlimited mini-program code; returns the image bytes.
    pub async fn wxacode_unlimited(&self, request: &WxaCodeRequest) -> Result<Bytes, WechatError> {
        let body = serde_json::to_value(request)
            .map_err(|e| WechatError::Decode(format!("cannot encode request: {e}")))?;
        self.call_with_token("/wxa/getwxacodeunlimit", &body, parse_image)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_debug_redacts_key() {
        let session = Session {
            openid: "o1".into(),
            session_key: "super-secret-key".into(),
            unionid: None,
        };
        let text = format!("{session:?}");
        assert!(
            text.contains("o1") && !text.contains("super-secret-key"),
            "{text}"
        );
        let config = WechatConfig::new("wx1", "app-secret-value");
        assert!(!format!("{config:?}").contains("app-secret-value"));
    }
}
