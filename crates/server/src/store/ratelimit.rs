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
    local: moka::sync::Cache<String, Arc<LocalCounter>>,
    redis: Option<Redis>,
}

/// A window's count on this node, forgotten when its window ends.
struct LocalCounter {
    hits: AtomicU32,
    /// Time left in the window when the counter was made.
    lives_for: Duration,
}

/// Each counter lives until its own window ends. (A fixed time-to-live kept every counter an
/// hour: with the duplicate-post check recording one key per post, the benchmark saw memory grow
/// by about 750 bytes per post.)
struct UntilWindowEnds;

impl moka::Expiry<String, Arc<LocalCounter>> for UntilWindowEnds {
    fn expire_after_create(
        &self,
        _key: &String,
        counter: &Arc<LocalCounter>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(counter.lives_for)
    }
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
            // Keys carry their window number; each counter expires when its window ends.
            local: moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .expire_after(UntilWindowEnds)
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
        let ms_left = window_ms - now_ms % window_ms;
        let counter = self.local.get_with(key.to_string(), || {
            Arc::new(LocalCounter {
                hits: AtomicU32::new(0),
                lives_for: Duration::from_millis(ms_left),
            })
        });
        let count = counter.hits.fetch_add(1, Ordering::Relaxed) + 1;
        (u64::from(count), ms_left)
    }

    /// Counters held on this node (for tests).
    pub fn local_counters(&self) -> u64 {
        self.local.run_pending_tasks();
        self.local.entry_count()
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

#[cfg(test)]
mod local_tests {
    use super::*;

    #[tokio::test]
    async fn local_counters_are_forgotten_when_their_window_ends() {
        let limiter = RateLimiter::new(None);
        let window = Duration::from_millis(200);
        assert!(!limiter.seen_before("dup", "text", window).await);
        assert!(limiter.seen_before("dup", "text", window).await);
        assert_eq!(limiter.local_counters(), 1);
        // moka removes expired entries at its timer wheel's next tick (about a second).
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(limiter.local_counters(), 0, "the window ended");
        assert!(
            !limiter.seen_before("dup", "text", window).await,
            "a new window"
        );
    }
}
