//! Fixed-window rate limits. With Redis every node counts in one place; without it (or while Redis
//! is unreachable) each node counts for itself, so a Redis outage never turns into 5xx answers.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::RateLimit;
use crate::error::AppError;
use crate::store::redis::Redis;

/// Counts and checks; cheap to clone.
#[derive(Clone)]
pub struct RateLimiter {
    local: moka::sync::Cache<String, Arc<AtomicU32>>,
    redis: Option<Redis>,
}

/// INCR the window's counter, starting its expiry with the first hit; answer (count, ms left).
const HIT_SCRIPT: &str = r#"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
"#;

impl RateLimiter {
    pub fn new(redis: Option<Redis>) -> Self {
        Self {
            // Keys carry their window number, so old windows simply age out.
            local: moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
            redis,
        }
    }

    /// Count one hit of `key` in `scope`; a 429 with Retry-After once `limit` is passed.
    /// A limit of 0 is off.
    pub async fn hit(&self, scope: &str, key: &str, limit: RateLimit) -> Result<(), AppError> {
        if limit.max == 0 {
            return Ok(());
        }
        let (count, ms_left) = self.increment(scope, key, limit.window).await;
        if count > u64::from(limit.max) {
            return Err(AppError::rate_limited(ms_left.div_ceil(1000)));
        }
        Ok(())
    }

    /// True when `key` was already seen in `scope` within the current window (and records it).
    pub async fn seen_before(&self, scope: &str, key: &str, window: Duration) -> bool {
        self.increment(scope, key, window).await.0 > 1
    }

    /// Count a hit: (hits in the current window, milliseconds until it ends).
    async fn increment(&self, scope: &str, key: &str, window: Duration) -> (u64, u64) {
        let window_ms = window.as_millis().max(1) as u64;
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let window = now_ms / window_ms;
        let counter_key = format!("mb:rl:{scope}:{key}:{window}");
        match &self.redis {
            Some(redis) if redis.is_healthy() => {
                match self.hit_redis(redis, &counter_key, window_ms).await {
                    Ok(answer) => answer,
                    Err(err) => {
                        tracing::warn!(error = %err, "rate limit: Redis unavailable, counting locally");
                        redis.mark_unhealthy();
                        self.hit_local(&counter_key, window_ms, now_ms)
                    }
                }
            }
            _ => self.hit_local(&counter_key, window_ms, now_ms),
        }
    }

    fn hit_local(&self, key: &str, window_ms: u64, now_ms: u64) -> (u64, u64) {
        let counter = self
            .local
            .get_with(key.to_string(), || Arc::new(AtomicU32::new(0)));
        let count = counter.fetch_add(1, Ordering::Relaxed) + 1;
        (u64::from(count), window_ms - now_ms % window_ms)
    }

    async fn hit_redis(
        &self,
        redis: &Redis,
        key: &str,
        window_ms: u64,
    ) -> anyhow::Result<(u64, u64)> {
        let mut conn = redis.conn();
        let (count, ttl): (u64, i64) = redis::Script::new(HIT_SCRIPT)
            .key(key)
            .arg(window_ms)
            .invoke_async(&mut conn)
            .await?;
        Ok((count, u64::try_from(ttl).unwrap_or(window_ms)))
    }
}
