//! Reads that tolerate lag, from a PostgreSQL streaming replica while it keeps up.
//!
//! A monitor asks the replica every [`CHECK_INTERVAL`] how far behind the primary it is, and the
//! replica serves reads until `sample time + max_lag - measured lag`, so the bound holds between
//! samples too. A replica that does not answer, that lags more, or that is no longer in recovery
//! (promoted, so no longer following this primary) is skipped: reads go to the primary.
//! Writes, reads that must see a write just made, and cache fills (an invalidation must be
//! followed by a load that sees the write) always use the primary.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::{ConnectionTrait, SqlxPostgresConnector, Statement};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::{redact_url, DatabaseConfig, ReplicaConfig};
use crate::store::db::Db;

/// How often the replica's lag is measured.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// Seconds the replica is behind, or NULL when it must not be used. Caught up (everything
/// received is replayed, and the WAL receiver is streaming): 0, even when the primary has been
/// idle for a while. Otherwise the age of the last transaction replayed, an upper bound of the
/// lag. (`pg_stat_wal_receiver.status` is visible to superusers and `pg_read_all_stats` only;
/// without it, an idle primary counts as lag, which is safe.)
const LAG_SQL: &str = "SELECT (CASE \
    WHEN NOT pg_is_in_recovery() THEN NULL \
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() \
         AND (SELECT status FROM pg_stat_wal_receiver) = 'streaming' THEN 0 \
    ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) \
    END)::float8 AS lag";

pub struct Replica {
    db: Db,
    max_lag: Duration,
    epoch: Instant,
    /// Milliseconds after `epoch` until which the replica may serve; 0: not now.
    usable_until: AtomicU64,
    /// The state last logged: [`USABLE`], [`SKIPPED`], or 0 before the first check.
    reported: AtomicU8,
}

const USABLE: u8 = 1;
const SKIPPED: u8 = 2;

impl Replica {
    /// Open the replica's pool (lazily: a replica that is down at start does not stop the
    /// node) and start watching its lag.
    pub fn start(pool: &DatabaseConfig, replica: &ReplicaConfig) -> anyhow::Result<Arc<Self>> {
        let options = PgConnectOptions::from_str(&replica.url)
            .with_context(|| format!("parsing replica URL {}", redact_url(&replica.url)))?;
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .before_acquire(|conn, meta| Box::pin(crate::store::db::ping_if_idle(conn, meta)))
            .max_connections(pool.max_connections)
            .min_connections(pool.min_connections)
            .acquire_timeout(pool.acquire_timeout)
            .idle_timeout(Some(pool.idle_timeout))
            .connect_lazy_with(options);
        let replica = Arc::new(Self {
            db: SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
            max_lag: replica.max_lag,
            epoch: Instant::now(),
            usable_until: AtomicU64::new(0),
            reported: AtomicU8::new(0),
        });
        tokio::spawn(monitor(Arc::downgrade(&replica)));
        Ok(replica)
    }

    /// The replica, when it is within the lag bound now.
    pub fn if_fresh(&self) -> Option<&Db> {
        let now = self.epoch.elapsed().as_millis() as u64;
        (now < self.usable_until.load(Ordering::Relaxed)).then_some(&self.db)
    }

    /// Measure once and move the deadline.
    async fn check(&self) {
        let sampled = self.epoch.elapsed();
        let lag = tokio::time::timeout(CHECK_INTERVAL * 4, measure(&self.db)).await;
        let (until, why_not) = match lag {
            Ok(Ok(Some(lag))) => {
                metrics::gauge!("db_replica_lag_seconds").set(lag.as_secs_f64());
                if lag < self.max_lag {
                    (
                        (sampled + self.max_lag - lag).as_millis() as u64,
                        String::new(),
                    )
                } else {
                    (0, format!("{} ms behind", lag.as_millis()))
                }
            }
            Ok(Ok(None)) => (0, "not in recovery (promoted?)".into()),
            Ok(Err(err)) => (0, format!("unavailable: {err}")),
            Err(_) => (0, "did not answer in time".into()),
        };
        self.usable_until.store(until, Ordering::Relaxed);
        let usable = self.if_fresh().is_some();
        metrics::gauge!("db_replica_in_use").set(if usable { 1.0 } else { 0.0 });
        // Logged when the state changes (and once at start), not on every check.
        let state = if usable { USABLE } else { SKIPPED };
        if self.reported.swap(state, Ordering::Relaxed) != state {
            if usable {
                tracing::info!("read replica within its lag bound; lag-tolerant reads go to it");
            } else {
                tracing::warn!(
                    max_lag_ms = self.max_lag.as_millis() as u64,
                    "read replica {why_not}; reads go to the primary"
                );
            }
        }
    }
}

async fn measure(db: &Db) -> Result<Option<Duration>, sea_orm::DbErr> {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), LAG_SQL))
        .await?;
    let lag: Option<f64> = match row {
        Some(row) => row.try_get("", "lag")?,
        None => None,
    };
    Ok(lag.map(|secs| Duration::from_secs_f64(secs.max(0.0))))
}

/// Measure until the replica is dropped (the app shut down).
async fn monitor(replica: Weak<Replica>) {
    loop {
        let Some(strong) = replica.upgrade() else {
            return;
        };
        strong.check().await;
        drop(strong);
        tokio::time::sleep(CHECK_INTERVAL).await;
    }
}
