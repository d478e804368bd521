//! Where access tokens live between calls, and how processes agree on one.
//!
//! [`MemoryTokenStore`] keeps the token in-process (the default).
//! [`RedisTokenStore`] shares it between processes, with a short lock so only
//! one of them refreshes at a time.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A boxed, `Send` future: keeps [`TokenStore`] object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An access token and the moment it stops being usable.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    /// The access token.
    pub token: String,
    /// Unix seconds after which the token must not be used. It already
    /// includes the safety margin before WeChat's real expiry, so every
    /// process sharing a store refreshes at the same time.
    pub expires_at: u64,
}

impl CachedToken {
    /// Whether the token is still usable at `now` (unix seconds).
    pub fn is_valid_at(&self, now: u64) -> bool {
        now < self.expires_at
    }

    /// Whether the token is still usable now.
    pub fn is_valid(&self) -> bool {
        self.is_valid_at(unix_now())
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token grants API access for up to two hours: never log it whole.
        f.debug_struct("CachedToken")
            .field("token", &redact(&self.token))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

pub(crate) fn redact(secret: &str) -> String {
    let prefix: String = secret.chars().take(4).collect();
    format!("{prefix}…(redacted)")
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A token store failure. The client logs it and carries on locally.
#[derive(Debug, Clone, thiserror::Error)]
#[error("token store error: {0}")]
pub struct StoreError(pub String);

/// Shared storage for access tokens, keyed by appid, plus a short lock that
/// elects a single refresher.
///
/// Implementations must be cheap to call concurrently. The client never fails
/// a call because of a store error; it falls back to local behaviour.
pub trait TokenStore: Send + Sync + 'static {
    /// The stored token for `appid`, if any (possibly already expired).
    fn get<'a>(&'a self, appid: &'a str) -> BoxFuture<'a, Result<Option<CachedToken>, StoreError>>;

    /// Stores `token` for `appid`, replacing whatever was there.
    fn put<'a>(
        &'a self,
        appid: &'a str,
        token: CachedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Tries to take the refresh lock for `appid` for at most `ttl`.
    /// Returns a lock value to hand to [`TokenStore::unlock`], or `None` when
    /// someone else holds the lock.
    fn try_lock<'a>(
        &'a self,
        appid: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>>;

    /// Releases the lock if (and only if) it is still held with `lock_value`.
    fn unlock<'a>(
        &'a self,
        appid: &'a str,
        lock_value: String,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// A unique-enough value for lock ownership: no two holders may share one,
/// but it need not be unpredictable.
fn lock_value() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(nanos);
    format!(
        "{}-{}-{:016x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        hasher.finish()
    )
}

/// In-process token store; the default. Share one `Arc` between clients of
/// the same app in a process if you want them to share the token.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, CachedToken>>,
    locks: Mutex<HashMap<String, (String, tokio::time::Instant)>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn lock_map<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock cannot leave a half-written
    // token (inserts are single operations), so poisoning is safe to ignore.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TokenStore for MemoryTokenStore {
    fn get<'a>(&'a self, appid: &'a str) -> BoxFuture<'a, Result<Option<CachedToken>, StoreError>> {
        let token = lock_map(&self.tokens).get(appid).cloned();
        Box::pin(async move { Ok(token) })
    }

    fn put<'a>(
        &'a self,
        appid: &'a str,
        token: CachedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        lock_map(&self.tokens).insert(appid.to_string(), token);
        Box::pin(async { Ok(()) })
    }

    fn try_lock<'a>(
        &'a self,
        appid: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        let now = tokio::time::Instant::now();
        let mut locks = lock_map(&self.locks);
        let taken = matches!(locks.get(appid), Some((_, until)) if *until > now);
        let result = if taken {
            None
        } else {
            let value = lock_value();
            locks.insert(appid.to_string(), (value.clone(), now + ttl));
            Some(value)
        };
        Box::pin(async move { Ok(result) })
    }

    fn unlock<'a>(
        &'a self,
        appid: &'a str,
        lock_value: String,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut locks = lock_map(&self.locks);
        if matches!(locks.get(appid), Some((held, _)) if *held == lock_value) {
            locks.remove(appid);
        }
        Box::pin(async { Ok(()) })
    }
}

/// Compare-and-delete: only the holder that set the lock may release it, so a
/// slow holder whose lock already expired cannot free someone else's.
const UNLOCK_SCRIPT: &str = r#"
if redis.call("GET", KEYS[1]) == ARGV[1] then
    return redis.call("DEL", KEYS[1])
else
    return 0
end
"#;

/// Token store shared through Redis.
///
/// Keys are `{prefix}:{appid}:access_token` (JSON [`CachedToken`], expiring
/// with the token) and `{prefix}:{appid}:refresh_lock` (`SET NX PX`).
/// Every operation is bounded by a timeout so a hung Redis degrades to local
/// behaviour instead of stalling API calls.
///
/// `C` is any async connection: one server's
/// [`ConnectionManager`](redis::aio::ConnectionManager) (the default), or a Redis
/// Cluster's connection (each operation touches one key, so any slot will do).
#[derive(Clone)]
pub struct RedisTokenStore<C = redis::aio::ConnectionManager> {
    conn: C,
    prefix: String,
    op_timeout: Duration,
    unlock: redis::Script,
}

impl<C> fmt::Debug for RedisTokenStore<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("prefix", &self.prefix)
            .field("op_timeout", &self.op_timeout)
            .finish_non_exhaustive()
    }
}

impl<C> RedisTokenStore<C> {
    /// A store using `conn`, with keys under `prefix` (e.g. `"minibase:wechat"`).
    pub fn new(conn: C, prefix: impl Into<String>) -> Self {
        Self {
            conn,
            prefix: prefix.into(),
            op_timeout: Duration::from_secs(1),
            unlock: redis::Script::new(UNLOCK_SCRIPT),
        }
    }
}

impl RedisTokenStore {
    /// Connects to `url` and builds a store. Fails if Redis is unreachable now;
    /// later outages are tolerated by the client.
    pub async fn connect(url: &str, prefix: impl Into<String>) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(redis_err)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(Duration::from_secs(2))
            .set_number_of_retries(1);
        let conn = redis::aio::ConnectionManager::new_with_config(client, config)
            .await
            .map_err(redis_err)?;
        Ok(Self::new(conn, prefix))
    }
}

impl<C> RedisTokenStore<C> {
    /// Bounds every Redis operation (default 1 second).
    pub fn with_op_timeout(mut self, timeout: Duration) -> Self {
        self.op_timeout = timeout;
        self
    }

    fn token_key(&self, appid: &str) -> String {
        format!("{}:{}:access_token", self.prefix, appid)
    }

    fn lock_key(&self, appid: &str) -> String {
        format!("{}:{}:refresh_lock", self.prefix, appid)
    }

    async fn bounded<T>(
        &self,
        fut: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.op_timeout, fut).await {
            Ok(result) => result.map_err(redis_err),
            Err(_) => Err(StoreError("redis operation timed out".into())),
        }
    }
}

fn redis_err(err: redis::RedisError) -> StoreError {
    StoreError(err.to_string())
}

impl<C> TokenStore for RedisTokenStore<C>
where
    C: redis::aio::ConnectionLike + Clone + Send + Sync + 'static,
{
    fn get<'a>(&'a self, appid: &'a str) -> BoxFuture<'a, Result<Option<CachedToken>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let key = self.token_key(appid);
            let raw: Option<String> = self
                .bounded(redis::cmd("GET").arg(&key).query_async(&mut conn))
                .await?;
            match raw {
                None => Ok(None),
                Some(raw) => serde_json::from_str(&raw)
                    .map(Some)
                    .map_err(|e| StoreError(format!("stored token is not valid JSON: {e}"))),
            }
        })
    }

    fn put<'a>(
        &'a self,
        appid: &'a str,
        token: CachedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let key = self.token_key(appid);
            let json = serde_json::to_string(&token).map_err(|e| StoreError(e.to_string()))?;
            // Let Redis drop the token once it is unusable; at least 1s since PX 0 is an error.
            let ttl_ms = token.expires_at.saturating_sub(unix_now()).max(1) * 1000;
            self.bounded::<()>(
                redis::cmd("SET")
                    .arg(&key)
                    .arg(json)
                    .arg("PX")
                    .arg(ttl_ms)
                    .query_async(&mut conn),
            )
            .await
        })
    }

    fn try_lock<'a>(
        &'a self,
        appid: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let key = self.lock_key(appid);
            let value = lock_value();
            let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let reply: Option<String> = self
                .bounded(
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(&value)
                        .arg("NX")
                        .arg("PX")
                        .arg(ttl_ms)
                        .query_async(&mut conn),
                )
                .await?;
            Ok(reply.map(|_| value))
        })
    }

    fn unlock<'a>(
        &'a self,
        appid: &'a str,
        lock_value: String,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let key = self.lock_key(appid);
            self.bounded::<i64>(
                self.unlock
                    .key(&key)
                    .arg(&lock_value)
                    .invoke_async(&mut conn),
            )
            .await
            .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_store_lock_is_exclusive_and_owner_checked() {
        let store = MemoryTokenStore::new();
        let ttl = Duration::from_secs(5);
        let first = store.try_lock("app", ttl).await.unwrap().unwrap();
        assert!(store.try_lock("app", ttl).await.unwrap().is_none());
        assert!(store.try_lock("other", ttl).await.unwrap().is_some());
        // A stale value must not release the current holder's lock.
        store.unlock("app", "not-the-owner".into()).await.unwrap();
        assert!(store.try_lock("app", ttl).await.unwrap().is_none());
        store.unlock("app", first).await.unwrap();
        assert!(store.try_lock("app", ttl).await.unwrap().is_some());
    }

    // Paused time: the clock jumps over the sleep, and the lock's expiry reads the same clock.
    #[tokio::test(start_paused = true)]
    async fn memory_store_lock_expires() {
        let store = MemoryTokenStore::new();
        let _held = store
            .try_lock("app", Duration::from_secs(30))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(29)).await;
        assert!(store
            .try_lock("app", Duration::from_secs(1))
            .await
            .unwrap()
            .is_none());
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(store
            .try_lock("app", Duration::from_secs(1))
            .await
            .unwrap()
            .is_some());
    }

    #[tokio::test]
    async fn memory_store_round_trip() {
        let store = MemoryTokenStore::new();
        assert!(store.get("app").await.unwrap().is_none());
        let token = CachedToken {
            token: "secret-token".into(),
            expires_at: unix_now() + 60,
        };
        store.put("app", token.clone()).await.unwrap();
        assert_eq!(store.get("app").await.unwrap(), Some(token.clone()));
        assert!(token.is_valid());
        assert!(!format!("{token:?}").contains("secret-token"));
    }
}
