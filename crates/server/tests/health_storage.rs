//! Health endpoints and migrations on every database backend, and readiness when Redis goes away.

mod common;

use std::time::{Duration, Instant};

use common::proxy::{self, TcpProxy};
use common::{Backend, TestApp};
use sea_orm::{ConnectionTrait, Statement};

async fn readyz_reports_database(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let reply = app.get("/readyz").await;
    let data = reply.assert_ok(200);
    assert_eq!(data["database"], "ok");
    assert_eq!(data["redis"], "not configured");
    let alive = app.get("/healthz").await;
    assert_eq!(alive.assert_ok(200)["status"], "ok");
}

async fn migrations_create_the_schema_once(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let db = &app.state.db;
    // Applying again is a no-op.
    minibase::store::db::migrate(db)
        .await
        .expect("second migrate");
    let (applied, pending) = minibase::store::db::migration_status(db).await.unwrap();
    assert!(pending.is_empty(), "pending: {pending:?}");
    assert!(
        applied.iter().any(|m| m.contains("users")),
        "applied: {applied:?}"
    );
    // The users table exists and enforces a unique openid.
    let backend_kind = db.get_database_backend();
    let insert = |openid: &str| {
        Statement::from_sql_and_values(
            backend_kind,
            match backend_kind {
                sea_orm::DatabaseBackend::Postgres => {
                    "INSERT INTO users (openid, created_at, updated_at) VALUES ($1, $2, $2)"
                }
                _ => "INSERT INTO users (openid, created_at, updated_at) VALUES (?, ?, ?)",
            },
            match backend_kind {
                sea_orm::DatabaseBackend::Postgres => {
                    vec![openid.into(), chrono::Utc::now().into()]
                }
                _ => vec![
                    openid.into(),
                    chrono::Utc::now().into(),
                    chrono::Utc::now().into(),
                ],
            },
        )
    };
    db.execute(insert("o-1")).await.expect("insert");
    assert!(
        db.execute(insert("o-1")).await.is_err(),
        "duplicate openid refused"
    );
}

on_every_backend!(readyz_reports_database, migrations_create_the_schema_once);

/// Probes commonly give up after 1 s: a dependency that stopped answering must be named before.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// GET /readyz, with how long the answer took.
async fn timed_readyz(app: &TestApp) -> (common::Reply, Duration) {
    let started = Instant::now();
    let reply = app.get("/readyz").await;
    (reply, started.elapsed())
}

async fn readyz_recovers(app: &TestApp, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = app.get("/readyz").await;
        if reply.status == 200 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "readyz did not recover when {what} returned: {}",
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_redis_when_it_is_down() {
    let test = "readyz_names_redis_when_it_is_down";
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let (proxy, proxied) = proxy::in_front_of(&redis_url).await;
    let app = TestApp::spawn_with(Backend::Sqlite, test, |raw| raw.redis_url = Some(proxied))
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.assert_ok(200)["redis"], "ok");
    for (outage, stop) in [
        ("refused", TcpProxy::cut as fn(&TcpProxy)),
        ("not answering", TcpProxy::stall),
    ] {
        stop(&proxy);
        // The first check finds the pooled connection broken; the later ones need a new one.
        for attempt in 0..3 {
            let (reply, took) = timed_readyz(&app).await;
            reply.assert_error(503, 50300);
            assert!(
                reply.json["message"].as_str().unwrap().contains("redis"),
                "{outage}: {}",
                reply.text
            );
            assert!(
                took < PROBE_TIMEOUT,
                "{outage}, check {attempt}: readyz took {took:?}"
            );
        }
        // The process itself is still alive.
        assert_eq!(app.get("/healthz").await.status, 200);
        proxy.restore();
        readyz_recovers(&app, "Redis").await;
    }
}

/// A database that stops answering is named within a probe's timeout, not after the pool's
/// acquire timeout (5 s here), and readiness comes back with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_the_database_within_a_probe_timeout() {
    let test = "readyz_names_the_database_within_a_probe_timeout";
    let Some(db) = common::TestDatabase::create(Backend::Postgres, test).await else {
        return;
    };
    let db = std::sync::Arc::new(db);
    let (proxy, proxied) = proxy::in_front_of(&db.url).await;
    let mut raw = common::test_config(&proxied);
    raw.database.database_acquire_timeout_secs = 5;
    let app = TestApp::start(raw, Backend::Postgres, Some(db), |routes| routes).await;
    assert_eq!(app.get("/readyz").await.assert_ok(200)["database"], "ok");
    for (outage, stop) in [
        ("refused", TcpProxy::cut as fn(&TcpProxy)),
        ("not answering", TcpProxy::stall),
    ] {
        stop(&proxy);
        // The first check finds the pooled connection broken; the later ones need a new one.
        for attempt in 0..3 {
            let (reply, took) = timed_readyz(&app).await;
            reply.assert_error(503, 50300);
            assert!(
                reply.json["message"].as_str().unwrap().contains("database"),
                "{outage}: {}",
                reply.text
            );
            assert!(
                took < PROBE_TIMEOUT,
                "{outage}, check {attempt}: readyz took {took:?}"
            );
        }
        proxy.restore();
        readyz_recovers(&app, "the database").await;
    }
}
