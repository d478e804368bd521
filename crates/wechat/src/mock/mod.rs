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
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use crate::client::WechatConfig;
use content::{media_callback, media_check_async, msg_sec_check};
use login::{code2session, phone_number};
use qrcode::wxacode_unlimited;
use subscribe::subscribe_send;
use token::stable_token;

mod content;
mod login;
mod qrcode;
mod subscribe;
mod token;

pub use login::{
    openid_for_code, phone_for_code, session_key_for_code, unionid_for_code, user_for_code,
};

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

    /// Media checks received so far.
    pub fn media_checks(&self) -> Vec<MediaCheck> {
        locked(&self.state.media_checks).clone()
    }

    /// Subscription messages accepted so far.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        locked(&self.state.sent).clone()
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

    fn is_known_openid(openid: &str) -> bool {
        openid
            .strip_prefix("mock-openid-")
            .is_some_and(|user| !user.is_empty())
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
