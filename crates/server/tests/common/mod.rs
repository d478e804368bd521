//! Shared test harness: the real server on an ephemeral port over a fresh database on SQLite,
//! PostgreSQL or MySQL, reached over real HTTP.
#![allow(dead_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use minibase::app;
use minibase::config::RawConfig;
use minibase::state::AppState;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub mod process;
pub mod proxy;
pub mod redis_cluster;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

/// Tell the person running the tests, past the test harness's output capture, that a test did
/// not run.
pub fn say_skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED {test}: {why} ***");
}

/// The Redis URL for tests, or None (after a loud skip message) when it is not set.
pub fn redis_url(test: &str) -> Option<String> {
    match std::env::var("MINIBASE_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            say_skipped(test, "MINIBASE_TEST_REDIS_URL is not set");
            None
        }
    }
}

/// A fresh, empty database for one test; dropped (best effort) when the test ends.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    admin_url: Option<String>,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn create(backend: Backend, test: &str) -> Option<Self> {
        let name = format!("mbt_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/minibase.db", dir.path().display());
                Some(Self {
                    url,
                    backend,
                    admin_url: None,
                    name,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres | Backend::MySql => {
                let var = if backend == Backend::Postgres {
                    "MINIBASE_TEST_POSTGRES_URL"
                } else {
                    "MINIBASE_TEST_MYSQL_URL"
                };
                let admin_url = match std::env::var(var) {
                    Ok(url) if !url.is_empty() => url,
                    _ => {
                        say_skipped(test, &format!("{var} is not set"));
                        return None;
                    }
                };
                let mut url = url::Url::parse(&admin_url).expect("test database URL");
                url.set_path(&format!("/{name}"));
                run_admin(backend, &admin_url, &format!("CREATE DATABASE {name}")).await;
                Some(Self {
                    url: url.to_string(),
                    backend,
                    admin_url: Some(admin_url),
                    name,
                    _dir: None,
                })
            }
        }
    }
}

impl TestDatabase {
    /// A database with every migration applied, which is what a node starting on it would make.
    /// PostgreSQL clones a template migrated once per schema (`CREATE DATABASE .. TEMPLATE`) and
    /// SQLite copies a file migrated once per test process, instead of running every migration
    /// for every test. MySQL has no templates: the node applies the migrations as in production.
    pub async fn create_migrated(backend: Backend, test: &str) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let db = Self::create(backend, test).await?;
                let template = sqlite_template().await;
                let target = db.url.trim_start_matches("sqlite://");
                std::fs::copy(template, target).expect("copy the SQLite template");
                Some(db)
            }
            Backend::Postgres => {
                let admin_url = match std::env::var("MINIBASE_TEST_POSTGRES_URL") {
                    Ok(url) if !url.is_empty() => url,
                    _ => {
                        say_skipped(test, "MINIBASE_TEST_POSTGRES_URL is not set");
                        return None;
                    }
                };
                let template = postgres_template(&admin_url).await;
                let name = format!("mbt_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
                let mut url = url::Url::parse(&admin_url).expect("test database URL");
                url.set_path(&format!("/{name}"));
                run_admin(
                    backend,
                    &admin_url,
                    &format!("CREATE DATABASE {name} TEMPLATE {template}"),
                )
                .await;
                Some(Self {
                    url: url.to_string(),
                    backend,
                    admin_url: Some(admin_url),
                    name,
                    _dir: None,
                })
            }
            Backend::MySql => Self::create(backend, test).await,
        }
    }
}

/// Names the schema the migrations make, so that a template made for other migrations is never
/// used. (A migration edited under the same name needs its templates dropped: `.ci/run` and
/// `DROP DATABASE mbt_tpl_...` do that.)
fn schema_key() -> String {
    use sea_orm_migration::MigratorTrait;
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in minibase::store::migrations::Migrator::migrations() {
        migration.name().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

async fn migrate_url(url: &str) {
    let config = test_config(url).validate().expect("valid test config");
    let db = minibase::store::db::connect(&config.database)
        .await
        .expect("connect to the template database");
    minibase::store::db::migrate(&db)
        .await
        .expect("migrate the template database");
    db.close().await.expect("close the template database");
}

/// The SQLite file every test of this process copies; migrated on first use.
async fn sqlite_template() -> &'static std::path::Path {
    static TEMPLATE: tokio::sync::OnceCell<tempfile::TempDir> = tokio::sync::OnceCell::const_new();
    let dir = TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("temp dir");
            migrate_url(&format!("sqlite://{}/minibase.db", dir.path().display())).await;
            dir
        })
        .await;
    // Closing the pool checkpointed the WAL into the file, which now holds everything.
    Box::leak(dir.path().join("minibase.db").into_boxed_path())
}

/// The name of a migrated PostgreSQL template database, made once per schema on the test
/// server and shared by every test process after it (under an advisory lock, renamed into place
/// only when complete).
async fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            use sqlx::Connection;
            let name = format!("mbt_tpl_{}", schema_key());
            let mut admin = sqlx::PgConnection::connect(admin_url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
                .bind(&name)
                .execute(&mut admin)
                .await
                .expect("template lock");
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .expect("look for the template");
            if !exists {
                let building = format!("{name}_new");
                let drop = format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)");
                sqlx::raw_sql(&drop).execute(&mut admin).await.expect(&drop);
                let create = format!("CREATE DATABASE {building}");
                sqlx::raw_sql(&create)
                    .execute(&mut admin)
                    .await
                    .expect(&create);
                let mut url = url::Url::parse(admin_url).expect("test database URL");
                url.set_path(&format!("/{building}"));
                migrate_url(url.as_str()).await;
                let rename = format!("ALTER DATABASE {building} RENAME TO {name}");
                sqlx::raw_sql(&rename)
                    .execute(&mut admin)
                    .await
                    .expect(&rename);
            }
            let _ = sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
                .bind(&name)
                .execute(&mut admin)
                .await;
            name
        })
        .await
        .clone()
}

async fn run_admin(backend: Backend, admin_url: &str, sql: &str) {
    use sqlx::Connection;
    match backend {
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(admin_url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
        }
        Backend::MySql => {
            let mut conn = sqlx::MySqlConnection::connect(admin_url)
                .await
                .expect("connect to MySQL");
            sqlx::raw_sql(sql).execute(&mut conn).await.expect(sql);
        }
        Backend::Sqlite => {}
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.clone() else {
            return;
        };
        let backend = self.backend;
        let sql = match backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            _ => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        // Drop cannot await; a short-lived runtime on its own thread does the clean-up.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(10),
                        run_admin(backend, &admin_url, &sql),
                    )
                    .await;
                });
            }
        })
        .join();
    }
}

/// Configuration for a test node: ephemeral port, quiet, fast timeouts.
pub fn test_config(database_url: &str) -> RawConfig {
    let mut raw = RawConfig {
        listen: "127.0.0.1:0".into(),
        log_level: "warn".into(),
        shutdown_timeout_secs: 5,
        ..RawConfig::default()
    };
    raw.database.database_url = database_url.into();
    raw.database.database_max_connections = 5;
    // Posts are published (or refused) as the request waits, so tests that are not about the
    // background check see them at once; tests/post_checks.rs covers the default (async).
    raw.community.content_check = "sync".into();
    // Uploads go to a temporary folder, never into the source tree.
    raw.files.files_dir = std::env::temp_dir()
        .join(format!("minibase-test-files-{}", std::process::id()))
        .display()
        .to_string();
    raw
}

/// A running server.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _db: Option<Arc<TestDatabase>>,
}

impl TestApp {
    /// The real app on a fresh database; None when the backend is not available (skipped).
    pub async fn spawn(backend: Backend, test: &str) -> Option<Self> {
        Self::spawn_with(backend, test, |_| {}).await
    }

    pub async fn spawn_with(
        backend: Backend,
        test: &str,
        configure: impl FnOnce(&mut RawConfig),
    ) -> Option<Self> {
        let db = Arc::new(TestDatabase::create_migrated(backend, test).await?);
        let mut raw = test_config(&db.url);
        configure(&mut raw);
        Some(Self::start(raw, backend, Some(db), |routes| routes).await)
    }

    /// Start a node with `raw` and extra test-only routes behind the real middleware stack.
    pub async fn start(
        raw: RawConfig,
        backend: Backend,
        db: Option<Arc<TestDatabase>>,
        extra: impl FnOnce(Router<AppState>) -> Router<AppState>,
    ) -> Self {
        init_test_logging();
        let mut config = raw.validate().expect("valid test config");
        let listener = TcpListener::bind(config.http.listen).await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        config.set_bound_addr(addr);
        let state = AppState::connect(config).await.expect("app state");
        let routes = extra(app::routes());
        let router = app::with_middleware(routes, state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app::serve(listener, router, state.clone(), async move {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self {
            addr,
            base: format!("http://{addr}"),
            client,
            state,
            backend,
            shutdown: Some(tx),
            server: Some(server),
            _db: db,
        }
    }

    /// The database this node runs on, to start another node on the same one.
    pub fn database(&self) -> Option<Arc<TestDatabase>> {
        self._db.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::from(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Reply {
        Reply::from(
            self.client
                .get(self.url(path))
                .bearer_auth(token)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        Reply::from(
            self.client
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Reply::from(request.send().await.expect("request")).await
    }

    /// Trigger graceful shutdown and wait for the server task to end.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.server.take() {
            Some(handle) => handle.await?,
            None => Ok(()),
        }
    }

    pub fn begin_shutdown(&mut self) -> Option<tokio::task::JoinHandle<anyhow::Result<()>>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.server.take()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// An admin-console account with `role` and its token.
pub async fn staff_token(app: &TestApp, role: minibase::users::model::Role) -> String {
    let name = format!("staff-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    minibase::auth::service::create_admin(&app.state.db, &name, "correct horse battery", role)
        .await
        .expect("create admin");
    let reply = app
        .post_json(
            "/api/v1/admin/auth/login",
            &serde_json::json!({"username": name, "password": "correct horse battery"}),
        )
        .await;
    reply.assert_ok(200)["token"]
        .as_str()
        .expect("token")
        .to_string()
}

/// A response read whole: status, headers and JSON body (Null when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> i64 {
        self.json["code"].as_i64().unwrap_or(-1)
    }

    pub fn data(&self) -> &Value {
        &self.json["data"]
    }

    /// Assert an error envelope: status, code, null data, and a request id equal to the header.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: i64) {
        assert_eq!(self.status, status, "status; body: {}", self.text);
        assert_eq!(self.code(), code, "code; body: {}", self.text);
        assert!(
            self.json["data"].is_null(),
            "error data must be null: {}",
            self.text
        );
        assert!(
            self.json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "message: {}",
            self.text
        );
        let id = self.json["request_id"]
            .as_str()
            .expect("request_id in error body");
        assert!(!id.is_empty(), "request_id empty");
        assert_eq!(
            Some(id),
            self.header("x-request-id"),
            "request_id matches the header"
        );
    }

    /// Assert a success envelope and return its data.
    #[track_caller]
    pub fn assert_ok(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "status; body: {}", self.text);
        assert_eq!(self.code(), 0, "code; body: {}", self.text);
        assert_eq!(self.json["message"], "ok", "message; body: {}", self.text);
        assert!(self.header("x-request-id").is_some(), "X-Request-Id header");
        &self.json["data"]
    }
}

fn init_test_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("MINIBASE_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}

/// Generate one test per backend from `async fn name(backend: Backend, test: &str)`.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Backend::Sqlite, concat!(stringify!($name), " (sqlite)")).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Backend::Postgres, concat!(stringify!($name), " (postgres)")).await })*
        }
        mod mysql {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::common::Backend::MySql, concat!(stringify!($name), " (mysql)")).await })*
        }
    };
}
