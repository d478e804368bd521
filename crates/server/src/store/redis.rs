//! The optional Redis connection, shared by every feature that needs cross-node state, with a
//! health flag: while Redis is down, callers skip it at once (local fallbacks) instead of each
//! waiting for a timeout.
//!
//! Redis is one server or a Redis Cluster (`redis_cluster`). Callers see one connection type
//! either way; what the cluster asks of them is that every key one script or pipeline touches
//! shares a hash tag (`{...}`), so that it lives in one slot.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig, PubSub};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};

use super::redis_trace::Traced;

/// How often the watchdog checks Redis, and so how soon an outage or a recovery is noticed.
pub const HEALTH_INTERVAL: Duration = Duration::from_millis(500);

/// A connection for commands, scripts and pipelines: to one server, or to a cluster (where the
/// client routes each command to the node that owns its key's slot and follows redirections).
#[derive(Clone)]
pub enum RedisConn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(conn) => conn.req_packed_command(cmd),
            Self::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            Self::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(conn) => conn.get_db(),
            Self::Cluster(conn) => conn.get_db(),
        }
    }
}

#[derive(Clone)]
pub struct Redis {
    conn: RedisConn,
    /// Where subscriptions are made: the server, or each of the cluster's seed nodes in turn.
    /// A cluster forwards every PUBLISH to all its nodes, so any one of them hears everything.
    pubsub_clients: Arc<Vec<redis::Client>>,
    healthy: Arc<AtomicBool>,
}

impl Redis {
    /// Connect to one server, failing fast when it is unreachable at start; afterwards the
    /// connection reconnects by itself and a watchdog keeps the health flag current.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::open(url, false).await
    }

    /// Connect to a Redis Cluster through its seed nodes (URLs separated by commas).
    pub async fn connect_cluster(seeds: &str) -> anyhow::Result<Self> {
        Self::open(seeds, true).await
    }

    async fn open(url: &str, cluster: bool) -> anyhow::Result<Self> {
        let urls: Vec<&str> = url.split(',').map(str::trim).collect();
        let pubsub_clients = urls
            .iter()
            .map(|url| redis::Client::open(*url))
            .collect::<RedisResult<Vec<_>>>()
            .context("parsing MINIBASE_REDIS_URL")?;
        let connecting = async {
            if cluster {
                let client = ClusterClientBuilder::new(urls.clone())
                    .connection_timeout(Duration::from_secs(1))
                    .response_timeout(Duration::from_secs(1))
                    .retries(2)
                    .build()?;
                client.get_async_connection().await.map(RedisConn::Cluster)
            } else {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Duration::from_secs(1))
                    .set_response_timeout(Duration::from_secs(1))
                    .set_number_of_retries(1);
                ConnectionManager::new_with_config(pubsub_clients[0].clone(), config)
                    .await
                    .map(RedisConn::Single)
            }
        };
        let conn = tokio::time::timeout(Duration::from_secs(5), connecting)
            .await
            .context("connecting to Redis: timed out")?
            .context("connecting to Redis")?;
        let redis = Self {
            conn,
            pubsub_clients: Arc::new(pubsub_clients),
            healthy: Arc::new(AtomicBool::new(true)),
        };
        tokio::spawn(watchdog(redis.clone()));
        Ok(redis)
    }

    /// A connection of its own for SUBSCRIBE: from the first node that answers.
    pub async fn pubsub(&self) -> RedisResult<PubSub> {
        let mut last = None;
        for client in self.pubsub_clients.iter() {
            match client.get_async_pubsub().await {
                Ok(pubsub) => return Ok(pubsub),
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| {
            redis::RedisError::from((
                redis::ErrorKind::ClientError,
                "no Redis node to subscribe on",
            ))
        }))
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
    pub fn conn(&self) -> Traced<RedisConn> {
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
