//! The community's settings: content-safety callbacks, what happens when WeChat's check is
//! unreachable, and the posting limits.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::values::{ConfigError, Mode, RateLimit};

/// Verifies the in-process mock WeChat's callbacks in dev mode.
pub const DEV_PUSH_TOKEN: &str = "minibase-dev-push-token";

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawCommunitySettings {
    pub wechat_push_token: Option<String>,
    pub moderation_fallback: String,
    pub posts_per_minute: u32,
    pub comments_per_minute: u32,
    pub duplicate_window_secs: u64,
    pub content_check: String,
}

impl Default for RawCommunitySettings {
    fn default() -> Self {
        Self {
            wechat_push_token: None,
            moderation_fallback: "hold".into(),
            posts_per_minute: 5,
            comments_per_minute: 20,
            duplicate_window_secs: 600,
            content_check: "async".into(),
        }
    }
}

/// What to do with new content when WeChat's content check cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationFallback {
    /// Keep it pending until a moderator decides.
    Hold,
    /// Publish it and check again later by a background job.
    Publish,
}

/// When a new post's text goes to WeChat's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentCheck {
    /// Stored as `checking` (its author and moderators see it) and checked by a background job,
    /// which publishes or blocks it: no outbound call on the request path.
    Async,
    /// Checked before the answer, as the request waits (one outbound call per post).
    Sync,
}

#[derive(Debug, Clone)]
pub struct CommunityConfig {
    /// Verifies WeChat's message-push callbacks (media check results).
    pub push_token: String,
    pub moderation_fallback: ModerationFallback,
    pub posts_per_minute: RateLimit,
    pub comments_per_minute: RateLimit,
    /// Zero turns the duplicate-text check off.
    pub duplicate_window: Duration,
    pub content_check: ContentCheck,
}

impl RawCommunitySettings {
    pub fn validate(&self, mode: Mode) -> Result<CommunityConfig, ConfigError> {
        let push_token = match self
            .wechat_push_token
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(token) => token.to_string(),
            None if mode == Mode::Dev => DEV_PUSH_TOKEN.to_string(),
            // Without a token no callback can be verified; prod must set one to use media checks.
            None => String::new(),
        };
        let moderation_fallback = match self.moderation_fallback.trim() {
            "hold" => ModerationFallback::Hold,
            "publish" => ModerationFallback::Publish,
            other => {
                return Err(ConfigError::new(
                    "moderation_fallback",
                    format!("'{other}' is not one of hold, publish"),
                ))
            }
        };
        let content_check = match self.content_check.trim() {
            "async" => ContentCheck::Async,
            "sync" => ContentCheck::Sync,
            other => {
                return Err(ConfigError::new(
                    "content_check",
                    format!("'{other}' is not one of async, sync"),
                ))
            }
        };
        let minute = Duration::from_secs(60);
        Ok(CommunityConfig {
            push_token,
            moderation_fallback,
            posts_per_minute: RateLimit {
                max: self.posts_per_minute,
                window: minute,
            },
            comments_per_minute: RateLimit {
                max: self.comments_per_minute,
                window: minute,
            },
            duplicate_window: Duration::from_secs(self.duplicate_window_secs),
            content_check,
        })
    }
}
