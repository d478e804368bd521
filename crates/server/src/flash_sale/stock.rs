//! The stock gates in front of the database.
//!
//! - [`SoldOutFlags`]: per node, in memory. Once a node learns that a sale has no stock left it
//!   answers 409 from memory, touching neither the database nor Redis. A flag is trusted for
//!   [`FLAG_TTL`]; after that one request (not all of them) re-checks, so stock that comes back
//!   (an expired or cancelled order) is sold again within that bound on every node.
//! - [`RedisStock`]: with Redis (several nodes), an atomic Lua script reserves a unit (stock,
//!   per-user count and an in-flight record together) before the database is asked, so that only
//!   about as many requests as there is stock ever reach the database. The database's conditional
//!   update stays the source of truth: Redis can only keep load away, never oversell.
//!
//! Redis keys of a sale share a hash tag (`mb:fs:{tag}:...`, one cluster slot):
//! `stock` (units left), `users` (hash user -> units held), `pending` (sorted set of reservations
//! in flight, scored by the Redis time their lease ends), `returned` (set of order ids whose stock
//! was given back to Redis), `lock` (held while the keys are rebuilt from the database).
//!
//! A reservation is a lease of [`RESERVATION_LEASE`]: the node writing its order renews it every
//! [`LEASE_RENEWAL`]; once it lapses (the node died or stalled) any node may reclaim the units,
//! after voiding the reservation in the database so that its order can no longer commit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use redis::Script;

use crate::store::redis::Redis;

/// How long a node trusts its sold-out flag before letting one request re-check.
pub const FLAG_TTL: Duration = Duration::from_secs(1);

/// How long a reservation holds its units without being renewed.
pub const RESERVATION_LEASE: Duration = Duration::from_secs(3);

/// How often the node writing an order renews its reservation's lease: two renewals may fail or
/// come late before the lease lapses.
pub const LEASE_RENEWAL: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Flag {
    /// Milliseconds since `epoch` when the sale was last seen sold out; 0: not sold out.
    marked_at: AtomicU64,
    /// When a re-check was handed out (0: none running).
    probe_at: AtomicU64,
}

/// This node's flash-sale machinery: the sold-out flags and, with Redis, the stock gate.
#[derive(Clone)]
pub struct FlashSaleState {
    pub flags: SoldOutFlags,
    pub redis: Option<RedisStock>,
}

impl FlashSaleState {
    pub fn new(redis: Option<Redis>) -> Self {
        Self {
            flags: SoldOutFlags::new(),
            redis: redis.map(RedisStock::new),
        }
    }
}

/// Per-node sold-out flags, one per sale.
#[derive(Clone)]
pub struct SoldOutFlags {
    flags: moka::sync::Cache<i64, Arc<Flag>>,
    epoch: Instant,
}

impl Default for SoldOutFlags {
    fn default() -> Self {
        Self::new()
    }
}

impl SoldOutFlags {
    pub fn new() -> Self {
        Self {
            flags: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            epoch: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        // +1 keeps 0 free to mean "unset".
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// True when the caller should be told "sold out" without asking anyone. When the flag is
    /// older than [`FLAG_TTL`], exactly one caller per TTL gets `false` and goes to check.
    pub fn is_sold_out(&self, sale_id: i64) -> bool {
        let Some(flag) = self.flags.get(&sale_id) else {
            return false;
        };
        let marked = flag.marked_at.load(Ordering::Acquire);
        if marked == 0 {
            return false;
        }
        let now = self.now_ms();
        let ttl = FLAG_TTL.as_millis() as u64;
        if now.saturating_sub(marked) < ttl {
            return true;
        }
        let probe = flag.probe_at.load(Ordering::Acquire);
        if probe != 0 && now.saturating_sub(probe) < ttl {
            return true;
        }
        // Stale: hand the re-check to one caller.
        flag.probe_at
            .compare_exchange(probe, now, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    }

    pub fn mark(&self, sale_id: i64) {
        let flag = self.flags.get_with(sale_id, || Arc::new(Flag::default()));
        flag.marked_at.store(self.now_ms(), Ordering::Release);
        flag.probe_at.store(0, Ordering::Release);
    }

    pub fn clear(&self, sale_id: i64) {
        if let Some(flag) = self.flags.get(&sale_id) {
            flag.marked_at.store(0, Ordering::Release);
            flag.probe_at.store(0, Ordering::Release);
        }
    }
}

/// What the reservation script answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Reserve {
    /// Reserved; the number is the stock left after it.
    Ok(i64),
    /// Not enough stock; the number is what is left.
    SoldOut(i64),
    OverLimit,
    /// The keys are not in Redis (new sale, Redis restarted): load them from the database.
    NotLoaded,
    /// The keys are being rebuilt from the database: retry in a moment.
    Busy,
}

/// Check the lock, the stock and the user's count, then take the units, count them to the user
/// and record the reservation as in flight with its lease (ARGV[5] ms); all or nothing.
const RESERVE: &str = r#"
if redis.call('EXISTS', KEYS[4]) == 1 then return {-3, 0} end
local stock = redis.call('GET', KEYS[1])
if not stock then return {-2, 0} end
stock = tonumber(stock)
local qty = tonumber(ARGV[2])
if stock < qty then return {-1, stock} end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if held + qty > tonumber(ARGV[3]) then return {-4, stock} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('DECRBY', KEYS[1], qty)
redis.call('HINCRBY', KEYS[2], ARGV[1], qty)
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), ARGV[4])
return {1, stock - qty}
"#;

/// Undo a reservation whose order was not written, once: only while it is still in flight.
const RELEASE: &str = r#"
if redis.call('ZREM', KEYS[3], ARGV[1]) == 1 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('INCRBY', KEYS[1], ARGV[3])
  redis.call('HINCRBY', KEYS[2], ARGV[2], -tonumber(ARGV[3]))
  return 1
end
return 0
"#;

/// Give a closed order's units back, once per order id. While the keys are missing there is
/// nothing to do: the next load reads the database, which already has them back.
const GIVE_BACK: &str = r#"
if redis.call('EXISTS', KEYS[4]) == 1 then return -3 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SADD', KEYS[3], ARGV[1]) == 1 then
  redis.call('INCRBY', KEYS[1], ARGV[3])
  redis.call('HINCRBY', KEYS[2], ARGV[2], -tonumber(ARGV[3]))
  return 1
end
return 0
"#;

/// Extend a reservation's lease to ARGV[2] ms from now, only while it is still in flight: 0 when
/// it was reclaimed (or settled).
const RENEW: &str = r#"
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1
"#;

/// Reservations whose lease has lapsed (by Redis time).
const LAPSED: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
"#;

/// How many reservations still hold a live lease.
const LEASED: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
"#;

/// The stock (or -1 when the keys are not loaded) and the units of reservations whose lease is
/// live and of those whose lease has lapsed, in one atomic read.
const INSPECT: &str = r#"
local stock = tonumber(redis.call('GET', KEYS[1]) or '-1')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leased, lapsed = 0, 0
local pending = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #pending, 2 do
  local units = tonumber(string.match(pending[i], ':(%d+)$')) or 0
  if tonumber(pending[i + 1]) > now then leased = leased + units else lapsed = lapsed + units end
end
return {stock, leased, lapsed}
"#;

/// Finish a load: set the stock, give every key its expiry, release the lock (if still ours).
const FINISH_LOAD: &str = r#"
if redis.call('GET', KEYS[5]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
redis.call('DEL', KEYS[5])
return 1
"#;

const UNLOCK: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"#;

// Compiled once: a Script carries the SHA that EVALSHA uses.
static RESERVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RESERVE));
static RELEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RELEASE));
static GIVE_BACK_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(GIVE_BACK));
static RENEW_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RENEW));
static LAPSED_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(LAPSED));
static LEASED_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(LEASED));
static INSPECT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(INSPECT));
static FINISH_LOAD_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(FINISH_LOAD));
static UNLOCK_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(UNLOCK));

/// The Redis keys of one sale.
pub struct SaleKeys {
    pub stock: String,
    pub users: String,
    pub pending: String,
    pub returned: String,
    pub lock: String,
}

impl SaleKeys {
    pub fn new(tag: &str) -> Self {
        let key = |name: &str| format!("mb:fs:{{{tag}}}:{name}");
        Self {
            stock: key("stock"),
            users: key("users"),
            pending: key("pending"),
            returned: key("returned"),
            lock: key("lock"),
        }
    }
}

/// A reservation in flight, as recorded in `pending`: `reservation:user:quantity`.
pub fn pending_member(reservation: &str, user_id: i64, quantity: i32) -> String {
    format!("{reservation}:{user_id}:{quantity}")
}

pub fn parse_member(member: &str) -> Option<(String, i64, i32)> {
    let mut parts = member.rsplitn(3, ':');
    let quantity = parts.next()?.parse().ok()?;
    let user = parts.next()?.parse().ok()?;
    let reservation = parts.next()?.to_string();
    Some((reservation, user, quantity))
}

/// The Redis side of the stock, one sale at a time.
#[derive(Clone)]
pub struct RedisStock {
    pub redis: Redis,
}

/// The Redis side of a sale at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspection {
    pub stock: i64,
    /// Units of reservations whose lease is live: orders being written.
    pub leased_units: i64,
    /// Units of reservations whose lease lapsed and that nobody has reclaimed yet.
    pub lapsed_units: i64,
}

/// What a load writes: the database's view of one sale.
pub struct Snapshot {
    pub stock_left: i64,
    pub holders: Vec<(i64, i32)>,
    pub closed_orders: Vec<i64>,
}

impl RedisStock {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }

    fn failed<T>(&self, err: redis::RedisError) -> anyhow::Result<T> {
        if err.is_io_error() || err.is_timeout() || err.is_connection_dropped() {
            self.redis.mark_unhealthy();
        }
        Err(anyhow::Error::new(err).context("flash sale: Redis command failed"))
    }

    pub async fn reserve(
        &self,
        keys: &SaleKeys,
        user_id: i64,
        quantity: i32,
        limit: i32,
        member: &str,
    ) -> anyhow::Result<Reserve> {
        let mut conn = self.redis.conn();
        let answer: redis::RedisResult<(i64, i64)> = RESERVE_SCRIPT
            .key(&keys.stock)
            .key(&keys.users)
            .key(&keys.pending)
            .key(&keys.lock)
            .arg(user_id)
            .arg(quantity)
            .arg(limit)
            .arg(member)
            .arg(RESERVATION_LEASE.as_millis() as u64)
            .invoke_async(&mut conn)
            .await;
        match answer {
            Ok((1, left)) => Ok(Reserve::Ok(left)),
            Ok((-1, left)) => Ok(Reserve::SoldOut(left)),
            Ok((-2, _)) => Ok(Reserve::NotLoaded),
            Ok((-3, _)) => Ok(Reserve::Busy),
            Ok((-4, _)) => Ok(Reserve::OverLimit),
            Ok(other) => Err(anyhow::anyhow!("unexpected reserve answer {other:?}")),
            Err(err) => self.failed(err),
        }
    }

    /// The order of `member` committed: it is no longer in flight.
    pub async fn settle(&self, keys: &SaleKeys, member: &str) -> anyhow::Result<()> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<i64> = redis::cmd("ZREM")
            .arg(&keys.pending)
            .arg(member)
            .query_async(&mut conn)
            .await;
        result.map(|_| ()).or_else(|err| self.failed(err))
    }

    /// The order of `member` was not written: give its units back (once). True when given.
    pub async fn release(
        &self,
        keys: &SaleKeys,
        member: &str,
        user_id: i64,
        quantity: i32,
    ) -> anyhow::Result<bool> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<i64> = RELEASE_SCRIPT
            .key(&keys.stock)
            .key(&keys.users)
            .key(&keys.pending)
            .arg(member)
            .arg(user_id)
            .arg(quantity)
            .invoke_async(&mut conn)
            .await;
        result.map(|n| n == 1).or_else(|err| self.failed(err))
    }

    /// A closed order's units go back to Redis, once per order. `Ok(false)` while the keys are
    /// being rebuilt (retry later).
    pub async fn give_back(
        &self,
        keys: &SaleKeys,
        order_id: i64,
        user_id: i64,
        quantity: i32,
    ) -> anyhow::Result<bool> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<i64> = GIVE_BACK_SCRIPT
            .key(&keys.stock)
            .key(&keys.users)
            .key(&keys.returned)
            .key(&keys.lock)
            .arg(order_id)
            .arg(user_id)
            .arg(quantity)
            .invoke_async(&mut conn)
            .await;
        result.map(|n| n != -3).or_else(|err| self.failed(err))
    }

    /// Extend the lease of `member` by [`RESERVATION_LEASE`]; false when it is no longer in
    /// flight (reclaimed by another node, or settled).
    pub async fn renew(&self, keys: &SaleKeys, member: &str) -> anyhow::Result<bool> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<i64> = RENEW_SCRIPT
            .key(&keys.pending)
            .arg(member)
            .arg(RESERVATION_LEASE.as_millis() as u64)
            .invoke_async(&mut conn)
            .await;
        result.map(|n| n == 1).or_else(|err| self.failed(err))
    }

    /// Reservations whose lease has lapsed: nobody renews them any more.
    pub async fn lapsed(&self, keys: &SaleKeys) -> anyhow::Result<Vec<String>> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<Vec<String>> = LAPSED_SCRIPT
            .key(&keys.pending)
            .invoke_async(&mut conn)
            .await;
        result.or_else(|err| self.failed(err))
    }

    /// Every reservation in flight, leased or lapsed.
    pub async fn pending(&self, keys: &SaleKeys) -> anyhow::Result<Vec<String>> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<Vec<String>> = redis::cmd("ZRANGE")
            .arg(&keys.pending)
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await;
        result.or_else(|err| self.failed(err))
    }

    /// The sale's Redis side in one atomic read; None when the keys are not loaded.
    pub async fn inspect(&self, keys: &SaleKeys) -> anyhow::Result<Option<Inspection>> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<(i64, i64, i64)> = INSPECT_SCRIPT
            .key(&keys.stock)
            .key(&keys.pending)
            .invoke_async(&mut conn)
            .await;
        match result {
            Ok((stock, _, _)) if stock < 0 => Ok(None),
            Ok((stock, leased_units, lapsed_units)) => Ok(Some(Inspection {
                stock,
                leased_units,
                lapsed_units,
            })),
            Err(err) => self.failed(err),
        }
    }

    pub async fn stock(&self, keys: &SaleKeys) -> anyhow::Result<Option<i64>> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<Option<i64>> = redis::cmd("GET")
            .arg(&keys.stock)
            .query_async(&mut conn)
            .await;
        result.or_else(|err| self.failed(err))
    }

    /// Take the rebuild lock; Some(token) when taken.
    pub async fn lock(&self, keys: &SaleKeys, hold: Duration) -> anyhow::Result<Option<String>> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<Option<String>> = redis::cmd("SET")
            .arg(&keys.lock)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(hold.as_millis() as u64)
            .query_async(&mut conn)
            .await;
        match result {
            Ok(Some(_)) => Ok(Some(token)),
            Ok(None) => Ok(None),
            Err(err) => self.failed(err),
        }
    }

    pub async fn unlock(&self, keys: &SaleKeys, token: &str) -> anyhow::Result<()> {
        let mut conn = self.redis.conn();
        let result: redis::RedisResult<i64> = UNLOCK_SCRIPT
            .key(&keys.lock)
            .arg(token)
            .invoke_async(&mut conn)
            .await;
        result.map(|_| ()).or_else(|err| self.failed(err))
    }

    /// Wait (up to `limit`) until no reservation holds a live lease: their orders have
    /// committed or failed, or their nodes stopped renewing them.
    pub async fn drain(&self, keys: &SaleKeys, limit: Duration) -> bool {
        let started = Instant::now();
        loop {
            let mut conn = self.redis.conn();
            let leased: redis::RedisResult<i64> = LEASED_SCRIPT
                .key(&keys.pending)
                .invoke_async(&mut conn)
                .await;
            match leased {
                Ok(0) => return true,
                Ok(_) if started.elapsed() < limit => {
                    tokio::time::sleep(Duration::from_millis(20)).await
                }
                _ => return false,
            }
        }
    }

    /// Replace the sale's keys with `snapshot` (the lock `token` must be held).
    pub async fn write_snapshot(
        &self,
        keys: &SaleKeys,
        token: &str,
        snapshot: &Snapshot,
        keep_for: Duration,
    ) -> anyhow::Result<bool> {
        let mut conn = self.redis.conn();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .del(&keys.users)
            .ignore()
            .del(&keys.returned)
            .ignore()
            .del(&keys.pending)
            .ignore();
        for chunk in snapshot.holders.chunks(1000) {
            let pairs: Vec<(i64, i32)> = chunk.to_vec();
            pipe.hset_multiple(&keys.users, &pairs).ignore();
        }
        for chunk in snapshot.closed_orders.chunks(1000) {
            pipe.sadd(&keys.returned, chunk).ignore();
        }
        let written: redis::RedisResult<()> = pipe.query_async(&mut conn).await;
        if let Err(err) = written {
            return self.failed(err);
        }
        let finished: redis::RedisResult<i64> = FINISH_LOAD_SCRIPT
            .key(&keys.stock)
            .key(&keys.users)
            .key(&keys.returned)
            .key(&keys.pending)
            .key(&keys.lock)
            .arg(token)
            .arg(snapshot.stock_left)
            .arg(keep_for.as_millis().max(1) as u64)
            .invoke_async(&mut conn)
            .await;
        finished.map(|n| n == 1).or_else(|err| self.failed(err))
    }

    pub async fn exists(&self, keys: &SaleKeys) -> anyhow::Result<bool> {
        Ok(self.stock(keys).await?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_round_trip() {
        let member = pending_member("abc-def", 42, 2);
        assert_eq!(parse_member(&member), Some(("abc-def".into(), 42, 2)));
        assert_eq!(parse_member("nonsense"), None);
    }

    #[test]
    fn flags_answer_from_memory_and_hand_out_one_recheck() {
        let flags = SoldOutFlags::new();
        assert!(!flags.is_sold_out(1));
        flags.mark(1);
        assert!(flags.is_sold_out(1));
        assert!(!flags.is_sold_out(2));
        flags.clear(1);
        assert!(!flags.is_sold_out(1));
        flags.mark(1);
        std::thread::sleep(FLAG_TTL + Duration::from_millis(20));
        let rechecks = (0..100).filter(|_| !flags.is_sold_out(1)).count();
        assert_eq!(rechecks, 1, "one caller re-checks a stale flag");
    }
}
