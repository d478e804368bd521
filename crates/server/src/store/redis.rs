//! The optional Redis connection, shared by every feature that needs cross-node state, with a
//! health flag: while Redis is down, callers skip it at once (local fallbacks) instead of each
//! waiting for a timeout.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::redis_trace::Traced;

/// How often the watchdog checks Redis, and so how soon an outage or a recovery is noticed.
pub const HEALTH_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct Redis {
    pub conn: ConnectionManager,
    pub client: redis::Client,
    healthy: Arc<AtomicBool>,
}

impl Redis {
    /// Connect, failing fast when Redis is unreachable at start; afterwards the manager
    /// reconnects by itself and a watchdog keeps the health flag current.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("parsing MINIBASE_REDIS_URL")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(1))
            .set_response_timeout(Duration::from_secs(1))
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(
            Duration::from_secs(5),
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        .context("connecting to Redis: timed out")?
        .context("connecting to Redis")?;
        let redis = Self {
            conn,
            client,
            healthy: Arc::new(AtomicBool::new(true)),
        };
        tokio::spawn(watchdog(redis.clone()));
        Ok(redis)
    }

    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Called by users that saw an error, so others stop trying before the watchdog's next look.
    pub fn mark_unhealthy(&self) {
        if self.healthy.swap(false, Ordering::Relaxed) {
            tracing::warn!("Redis is unreachable; serving from local state until it returns");
        }
    }

    fn mark_healthy(&self) {
        if !self.healthy.swap(true, Ordering::Relaxed) {
            tracing::info!("Redis is reachable again");
        }
    }

    /// A connection for one command (cheap: a handle to the shared multiplexed connection),
    /// whose commands are spans while traces are exported.
    pub fn conn(&self) -> Traced<ConnectionManager> {
        Traced::new(self.conn.clone())
    }
}

/// A cheap round trip, for readiness checks.
pub async fn ping(redis: &Redis) -> anyhow::Result<()> {
    let mut conn = redis.conn();
    let reply: String = tokio::time::timeout(
        Duration::from_secs(1),
        redis::cmd("PING").query_async(&mut conn),
    )
    .await
    .context("timed out")??;
    anyhow::ensure!(reply == "PONG", "unexpected reply {reply}");
    Ok(())
}

async fn watchdog(redis: Redis) {
    // Stops when every other handle is gone (the app shut down).
    while Arc::strong_count(&redis.healthy) > 1 {
        match ping(&redis).await {
            Ok(()) => redis.mark_healthy(),
            Err(_) => redis.mark_unhealthy(),
        }
        tokio::time::sleep(HEALTH_INTERVAL).await;
    }
}
