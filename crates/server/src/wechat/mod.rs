//! The server's link to WeChat: the typed client from the `minibase-wechat` crate, pointed at
//! WeChat (or, in dev mode without an AppID, at an in-process mock), sharing its access token
//! through Redis when configured; and the mapping from WeChat's errors to the API's codes.

use std::sync::Arc;

use anyhow::Context;
use minibase_wechat::mock::{MockConfig, MockWechat};
use minibase_wechat::{
    MemoryTokenStore, RedisTokenStore, TokenStore, WechatClient, WechatConfig, WechatError,
};

use crate::config::Config;
use crate::error::{AppError, ErrorCode};
use crate::store::redis::Redis;

/// The AppID of the in-process mock (dev mode without an AppID).
pub const MOCK_APPID: &str = "wx-mock-appid";

#[derive(Clone)]
pub struct Wechat {
    client: WechatClient,
    appid: Arc<str>,
    /// The in-process mock and its base URL, when one answers (dev mode without an AppID).
    mock: Option<(MockWechat, String)>,
}

impl Wechat {
    pub async fn start(config: &Config, redis: Option<&Redis>) -> anyhow::Result<Self> {
        let settings = &config.wechat;
        let (client_config, mock) = match &settings.credentials {
            Some((appid, secret)) => (
                WechatConfig::new(appid.clone(), secret.clone())
                    .with_api_base(settings.api_base.clone()),
                None,
            ),
            None => {
                // The mock signs its callbacks with our push token, so they verify like WeChat's.
                let mock = MockWechat::new(MockConfig {
                    appid: MOCK_APPID.into(),
                    push_token: Some(config.community.push_token.clone()),
                    ..MockConfig::default()
                });
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .context("binding the in-process mock WeChat")?;
                let addr = listener.local_addr()?;
                let server = mock.clone();
                tokio::spawn(async move {
                    if let Err(err) = server.serve(listener).await {
                        tracing::error!(error = %err, "the in-process mock WeChat stopped");
                    }
                });
                tracing::warn!(
                    %addr,
                    "!!! DEV MODE: no MINIBASE_WECHAT_APPID set; logins are answered by the built-in MOCK WeChat, not by WeChat. Never use this in production. !!!"
                );
                (
                    mock.client_config(addr),
                    Some((mock, format!("http://{addr}"))),
                )
            }
        };
        let client_config = WechatConfig {
            timeout: settings.timeout,
            pool_idle_timeout: settings.pool_idle_timeout,
            observer: Some(crate::observability::wechat_observer()),
            ..client_config
        };
        let appid: Arc<str> = Arc::from(client_config.appid.as_str());
        let store: Arc<dyn TokenStore> = match redis {
            Some(redis) => Arc::new(RedisTokenStore::new(redis.conn().into_inner(), "mb:wx")),
            None => Arc::new(MemoryTokenStore::new()),
        };
        let client = WechatClient::with_token_store(client_config, store)
            .map_err(|err| anyhow::anyhow!("building the WeChat client: {err}"))?;
        Ok(Self {
            client,
            appid,
            mock,
        })
    }

    pub fn client(&self) -> &WechatClient {
        &self.client
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }

    pub fn mock(&self) -> Option<&MockWechat> {
        self.mock.as_ref().map(|(mock, _)| mock)
    }

    /// The in-process mock's base URL (it serves WeChat Pay under `/v3/...` too).
    pub fn mock_api_base(&self) -> Option<&str> {
        self.mock.as_ref().map(|(_, base)| base.as_str())
    }
}

/// WeChat's answer as the API's error: the client learns which failure it was, the log keeps
/// WeChat's own words.
pub fn map_error(err: WechatError) -> AppError {
    let (code, message) = match &err {
        WechatError::InvalidCode { .. } => (
            ErrorCode::InvalidWechatCode,
            "the WeChat code is invalid or expired".to_string(),
        ),
        WechatError::CodeBeenUsed { .. } => (
            ErrorCode::WechatCodeUsed,
            "the WeChat code was already used".to_string(),
        ),
        WechatError::HighRiskUser { .. } => (
            ErrorCode::WechatRiskyUser,
            "WeChat flagged this user as high risk".to_string(),
        ),
        WechatError::MinuteQuotaReached { .. } | WechatError::DailyQuotaReached { .. } => (
            ErrorCode::WechatRateLimited,
            "WeChat's API quota is used up; try again later".to_string(),
        ),
        WechatError::SystemBusy { .. }
        | WechatError::Http(_)
        | WechatError::Timeout
        | WechatError::HttpStatus(_) => (
            ErrorCode::WechatUnavailable,
            "WeChat is unavailable; try again".to_string(),
        ),
        WechatError::WatermarkMismatch => (
            ErrorCode::WatermarkMismatch,
            "the data was issued for another AppID".to_string(),
        ),
        WechatError::Decrypt(_) => (
            ErrorCode::BadRequest,
            "the encrypted data could not be decrypted with this session".to_string(),
        ),
        other => match other.errcode() {
            Some(errcode) => (
                ErrorCode::WechatError,
                format!("WeChat answered errcode {errcode}"),
            ),
            None => (
                ErrorCode::WechatError,
                "WeChat answered unexpectedly".to_string(),
            ),
        },
    };
    AppError::new(code, message).with_source(anyhow::anyhow!(err))
}
