//! The cache every feature uses: an in-process level (moka) always, Redis as a shared second
//! level when configured, and invalidation events broadcast to every node over Redis pub/sub.
//!
//! Staleness bound: with Redis up, an invalidation reaches every node within the pub/sub
//! latency (milliseconds); a second invalidation 500 ms later clears any value a concurrent
//! loader read just before the change. With Redis configured but unreachable, nodes cannot hear
//! events, so every entry lives at most [`DEGRADED_TTL`]; when Redis returns, each node drops its
//! whole local cache (it may have missed events) and resumes. Without Redis (one node), the
//! invalidation is local and immediate. So a change is visible everywhere within about 1 s.
//! Loads are single-flight per node: a cold key under load costs one database read per node.

use std::any::Any;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;
use crate::store::redis::{Redis, HEALTH_INTERVAL};

pub const CHANNEL: &str = "mb:cache:invalidate";
/// Entry lifetime while invalidation events cannot be heard.
pub const DEGRADED_TTL: Duration = Duration::from_secs(1);
/// The second invalidation of a key, against a loader that raced the change.
const SECOND_INVALIDATION: Duration = Duration::from_millis(500);

/// What a family of keys is cached as.
pub struct CacheSpec {
    /// Prefix of the keys (and the metrics label).
    pub namespace: &'static str,
    /// Lifetime while invalidation works; a safety net, not the means of freshness.
    pub ttl: Duration,
    /// Also keep values in Redis, so other nodes' cold loads skip the database.
    pub shared: bool,
}

/// A cached value and its deadline. The deadline is checked on every read: moka's own per-entry
/// expiry is applied during its background housekeeping, which an idle cache may not run for a
/// while, and the staleness bound must hold exactly.
#[derive(Clone)]
struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    expires_at: Instant,
}

impl Entry {
    fn new(value: Arc<dyn Any + Send + Sync>, ttl: Duration) -> Self {
        Self {
            value,
            expires_at: Instant::now() + ttl,
        }
    }

    fn is_fresh(&self) -> bool {
        Instant::now() < self.expires_at
    }
}

/// Upper bound of any entry's life, so moka frees memory of entries nobody reads.
const MAX_TTL: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    local: moka::future::Cache<String, Entry>,
    redis: Option<Redis>,
    /// True while this node is subscribed to the invalidation channel.
    bus_live: AtomicBool,
}

impl Cache {
    pub fn new(redis: Option<Redis>) -> Self {
        let inner = Arc::new(Inner {
            local: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(MAX_TTL)
                .build(),
            redis,
            bus_live: AtomicBool::new(false),
        });
        if inner.redis.is_some() {
            tokio::spawn(subscribe(Arc::downgrade(&inner)));
        }
        Self { inner }
    }

    /// True when changes made elsewhere are heard at once (single node, or subscribed).
    pub fn is_coherent(&self) -> bool {
        match &self.inner.redis {
            None => true,
            Some(redis) => self.inner.bus_live.load(Ordering::Relaxed) && redis.is_healthy(),
        }
    }

    fn ttl(&self, spec: &CacheSpec) -> Duration {
        if self.is_coherent() {
            spec.ttl
        } else {
            spec.ttl.min(DEGRADED_TTL)
        }
    }

    /// The cached value of `key`, or the result of `load` (run once per node however many
    /// callers wait for it). Errors are not cached.
    pub async fn get_or_load<T, F, Fut>(
        &self,
        spec: &CacheSpec,
        key: &str,
        load: F,
    ) -> Result<Arc<T>, AppError>
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let full_key = format!("{}:{key}", spec.namespace);
        if let Some(entry) = self.inner.local.get(&full_key).await {
            if entry.is_fresh() {
                if let Ok(value) = entry.value.downcast::<T>() {
                    metrics::counter!("cache_requests_total", "namespace" => spec.namespace, "result" => "hit").increment(1);
                    return Ok(value);
                }
            }
            // Remove it only if it is still the stale one: another caller may have reloaded it.
            self.inner
                .local
                .entry(full_key.clone())
                .and_compute_with(|current| async move {
                    match current {
                        Some(current) if !current.value().is_fresh() => {
                            moka::ops::compute::Op::Remove
                        }
                        _ => moka::ops::compute::Op::Nop,
                    }
                })
                .await;
        }
        metrics::counter!("cache_requests_total", "namespace" => spec.namespace, "result" => "miss").increment(1);
        let ttl = self.ttl(spec);
        let entry = self
            .inner
            .local
            .try_get_with(full_key.clone(), async {
                if spec.shared {
                    if let Some(value) = self.shared_get::<T>(&full_key).await {
                        return Ok(Entry::new(Arc::new(value), ttl));
                    }
                }
                metrics::counter!("cache_loads_total", "namespace" => spec.namespace).increment(1);
                let value = load().await?;
                if spec.shared {
                    self.shared_set(&full_key, &value, spec.ttl).await;
                }
                Ok::<_, AppError>(Entry::new(Arc::new(value), ttl))
            })
            .await
            .map_err(|err: Arc<AppError>| {
                // Every waiter shares one error: log its cause once here, and give each caller
                // the same code and message.
                tracing::warn!(error = ?err, key = %full_key, "cache load failed");
                AppError::new(err.code(), err.message().to_string())
            })?;
        entry.value.downcast::<T>().map_err(|_| {
            AppError::internal(anyhow::anyhow!("cache key {full_key} holds another type"))
        })
    }

    /// Forget `key` on every node (and in Redis).
    pub async fn invalidate(&self, spec: &CacheSpec, key: &str) {
        let full_key = format!("{}:{key}", spec.namespace);
        self.invalidate_everywhere(&full_key).await;
        let cache = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(SECOND_INVALIDATION).await;
            cache.invalidate_everywhere(&full_key).await;
        });
    }

    async fn invalidate_everywhere(&self, full_key: &str) {
        self.inner.local.invalidate(full_key).await;
        let Some(redis) = self.inner.redis.as_ref().filter(|r| r.is_healthy()) else {
            return;
        };
        let mut conn = redis.conn();
        let result: redis::RedisResult<()> = redis::pipe()
            .del(full_key)
            .ignore()
            .publish(CHANNEL, full_key)
            .ignore()
            .query_async(&mut conn)
            .await;
        if let Err(err) = result {
            tracing::warn!(error = %err, key = full_key, "cache: could not broadcast an invalidation");
            redis.mark_unhealthy();
        }
    }

    async fn shared_get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let redis = self.inner.redis.as_ref().filter(|r| r.is_healthy())?;
        let mut conn = redis.conn();
        match redis::cmd("GET")
            .arg(key)
            .query_async::<Option<Vec<u8>>>(&mut conn)
            .await
        {
            Ok(bytes) => bytes.and_then(|b| serde_json::from_slice(&b).ok()),
            Err(err) => {
                tracing::warn!(error = %err, "cache: Redis read failed; loading from the database");
                redis.mark_unhealthy();
                None
            }
        }
    }

    async fn shared_set<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        let Some(redis) = self.inner.redis.as_ref().filter(|r| r.is_healthy()) else {
            return;
        };
        let Ok(bytes) = serde_json::to_vec(value) else {
            return;
        };
        let mut conn = redis.conn();
        let result: redis::RedisResult<()> = redis::cmd("SET")
            .arg(key)
            .arg(bytes)
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64)
            .query_async(&mut conn)
            .await;
        if let Err(err) = result {
            tracing::warn!(error = %err, "cache: Redis write failed");
            redis.mark_unhealthy();
        }
    }
}

/// Listen for invalidations until the cache is dropped, reconnecting after any failure.
async fn subscribe(inner: std::sync::Weak<Inner>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let Some(redis) = strong.redis.clone() else {
            return;
        };
        drop(strong);
        if !redis.is_healthy() {
            tokio::time::sleep(HEALTH_INTERVAL).await;
            continue;
        }
        match redis.client.get_async_pubsub().await {
            Ok(mut pubsub) => {
                if pubsub.subscribe(CHANNEL).await.is_ok() {
                    if let Some(strong) = inner.upgrade() {
                        // Events may have been missed while unsubscribed: start clean.
                        strong.local.invalidate_all();
                        strong.bus_live.store(true, Ordering::Relaxed);
                    }
                    backoff = Duration::from_millis(100);
                    let mut messages = pubsub.on_message();
                    let mut health = tokio::time::interval(HEALTH_INTERVAL);
                    loop {
                        tokio::select! {
                            message = messages.next() => {
                                let Some(message) = message else { break };
                                let Some(strong) = inner.upgrade() else { return };
                                if let Ok(key) = message.get_payload::<String>() {
                                    strong.local.invalidate(&key).await;
                                }
                            }
                            _ = health.tick() => {
                                // A silently dead connection never ends the stream.
                                if !redis.is_healthy() || inner.strong_count() == 0 {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            Err(err) => tracing::debug!(error = %err, "cache: cannot subscribe yet"),
        }
        let Some(strong) = inner.upgrade() else {
            return;
        };
        if strong.bus_live.swap(false, Ordering::Relaxed) {
            tracing::warn!("cache: invalidation channel lost; entries now live at most 1 s");
        }
        strong.local.invalidate_all();
        drop(strong);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}
