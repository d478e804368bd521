//! The database connection: one SeaORM handle over an sqlx pool for SQLite, PostgreSQL or
//! MySQL-protocol servers (MySQL, MariaDB, TiDB). Repos write their queries once against it.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, SqlxMySqlConnector,
    SqlxPostgresConnector, SqlxSqliteConnector, Statement, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use serde::{Deserialize, Serialize};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::config::values::{positive, redact_url, ConfigError};
use crate::store::migrations::Migrator;

pub type Db = DatabaseConnection;

/// The database keys (`MINIBASE_` + the name in capitals): the primary and its read replica.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawDatabaseSettings {
    pub database_url: String,
    pub database_max_connections: u32,
    pub database_min_connections: u32,
    pub database_connect_timeout_secs: u64,
    pub database_acquire_timeout_secs: u64,
    pub database_idle_timeout_secs: u64,
    pub database_replica_url: Option<String>,
    pub database_replica_max_lag_ms: u64,
}

impl Default for RawDatabaseSettings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/minibase.db".into(),
            database_max_connections: 10,
            database_min_connections: 0,
            database_connect_timeout_secs: 5,
            database_acquire_timeout_secs: 5,
            database_idle_timeout_secs: 600,
            database_replica_url: None,
            database_replica_max_lag_ms: 2000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseBackend {
    Sqlite,
    Postgres,
    MySql,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub backend: DatabaseBackend,
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout: Duration,
    pub acquire_timeout: Duration,
    pub idle_timeout: Duration,
}

/// The read replica and how far behind the primary it may be before reads go back to the primary.
#[derive(Debug, Clone)]
pub struct ReplicaConfig {
    pub url: String,
    pub max_lag: Duration,
}

impl RawDatabaseSettings {
    /// The primary, and the replica when one is configured.
    pub fn validate(&self) -> Result<(DatabaseConfig, Option<ReplicaConfig>), ConfigError> {
        let primary = self.primary()?;
        let replica = self.replica(&primary)?;
        Ok((primary, replica))
    }

    fn replica(&self, primary: &DatabaseConfig) -> Result<Option<ReplicaConfig>, ConfigError> {
        let url = match self.database_replica_url.as_deref().map(str::trim) {
            None | Some("") => return Ok(None),
            Some(url) => url,
        };
        if primary.backend != DatabaseBackend::Postgres {
            return Err(ConfigError::new(
                "database_replica_url",
                "read replicas are supported on PostgreSQL only",
            ));
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
            || url::Url::parse(url).is_err()
        {
            return Err(ConfigError::new(
                "database_replica_url",
                format!("'{}' is not a postgres:// URL", redact_url(url)),
            ));
        }
        positive(
            "database_replica_max_lag_ms",
            self.database_replica_max_lag_ms,
        )?;
        Ok(Some(ReplicaConfig {
            url: url.to_string(),
            max_lag: Duration::from_millis(self.database_replica_max_lag_ms),
        }))
    }

    fn primary(&self) -> Result<DatabaseConfig, ConfigError> {
        let url = self.database_url.trim().to_string();
        let backend = if url.starts_with("sqlite:") {
            DatabaseBackend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseBackend::Postgres
        } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            DatabaseBackend::MySql
        } else {
            return Err(ConfigError::new(
                "database_url",
                format!(
                    "'{}' must start with sqlite:, postgres:// or mysql://",
                    redact_url(&url)
                ),
            ));
        };
        if backend != DatabaseBackend::Sqlite && url::Url::parse(&url).is_err() {
            return Err(ConfigError::new(
                "database_url",
                format!("'{}' is not a valid URL", redact_url(&url)),
            ));
        }
        // sqlx speaks MySQL's protocol for MariaDB and TiDB under the mysql scheme.
        let url = match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url,
        };
        if self.database_max_connections == 0 {
            return Err(ConfigError::new(
                "database_max_connections",
                "must be at least 1",
            ));
        }
        if self.database_min_connections > self.database_max_connections {
            return Err(ConfigError::new(
                "database_min_connections",
                "must not exceed database_max_connections",
            ));
        }
        positive(
            "database_connect_timeout_secs",
            self.database_connect_timeout_secs,
        )?;
        positive(
            "database_acquire_timeout_secs",
            self.database_acquire_timeout_secs,
        )?;
        Ok(DatabaseConfig {
            url,
            backend,
            max_connections: self.database_max_connections,
            min_connections: self.database_min_connections,
            connect_timeout: Duration::from_secs(self.database_connect_timeout_secs),
            acquire_timeout: Duration::from_secs(self.database_acquire_timeout_secs),
            idle_timeout: Duration::from_secs(self.database_idle_timeout_secs),
        })
    }
}

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
    let system = match config.backend {
        DatabaseBackend::Sqlite => "sqlite",
        DatabaseBackend::Postgres => "postgresql",
        DatabaseBackend::MySql => "mysql",
    };
    db.set_metric_callback(move |info| {
        inner.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("db_queries_total").increment(1);
        crate::telemetry::record_statement(system, &info.statement.sql, info.elapsed, info.failed);
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
            let pool = sized::<sqlx::Sqlite>(config)
                .connect_with(options)
                .await
                .with_context(|| format!("opening {shown}"))?;
            SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
        }
        DatabaseBackend::Postgres => {
            let options = PgConnectOptions::from_str(&config.url)
                .with_context(|| format!("parsing database URL {shown}"))?;
            let pool = server_pool::<sqlx::Postgres>(options, config, &shown).await?;
            SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
        }
        DatabaseBackend::MySql => {
            let options = MySqlConnectOptions::from_str(&config.url)
                .with_context(|| format!("parsing database URL {shown}"))?
                .charset("utf8mb4");
            let pool = server_pool::<sqlx::MySql>(options, config, &shown).await?;
            SqlxMySqlConnector::from_sqlx_mysql_pool(pool)
        }
    };
    Ok(db)
}

/// The pool's size and timeouts, the same on every database.
fn sized<DB: sqlx::Database>(config: &DatabaseConfig) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(config.max_connections)
        .min_connections(config.min_connections)
        .acquire_timeout(config.acquire_timeout)
        .idle_timeout(Some(config.idle_timeout))
}

/// A pool on a database server (PostgreSQL, MySQL/MariaDB/TiDB): connections pinged only after
/// idling, and the first connections made within `connect_timeout`.
async fn server_pool<DB: sqlx::Database>(
    options: <DB::Connection as sqlx::Connection>::Options,
    config: &DatabaseConfig,
    shown: &str,
) -> anyhow::Result<sqlx::Pool<DB>> {
    let pool = sized::<DB>(config)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| Box::pin(ping_if_idle(conn, meta)))
        .connect_with(options);
    tokio::time::timeout(config.connect_timeout, pool)
        .await
        .with_context(|| format!("connecting to {shown}: timed out"))?
        .with_context(|| format!("connecting to {shown}"))
}

/// A connection that sat idle may have been closed by the server or a proxy; one that was in use
/// a moment ago was just checked: by its own last exchange, or by the ping sqlx makes as it
/// returns to the pool when that exchange did not end cleanly (on PostgreSQL only then: see
/// vendor/README.md). Pinging again on every acquire (sqlx's default) would add a round trip to
/// every query.
pub(crate) async fn ping_if_idle<C: sqlx::Connection>(
    conn: &mut C,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if meta.idle_for >= IDLE_BEFORE_PING {
        conn.ping().await?;
    }
    Ok(true)
}

const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

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

/// Apply every pending migration, holding the migration lock (see [`MigrationLock`]): of several
/// nodes starting together on a fresh database, one applies the migrations while the others
/// wait, and then find nothing pending.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    let lock = MigrationLock::acquire(db).await?;
    let result = Migrator::up(lock.conn(), None)
        .await
        .context("applying migrations");
    lock.release(result.is_ok()).await?;
    result
}

/// Names of the migrations applied so far and of those pending. Read under the migration lock,
/// because the first look creates the table that records them.
pub async fn migration_status(db: &Db) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let lock = MigrationLock::acquire(db).await?;
    let status = read_migration_status(lock.conn()).await;
    lock.release(status.is_ok()).await?;
    status
}

async fn read_migration_status(db: &Db) -> anyhow::Result<(Vec<String>, Vec<String>)> {
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

/// The database's own lock on migrations, held on one connection of its own for the whole run:
/// a PostgreSQL advisory lock, a MySQL/MariaDB/TiDB named lock (`GET_LOCK`, named after the
/// database, since its names are server-wide), or on SQLite a `BEGIN IMMEDIATE` transaction
/// that the run happens inside. Every statement of the run goes through that connection (a pool
/// of one), and closing it frees the lock whatever happened, as does the death of the process.
pub struct MigrationLock {
    conn: Db,
    backend: DbBackend,
}

/// `pg_advisory_lock`'s key: "minibase" in ASCII. Advisory locks are per database.
const PG_MIGRATION_LOCK: i64 = 0x6d69_6e69_6261_7365;
/// MySQL's named lock, one per database (names are at most 64 characters).
const MYSQL_MIGRATION_LOCK: &str = "CONCAT('minibase.migrations.', MD5(DATABASE()))";
/// How long one wait for MySQL's lock lasts before it is asked for again.
const MYSQL_WAIT_SECS: u64 = 5;

impl MigrationLock {
    pub async fn acquire(db: &Db) -> anyhow::Result<Self> {
        let lock = Self {
            conn: one_connection(db)
                .await
                .context("opening the migration connection")?,
            backend: db.get_database_backend(),
        };
        match lock.wait_for_lock().await {
            Ok(()) => Ok(lock),
            Err(err) => {
                lock.close().await;
                Err(err).context("taking the migration lock")
            }
        }
    }

    async fn wait_for_lock(&self) -> anyhow::Result<()> {
        if self.try_lock(false).await? {
            return Ok(());
        }
        tracing::info!("another node is applying migrations; waiting for it to finish");
        while !self.try_lock(true).await? {}
        Ok(())
    }

    /// One attempt, which may `wait` a while for the holder to finish.
    async fn try_lock(&self, wait: bool) -> anyhow::Result<bool> {
        let db = &self.conn;
        match self.backend {
            DbBackend::Postgres => {
                let sql = if wait {
                    // Blocks until the holder's connection closes or unlocks; returns nothing.
                    format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})::text AS taken")
                } else {
                    format!("SELECT pg_try_advisory_lock({PG_MIGRATION_LOCK})::text AS taken")
                };
                let taken = query_text(db, &sql).await?;
                Ok(wait || taken.as_deref() == Some("true"))
            }
            DbBackend::MySql => {
                let seconds = if wait { MYSQL_WAIT_SECS } else { 0 };
                let sql = format!(
                    "SELECT CAST(GET_LOCK({MYSQL_MIGRATION_LOCK}, {seconds}) AS CHAR) AS taken"
                );
                Ok(query_text(db, &sql).await?.as_deref() == Some("1"))
            }
            // Each attempt waits up to the busy timeout (`database_acquire_timeout_secs`).
            DbBackend::Sqlite => match db.execute_unprepared("BEGIN IMMEDIATE").await {
                Ok(_) => Ok(true),
                Err(err) if is_sqlite_busy(&err) => Ok(false),
                Err(err) => Err(err.into()),
            },
        }
    }

    /// The locked connection: run the migrations through it.
    pub fn conn(&self) -> &Db {
        &self.conn
    }

    /// Let the next node in. On SQLite the run's transaction commits (or, after a failure,
    /// rolls back); elsewhere each statement committed on its own and closing frees the lock.
    pub async fn release(self, succeeded: bool) -> anyhow::Result<()> {
        let ended = match self.backend {
            DbBackend::Sqlite => self
                .conn
                .execute_unprepared(if succeeded { "COMMIT" } else { "ROLLBACK" })
                .await
                .map(|_| ())
                .context("committing the migrations"),
            _ => Ok(()),
        };
        self.close().await;
        ended
    }

    async fn close(self) {
        if let Err(err) = self.conn.close().await {
            tracing::warn!(error = %err, "closing the migration connection");
        }
    }
}

/// A pool of exactly one connection, opened with the options of `db`'s pool, so that session
/// state (a lock, a transaction) holds for every statement sent through it.
async fn one_connection(db: &Db) -> anyhow::Result<Db> {
    let conn = match db {
        DatabaseConnection::SqlxPostgresPoolConnection(_) => {
            let options = db.get_postgres_connection_pool().connect_options();
            let pool = single(PgPoolOptions::new())
                .connect_with((*options).clone())
                .await?;
            SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
        }
        DatabaseConnection::SqlxMySqlPoolConnection(_) => {
            let options = db.get_mysql_connection_pool().connect_options();
            let pool = single(MySqlPoolOptions::new())
                .connect_with((*options).clone())
                .await?;
            SqlxMySqlConnector::from_sqlx_mysql_pool(pool)
        }
        DatabaseConnection::SqlxSqlitePoolConnection(_) => {
            let options = db.get_sqlite_connection_pool().connect_options();
            let pool = single(SqlitePoolOptions::new())
                .connect_with((*options).clone())
                .await?;
            SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
        }
        _ => anyhow::bail!("no database connection"),
    };
    Ok(conn)
}

/// One connection, never closed for age or idleness while the lock is held.
fn single<DB: sqlx::Database>(options: sqlx::pool::PoolOptions<DB>) -> sqlx::pool::PoolOptions<DB> {
    options
        .max_connections(1)
        .min_connections(0)
        .idle_timeout(None)
        .max_lifetime(None)
}

async fn query_text(db: &Db, sql: &str) -> Result<Option<String>, sea_orm::DbErr> {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    match row {
        Some(row) => row.try_get::<Option<String>>("", "taken"),
        None => Ok(None),
    }
}

/// SQLITE_BUSY, or one of its extended codes (which keep 5 in their low byte).
fn is_sqlite_busy(err: &sea_orm::DbErr) -> bool {
    database_error(err).is_some_and(|db| sqlite_primary_code(db) == Some(5))
}

/// True when the database gave up a statement or a commit because of a concurrent transaction
/// (a deadlock, a serialization failure, a busy or locked SQLite file): the work did not happen
/// and may be retried as a whole. Decided by the error's code, never its text.
pub fn is_lock_conflict(err: &sea_orm::DbErr) -> bool {
    let Some(db) = database_error(err) else {
        return false;
    };
    match db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
        // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes.
        Some(_) => matches!(sqlite_primary_code(db), Some(5 | 6)),
        // PostgreSQL: deadlock_detected, serialization_failure. MySQL and MariaDB report a
        // deadlock (1213) as SQLSTATE 40001 as well.
        None => matches!(db.code().as_deref(), Some("40P01" | "40001")),
    }
}

fn database_error(err: &sea_orm::DbErr) -> Option<&(dyn sqlx::error::DatabaseError + 'static)> {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(sqlx::Error::Database(db)))
        | DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::Database(db))) => Some(db.as_ref()),
        _ => None,
    }
}

fn sqlite_primary_code(db: &(dyn sqlx::error::DatabaseError + 'static)) -> Option<i32> {
    db.code()
        .and_then(|code| code.parse::<i32>().ok())
        .map(|code| code & 0xff)
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

#[cfg(test)]
mod tests {
    use crate::config::assert_refused;

    #[test]
    fn bad_values_name_their_key() {
        assert_refused(
            |r| r.database.database_url = "oracle://x".into(),
            "MINIBASE_DATABASE_URL",
        );
        assert_refused(
            |r| r.database.database_max_connections = 0,
            "MINIBASE_DATABASE_MAX_CONNECTIONS",
        );
        assert_refused(
            |r| r.database.database_replica_url = Some("postgres://replica/db".into()),
            "MINIBASE_DATABASE_REPLICA_URL",
        );
        assert_refused(
            |r| {
                r.database.database_url = "postgres://primary/db".into();
                r.database.database_replica_url = Some("mysql://replica/db".into());
            },
            "MINIBASE_DATABASE_REPLICA_URL",
        );
        assert_refused(
            |r| {
                r.database.database_url = "postgres://primary/db".into();
                r.database.database_replica_url = Some("postgres://replica/db".into());
                r.database.database_replica_max_lag_ms = 0;
            },
            "MINIBASE_DATABASE_REPLICA_MAX_LAG_MS",
        );
    }
}
