//! The optional Redis connection, shared by every feature that needs cross-node state.

use std::time::Duration;

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

pub type Redis = ConnectionManager;

/// Connect, failing fast when Redis is unreachable at start; afterwards the manager reconnects
/// by itself.
pub async fn connect(url: &str) -> anyhow::Result<Redis> {
    let client = redis::Client::open(url).context("parsing MINIBASE_REDIS_URL")?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_secs(2))
        .set_response_timeout(Duration::from_secs(2))
        .set_number_of_retries(2);
    tokio::time::timeout(
        Duration::from_secs(5),
        ConnectionManager::new_with_config(client, config),
    )
    .await
    .context("connecting to Redis: timed out")?
    .context("connecting to Redis")
}

/// A cheap round trip, for readiness checks.
pub async fn ping(redis: &Redis) -> anyhow::Result<()> {
    let mut conn = redis.clone();
    let reply: String = tokio::time::timeout(
        Duration::from_secs(2),
        redis::cmd("PING").query_async(&mut conn),
    )
    .await
    .context("timed out")??;
    anyhow::ensure!(reply == "PONG", "unexpected reply {reply}");
    Ok(())
}
