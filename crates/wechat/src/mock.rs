//! A mock WeChat API server for tests and local development.
//!
//! It answers like WeChat does (HTTP 200 with `errcode`/`errmsg`, image bytes
//! for mini-program codes), with deterministic users derived from login
//! codes and special codes that trigger documented errors:
//!
//! | login code (also `code:anything`) | answer |
//! |---|---|
//! | `invalid` | 40029 invalid code |
//! | `used` | 40163 code been used |
//! | `busy` | -1 system error |
//! | `quota` | 45011 api minute-quota reach limit |
//! | `risky` | 40226 high risk user |
//! | `busy-once:<code>` | -1 the first time this exact code is seen, then as `<code>` |
//! | anything else, `C` or `C:suffix` | openid `mock-openid-C`, unionid `mock-unionid-C` |
//!
//! Test-control endpoints live under `/mock/` (see [`MockWechat::router`]).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use crate::client::WechatConfig;

/// A 1x1 PNG: the smallest real image the code endpoint can return.
pub const MOCK_PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 4, 0,
    0, 0, 181, 28, 12, 2, 0, 0, 0, 11, 73, 68, 65, 84, 120, 218, 99, 100, 96, 0, 0, 0, 6, 0, 2, 48,
    129, 208, 47, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The mini-program's original id, used as `ToUserName` in push events.
pub const MOCK_ORIGINAL_ID: &str = "gh_mock000000";

/// Behaviour of a [`MockWechat`].
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// AppID clients must present.
    pub appid: String,
    /// AppSecret clients must present.
    pub secret: String,
    /// Words (case-insensitive) that make content checks answer `risky`.
    pub blocked_words: Vec<String>,
    /// Words (case-insensitive) that make content checks answer `review`.
    pub review_words: Vec<String>,
    /// Lifetime of issued access tokens, in seconds.
    pub token_ttl_secs: u64,
    /// Whether a login code works only once (like real WeChat).
    pub single_use_codes: bool,
    /// Message-push token; when set, callbacks carry `signature`, `timestamp`
    /// and `nonce` query parameters like real pushes.
    pub push_token: Option<String>,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            appid: "wx-mock-appid".into(),
            secret: "mock-secret".into(),
            blocked_words: vec!["forbidden".into(), "违禁".into()],
            review_words: vec!["borderline".into()],
            token_ttl_secs: 7200,
            single_use_codes: false,
            push_token: None,
        }
    }
}

/// Upstream call counters, as a snapshot. Every request to an endpoint counts,
/// failed ones included, so tests can assert how often a client called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MockStats {
    /// `GET /sns/jscode2session`.
    pub code2session: u64,
    /// `POST /cgi-bin/stable_token`, forced or not.
    pub stable_token: u64,
    /// The subset of `stable_token` calls with `force_refresh: true`.
    pub stable_token_forced: u64,
    /// `POST /wxa/business/getuserphonenumber`.
    pub phone: u64,
    /// `POST /wxa/msg_sec_check`.
    pub msg_sec_check: u64,
    /// `POST /wxa/media_check_async`.
    pub media_check_async: u64,
    /// `POST /cgi-bin/message/subscribe/send`.
    pub subscribe_send: u64,
    /// `POST /wxa/getwxacodeunlimit`.
    pub wxacode: u64,
    /// Calls refused with 40001, 41001 or 42001 because of the access token.
    pub token_rejections: u64,
    /// Media-check callbacks delivered.
    pub media_callbacks: u64,
}

#[derive(Default)]
struct Counters {
    code2session: AtomicU64,
    stable_token: AtomicU64,
    stable_token_forced: AtomicU64,
    phone: AtomicU64,
    msg_sec_check: AtomicU64,
    media_check_async: AtomicU64,
    subscribe_send: AtomicU64,
    wxacode: AtomicU64,
    token_rejections: AtomicU64,
    media_callbacks: AtomicU64,
}

impl Counters {
    fn all(&self) -> [&AtomicU64; 10] {
        [
            &self.code2session,
            &self.stable_token,
            &self.stable_token_forced,
            &self.phone,
            &self.msg_sec_check,
            &self.media_check_async,
            &self.subscribe_send,
            &self.wxacode,
            &self.token_rejections,
            &self.media_callbacks,
        ]
    }

    fn snapshot(&self) -> MockStats {
        let [code2session, stable_token, stable_token_forced, phone, msg_sec_check, media_check_async, subscribe_send, wxacode, token_rejections, media_callbacks] =
            self.all().map(|c| c.load(Ordering::SeqCst));
        MockStats {
            code2session,
            stable_token,
            stable_token_forced,
            phone,
            msg_sec_check,
            media_check_async,
            subscribe_send,
            wxacode,
            token_rejections,
            media_callbacks,
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::SeqCst);
}

/// A `media_check_async` request the mock received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaCheck {
    /// Id returned to the caller and echoed by the callback.
    pub trace_id: String,
    /// URL submitted for checking.
    pub media_url: String,
    /// 1 audio, 2 image.
    pub media_type: u8,
    /// Submitting user.
    pub openid: String,
    /// Scene value sent.
    pub scene: u8,
}

/// A subscription message the mock accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentMessage {
    /// Recipient openid.
    pub touser: String,
    /// Template id.
    pub template_id: String,
    /// Page, if given.
    pub page: Option<String>,
    /// Template data as sent.
    pub data: Value,
    /// `miniprogram_state`, if given.
    pub miniprogram_state: Option<String>,
    /// `lang`, if given.
    pub lang: Option<String>,
}

/// Why a media-check callback could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// No `media_check_async` request had this trace id.
    #[error("unknown trace_id")]
    UnknownTraceId,
    /// The mock only delivers to loopback addresses.
    #[error("callback URL must be http on a loopback address")]
    ForbiddenUrl,
    /// The POST failed.
    #[error("callback delivery failed: {0}")]
    Http(String),
}

#[derive(Default)]
struct Tokens {
    current: Option<String>,
    /// Every token still known, with its expiry; a forced refresh empties it.
    known: HashMap<String, Instant>,
}

struct MockState {
    config: MockConfig,
    counters: Counters,
    tokens: Mutex<Tokens>,
    used_codes: Mutex<HashSet<String>>,
    busy_once_seen: Mutex<HashSet<String>>,
    media_checks: Mutex<Vec<MediaCheck>>,
    sent: Mutex<Vec<SentMessage>>,
    seq: AtomicU64,
}

/// The mock server. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct MockWechat {
    state: Arc<MockState>,
    /// WeChat Pay, served on the same port under `/v3/...`.
    pay: crate::pay::mock::PayMock,
}

impl std::fmt::Debug for MockWechat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockWechat")
            .field("appid", &self.state.config.appid)
            .finish_non_exhaustive()
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Handlers hold these locks for single map operations only; a poisoned
    // lock still holds consistent data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sha256(input: &str) -> [u8; 32] {
    Sha256::digest(input.as_bytes()).into()
}

/// The user a login or phone code stands for: the part before the first `:`,
/// after dropping a `busy-once:` prefix.
pub fn user_for_code(code: &str) -> &str {
    let code = code.strip_prefix("busy-once:").unwrap_or(code);
    code.split(':').next().unwrap_or(code)
}

/// The openid the mock gives for a login code.
pub fn openid_for_code(code: &str) -> String {
    format!("mock-openid-{}", user_for_code(code))
}

/// The unionid the mock gives for a login code.
pub fn unionid_for_code(code: &str) -> String {
    format!("mock-unionid-{}", user_for_code(code))
}

/// The session_key the mock gives for a login code: 16 bytes derived from
/// the whole code (so each login rotates it, like WeChat may), base64.
pub fn session_key_for_code(code: &str) -> String {
    STANDARD.encode(&sha256(&format!("session:{code}"))[..16])
}

/// The pure phone number (`138` + 8 digits) the mock gives for a phone code;
/// `name:anything` gives the same number as `name`.
pub fn phone_for_code(code: &str) -> String {
    let digest = sha256(&format!("phone:{}", user_for_code(code)));
    let digits: String = digest[..8]
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    format!("138{digits}")
}

/// WeChat-shaped error body, with a request id in the message like the real one.
fn wx_error(errcode: i64, errmsg: &str, rid: &str) -> Response {
    Json(json!({ "errcode": errcode, "errmsg": format!("{errmsg}, rid: {rid}") })).into_response()
}

type Params = Query<HashMap<String, String>>;

impl MockWechat {
    /// A mock with the given behaviour.
    pub fn new(config: MockConfig) -> Self {
        Self {
            state: Arc::new(MockState {
                config,
                counters: Counters::default(),
                tokens: Mutex::new(Tokens::default()),
                used_codes: Mutex::new(HashSet::new()),
                busy_once_seen: Mutex::new(HashSet::new()),
                media_checks: Mutex::new(Vec::new()),
                sent: Mutex::new(Vec::new()),
                seq: AtomicU64::new(1),
            }),
            pay: crate::pay::mock::PayMock::new(),
        }
    }

    /// This mock with another WeChat Pay platform (e.g. one with a fixed key).
    pub fn with_pay(mut self, pay: crate::pay::mock::PayMock) -> Self {
        self.pay = pay;
        self
    }

    /// The mock WeChat Pay platform served by this mock (its key is made on first use).
    pub fn pay(&self) -> &crate::pay::mock::PayMock {
        &self.pay
    }

    /// This mock's configuration.
    pub fn config(&self) -> &MockConfig {
        &self.state.config
    }

    /// A client configuration pointing at this mock served on `addr`.
    pub fn client_config(&self, addr: SocketAddr) -> WechatConfig {
        WechatConfig {
            appid: self.state.config.appid.clone(),
            secret: self.state.config.secret.clone(),
            api_base: format!("http://{addr}"),
            timeout: Duration::from_secs(5),
            max_retries: 2,
            ..WechatConfig::default()
        }
    }

    /// The HTTP routes: WeChat's API paths plus test controls.
    ///
    /// WeChat paths: `GET /sns/jscode2session`, `POST /cgi-bin/stable_token`,
    /// `POST /wxa/business/getuserphonenumber`, `POST /wxa/msg_sec_check`,
    /// `POST /wxa/media_check_async`, `POST /cgi-bin/message/subscribe/send`,
    /// `POST /wxa/getwxacodeunlimit`.
    ///
    /// Controls: `GET /mock/stats`, `POST /mock/reset`, `POST /mock/expire-token`,
    /// `POST /mock/invalidate-token`, `GET /mock/media-checks`,
    /// `GET /mock/sent-messages`, `POST /mock/media-callback`
    /// (and WeChat Pay under `/v3/...` with its controls under `/mock/pay/`, see [`crate::pay::mock`])
    /// (`{"trace_id","url","risky"}`).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/sns/jscode2session", get(code2session))
            .route("/cgi-bin/stable_token", post(stable_token))
            .route("/wxa/business/getuserphonenumber", post(phone_number))
            .route("/wxa/msg_sec_check", post(msg_sec_check))
            .route("/wxa/media_check_async", post(media_check_async))
            .route("/cgi-bin/message/subscribe/send", post(subscribe_send))
            .route("/wxa/getwxacodeunlimit", post(wxacode_unlimited))
            .route("/mock/stats", get(stats))
            .route("/mock/reset", post(reset))
            .route("/mock/expire-token", post(expire_token))
            .route("/mock/invalidate-token", post(invalidate_token))
            .route("/mock/media-checks", get(media_checks))
            .route("/mock/sent-messages", get(sent_messages))
            .route("/mock/media-callback", post(media_callback))
            .with_state(self.clone())
            .merge(self.pay.router())
    }

    /// Serves the mock on `listener` until the task is dropped or aborted.
    pub async fn serve(&self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// Binds `addr` (e.g. `"127.0.0.1:0"`) and serves in a background task.
    /// Returns the bound address and the server task.
    pub async fn spawn(
        &self,
        addr: impl tokio::net::ToSocketAddrs,
    ) -> std::io::Result<(SocketAddr, JoinHandle<std::io::Result<()>>)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let mock = self.clone();
        let handle = tokio::spawn(async move { mock.serve(listener).await });
        Ok((local, handle))
    }

    /// Current counters.
    pub fn stats(&self) -> MockStats {
        self.state.counters.snapshot()
    }

    /// Zeroes counters and forgets recorded media checks, sent messages and
    /// seen codes. Issued access tokens stay valid so running clients keep working.
    pub fn reset(&self) {
        for counter in self.state.counters.all() {
            counter.store(0, Ordering::SeqCst);
        }
        locked(&self.state.used_codes).clear();
        locked(&self.state.busy_once_seen).clear();
        locked(&self.state.media_checks).clear();
        locked(&self.state.sent).clear();
    }

    /// The access token non-forced `stable_token` calls currently hand out.
    pub fn current_token(&self) -> Option<String> {
        locked(&self.state.tokens).current.clone()
    }

    /// Makes the current token expired: calls with it get 42001. Returns
    /// whether there was a token.
    pub fn expire_token(&self) -> bool {
        let mut tokens = locked(&self.state.tokens);
        let Some(current) = tokens.current.clone() else {
            return false;
        };
        tokens.known.insert(current, Instant::now());
        true
    }

    /// Forgets the current token, as if another party force-refreshed it:
    /// calls with it get 40001. Returns whether there was a token.
    pub fn invalidate_token(&self) -> bool {
        let mut tokens = locked(&self.state.tokens);
        match tokens.current.take() {
            Some(current) => {
                tokens.known.remove(&current);
                true
            }
            None => false,
        }
    }

    /// Media checks received so far.
    pub fn media_checks(&self) -> Vec<MediaCheck> {
        locked(&self.state.media_checks).clone()
    }

    /// Subscription messages accepted so far.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        locked(&self.state.sent).clone()
    }

    /// POSTs the documented `wxa_media_check` push event for `trace_id` to
    /// `url` (loopback only), with a risky or pass verdict. Returns the HTTP
    /// status the receiver answered.
    pub async fn deliver_media_callback(
        &self,
        trace_id: &str,
        url: &str,
        risky: bool,
    ) -> Result<u16, CallbackError> {
        let check = locked(&self.state.media_checks)
            .iter()
            .find(|c| c.trace_id == trace_id)
            .cloned()
            .ok_or(CallbackError::UnknownTraceId)?;
        let mut url = reqwest::Url::parse(url).map_err(|_| CallbackError::ForbiddenUrl)?;
        if url.scheme() != "http" || !is_loopback(&url) {
            return Err(CallbackError::ForbiddenUrl);
        }
        let (suggest, label) = if risky {
            ("risky", 20002)
        } else {
            ("pass", 100)
        };
        let now = unix_now();
        let event = json!({
            "ToUserName": MOCK_ORIGINAL_ID,
            "FromUserName": check.openid,
            "CreateTime": now,
            "MsgType": "event",
            "Event": "wxa_media_check",
            "appid": self.state.config.appid,
            "trace_id": check.trace_id,
            "version": 2,
            "detail": [{
                "strategy": "content_model",
                "errcode": 0,
                "suggest": suggest,
                "label": label,
                "prob": if risky { 90 } else { 0 },
            }],
            "errcode": 0,
            "errmsg": "ok",
            "result": { "suggest": suggest, "label": label },
        });
        if let Some(token) = &self.state.config.push_token {
            let timestamp = now.to_string();
            let nonce = self.next_id("nonce");
            let signature = crate::crypto::push_signature(token, &timestamp, &nonce);
            url.query_pairs_mut()
                .append_pair("signature", &signature)
                .append_pair("timestamp", &timestamp)
                .append_pair("nonce", &nonce);
        }
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| CallbackError::Http(e.to_string()))?;
        let response = client
            .post(url)
            .json(&event)
            .send()
            .await
            .map_err(|e| CallbackError::Http(e.without_url().to_string()))?;
        bump(&self.state.counters.media_callbacks);
        Ok(response.status().as_u16())
    }

    fn next_id(&self, kind: &str) -> String {
        let seq = self.state.seq.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let digest = sha256(&format!("{kind}:{}:{seq}:{nanos}", self.state.config.appid));
        format!("mock-{kind}-{seq}-{}", hex::encode(&digest[..8]))
    }

    fn rid(&self) -> String {
        format!("{:08x}", self.state.seq.fetch_add(1, Ordering::Relaxed))
    }

    fn err(&self, errcode: i64, errmsg: &str) -> Response {
        wx_error(errcode, errmsg, &self.rid())
    }

    /// Validates `?access_token=` like WeChat; returns the error answer for a
    /// missing (41001), unknown (40001) or expired (42001) token.
    fn token_rejection(&self, params: &HashMap<String, String>) -> Option<Response> {
        let outcome = match params.get("access_token").filter(|t| !t.is_empty()) {
            None => Some((41001, "access_token missing")),
            Some(token) => match locked(&self.state.tokens).known.get(token) {
                None => Some((
                    40001,
                    "invalid credential, access_token is invalid or not latest",
                )),
                Some(expires) if *expires <= Instant::now() => {
                    Some((42001, "access_token expired"))
                }
                Some(_) => None,
            },
        };
        outcome.map(|(code, msg)| {
            bump(&self.state.counters.token_rejections);
            self.err(code, msg)
        })
    }

    /// Hands out the current token, or a new one when forced, when there is
    /// none, or when the current one is inside its renewal window (it then
    /// stays valid until it expires, like WeChat's stable token).
    fn issue_token(&self, force: bool) -> (String, u64) {
        let ttl = self.state.config.token_ttl_secs;
        let renew_window = Duration::from_secs((ttl / 10).min(300));
        let now = Instant::now();
        let mut tokens = locked(&self.state.tokens);
        if !force {
            if let Some(current) = tokens.current.clone() {
                if let Some(expires) = tokens.known.get(&current) {
                    let remaining = expires.saturating_duration_since(now);
                    if remaining > renew_window {
                        return (current, remaining.as_secs());
                    }
                }
            }
        }
        if force {
            // A forced refresh invalidates every earlier token at once.
            tokens.known.clear();
        } else {
            // Keep recently expired tokens so they answer 42001, not 40001.
            let horizon = Duration::from_secs(ttl.max(3600));
            tokens
                .known
                .retain(|_, expires| now.saturating_duration_since(*expires) < horizon);
        }
        let token = self.next_id("access-token");
        tokens
            .known
            .insert(token.clone(), now + Duration::from_secs(ttl));
        tokens.current = Some(token.clone());
        (token, ttl)
    }

    fn is_known_openid(openid: &str) -> bool {
        openid
            .strip_prefix("mock-openid-")
            .is_some_and(|user| !user.is_empty())
    }
}

pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

fn parse_body(body: &Bytes) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn str_field<'a>(body: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

async fn code2session(State(mock): State<MockWechat>, Query(params): Params) -> Response {
    bump(&mock.state.counters.code2session);
    let answer = mock.code2session_answer(&params);
    // WeChat labels this endpoint's JSON text/plain; clients must cope.
    ([(header::CONTENT_TYPE, "text/plain")], answer.to_string()).into_response()
}

impl MockWechat {
    fn code2session_answer(&self, params: &HashMap<String, String>) -> Value {
        let config = &self.state.config;
        let rid = self.rid();
        let error = |code: i64, msg: &str| json!({ "errcode": code, "errmsg": format!("{msg}, rid: {rid}") });
        let param = |key: &str| {
            params
                .get(key)
                .map(String::as_str)
                .filter(|s| !s.is_empty())
        };
        match param("appid") {
            None => return error(41002, "appid missing"),
            Some(appid) if appid != config.appid => return error(40013, "invalid appid"),
            Some(_) => {}
        }
        match param("secret") {
            None => return error(41004, "appsecret missing"),
            Some(secret) if secret != config.secret => return error(40125, "invalid appsecret"),
            Some(_) => {}
        }
        if param("grant_type") != Some("authorization_code") {
            return error(40002, "invalid grant_type");
        }
        let Some(code) = param("js_code") else {
            return error(41008, "missing code");
        };
        if code.starts_with("busy-once:")
            && locked(&self.state.busy_once_seen).insert(code.to_string())
        {
            return error(-1, "system error");
        }
        match user_for_code(code) {
            "invalid" => return error(40029, "invalid code"),
            "used" => return error(40163, "code been used"),
            "busy" => return error(-1, "system error"),
            "quota" => {
                return error(
                    45011,
                    "api minute-quota reach limit  mustslower  retry next minute",
                )
            }
            "risky" => return error(40226, "high risk user"),
            "" => return error(40029, "invalid code"),
            _ => {}
        }
        if config.single_use_codes && !locked(&self.state.used_codes).insert(code.to_string()) {
            return error(40163, "code been used");
        }
        json!({
            "openid": openid_for_code(code),
            "session_key": session_key_for_code(code),
            "unionid": unionid_for_code(code),
        })
    }
}

async fn stable_token(State(mock): State<MockWechat>, body: Bytes) -> Response {
    let counters = &mock.state.counters;
    bump(&counters.stable_token);
    let Some(body) = parse_body(&body) else {
        return mock.err(47001, "data format error");
    };
    let force = body
        .get("force_refresh")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if force {
        bump(&counters.stable_token_forced);
    }
    let config = &mock.state.config;
    if str_field(&body, "grant_type") != Some("client_credential") {
        return mock.err(40002, "invalid grant_type");
    }
    match str_field(&body, "appid") {
        None => return mock.err(41002, "appid missing"),
        Some(appid) if appid != config.appid => return mock.err(40013, "invalid appid"),
        Some(_) => {}
    }
    match str_field(&body, "secret") {
        None => return mock.err(41004, "appsecret missing"),
        Some(secret) if secret != config.secret => return mock.err(40125, "invalid appsecret"),
        Some(_) => {}
    }
    let (token, expires_in) = mock.issue_token(force);
    Json(json!({ "access_token": token, "expires_in": expires_in })).into_response()
}

async fn phone_number(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    bump(&mock.state.counters.phone);
    if let Some(response) = mock.token_rejection(&params) {
        return response;
    }
    let Some(body) = parse_body(&body) else {
        return mock.err(47001, "data format error");
    };
    let Some(code) = str_field(&body, "code") else {
        return mock.err(47001, "data format error: code is required");
    };
    match user_for_code(code) {
        "invalid" | "" => return mock.err(40029, "invalid code"),
        "busy" => return mock.err(-1, "system error"),
        _ => {}
    }
    let pure = phone_for_code(code);
    Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": format!("+86 {pure}"),
            "purePhoneNumber": pure,
            "countryCode": "86",
            "watermark": { "timestamp": unix_now(), "appid": mock.state.config.appid },
        },
    }))
    .into_response()
}

fn contains_word(content: &str, words: &[String]) -> Option<String> {
    let lower = content.to_lowercase();
    words
        .iter()
        .find(|w| !w.is_empty() && lower.contains(&w.to_lowercase()))
        .cloned()
}

async fn msg_sec_check(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    bump(&mock.state.counters.msg_sec_check);
    if let Some(response) = mock.token_rejection(&params) {
        return response;
    }
    let Some(body) = parse_body(&body) else {
        return mock.err(47001, "data format error");
    };
    let Some(content) = str_field(&body, "content") else {
        return mock.err(47001, "data format error: content is empty");
    };
    let config = &mock.state.config;
    let blocked = contains_word(content, &config.blocked_words);
    if body.get("version").and_then(Value::as_i64) != Some(2) {
        // Version 1 answers only ok or 87014.
        return match blocked {
            Some(_) => mock.err(87014, "risky content"),
            None => Json(json!({ "errcode": 0, "errmsg": "ok" })).into_response(),
        };
    }
    if !str_field(&body, "openid").is_some_and(MockWechat::is_known_openid) {
        return mock.err(40003, "invalid openid");
    }
    if !body
        .get("scene")
        .and_then(Value::as_i64)
        .is_some_and(|s| (1..=4).contains(&s))
    {
        return mock.err(40097, "invalid args: scene must be 1-4");
    }
    let review = contains_word(content, &config.review_words);
    // 20006 (illegal activity) and 21000 (other) are documented labels.
    let (suggest, label, keyword) = match (blocked, review) {
        (Some(word), _) => ("risky", 20006, Some(word)),
        (None, Some(word)) => ("review", 21000, Some(word)),
        (None, None) => ("pass", 100, None),
    };
    let mut detail = vec![json!({
        "strategy": "content_model",
        "errcode": 0,
        "suggest": suggest,
        "label": label,
        "prob": if keyword.is_some() { 90 } else { 0 },
    })];
    if let Some(keyword) = keyword {
        detail.push(json!({
            "strategy": "keyword",
            "errcode": 0,
            "suggest": suggest,
            "label": label,
            "level": 20,
            "keyword": keyword,
        }));
    }
    Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "result": { "suggest": suggest, "label": label },
        "detail": detail,
        "trace_id": mock.next_id("trace"),
    }))
    .into_response()
}

async fn media_check_async(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    bump(&mock.state.counters.media_check_async);
    if let Some(response) = mock.token_rejection(&params) {
        return response;
    }
    let Some(body) = parse_body(&body) else {
        return mock.err(47001, "data format error");
    };
    let Some(media_url) = str_field(&body, "media_url") else {
        return mock.err(47001, "data format error: media_url is required");
    };
    let media_type = match body.get("media_type").and_then(Value::as_u64) {
        Some(t @ (1 | 2)) => t as u8,
        _ => return mock.err(40097, "invalid args: media_type must be 1 or 2"),
    };
    if body.get("version").and_then(Value::as_i64) != Some(2) {
        return mock.err(47001, "data format error: version must be 2");
    }
    let Some(openid) = str_field(&body, "openid").filter(|o| MockWechat::is_known_openid(o)) else {
        return mock.err(40003, "invalid openid");
    };
    let scene = match body.get("scene").and_then(Value::as_u64) {
        Some(s @ 1..=4) => s as u8,
        _ => return mock.err(40097, "invalid args: scene must be 1-4"),
    };
    let trace_id = mock.next_id("trace");
    locked(&mock.state.media_checks).push(MediaCheck {
        trace_id: trace_id.clone(),
        media_url: media_url.to_string(),
        media_type,
        openid: openid.to_string(),
        scene,
    });
    Json(json!({ "errcode": 0, "errmsg": "ok", "trace_id": trace_id })).into_response()
}

async fn subscribe_send(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    bump(&mock.state.counters.subscribe_send);
    if let Some(response) = mock.token_rejection(&params) {
        return response;
    }
    let Some(body) = parse_body(&body) else {
        return mock.err(47001, "data format error");
    };
    let Some(touser) = str_field(&body, "touser").filter(|o| MockWechat::is_known_openid(o)) else {
        return mock.err(40003, "invalid openid");
    };
    let template_id = match str_field(&body, "template_id") {
        Some(id) if id != "invalid" => id,
        _ => return mock.err(40037, "invalid template_id"),
    };
    let Some(data) = body.get("data").and_then(Value::as_object) else {
        return mock.err(47003, "argument invalid! data is empty");
    };
    for (key, item) in data {
        let has_value = item
            .get("value")
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty());
        if !has_value {
            return mock.err(
                47003,
                &format!("argument invalid! data.{key}.value is empty"),
            );
        }
    }
    let state = str_field(&body, "miniprogram_state");
    if state.is_some_and(|s| !matches!(s, "developer" | "trial" | "formal")) {
        return mock.err(47001, "data format error: invalid miniprogram_state");
    }
    if touser.ends_with("-refused") {
        return mock.err(43101, "user refuse to accept the msg");
    }
    locked(&mock.state.sent).push(SentMessage {
        touser: touser.to_string(),
        template_id: template_id.to_string(),
        page: str_field(&body, "page").map(str::to_string),
        data: Value::Object(data.clone()),
        miniprogram_state: state.map(str::to_string),
        lang: str_field(&body, "lang").map(str::to_string),
    });
    Json(json!({ "errcode": 0, "errmsg": "ok" })).into_response()
}

/// Characters WeChat allows in a scene: letters, digits and these.
const SCENE_PUNCTUATION: &str = "!#$&'()*+,/:;=?@-._~";

async fn wxacode_unlimited(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    bump(&mock.state.counters.wxacode);
    if let Some(response) = mock.token_rejection(&params) {
        return response;
    }
    let Some(body) = parse_body(&body) else {
        return mock.err(47001, "data format error");
    };
    let scene_ok = str_field(&body, "scene").is_some_and(|scene| {
        scene.chars().count() <= 32
            && scene
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || SCENE_PUNCTUATION.contains(c))
    });
    if !scene_ok {
        return mock.err(
            40169,
            "invalid length for scene, or the data is not json string",
        );
    }
    if let Some(page) = body.get("page").and_then(Value::as_str) {
        if page.starts_with('/') || page.contains('?') {
            return mock.err(41030, "invalid page");
        }
    }
    if let Some(env) = body.get("env_version") {
        if !matches!(env.as_str(), Some("release" | "trial" | "develop")) {
            return mock.err(40097, "invalid args: env_version");
        }
    }
    ([(header::CONTENT_TYPE, "image/png")], MOCK_PNG).into_response()
}

async fn stats(State(mock): State<MockWechat>) -> Json<MockStats> {
    Json(mock.stats())
}

async fn reset(State(mock): State<MockWechat>) -> Json<Value> {
    mock.reset();
    Json(json!({ "ok": true }))
}

async fn expire_token(State(mock): State<MockWechat>) -> Json<Value> {
    Json(json!({ "ok": mock.expire_token() }))
}

async fn invalidate_token(State(mock): State<MockWechat>) -> Json<Value> {
    Json(json!({ "ok": mock.invalidate_token() }))
}

async fn media_checks(State(mock): State<MockWechat>) -> Json<Vec<MediaCheck>> {
    Json(mock.media_checks())
}

async fn sent_messages(State(mock): State<MockWechat>) -> Json<Vec<SentMessage>> {
    Json(mock.sent_messages())
}

#[derive(Deserialize)]
struct CallbackRequest {
    trace_id: String,
    url: String,
    #[serde(default)]
    risky: bool,
}

async fn media_callback(State(mock): State<MockWechat>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<CallbackRequest>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "expected {\"trace_id\",\"url\",\"risky\"}" })),
        )
            .into_response();
    };
    match mock
        .deliver_media_callback(&request.trace_id, &request.url, request.risky)
        .await
    {
        Ok(status) => Json(json!({ "status": status })).into_response(),
        Err(err) => {
            let status = match err {
                CallbackError::UnknownTraceId => StatusCode::NOT_FOUND,
                CallbackError::ForbiddenUrl => StatusCode::BAD_REQUEST,
                CallbackError::Http(_) => StatusCode::BAD_GATEWAY,
            };
            (status, Json(json!({ "error": err.to_string() }))).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_users() {
        assert_eq!(openid_for_code("alice"), "mock-openid-alice");
        assert_eq!(openid_for_code("alice:2"), "mock-openid-alice");
        assert_eq!(openid_for_code("busy-once:alice:1"), "mock-openid-alice");
        assert_eq!(unionid_for_code("bob:x:y"), "mock-unionid-bob");
        let key = STANDARD.decode(session_key_for_code("alice")).unwrap();
        assert_eq!(key.len(), 16);
        assert_eq!(session_key_for_code("alice"), session_key_for_code("alice"));
        assert_ne!(
            session_key_for_code("alice"),
            session_key_for_code("alice:2")
        );
        let phone = phone_for_code("alice:1");
        assert_eq!(phone, phone_for_code("alice:2"));
        assert!(phone.len() == 11 && phone.starts_with("138"));
        assert!(phone.chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn png_is_png() {
        assert!(MOCK_PNG.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(MOCK_PNG.ends_with(b"IEND\xaeB`\x82"));
    }

    #[test]
    fn tokens_follow_stable_token_rules() {
        let mock = MockWechat::new(MockConfig::default());
        let (first, ttl) = mock.issue_token(false);
        assert_eq!(ttl, 7200);
        let (again, _) = mock.issue_token(false);
        assert_eq!(first, again);
        let (forced, _) = mock.issue_token(true);
        assert_ne!(first, forced);
        let with = |t: &str| HashMap::from([("access_token".to_string(), t.to_string())]);
        assert!(mock.token_rejection(&with(&forced)).is_none());
        assert!(mock.token_rejection(&with(&first)).is_some());
        assert!(mock.expire_token());
        assert!(mock.token_rejection(&with(&forced)).is_some());
        let (renewed, _) = mock.issue_token(false);
        assert_ne!(renewed, forced);
        assert_eq!(mock.stats().token_rejections, 2);
    }

    #[test]
    fn only_loopback_callbacks() {
        let ok = [
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "http://[::1]:1/x",
        ];
        for url in ok {
            assert!(is_loopback(&reqwest::Url::parse(url).unwrap()), "{url}");
        }
        let bad = [
            "http://10.0.0.1/cb",
            "http://example.com/cb",
            "http://127.0.0.1.example.com/",
        ];
        for url in bad {
            assert!(!is_loopback(&reqwest::Url::parse(url).unwrap()), "{url}");
        }
    }
}
