//! The database connection: one SeaORM handle over an sqlx pool for SQLite, PostgreSQL or
//! MySQL-protocol servers (MySQL, MariaDB, TiDB). Repos write their queries once against it.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, SqlxMySqlConnector,
    SqlxPostgresConnector, SqlxSqliteConnector, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::config::{redact_url, DatabaseBackend, DatabaseConfig};
use crate::store::migrations::Migrator;

pub type Db = DatabaseConnection;

/// Counts the statements one connection pool runs: `db_queries_total` in metrics, and the way
/// tests prove that a list costs a fixed number of queries whatever its length.
#[derive(Clone, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Open the pool and count its statements.
pub async fn connect_counted(config: &DatabaseConfig) -> anyhow::Result<(Db, QueryCounter)> {
    let mut db = connect(config).await?;
    let counter = QueryCounter::default();
    let inner = counter.0.clone();
    db.set_metric_callback(move |_info| {
        inner.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("db_queries_total").increment(1);
    });
    Ok((db, counter))
}

/// Open the pool described by the configuration. SQLite files (and their folder) are created.
pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<Db> {
    let shown = redact_url(&config.url);
    let db = match config.backend {
        DatabaseBackend::Sqlite => {
            let options = SqliteConnectOptions::from_str(&config.url)
                .with_context(|| format!("parsing database URL {shown}"))?
                .create_if_missing(true)
                // WAL lets readers run beside the single writer; NORMAL sync is durable in WAL.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(config.acquire_timeout)
                .foreign_keys(true);
            if let Some(dir) = options.get_filename().parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating database folder {}", dir.display()))?;
                }
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(config.max_connections)
                .min_connections(config.min_connections)
                .acquire_timeout(config.acquire_timeout)
                .idle_timeout(Some(config.idle_timeout))
                .connect_with(options)
                .await
                .with_context(|| format!("opening {shown}"))?;
            SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
        }
        DatabaseBackend::Postgres => {
            let options = PgConnectOptions::from_str(&config.url)
                .with_context(|| format!("parsing database URL {shown}"))?;
            let pool = PgPoolOptions::new()
                .test_before_acquire(false)
                .before_acquire(|conn, meta| Box::pin(ping_if_idle(conn, meta)))
                .max_connections(config.max_connections)
                .min_connections(config.min_connections)
                .acquire_timeout(config.acquire_timeout)
                .idle_timeout(Some(config.idle_timeout))
                .connect_with(options);
            let pool = tokio::time::timeout(config.connect_timeout, pool)
                .await
                .with_context(|| format!("connecting to {shown}: timed out"))?
                .with_context(|| format!("connecting to {shown}"))?;
            SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
        }
        DatabaseBackend::MySql => {
            let options = MySqlConnectOptions::from_str(&config.url)
                .with_context(|| format!("parsing database URL {shown}"))?
                .charset("utf8mb4");
            let pool = MySqlPoolOptions::new()
                .test_before_acquire(false)
                .before_acquire(|conn, meta| Box::pin(ping_if_idle(conn, meta)))
                .max_connections(config.max_connections)
                .min_connections(config.min_connections)
                .acquire_timeout(config.acquire_timeout)
                .idle_timeout(Some(config.idle_timeout))
                .connect_with(options);
            let pool = tokio::time::timeout(config.connect_timeout, pool)
                .await
                .with_context(|| format!("connecting to {shown}: timed out"))?
                .with_context(|| format!("connecting to {shown}"))?;
            SqlxMySqlConnector::from_sqlx_mysql_pool(pool)
        }
    };
    Ok(db)
}

/// A connection that sat idle may have been closed by the server or a proxy; one that was in use
/// a moment ago was just checked: by its own last exchange, or by the ping sqlx makes as it
/// returns to the pool when that exchange did not end cleanly (on PostgreSQL only then: see
/// vendor/README.md). Pinging again on every acquire (sqlx's default) would add a round trip to
/// every query.
async fn ping_if_idle<C: sqlx::Connection>(
    conn: &mut C,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if meta.idle_for >= IDLE_BEFORE_PING {
        conn.ping().await?;
    }
    Ok(true)
}

const IDLE_BEFORE_PING: std::time::Duration = std::time::Duration::from_secs(1);

/// Insert a row unless a unique key already holds it; true when inserted. The insert runs in a
/// savepoint, so a duplicate leaves the caller's transaction usable (PostgreSQL aborts a
/// transaction on any failed statement), and the answer is exact on MySQL too, where sqlx's
/// FOUND_ROWS makes `INSERT IGNORE`-style upserts report a duplicate as a change.
pub async fn insert_unless_duplicate<A>(
    txn: &DatabaseTransaction,
    insert: sea_orm::Insert<A>,
) -> Result<bool, sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait,
    <A::Entity as sea_orm::EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let savepoint = txn.begin().await?;
    match insert.exec_without_returning(&savepoint).await {
        Ok(_) => {
            savepoint.commit().await?;
            Ok(true)
        }
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            savepoint.rollback().await?;
            Ok(false)
        }
        Err(err) => Err(err),
    }
}

/// Apply every pending migration.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("applying migrations")
}

/// Names of the migrations applied so far and of those pending.
pub async fn migration_status(db: &Db) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let applied = Migrator::get_applied_migrations(db)
        .await
        .context("reading applied migrations")?
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let pending = Migrator::get_pending_migrations(db)
        .await
        .context("reading pending migrations")?
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    Ok((applied, pending))
}

/// A cheap round trip, for readiness checks.
pub async fn ping(db: &Db) -> Result<(), sea_orm::DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// (connections open, connections idle) of the pool, for metrics.
pub fn pool_stats(db: &Db) -> (u32, u32) {
    match db {
        DatabaseConnection::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        DatabaseConnection::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        DatabaseConnection::SqlxMySqlPoolConnection(_) => {
            let pool = db.get_mysql_connection_pool();
            (pool.size(), pool.num_idle() as u32)
        }
        _ => (0, 0),
    }
}
