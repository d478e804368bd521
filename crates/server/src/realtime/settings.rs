//! The realtime endpoints' settings: heartbeats, timeouts, limits, replay and the Redis prefix
//! (docs/realtime.md).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::values::ConfigError;

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawRealtimeSettings {
    pub realtime_heartbeat_secs: u64,
    pub realtime_idle_timeout_secs: u64,
    pub realtime_write_timeout_secs: u64,
    pub realtime_send_queue: u64,
    pub realtime_max_connections: u64,
    pub realtime_max_connections_per_user: u64,
    pub realtime_max_subscriptions: u64,
    pub realtime_replay_window: u64,
    pub realtime_ticket_ttl_secs: u64,
    pub realtime_redis_prefix: String,
}

impl Default for RawRealtimeSettings {
    fn default() -> Self {
        Self {
            realtime_heartbeat_secs: 25,
            realtime_idle_timeout_secs: 60,
            realtime_write_timeout_secs: 10,
            realtime_send_queue: 256,
            realtime_max_connections: 50_000,
            realtime_max_connections_per_user: 10,
            realtime_max_subscriptions: 50,
            realtime_replay_window: 10_000,
            realtime_ticket_ttl_secs: 30,
            realtime_redis_prefix: "mb:rt".into(),
        }
    }
}

/// Settings of the realtime endpoints (docs/realtime.md).
#[derive(Debug, Clone)]
pub struct RealtimeConfig {
    /// The server pings each WebSocket (and sends an SSE comment) this often.
    pub heartbeat: Duration,
    /// A WebSocket the client has sent nothing on (not even a pong) for this long is closed.
    pub idle_timeout: Duration,
    /// A frame the client's connection cannot take within this long ends the connection.
    pub write_timeout: Duration,
    /// Frames waiting per connection; a client that lets more pile up is disconnected.
    pub send_queue: usize,
    pub max_connections: usize,
    pub max_connections_per_user: usize,
    pub max_subscriptions: usize,
    /// Events kept for replay after a reconnect.
    pub replay_window: usize,
    pub ticket_ttl: Duration,
    /// Prefix of the Redis keys and channels realtime uses (several deployments can share one
    /// Redis under different prefixes).
    pub redis_prefix: String,
}

impl RawRealtimeSettings {
    pub fn validate(&self) -> Result<RealtimeConfig, ConfigError> {
        let within = |key: &str, value: u64, min: u64, max: u64| {
            if (min..=max).contains(&value) {
                Ok(value)
            } else {
                Err(ConfigError::new(
                    key,
                    format!("{value} is not between {min} and {max}"),
                ))
            }
        };
        let heartbeat = within(
            "realtime_heartbeat_secs",
            self.realtime_heartbeat_secs,
            1,
            3600,
        )?;
        let idle = within(
            "realtime_idle_timeout_secs",
            self.realtime_idle_timeout_secs,
            1,
            86_400,
        )?;
        if idle <= heartbeat {
            return Err(ConfigError::new(
                "realtime_idle_timeout_secs",
                "must be longer than realtime_heartbeat_secs (a client answers pings)",
            ));
        }
        let count = |key: &str, value: u64, max: u64| {
            within(key, value, 1, max).map(|v| usize::try_from(v).unwrap_or(usize::MAX))
        };
        let prefix = self.realtime_redis_prefix.trim();
        if prefix.is_empty() || prefix.len() > 64 || prefix.chars().any(char::is_whitespace) {
            return Err(ConfigError::new(
                "realtime_redis_prefix",
                "must be 1-64 characters without spaces",
            ));
        }
        Ok(RealtimeConfig {
            redis_prefix: prefix.to_string(),
            heartbeat: Duration::from_secs(heartbeat),
            idle_timeout: Duration::from_secs(idle),
            write_timeout: Duration::from_secs(within(
                "realtime_write_timeout_secs",
                self.realtime_write_timeout_secs,
                1,
                600,
            )?),
            send_queue: count("realtime_send_queue", self.realtime_send_queue, 65_536)?,
            max_connections: count(
                "realtime_max_connections",
                self.realtime_max_connections,
                10_000_000,
            )?,
            max_connections_per_user: count(
                "realtime_max_connections_per_user",
                self.realtime_max_connections_per_user,
                100_000,
            )?,
            max_subscriptions: count(
                "realtime_max_subscriptions",
                self.realtime_max_subscriptions,
                10_000,
            )?,
            replay_window: count(
                "realtime_replay_window",
                self.realtime_replay_window,
                1_000_000,
            )?,
            ticket_ttl: Duration::from_secs(within(
                "realtime_ticket_ttl_secs",
                self.realtime_ticket_ttl_secs,
                1,
                300,
            )?),
        })
    }
}
