//! The cache every feature uses: an in-process level (quick_cache) always, Redis as a shared second
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
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::watch;

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

/// A cached value and its deadline, checked on every read so the staleness bound holds exactly.
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

/// Entries kept per node (the least used go first).
const CAPACITY: usize = 100_000;

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

/// The outcome of one load, shared with every caller that waited for it.
type Loaded = Result<Entry, Arc<AppError>>;

struct Inner {
    /// quick_cache rather than moka: a read is a sharded hash lookup (~0.1 µs against ~1 µs),
    /// and an entry costs a fraction of the memory. Every authenticated request reads two or
    /// three entries, so this is on the hot path of the whole API (docs/benchmarks.md).
    /// Keyed by a 128-bit digest of the full key ([`Inner::local_key`]), not the key itself:
    /// no allocation per entry. Three entries per signed-in user add up (docs/benchmarks.md).
    local: quick_cache::sync::Cache<u128, Entry>,
    /// Two independently seeded SipHash keys, chosen at random per process: nobody can aim two
    /// keys at one digest, and by chance it takes about 2^64 keys.
    key_hashers: [RandomState; 2],
    /// Loads in progress, by key: later callers wait for the first one's outcome.
    flights: Mutex<HashMap<String, Arc<watch::Sender<Option<Loaded>>>>>,
    redis: Option<Redis>,
    /// True while this node is subscribed to the invalidation channel.
    bus_live: AtomicBool,
    /// False (`cache_enabled = false`): every read runs its loader, so benchmarks compare equal
    /// work and a suspected stale answer can be ruled out.
    enabled: bool,
}

impl Inner {
    fn local_key(&self, full_key: &str) -> u128 {
        let [high, low] = &self.key_hashers;
        (u128::from(high.hash_one(full_key)) << 64) | u128::from(low.hash_one(full_key))
    }
}

/// What a caller that missed does: wait for the load in progress, or run it.
enum Flight {
    /// A leader stored the value between this caller's miss and its look at the flights.
    Ready(Entry),
    Wait(watch::Receiver<Option<Loaded>>),
    Lead(Arc<watch::Sender<Option<Loaded>>>),
}

/// Ends a flight however its leader stops (done, failed or cancelled): waiters of an abandoned
/// flight see the sender go and start over.
struct FlightEnd<'a> {
    inner: &'a Inner,
    key: &'a str,
}

impl Drop for FlightEnd<'_> {
    fn drop(&mut self) {
        self.inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(self.key);
    }
}

impl Cache {
    pub fn new(redis: Option<Redis>) -> Self {
        Self::configured(redis, true)
    }

    /// `enabled = false`: nothing is kept; every [`Cache::get_or_load`] runs its loader.
    /// Invalidations are still broadcast, so nodes that do cache stay coherent with this one.
    pub fn configured(redis: Option<Redis>, enabled: bool) -> Self {
        let inner = Arc::new(Inner {
            local: quick_cache::sync::Cache::new(if enabled { CAPACITY } else { 1 }),
            key_hashers: [RandomState::new(), RandomState::new()],
            flights: Mutex::new(HashMap::new()),
            redis,
            bus_live: AtomicBool::new(false),
            enabled,
        });
        if enabled && inner.redis.is_some() {
            tokio::spawn(subscribe(Arc::downgrade(&inner)));
        }
        Self { inner }
    }

    /// False when `cache_enabled = false`.
    pub fn is_enabled(&self) -> bool {
        self.inner.enabled
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
    /// callers wait for it; they all get its outcome). Errors are not cached.
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
        if !self.inner.enabled {
            count(spec.namespace, Outcome::Miss);
            return load().await.map(Arc::new);
        }
        let full_key = format!("{}:{key}", spec.namespace);
        let local_key = self.inner.local_key(&full_key);
        if let Some(entry) = self.fresh(local_key) {
            if let Ok(value) = entry.value.downcast::<T>() {
                count(spec.namespace, Outcome::Hit);
                return Ok(value);
            }
        }
        count(spec.namespace, Outcome::Miss);
        let mut load = Some(load);
        let entry = loop {
            match self.join_or_lead(&full_key, local_key) {
                Flight::Ready(entry) => break Ok(entry),
                Flight::Wait(mut waiting) => {
                    match waiting.wait_for(Option::is_some).await {
                        Ok(outcome) => break outcome.clone().unwrap_or_else(abandoned),
                        // The leader was cancelled: whoever comes first now leads.
                        Err(_) => continue,
                    }
                }
                Flight::Lead(sender) => {
                    let _end = FlightEnd {
                        inner: &self.inner,
                        key: &full_key,
                    };
                    let Some(load) = load.take() else {
                        break abandoned();
                    };
                    let outcome = self.load_entry(spec, &full_key, load).await;
                    if let Ok(entry) = &outcome {
                        // Before the flight ends, so a caller arriving now finds the value.
                        self.inner.local.insert(local_key, entry.clone());
                    }
                    sender.send_replace(Some(outcome.clone()));
                    break outcome;
                }
            }
        };
        let entry = entry.map_err(|err| {
            // Every waiter shares one error: its cause is logged once, by the leader.
            AppError::new(err.code(), err.message().to_string())
        })?;
        entry.value.downcast::<T>().map_err(|_| {
            AppError::internal(anyhow::anyhow!("cache key {full_key} holds another type"))
        })
    }

    /// The entry of `local_key` while fresh; a stale one is dropped (unless replaced meanwhile).
    fn fresh(&self, local_key: u128) -> Option<Entry> {
        let entry = self.inner.local.get(&local_key)?;
        if entry.is_fresh() {
            return Some(entry);
        }
        self.inner
            .local
            .remove_if(&local_key, |current| !current.is_fresh());
        None
    }

    fn join_or_lead(&self, full_key: &str, local_key: u128) -> Flight {
        let mut flights = self
            .inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = flights.get(full_key) {
            return Flight::Wait(sender.subscribe());
        }
        // A leader stores its value before ending its flight: look again under the lock.
        if let Some(entry) = self.fresh(local_key) {
            return Flight::Ready(entry);
        }
        let sender = Arc::new(watch::channel(None).0);
        flights.insert(full_key.to_string(), sender.clone());
        Flight::Lead(sender)
    }

    async fn load_entry<T, F, Fut>(&self, spec: &CacheSpec, full_key: &str, load: F) -> Loaded
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let ttl = self.ttl(spec);
        if spec.shared {
            if let Some(value) = self.shared_get::<T>(full_key).await {
                return Ok(Entry::new(Arc::new(value), ttl));
            }
        }
        metrics::counter!("cache_loads_total", "namespace" => spec.namespace).increment(1);
        match load().await {
            Ok(value) => {
                if spec.shared {
                    self.shared_set(full_key, &value, spec.ttl).await;
                }
                Ok(Entry::new(Arc::new(value), ttl))
            }
            Err(err) => {
                tracing::warn!(error = ?err, key = %full_key, "cache load failed");
                Err(Arc::new(err))
            }
        }
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
        self.inner.local.remove(&self.inner.local_key(full_key));
        let Some(redis) = self.inner.redis.as_ref().filter(|r| r.is_healthy()) else {
            return;
        };
        let mut conn = redis.conn();
        // Two commands, not one pipeline: in a Redis Cluster the key and the channel hash to
        // different slots. The delete goes first, so a node that hears the event and reads
        // Redis again finds nothing stale there.
        let deleted: redis::RedisResult<()> =
            redis::cmd("DEL").arg(full_key).query_async(&mut conn).await;
        let result = match deleted {
            Ok(()) => {
                redis::cmd("PUBLISH")
                    .arg(CHANNEL)
                    .arg(full_key)
                    .query_async::<()>(&mut conn)
                    .await
            }
            Err(err) => Err(err),
        };
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
        match redis.pubsub().await {
            Ok(mut pubsub) => {
                if pubsub.subscribe(CHANNEL).await.is_ok() {
                    if let Some(strong) = inner.upgrade() {
                        // Events may have been missed while unsubscribed: start clean.
                        strong.local.clear();
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
                                    strong.local.remove(&strong.local_key(&key));
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
        strong.local.clear();
        drop(strong);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

/// A flight that ended without an outcome (its leader lost the loader); cannot happen in practice.
fn abandoned() -> Loaded {
    Err(Arc::new(AppError::internal(anyhow::anyhow!(
        "cache load abandoned"
    ))))
}

#[derive(Clone, Copy)]
enum Outcome {
    Hit,
    Miss,
}

/// `cache_requests_total` by namespace and result. The counter handles are kept, so a hit costs
/// an atomic add rather than a registry lookup.
fn count(namespace: &'static str, outcome: Outcome) {
    type Counters = RwLock<HashMap<&'static str, [metrics::Counter; 2]>>;
    static COUNTERS: OnceLock<Counters> = OnceLock::new();
    let counters = COUNTERS.get_or_init(|| {
        // Handles taken before the recorder exists would count nowhere, for good.
        crate::observability::metrics_handle();
        Default::default()
    });
    let index = outcome as usize;
    if let Some(pair) = counters
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(namespace)
    {
        pair[index].increment(1);
        return;
    }
    let mut counters = counters.write().unwrap_or_else(PoisonError::into_inner);
    let pair = counters.entry(namespace).or_insert_with(|| {
        [
            metrics::counter!("cache_requests_total", "namespace" => namespace, "result" => "hit"),
            metrics::counter!("cache_requests_total", "namespace" => namespace, "result" => "miss"),
        ]
    });
    pair[index].increment(1);
}
