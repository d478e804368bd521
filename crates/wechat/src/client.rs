//! The HTTP client for WeChat mini-program server APIs.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use tracing::Instrument;

use crate::error::WechatError;
use crate::observe::{self, Observer};
use crate::token::{redact, unix_now, CachedToken, MemoryTokenStore, TokenStore};

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

/// A response read to the end, before interpretation.
struct Raw {
    status: reqwest::StatusCode,
    content_type: String,
    body: Bytes,
}

/// What the shared store holds, relative to a token we saw rejected.
enum StoreState {
    Usable(CachedToken),
    HoldsRejected,
    Empty,
    Unavailable,
}

/// How waiting for another process's refresh ended.
enum PeerOutcome {
    /// The peer published a usable token.
    Token(CachedToken),
    /// The peer let go of the lock without publishing; we now hold it.
    Lock(String),
    /// Timed out or the store failed.
    GaveUp,
}

/// How often waiters look for a token another process is fetching.
const STORE_POLL: Duration = Duration::from_millis(50);

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

    /// POSTs `body` to `path` with the access token; on a token rejection,
    /// refreshes once (see [`WechatClient::obtain_token`]) and retries once.
    async fn call_with_token<T>(
        &self,
        path: &'static str,
        body: &Value,
        parse: impl Fn(Raw) -> Result<T, WechatError>,
    ) -> Result<T, WechatError> {
        let url = self.url(path);
        let mut token = self.access_token().await?;
        let mut refreshed = false;
        loop {
            let result = self
                .execute(
                    ("POST", path),
                    || {
                        self.inner
                            .http
                            .post(&url)
                            .query(&[("access_token", token.as_str())])
                            .json(body)
                    },
                    &parse,
                )
                .await;
            match result {
                Err(err) if err.is_access_token_rejection() && !refreshed => {
                    tracing::info!(errcode = ?err.errcode(), path, "access token rejected; refreshing once");
                    self.forget_local(&token);
                    token = self.obtain_token(Some(&token)).await?;
                    refreshed = true;
                }
                other => return other,
            }
        }
    }

    /// Sends the request built by `build`, retrying retryable failures with
    /// exponential backoff up to `max_retries` times.
    /// Each attempt runs in a span of its own (`wechat.call`), and the observer hears how it
    /// ended.
    async fn execute<T>(
        &self,
        (method, api): (&'static str, &'static str),
        build: impl Fn() -> reqwest::RequestBuilder,
        parse: impl Fn(Raw) -> Result<T, WechatError>,
    ) -> Result<T, WechatError> {
        let observer = self.inner.config.observer.as_ref();
        let mut attempt = 0u32;
        loop {
            let span = observe::call_span(method, api);
            let started = std::time::Instant::now();
            let request = build().headers(observe::injected(observer, &span));
            let result = match send(request).instrument(span.clone()).await {
                Ok(raw) => parse(raw),
                Err(err) => Err(err),
            };
            let outcome = match &result {
                Ok(_) => "0".into(),
                Err(err) => err.outcome(),
            };
            observe::finish(observer, &span, api, &outcome, started.elapsed());
            match result {
                Err(err) if err.is_retryable() && attempt < self.inner.config.max_retries => {
                    let delay = backoff(attempt);
                    tracing::debug!(error = %err, attempt, ?delay, "retrying WeChat call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// The locally cached token if it is usable and not the rejected one.
    fn local_usable(&self, rejected: Option<&str>) -> Option<String> {
        let cached = self
            .inner
            .cached
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|t| t.is_valid() && Some(t.token.as_str()) != rejected)
            .map(|t| t.token.clone())
    }

    /// Drops the local token if it is still `rejected` (a concurrent task may
    /// already have replaced it with a good one).
    fn forget_local(&self, rejected: &str) {
        let mut cached = self
            .inner
            .cached
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if cached.as_ref().is_some_and(|t| t.token == rejected) {
            *cached = None;
        }
    }

    fn adopt(&self, token: CachedToken) -> String {
        let value = token.token.clone();
        *self
            .inner
            .cached
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(token);
        value
    }

    /// Gets a usable token, at most one fetch per process at a time and,
    /// through the store's lock, ideally one across processes.
    ///
    /// `rejected` is a token WeChat just refused. A forced refresh (which
    /// invalidates the token for everyone) happens only when the store still
    /// holds that very token; if a peer already replaced it, the peer's token
    /// is used instead.
    async fn obtain_token(&self, rejected: Option<&str>) -> Result<String, WechatError> {
        let queued_at = std::time::Instant::now();
        let _single_flight = self.inner.refresh.lock().await;
        // Another task may have refreshed while we queued.
        if let Some(token) = self.local_usable(rejected) {
            return Ok(token);
        }
        // ...or failed: share its error instead of hammering WeChat once per waiter.
        if let Some(err) = self.failure_since(queued_at) {
            return Err(err);
        }
        let result = self.obtain_token_exclusive(rejected).await;
        if let Err(err) = &result {
            *self
                .inner
                .last_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner) =
                Some((std::time::Instant::now(), err.clone()));
        }
        result
    }

    fn failure_since(&self, since: std::time::Instant) -> Option<WechatError> {
        let last = self
            .inner
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        last.as_ref()
            .filter(|(at, _)| *at >= since)
            .map(|(_, err)| err.clone())
    }

    /// The body of [`WechatClient::obtain_token`], run under the local guard.
    async fn obtain_token_exclusive(&self, rejected: Option<&str>) -> Result<String, WechatError> {
        let appid = self.inner.config.appid.as_str();
        match self.store_state(rejected).await {
            StoreState::Usable(token) => return Ok(self.adopt(token)),
            StoreState::Unavailable => {
                // Without the store we cannot know whether a peer replaced the
                // token, so behave like a lone process.
                return self.fetch(rejected.is_some(), rejected, false).await;
            }
            StoreState::HoldsRejected | StoreState::Empty => {}
        }

        let lock = match self.inner.store.try_lock(appid, self.lock_ttl()).await {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => match self.wait_for_peer(rejected).await {
                PeerOutcome::Token(token) => return Ok(self.adopt(token)),
                PeerOutcome::Lock(lock) => Some(lock),
                PeerOutcome::GaveUp => {
                    tracing::warn!(
                        "no token from the process holding the refresh lock; refreshing here"
                    );
                    None
                }
            },
            Err(err) => {
                tracing::warn!(error = %err, "token store lock failed; refreshing without it");
                None
            }
        };

        // Re-read: a peer may have published between our first read and the lock.
        let result = match self.store_state(rejected).await {
            StoreState::Usable(token) => Ok(self.adopt(token)),
            StoreState::HoldsRejected => self.fetch(true, rejected, true).await,
            StoreState::Empty => self.fetch(false, rejected, true).await,
            StoreState::Unavailable => self.fetch(rejected.is_some(), rejected, false).await,
        };
        if let Some(lock) = lock {
            if let Err(err) = self.inner.store.unlock(appid, lock).await {
                tracing::warn!(error = %err, "could not release token refresh lock; it will expire");
            }
        }
        result
    }

    async fn store_state(&self, rejected: Option<&str>) -> StoreState {
        match self.inner.store.get(&self.inner.config.appid).await {
            Ok(Some(token)) if Some(token.token.as_str()) == rejected => StoreState::HoldsRejected,
            Ok(Some(token)) if token.is_valid() => StoreState::Usable(token),
            Ok(_) => StoreState::Empty,
            Err(err) => {
                tracing::warn!(error = %err, "token store unavailable; using local token handling");
                StoreState::Unavailable
            }
        }
    }

    /// Polls the store while another process holds the refresh lock. Takes
    /// the lock over if the holder releases it without publishing (its fetch
    /// failed), so a failed peer costs us one poll interval, not the lock TTL.
    async fn wait_for_peer(&self, rejected: Option<&str>) -> PeerOutcome {
        let appid = self.inner.config.appid.as_str();
        let deadline = tokio::time::Instant::now() + self.lock_ttl();
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(STORE_POLL).await;
            match self.store_state(rejected).await {
                StoreState::Usable(token) => return PeerOutcome::Token(token),
                StoreState::Unavailable => return PeerOutcome::GaveUp,
                StoreState::HoldsRejected | StoreState::Empty => {}
            }
            match self.inner.store.try_lock(appid, self.lock_ttl()).await {
                Ok(Some(lock)) => return PeerOutcome::Lock(lock),
                Ok(None) => {}
                Err(_) => return PeerOutcome::GaveUp,
            }
        }
        PeerOutcome::GaveUp
    }

    /// Long enough for one full fetch including retries, so the lock does not
    /// expire under a slow but healthy refresher.
    fn lock_ttl(&self) -> Duration {
        let c = &self.inner.config;
        c.timeout
            .saturating_mul(c.max_retries.saturating_add(1))
            .saturating_add(Duration::from_secs(2))
            .min(Duration::from_secs(120))
    }

    /// Calls stable_token, optionally publishes the result, and caches it locally.
    async fn fetch(
        &self,
        force: bool,
        rejected: Option<&str>,
        publish: bool,
    ) -> Result<String, WechatError> {
        let mut fresh = self.stable_token(force).await?;
        if !force && rejected == Some(fresh.token.as_str()) {
            // WeChat still hands out the token it just refused; only a forced
            // refresh replaces it.
            fresh = self.stable_token(true).await?;
        }
        if publish {
            if let Err(err) = self
                .inner
                .store
                .put(&self.inner.config.appid, fresh.clone())
                .await
            {
                tracing::warn!(error = %err, "could not publish access token to the store");
            }
        }
        Ok(self.adopt(fresh))
    }

    async fn stable_token(&self, force: bool) -> Result<CachedToken, WechatError> {
        #[derive(Deserialize)]
        struct Response {
            access_token: String,
            expires_in: u64,
        }
        let c = &self.inner.config;
        let url = self.url("/cgi-bin/stable_token");
        let body = json!({
            "grant_type": "client_credential",
            "appid": c.appid,
            "secret": c.secret,
            "force_refresh": force,
        });
        let response: Response = self
            .execute(
                ("POST", "/cgi-bin/stable_token"),
                || self.inner.http.post(&url).json(&body),
                |raw| parse_json(&raw),
            )
            .await?;
        tracing::debug!(
            force,
            expires_in = response.expires_in,
            token = %redact(&response.access_token),
            "fetched access token"
        );
        Ok(CachedToken {
            expires_at: unix_now() + usable_lifetime(response.expires_in),
            token: response.access_token,
        })
    }
}

/// Seconds a token with `expires_in` may be used: stop 5 minutes early, or
/// 10% early for short-lived tokens, so in-flight calls never carry an expired one.
fn usable_lifetime(expires_in: u64) -> u64 {
    expires_in - (expires_in / 10).min(300)
}

fn backoff(attempt: u32) -> Duration {
    let base = 100u64 << attempt.min(5);
    let jitter = random_u64() % (base / 5 + 1);
    Duration::from_millis(base + jitter)
}

/// Non-cryptographic randomness for jitter, from std's randomly keyed hasher.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(unix_now());
    hasher.finish()
}

async fn send(request: reqwest::RequestBuilder) -> Result<Raw, WechatError> {
    let response = request.send().await.map_err(WechatError::from_reqwest)?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = response.bytes().await.map_err(WechatError::from_reqwest)?;
    Ok(Raw {
        status,
        content_type,
        body,
    })
}

/// Interprets a JSON body: a non-zero `errcode` becomes its typed error,
/// anything else is decoded as `T`. Content type is ignored because WeChat
/// labels some JSON answers `text/plain`.
fn parse_json<T: DeserializeOwned>(raw: &Raw) -> Result<T, WechatError> {
    let value: Value = match serde_json::from_slice(&raw.body) {
        Ok(value) => value,
        Err(err) if raw.status.is_success() => {
            return Err(WechatError::Decode(format!("body is not JSON: {err}")))
        }
        Err(_) => return Err(WechatError::HttpStatus(raw.status.as_u16())),
    };
    check_errcode(&value)?;
    if !raw.status.is_success() {
        return Err(WechatError::HttpStatus(raw.status.as_u16()));
    }
    serde_json::from_value(value).map_err(|e| WechatError::Decode(e.to_string()))
}

fn check_errcode(value: &Value) -> Result<(), WechatError> {
    let errcode = match value.get("errcode") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => Some(0),
    };
    match errcode {
        Some(0) => Ok(()),
        Some(code) => {
            let errmsg = value
                .get("errmsg")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Err(WechatError::from_code(code, errmsg))
        }
        None => Err(WechatError::Decode("errcode is not an integer".into())),
    }
}

/// Image endpoints answer raw bytes on success and a JSON errcode body on
/// failure; images never start with `{`, so that decides.
fn parse_image(raw: Raw) -> Result<Bytes, WechatError> {
    let looks_like_json = raw
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if looks_like_json || raw.content_type.contains("json") {
        let value: Value = serde_json::from_slice(&raw.body)
            .map_err(|e| WechatError::Decode(format!("error body is not JSON: {e}")))?;
        check_errcode(&value)?;
        return Err(WechatError::InvalidResponse(
            "expected an image, got JSON without an errcode".into(),
        ));
    }
    if !raw.status.is_success() {
        return Err(WechatError::HttpStatus(raw.status.as_u16()));
    }
    if raw.body.is_empty() {
        return Err(WechatError::InvalidResponse("empty image body".into()));
    }
    if !raw.content_type.starts_with("image/") && !has_image_magic(&raw.body) {
        return Err(WechatError::InvalidResponse(format!(
            "expected an image, got content type {:?}",
            raw.content_type
        )));
    }
    Ok(raw.body)
}

fn has_image_magic(body: &[u8]) -> bool {
    body.starts_with(b"\x89PNG\r\n\x1a\n") || body.starts_with(&[0xFF, 0xD8, 0xFF])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, content_type: &str, body: &'static [u8]) -> Raw {
        Raw {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            content_type: content_type.into(),
            body: Bytes::from_static(body),
        }
    }

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

    #[test]
    fn json_parsing_maps_errcodes() {
        let ok: Session = parse_json(&raw(
            200,
            "text/plain",
            br#"{"openid":"o","session_key":"k","errcode":0}"#,
        ))
        .unwrap();
        assert_eq!(ok.openid, "o");
        assert_eq!(ok.unionid, None);
        let err = parse_json::<Session>(&raw(
            200,
            "text/plain",
            br#"{"errcode":40029,"errmsg":"invalid code"}"#,
        ))
        .unwrap_err();
        assert!(matches!(err, WechatError::InvalidCode { .. }));
        let err = parse_json::<Session>(&raw(200, "text/plain", b"<html>")).unwrap_err();
        assert!(matches!(err, WechatError::Decode(_)));
        let err = parse_json::<Session>(&raw(502, "text/html", b"<html>")).unwrap_err();
        assert_eq!(err, WechatError::HttpStatus(502));
        assert!(err.is_retryable());
    }

    #[test]
    fn image_parsing() {
        let png = parse_image(raw(200, "image/png", b"\x89PNG\r\n\x1a\nrest")).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        let err = parse_image(raw(
            200,
            "image/jpeg",
            br#"{"errcode":40169,"errmsg":"invalid length for scene"}"#,
        ))
        .unwrap_err();
        assert!(matches!(err, WechatError::InvalidSceneLength { .. }));
        let err = parse_image(raw(200, "text/html", b"<html>")).unwrap_err();
        assert!(matches!(err, WechatError::InvalidResponse(_)));
    }

    #[test]
    fn lifetime_margin() {
        assert_eq!(usable_lifetime(7200), 6900);
        assert_eq!(usable_lifetime(600), 540);
        assert_eq!(usable_lifetime(5), 5);
        assert_eq!(usable_lifetime(0), 0);
    }

    #[test]
    fn backoff_grows_with_small_jitter() {
        for attempt in 0..4 {
            let base = 100u64 << attempt;
            let ms = backoff(attempt).as_millis() as u64;
            assert!(ms >= base && ms <= base + base / 5, "{attempt}: {ms}");
        }
    }
}
