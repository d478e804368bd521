//! `store::db::is_lock_conflict` on real databases: a real deadlock (PostgreSQL, MySQL) and a
//! real busy file (SQLite) are conflicts a caller may retry; a duplicate key is not.

mod common;

use std::time::Duration;

use common::{Backend, TestDatabase};
use minibase::config::{DatabaseBackend, DatabaseConfig};
use minibase::store::db::{is_lock_conflict, Db};
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};

async fn pool(database: &TestDatabase, backend: Backend, connections: u32) -> Db {
    let config = DatabaseConfig {
        url: database.url.clone(),
        backend: match backend {
            Backend::Sqlite => DatabaseBackend::Sqlite,
            Backend::Postgres => DatabaseBackend::Postgres,
            Backend::MySql => DatabaseBackend::MySql,
        },
        max_connections: connections,
        min_connections: 0,
        connect_timeout: Duration::from_secs(10),
        // Also SQLite's busy timeout: a blocked writer gives up quickly.
        acquire_timeout: Duration::from_millis(200),
        idle_timeout: Duration::from_secs(60),
    };
    minibase::store::db::connect(&config)
        .await
        .expect("connect to the test database")
}

async fn seed(db: &Db) {
    db.execute_unprepared("CREATE TABLE pair (id INT PRIMARY KEY, n INT NOT NULL)")
        .await
        .expect("create table");
    db.execute_unprepared("INSERT INTO pair (id, n) VALUES (1, 0), (2, 0)")
        .await
        .expect("seed rows");
}

/// Two transactions lock the two rows in opposite orders; the database breaks the circle by
/// failing one of them.
async fn deadlock(backend: Backend, test: &str) {
    let Some(database) = TestDatabase::create(backend, test).await else {
        return;
    };
    let db = pool(&database, backend, 2).await;
    seed(&db).await;

    let first = db.begin().await.expect("begin");
    let second = db.begin().await.expect("begin");
    first
        .execute_unprepared("UPDATE pair SET n = n + 1 WHERE id = 1")
        .await
        .expect("lock row 1");
    second
        .execute_unprepared("UPDATE pair SET n = n + 1 WHERE id = 2")
        .await
        .expect("lock row 2");
    // Each side ends its transaction itself: a PostgreSQL victim keeps its locks until it
    // rolls back, and the survivor finishes only then.
    let cross = |txn: sea_orm::DatabaseTransaction, id: i32| async move {
        let result = txn
            .execute_unprepared(&format!("UPDATE pair SET n = n + 1 WHERE id = {id}"))
            .await;
        match result {
            Ok(_) => txn.commit().await.map(|_| ()),
            Err(err) => {
                txn.rollback().await.expect("rollback the victim");
                Err(err)
            }
        }
    };
    let crossing = tokio::spawn(cross(first, 2));
    // Let the first transaction queue on row 2 before the second closes the circle.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let closing = tokio::spawn(cross(second, 1));
    let results = [crossing.await.expect("join"), closing.await.expect("join")];
    let failures: Vec<&DbErr> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(
        failures.len(),
        1,
        "exactly one side is chosen: {failures:?}"
    );
    assert!(is_lock_conflict(failures[0]), "{:?}", failures[0]);

    let duplicate = db
        .execute_unprepared("INSERT INTO pair (id, n) VALUES (1, 0)")
        .await
        .expect_err("a duplicate key");
    assert!(!is_lock_conflict(&duplicate), "{duplicate:?}");
}

#[tokio::test]
async fn postgres_deadlock_is_a_lock_conflict() {
    deadlock(Backend::Postgres, "postgres_deadlock_is_a_lock_conflict").await;
}

#[tokio::test]
async fn mysql_deadlock_is_a_lock_conflict() {
    deadlock(Backend::MySql, "mysql_deadlock_is_a_lock_conflict").await;
}

#[tokio::test]
async fn sqlite_busy_file_is_a_lock_conflict() {
    let Some(database) = TestDatabase::create(Backend::Sqlite, "sqlite_busy").await else {
        return;
    };
    let holder = pool(&database, Backend::Sqlite, 1).await;
    seed(&holder).await;
    let other = pool(&database, Backend::Sqlite, 1).await;

    let writing = holder.begin().await.expect("begin");
    writing
        .execute_unprepared("UPDATE pair SET n = n + 1 WHERE id = 1")
        .await
        .expect("take the write lock");
    let busy = other
        .execute_unprepared("UPDATE pair SET n = n + 1 WHERE id = 2")
        .await
        .expect_err("the file is locked by the other writer");
    assert!(is_lock_conflict(&busy), "{busy:?}");
    writing.rollback().await.expect("rollback");

    let duplicate = other
        .execute_unprepared("INSERT INTO pair (id, n) VALUES (1, 0)")
        .await
        .expect_err("a duplicate key");
    assert!(!is_lock_conflict(&duplicate), "{duplicate:?}");
}
