//! Health endpoints and migrations on every database backend, and readiness when Redis goes away.

mod common;

use common::proxy::TcpProxy;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_redis_when_it_is_down() {
    let test = "readyz_names_redis_when_it_is_down";
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let target = url::Url::parse(&redis_url).unwrap();
    let target = format!(
        "{}:{}",
        target.host_str().unwrap_or("127.0.0.1"),
        target.port().unwrap_or(6379)
    );
    let target = tokio::net::lookup_host(target)
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = TcpProxy::start(target).await;
    let proxied = format!("redis://{}", proxy.addr);
    let app = TestApp::spawn_with(Backend::Sqlite, test, |raw| raw.redis_url = Some(proxied))
        .await
        .unwrap();
    assert_eq!(app.get("/readyz").await.assert_ok(200)["redis"], "ok");
    proxy.cut();
    let reply = app.get("/readyz").await;
    reply.assert_error(503, 50300);
    assert!(
        reply.json["message"].as_str().unwrap().contains("redis"),
        "{}",
        reply.text
    );
    // The process itself is still alive.
    assert_eq!(app.get("/healthz").await.status, 200);
    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(recovered, "readyz recovers when Redis returns");
}
