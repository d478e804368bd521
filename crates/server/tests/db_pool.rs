//! The PostgreSQL pool's round trips, watched on the wire through a proxy. A query that ended
//! cleanly goes back to the pool without sqlx's ping (the patched sqlx-postgres in vendor/);
//! a dropped transaction and a connection the server closed still get one, which rolls the
//! transaction back at once and retires the dead connection.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::proxy::TcpProxy;
use common::{Backend, TestDatabase};
use minibase::config::{DatabaseBackend, DatabaseConfig};
use minibase::store::db::Db;
use sea_orm::{ConnectionTrait, DbErr, Statement, TransactionTrait};
use sqlx::Connection;

/// A one-connection pool over a fresh database, through a recording proxy.
async fn pool_through_proxy(test: &str) -> Option<(TestDatabase, TcpProxy, Db)> {
    let database = TestDatabase::create(Backend::Postgres, test).await?;
    let mut url = url::Url::parse(&database.url).expect("database URL");
    let target: SocketAddr = format!(
        "{}:{}",
        url.host_str().expect("database host"),
        url.port().unwrap_or(5432)
    )
    .parse()
    .expect("the test database's address is an IP address");
    let proxy = TcpProxy::recording(target).await;
    url.set_host(Some("127.0.0.1")).expect("host");
    url.set_port(Some(proxy.addr.port())).expect("port");
    // In the clear, so that the proxy sees the protocol's messages.
    url.query_pairs_mut().append_pair("sslmode", "disable");
    let config = DatabaseConfig {
        url: url.to_string(),
        backend: DatabaseBackend::Postgres,
        max_connections: 1,
        min_connections: 0,
        connect_timeout: Duration::from_secs(10),
        acquire_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
    };
    let db = minibase::store::db::connect(&config)
        .await
        .expect("connect through the proxy");
    Some((database, proxy, db))
}

/// A session of its own on the test database, not through the proxy or the pool.
async fn other_session(database: &TestDatabase) -> sqlx::PgConnection {
    sqlx::PgConnection::connect(&database.url)
        .await
        .expect("connect directly")
}

async fn select_one(db: &Db) -> Result<(), DbErr> {
    db.query_one(Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT 1",
    ))
    .await
    .map(|_| ())
}

/// The types of the frontend messages in what one client sent, after its startup message.
fn message_types(sent: &[u8]) -> Vec<u8> {
    let length = |at: usize| -> usize {
        let bytes: [u8; 4] = sent[at..at + 4].try_into().expect("4 bytes");
        u32::from_be_bytes(bytes) as usize
    };
    // The startup message, and the SSL or GSS encryption requests that may come before it,
    // have no type byte; their length counts itself.
    const ENCRYPTION_REQUESTS: [usize; 2] = [80877103, 80877104];
    let mut at = 0;
    while ENCRYPTION_REQUESTS.contains(&length(at + 4)) {
        at += length(at);
    }
    at += length(at);
    let mut types = Vec::new();
    while at + 5 <= sent.len() {
        types.push(sent[at]);
        at += 1 + length(at + 1);
    }
    types
}

/// sqlx's ping is a Sync sent on its own: after the Sync that ended the previous exchange, or
/// after a simple query (a queued ROLLBACK). The Sync that ends each prepared query follows
/// its Execute or Describe.
fn pings(types: &[u8]) -> usize {
    types
        .windows(2)
        .filter(|pair| pair[1] == b'S' && matches!(pair[0], b'S' | b'Q'))
        .count()
}

fn shown(types: &[u8]) -> String {
    String::from_utf8_lossy(types).into_owned()
}

/// Give the pool's release task (spawned when a connection is dropped) time to run.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn postgres_a_query_that_ends_cleanly_is_not_followed_by_a_ping() {
    let Some((_database, proxy, db)) =
        pool_through_proxy("postgres_a_query_that_ends_cleanly_is_not_followed_by_a_ping").await
    else {
        return;
    };
    for _ in 0..5 {
        select_one(&db).await.expect("SELECT 1");
    }
    settle().await;
    let sent = proxy.sent();
    assert_eq!(sent.len(), 1, "one connection");
    let types = message_types(&sent[0]);
    let executes = types.iter().filter(|t| **t == b'E').count();
    assert_eq!(executes, 5, "five executions: {}", shown(&types));
    assert_eq!(
        pings(&types),
        0,
        "no ping after a clean query: {}",
        shown(&types)
    );
}

#[tokio::test]
async fn postgres_a_dropped_transaction_is_rolled_back_on_release() {
    let Some((database, proxy, db)) =
        pool_through_proxy("postgres_a_dropped_transaction_is_rolled_back_on_release").await
    else {
        return;
    };
    let txn = db.begin().await.expect("begin");
    txn.execute(Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        "CREATE TABLE held (id INT)",
    ))
    .await
    .expect("create inside the transaction");
    drop(txn);
    settle().await;

    let types = message_types(&proxy.sent()[0]);
    let last_query = types.iter().rposition(|t| *t == b'Q').expect("a ROLLBACK");
    assert_eq!(
        types.get(last_query + 1),
        Some(&b'S'),
        "the ROLLBACK is flushed by a ping: {}",
        shown(&types)
    );
    // Seen from another session: nothing is left open, and nothing was kept.
    let mut other = other_session(&database).await;
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&mut other)
    .await
    .expect("pg_stat_activity");
    assert_eq!(open, 0, "no session idles in a transaction");
    let kept: Option<String> = sqlx::query_scalar("SELECT to_regclass('held')::text")
        .fetch_one(&mut other)
        .await
        .expect("to_regclass");
    assert_eq!(kept, None, "the table was rolled back");
}

#[tokio::test]
async fn postgres_a_connection_the_server_closed_is_replaced() {
    let Some((database, _proxy, db)) =
        pool_through_proxy("postgres_a_connection_the_server_closed_is_replaced").await
    else {
        return;
    };
    select_one(&db).await.expect("SELECT 1");
    settle().await;
    let mut other = other_session(&database).await;
    let pids: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut other)
    .await
    .expect("the pool's backend");
    assert_eq!(pids.len(), 1, "the pool holds one connection");
    let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pids[0])
        .fetch_one(&mut other)
        .await
        .expect("terminate the pool's backend");
    assert!(ended, "the pool's backend was ended");
    settle().await;

    // The first use meets the closed connection and may fail; the failure is followed by a real
    // ping, which fails too, so the connection is dropped and the next query opens a new one.
    let _ = select_one(&db).await;
    settle().await;
    for attempt in 0..3 {
        select_one(&db)
            .await
            .unwrap_or_else(|e| panic!("query {attempt} after the reconnect: {e}"));
    }
}
