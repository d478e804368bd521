//! Fixed-window rate limits. With Redis every node counts in one place; without it (or while Redis
//! is unreachable) each node counts for itself, so a Redis outage never turns into 5xx answers.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::RateLimit;
use crate::error::AppError;
use crate::store::redis::Redis;

/// Counts and checks; cheap to clone.
#[derive(Clone)]
pub struct RateLimiter {
    local: Arc<LocalCounters>,
    redis: Option<Redis>,
}

/// This node's counters. A counter is a 64-bit digest of its scope, key and window, its hits and
/// the moment it expires: about 30 bytes each, however long the key. (Counters kept as string
/// keys in a general cache cost about 800 bytes each; with the duplicate-post check recording one
/// per post for ten minutes, the benchmark saw memory grow by that much per post.)
struct LocalCounters {
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

const SHARDS: usize = 16;
/// Beyond this many live counters a shard records no new ones (existing counters go on counting),
/// so a flood of distinct keys cannot take the node's memory.
const MAX_COUNTERS_PER_SHARD: usize = 1 << 16;

#[derive(Default)]
struct Shard {
    counters: HashMap<u64, LocalCounter>,
    /// Counters left after the last sweep; the next sweep runs once the shard has doubled.
    after_sweep: usize,
    /// No counter expires before this (milliseconds since the Unix epoch): a full shard is swept
    /// again only once something in it can have expired.
    earliest_expiry: u64,
}

#[derive(Clone, Copy)]
struct LocalCounter {
    hits: u32,
    /// Milliseconds since the Unix epoch.
    expires_at: u64,
}

impl Shard {
    /// Make room for one more counter: forget expired ones when the shard has doubled since the
    /// last sweep (amortised O(1) per insert), or when it is full and some may have expired.
    /// False when the shard is full of live counters.
    fn make_room(&mut self, now_ms: u64) -> bool {
        let len = self.counters.len();
        let doubled = len >= (2 * self.after_sweep).max(1024);
        let full = len >= MAX_COUNTERS_PER_SHARD;
        if doubled || (full && now_ms >= self.earliest_expiry) {
            let mut earliest = u64::MAX;
            self.counters.retain(|_, c| {
                let live = c.expires_at > now_ms;
                if live {
                    earliest = earliest.min(c.expires_at);
                }
                live
            });
            self.after_sweep = self.counters.len();
            self.earliest_expiry = earliest;
        }
        self.counters.len() < MAX_COUNTERS_PER_SHARD
    }

    fn insert(&mut self, digest: u64, counter: LocalCounter) {
        self.earliest_expiry = self.earliest_expiry.min(counter.expires_at);
        self.counters.insert(digest, counter);
    }
}

impl LocalCounters {
    fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    fn shard(&self, digest: u64) -> std::sync::MutexGuard<'_, Shard> {
        // A panic while holding the lock cannot leave a counter half-written, so a poisoned
        // shard is still sound to use.
        self.shards[(digest >> 60) as usize % SHARDS]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One more hit on the counter; a new counter (or one whose time is up) lives until
    /// `expires_at`. Answers the hits so far, counting this one.
    fn hit(&self, digest: u64, expires_at: u64, now_ms: u64) -> u32 {
        let mut shard = self.shard(digest);
        if let Some(counter) = shard.counters.get_mut(&digest) {
            if counter.expires_at > now_ms {
                counter.hits = counter.hits.saturating_add(1);
                return counter.hits;
            }
            *counter = LocalCounter {
                hits: 1,
                expires_at,
            };
            return 1;
        }
        if shard.make_room(now_ms) {
            shard.insert(
                digest,
                LocalCounter {
                    hits: 1,
                    expires_at,
                },
            );
        } else {
            tracing::warn!("rate limit: local counters are full; a new key is not counted");
        }
        1
    }

    fn live(&self, now_ms: u64) -> u64 {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                shard
                    .counters
                    .values()
                    .filter(|c| c.expires_at > now_ms)
                    .count() as u64
            })
            .sum()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
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
            local: Arc::new(LocalCounters::new()),
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

    /// True when `key` was already seen in `scope` within the last `window`; otherwise it is
    /// recorded as seen now. (A sliding window: the same text twice a second apart is caught
    /// even when a fixed window would have ended between them.)
    pub async fn seen_before(&self, scope: &str, key: &str, window: Duration) -> bool {
        let window_ms = window.as_millis().max(1) as u64;
        if let Some(redis) = self.redis.as_ref().filter(|r| r.is_healthy()) {
            let marker = format!("mb:seen:{scope}:{key}");
            match Self::mark_redis(redis, &marker, window_ms).await {
                Ok(seen) => return seen,
                Err(err) => {
                    tracing::warn!(error = %err, "duplicate check: Redis unavailable, checking locally");
                    redis.mark_unhealthy();
                }
            }
        }
        let now_ms = now_ms();
        let digest = self.local.hasher.hash_one(("seen", scope, key));
        self.local.hit(digest, now_ms + window_ms, now_ms) > 1
    }

    /// Count a hit: (hits in the current window, milliseconds until it ends).
    async fn increment(&self, scope: &str, key: &str, window: Duration) -> (u64, u64) {
        let window_ms = window.as_millis().max(1) as u64;
        let now_ms = now_ms();
        let window = now_ms / window_ms;
        let ms_left = window_ms - now_ms % window_ms;
        if let Some(redis) = self.redis.as_ref().filter(|r| r.is_healthy()) {
            let counter_key = format!("mb:rl:{scope}:{key}:{window}");
            match self.hit_redis(redis, &counter_key, window_ms).await {
                Ok(answer) => return answer,
                Err(err) => {
                    tracing::warn!(error = %err, "rate limit: Redis unavailable, counting locally");
                    redis.mark_unhealthy();
                }
            }
        }
        let digest = self.local.hasher.hash_one((scope, key, window));
        let count = self.local.hit(digest, now_ms + ms_left, now_ms);
        (u64::from(count), ms_left)
    }

    /// Live counters held on this node (for tests).
    pub fn local_counters(&self) -> u64 {
        self.local.live(now_ms())
    }

    /// SET NX with the window as its expiry: true when the marker was already there.
    async fn mark_redis(redis: &Redis, marker: &str, window_ms: u64) -> anyhow::Result<bool> {
        let mut conn = redis.conn();
        let set: Option<String> = redis::cmd("SET")
            .arg(marker)
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(window_ms)
            .query_async(&mut conn)
            .await?;
        Ok(set.is_none())
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

    /// Counters in memory, expired or not.
    fn held(counters: &LocalCounters) -> usize {
        counters
            .shards
            .iter()
            .map(|s| s.lock().unwrap().counters.len())
            .sum()
    }

    #[tokio::test]
    async fn a_text_is_seen_for_its_window_and_then_forgotten() {
        let limiter = RateLimiter::new(None);
        let window = Duration::from_millis(300);
        assert!(!limiter.seen_before("dup", "text", window).await);
        assert!(limiter.seen_before("dup", "text", window).await);
        assert!(!limiter.seen_before("dup", "other", window).await);
        assert!(!limiter.seen_before("other-scope", "text", window).await);
        assert_eq!(limiter.local_counters(), 3);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(limiter.local_counters(), 0, "the window ended");
        assert!(!limiter.seen_before("dup", "text", window).await);
    }

    #[tokio::test]
    async fn hits_are_counted_per_window_and_refused_past_the_limit() {
        let limiter = RateLimiter::new(None);
        let limit = RateLimit {
            max: 2,
            window: Duration::from_millis(400),
        };
        // Start just after a window boundary so that three hits fall into one window.
        let ms_into_window = now_ms() % 400;
        tokio::time::sleep(Duration::from_millis(400 - ms_into_window + 5)).await;
        limiter.hit("posts", "7", limit).await.unwrap();
        limiter.hit("posts", "7", limit).await.unwrap();
        limiter.hit("posts", "8", limit).await.unwrap();
        let refused = limiter.hit("posts", "7", limit).await.unwrap_err();
        assert_eq!(refused.code(), crate::error::ErrorCode::RateLimited);
        tokio::time::sleep(Duration::from_millis(450)).await;
        limiter.hit("posts", "7", limit).await.unwrap();
    }

    #[test]
    fn expired_counters_are_swept_as_new_ones_arrive() {
        let counters = LocalCounters::new();
        let now = 1_000_000;
        for key in 0..20_000u32 {
            counters.hit(counters.hasher.hash_one(key), now + 10, now);
        }
        assert_eq!(held(&counters), 20_000);
        // Later, when those have expired, as many new keys again: the sweeps keep only live ones.
        let later = now + 1_000;
        for key in 20_000..40_000u32 {
            counters.hit(counters.hasher.hash_one(key), later + 10, later);
        }
        assert!(
            held(&counters) < 30_000,
            "expired counters were swept: {} held",
            held(&counters)
        );
        assert_eq!(counters.live(later), 20_000);
    }

    #[test]
    fn a_full_shard_records_no_new_counters_but_keeps_counting_old_ones() {
        let mut shard = Shard::default();
        for key in 0..MAX_COUNTERS_PER_SHARD as u64 {
            assert!(shard.make_room(0));
            shard.counters.insert(
                key,
                LocalCounter {
                    hits: 1,
                    expires_at: 10,
                },
            );
        }
        assert!(!shard.make_room(0), "full of live counters");
        assert!(shard.make_room(10), "all expired: swept");
        assert!(shard.counters.is_empty());
    }

    #[tokio::test]
    async fn counting_a_key_twice_holds_one_counter() {
        let limiter = RateLimiter::new(None);
        let window = Duration::from_secs(60);
        assert!(!limiter.seen_before("dup", "text", window).await);
        assert!(limiter.seen_before("dup", "text", window).await);
        assert_eq!(held(&limiter.local), 1);
    }
}
