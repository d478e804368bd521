//! A typed, async client for WeChat mini-program server APIs, offline helpers
//! for the data mini-programs send to their backend, and a mock WeChat server.
//!
//! The crate knows nothing about the application using it.
//!
//! # Modules
//!
//! - [`client`]: [`WechatClient`] for `code2session`, phone numbers, content
//!   security checks, subscription messages and mini-program codes. It
//!   caches the access token (from `getStableAccessToken`), refreshes it once
//!   for all concurrent callers, retries on "system busy" and network errors,
//!   and answers a rejected token with a single forced refresh.
//! - [`token`]: where the access token lives. [`MemoryTokenStore`] (default)
//!   keeps it in-process; [`RedisTokenStore`] shares it between processes so
//!   they hold one token and never invalidate each other's.
//! - [`crypto`]: open-data decryption ([`decrypt_open_data`]) and the
//!   signature checks (`rawData`, login state, message push). No network.
//! - [`error`]: [`WechatError`], one variant per documented errcode.
//! - [`pay`]: WeChat Pay API v3 for mini-programs ([`pay::PayClient`]) and its mock
//!   ([`pay::mock::PayMock`], served by the mock WeChat under `/v3/...`).
//! - [`observe`]: every HTTP call runs in a `tracing` span (`wechat.call`); an
//!   [`Observer`] in the settings adds headers (trace context) and counts outcomes.
//! - [`mock`]: [`mock::MockWechat`], an axum server answering like WeChat,
//!   with deterministic users, error-triggering codes and call counters.
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use minibase_wechat::{RedisTokenStore, WechatClient, WechatConfig, WechatError};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = WechatConfig::new("wx1234567890abcdef", "app-secret");
//! // Share the access token between all instances of the service.
//! let store = RedisTokenStore::connect("redis://127.0.0.1:6379", "myapp:wechat").await?;
//! let client = WechatClient::with_token_store(config, Arc::new(store))?;
//!
//! match client.code2session("code-from-wx.login").await {
//!     Ok(session) => println!("user {}", session.openid),
//!     Err(WechatError::InvalidCode { .. } | WechatError::CodeBeenUsed { .. }) => {
//!         println!("ask the mini-program for a fresh code");
//!     }
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! In tests, point the client at the mock instead:
//!
//! ```no_run
//! use minibase_wechat::mock::{MockConfig, MockWechat};
//! use minibase_wechat::WechatClient;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockWechat::new(MockConfig::default());
//! let (addr, _server) = mock.spawn("127.0.0.1:0").await?;
//! let client = WechatClient::new(mock.client_config(addr))?;
//! let session = client.code2session("alice:1").await?;
//! assert_eq!(session.openid, "mock-openid-alice");
//! assert_eq!(mock.stats().code2session, 1);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod client;
pub mod crypto;
pub mod error;
mod loopback;
pub mod mock;
pub mod observe;
pub mod pay;
pub mod token;

pub use client::{
    ContentCheck, MediaType, PhoneInfo, Session, SubscribeMessage, Suggest, WechatClient,
    WechatConfig, WxaCodeRequest, DEFAULT_API_BASE, DEFAULT_POOL_IDLE_TIMEOUT,
};
pub use crypto::{
    constant_time_eq, decrypt_open_data, login_state_signature, push_signature,
    verify_login_state_signature, verify_push_signature, verify_signature,
};
pub use error::WechatError;
pub use observe::{CallObserver, Observer};
pub use token::{
    BoxFuture, CachedToken, MemoryTokenStore, RedisTokenStore, StoreError, TokenStore,
};
