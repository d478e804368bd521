//! Faults an operator meets, against real processes and real services, each checked by what a
//! client sees and by what the database holds afterwards: several nodes starting at once on an
//! empty database, a node killed with SIGKILL in the middle of writes, the database cut away
//! from a running node, Redis restarted under one.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::process::{minibase, Node};
use common::proxy;
use common::{Backend, Reply, TestApp, TestDatabase};
use sea_orm_migration::MigratorTrait;
use serde_json::{json, Value};

/// A 503 must come quickly: well before a client (or a mini-program's `wx.request`) gives up.
const QUICK: Duration = Duration::from_secs(2);

/// `request`'s answer, after checking that it came within [`QUICK`].
async fn quickly(what: &str, request: impl std::future::Future<Output = Reply>) -> Reply {
    let started = Instant::now();
    let reply = request.await;
    let took = started.elapsed();
    assert!(took < QUICK, "{what} took {took:?}: {}", reply.text);
    reply
}

/// Poll `check` every 200 ms until it returns Some, or fail after `limit` saying `what`.
async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

async fn post_json(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> Reply {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Reply::from(request.send().await.expect("request")).await
}

// ---------------------------------------------------------------------------------------------
// Several nodes starting at once

/// Three nodes (and `minibase migrate`) started together on an empty database: all come up and
/// serve, and the schema is applied once (before migrations ran under a lock, two of three exited with a duplicate key in
/// PostgreSQL's catalog).
async fn three_nodes_start_at_once_on_an_empty_database(backend: Backend, test: &str) {
    let Some(db) = TestDatabase::create(backend, test).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let env = [("MINIBASE_DATABASE_URL", db.url.clone())];
    let starting: Vec<_> = (0..3).map(|_| Node::spawn(dir.path(), &env)).collect();
    // And an operator's `minibase migrate` at the same moment.
    let migrate = minibase(dir.path())
        .arg("migrate")
        .env("MINIBASE_DATABASE_URL", &db.url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let nodes: Vec<Node> = tokio::task::block_in_place(|| {
        let out = migrate.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "minibase migrate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        starting
            .into_iter()
            .enumerate()
            .map(|(i, node)| {
                node.wait()
                    .unwrap_or_else(|failure| panic!("node {i} did not come up: {failure:?}"))
            })
            .collect()
    });
    let client = client();
    for (i, node) in nodes.iter().enumerate() {
        let ready = Reply::from(client.get(node.url("/readyz")).send().await.unwrap()).await;
        assert_eq!(ready.assert_ok(200)["database"], "ok");
        let login = post_json(
            &client,
            node.url("/api/v1/auth/login"),
            None,
            json!({"code": format!("node-{i}")}),
        )
        .await;
        login.assert_ok(200);
    }
    // One applied schema: every migration recorded once, none pending.
    let out = tokio::task::block_in_place(|| {
        minibase(dir.path())
            .args(["migrate", "--status"])
            .env("MINIBASE_DATABASE_URL", &db.url)
            .output()
            .unwrap()
    });
    let text = String::from_utf8_lossy(&out.stdout);
    let applied: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("applied  "))
        .collect();
    let expected: Vec<String> = minibase::store::migrations::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    assert_eq!(applied, expected, "{text}");
    assert!(text.contains(" 0 pending"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_start_at_once_on_an_empty_postgres() {
    three_nodes_start_at_once_on_an_empty_database(
        Backend::Postgres,
        "three_nodes_start_at_once_on_an_empty_postgres",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_start_at_once_on_an_empty_mariadb() {
    three_nodes_start_at_once_on_an_empty_database(
        Backend::MySql,
        "three_nodes_start_at_once_on_an_empty_mariadb",
    )
    .await;
}

/// `minibase migrate` run three times at once on one fresh SQLite file: SQLite's write lock,
/// taken for the whole run, lets one apply the migrations and the others find none pending.
#[test]
fn three_migrate_commands_at_once_on_one_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/shared.db", dir.path().display());
    let runs: Vec<_> = (0..3)
        .map(|_| {
            minibase(dir.path())
                .arg("migrate")
                .env("MINIBASE_DATABASE_URL", &url)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains(" 0 pending"));
    }
}

/// A SQLite writer holding the file longer than the busy timeout does not make `migrate` fail:
/// it keeps waiting, and applies the migrations once the file is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_waits_out_a_long_sqlite_write_lock() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/busy.db", dir.path().display());
    let options = url
        .parse::<sqlx::sqlite::SqliteConnectOptions>()
        .unwrap()
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let mut holder = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut migrate = minibase(dir.path())
        .arg("migrate")
        .env("MINIBASE_DATABASE_URL", &url)
        .env("MINIBASE_DATABASE_ACQUIRE_TIMEOUT_SECS", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Three busy timeouts go by; it is still waiting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(migrate.try_wait().unwrap().is_none(), "migrate gave up");
    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();
    let out = tokio::task::block_in_place(|| migrate.wait_with_output().unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(" 0 pending"));
}

// ---------------------------------------------------------------------------------------------
// SIGKILL in the middle of writes

/// What clients were told succeeded.
#[derive(Default)]
struct Acknowledged {
    /// (code, refresh token) of each login answered 200.
    logins: Vec<(String, String)>,
    posts: Vec<i64>,
    orders: Vec<i64>,
}

/// One client: log in, post, order, again and again, until the node stops answering.
async fn write_until_killed(
    client: reqwest::Client,
    base: String,
    sale: i64,
    worker: usize,
    acked: Arc<Mutex<Acknowledged>>,
) {
    for round in 0.. {
        let code = format!("w{worker}-{round}");
        let Ok(response) = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "code": code }))
            .send()
            .await
        else {
            return;
        };
        let login = Reply::from(response).await;
        if login.status != 200 {
            continue;
        }
        let token = login.data()["token"].as_str().unwrap().to_string();
        let refresh = login.data()["refresh_token"].as_str().unwrap().to_string();
        acked.lock().unwrap().logins.push((code.clone(), refresh));
        let Ok(response) = client
            .post(format!("{base}/api/v1/posts"))
            .bearer_auth(&token)
            .json(&json!({ "content": format!("written by {code} before the crash") }))
            .send()
            .await
        else {
            return;
        };
        let post = Reply::from(response).await;
        if post.status == 201 {
            let id = post.data()["id"].as_i64().unwrap();
            acked.lock().unwrap().posts.push(id);
        }
        let Ok(response) = client
            .post(format!("{base}/api/v1/flash-sales/{sale}/orders"))
            .bearer_auth(&token)
            .send()
            .await
        else {
            return;
        };
        let order = Reply::from(response).await;
        if order.status == 201 {
            let id = order.data()["order_id"].as_i64().unwrap();
            acked.lock().unwrap().orders.push(id);
        }
    }
}

/// A node killed with SIGKILL while eight clients log in, post and order on PostgreSQL: after a
/// restart, every write that was answered 2xx is there, and the sale's stock adds up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_loses_nothing_acknowledged() {
    let test = "sigkill_during_writes_loses_nothing_acknowledged";
    let Some(db) = TestDatabase::create(Backend::Postgres, test).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("MINIBASE_DATABASE_URL", db.url.clone()),
        ("MINIBASE_LOGIN_RATE_PER_IP", "0".into()),
        ("MINIBASE_LOGIN_RATE_PER_OPENID", "0".into()),
        ("MINIBASE_POSTS_PER_MINUTE", "0".into()),
        ("MINIBASE_FLASH_SALE_ORDER_RATE_PER_USER", "0".into()),
        ("MINIBASE_FLASH_SALE_ORDER_RATE_PER_IP", "0".into()),
    ];
    let created = tokio::task::block_in_place(|| {
        use std::io::Write;
        let mut admin = minibase(dir.path())
            .args(["admin", "create", "--username", "ops", "--password-stdin"])
            .env("MINIBASE_DATABASE_URL", &db.url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        writeln!(admin.stdin.take().unwrap(), "correct horse battery").unwrap();
        admin.wait().unwrap()
    });
    assert!(created.success(), "admin create: {created}");
    let mut node = tokio::task::block_in_place(|| Node::start(dir.path(), &env));
    let client = client();
    let admin = post_json(
        &client,
        node.url("/api/v1/admin/auth/login"),
        None,
        json!({"username": "ops", "password": "correct horse battery"}),
    )
    .await;
    let admin = admin.assert_ok(200)["token"].as_str().unwrap().to_string();
    let product = post_json(
        &client,
        node.url("/api/v1/admin/products"),
        Some(&admin),
        json!({"name": "crash-proof kettle", "price_cents": 9900}),
    )
    .await;
    let product = product.assert_ok(201)["id"].as_i64().unwrap();
    const STOCK: i64 = 100_000;
    let now = chrono::Utc::now();
    let sale = post_json(
        &client,
        node.url("/api/v1/admin/flash-sales"),
        Some(&admin),
        json!({
            "product_id": product, "title": "kill -9 sale", "sale_price_cents": 990,
            "stock": STOCK, "per_user_limit": 5,
            "starts_at": (now - chrono::Duration::seconds(5)).to_rfc3339(),
            "ends_at": (now + chrono::Duration::hours(1)).to_rfc3339(),
        }),
    )
    .await;
    let sale = sale.assert_ok(201)["id"].as_i64().unwrap();

    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            tokio::spawn(write_until_killed(
                client.clone(),
                node.base.clone(),
                sale,
                worker,
                acked.clone(),
            ))
        })
        .collect();
    // Kill it in full flow: once a good number of each write has been answered.
    eventually(Duration::from_secs(120), "writes acknowledged", || {
        let acked = acked.clone();
        async move {
            let acked = acked.lock().unwrap();
            (acked.orders.len() >= 100 && acked.posts.len() >= 100).then_some(())
        }
    })
    .await;
    tokio::task::block_in_place(|| node.kill());
    for worker in workers {
        worker.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());

    let node = tokio::task::block_in_place(|| Node::start(dir.path(), &env));
    // Every acknowledged login is still a live session: its refresh token works.
    for (code, refresh) in &acked.logins {
        let reply = post_json(
            &client,
            node.url("/api/v1/auth/refresh"),
            None,
            json!({ "refresh_token": refresh }),
        )
        .await;
        assert_eq!(reply.status, 200, "login of {code} lost: {}", reply.text);
    }
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let posts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posts WHERE id = ANY($1)")
        .bind(&acked.posts)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(posts, acked.posts.len() as i64, "acknowledged posts lost");
    let orders: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM flash_sale_orders WHERE id = ANY($1)")
            .bind(&acked.orders)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        orders,
        acked.orders.len() as i64,
        "acknowledged orders lost"
    );
    // Nothing half-written: the stock left and the units ordered add up to the stock.
    let (stock_left, sold): (i64, i64) = sqlx::query_as(
        "SELECT s.stock_left::BIGINT, \
         (SELECT COALESCE(SUM(quantity), 0)::BIGINT FROM flash_sale_orders WHERE sale_id = s.id) \
         FROM flash_sales s WHERE s.id = $1",
    )
    .bind(sale)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        stock_left + sold,
        STOCK,
        "stock left {stock_left}, sold {sold}"
    );
    assert!(sold >= acked.orders.len() as i64);
    pool.close().await;
    // And the restarted node serves them.
    for id in acked.posts.iter().take(5) {
        let reply = Reply::from(
            client
                .get(node.url(&format!("/api/v1/posts/{id}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        reply.assert_ok(200);
    }
}

// ---------------------------------------------------------------------------------------------
// The database cut away

/// A node whose database goes away answers 503 envelopes at once, never a 2xx it did not
/// commit, and is back within seconds of the database's return, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_cut_answers_503_quickly_and_recovers() {
    let test = "database_cut_answers_503_quickly_and_recovers";
    let Some(db) = TestDatabase::create(Backend::Postgres, test).await else {
        return;
    };
    let db = Arc::new(db);
    let (proxy, proxied) = proxy::in_front_of(&db.url).await;
    let mut raw = common::test_config(&proxied);
    raw.community.posts_per_minute = 0;
    let app = TestApp::start(raw, Backend::Postgres, Some(db), |routes| routes).await;
    let login = app
        .post_json("/api/v1/auth/login", &json!({"code": "cut"}))
        .await;
    let token = login.assert_ok(200)["token"].as_str().unwrap().to_string();
    let post = |content: String| {
        app.send(
            app.client
                .post(app.url("/api/v1/posts"))
                .bearer_auth(&token)
                .json(&json!({ "content": content })),
        )
    };
    let before = post("before the cut".into()).await.assert_ok(201)["id"]
        .as_i64()
        .unwrap();

    proxy.cut();
    for attempt in 0..3 {
        quickly("a post", post(format!("during the cut {attempt}")))
            .await
            .assert_error(503, 50300);
        let code = json!({"code": format!("cut-{attempt}")});
        quickly("a login", app.post_json("/api/v1/auth/login", &code))
            .await
            .assert_error(503, 50300);
        quickly("readyz", app.get("/readyz"))
            .await
            .assert_error(503, 50300);
    }

    proxy.restore();
    let after = eventually(Duration::from_secs(15), "posting works again", || async {
        let reply = post("after the cut".into()).await;
        (reply.status == 201).then(|| reply.data()["id"].as_i64().unwrap())
    })
    .await;
    app.get("/readyz").await.assert_ok(200);
    for id in [before, after] {
        app.get(&format!("/api/v1/posts/{id}")).await.assert_ok(200);
    }
    // Nothing written during the cut: it was answered 503.
    let mine = app.get_auth("/api/v1/users/me", &token).await;
    let me = mine.assert_ok(200)["id"].as_i64().unwrap();
    let posts = app.get(&format!("/api/v1/users/{me}/posts")).await;
    let items = posts.assert_ok(200)["items"].as_array().unwrap().clone();
    let contents: Vec<&str> = items
        .iter()
        .map(|p| p["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["after the cut", "before the cut"]);
}

// ---------------------------------------------------------------------------------------------
// Redis restarted

/// A redis-server of this test's own on a free port, never the shared one.
struct OwnRedis {
    port: u16,
    child: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on PATH (.ci/run installs it)");
        Self { port, child }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&self) {
        let client = redis::Client::open(self.url()).unwrap();
        eventually(Duration::from_secs(15), "redis-server answers", || {
            let client = client.clone();
            async move {
                let mut conn = client.get_multiplexed_async_connection().await.ok()?;
                let pong: String = redis::cmd("PING").query_async(&mut conn).await.ok()?;
                (pong == "PONG").then_some(())
            }
        })
        .await;
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Redis killed and started again (empty) under a running node: requests keep being answered
/// quickly from local fallbacks, readiness names Redis, and the node uses Redis again once it
/// is back, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_degrades_and_recovers() {
    let test = "redis_restart_degrades_and_recovers";
    if common::redis_url(test).is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis_server = OwnRedis::start(port);
    redis_server.wait_ready().await;
    let url = redis_server.url();
    let app = TestApp::spawn_with(Backend::Sqlite, test, |raw| {
        raw.redis_url = Some(url.clone());
        raw.community.posts_per_minute = 0;
    })
    .await
    .unwrap();
    assert_eq!(app.get("/readyz").await.assert_ok(200)["redis"], "ok");
    let login = app
        .post_json("/api/v1/auth/login", &json!({"code": "before"}))
        .await;
    let token = login.assert_ok(200)["token"].as_str().unwrap().to_string();
    let post = |content: &str| {
        app.send(
            app.client
                .post(app.url("/api/v1/posts"))
                .bearer_auth(&token)
                .json(&json!({ "content": content })),
        )
    };
    let mut written = vec![post("with redis").await.assert_ok(201)["id"]
        .as_i64()
        .unwrap()];

    tokio::task::block_in_place(|| redis_server.kill());
    for attempt in 0..3 {
        let ready = quickly("readyz", app.get("/readyz")).await;
        ready.assert_error(503, 50300);
        assert!(ready.json["message"].as_str().unwrap().contains("redis"));
        let code = json!({"code": format!("outage-{attempt}")});
        quickly("a login", app.post_json("/api/v1/auth/login", &code))
            .await
            .assert_ok(200);
        quickly("users/me", app.get_auth("/api/v1/users/me", &token))
            .await
            .assert_ok(200);
        let content = format!("while redis is down {attempt}");
        let reply = quickly("a post", post(&content)).await;
        written.push(reply.assert_ok(201)["id"].as_i64().unwrap());
    }

    let redis_server = OwnRedis::start(port);
    redis_server.wait_ready().await;
    eventually(Duration::from_secs(20), "readyz back to 200", || async {
        (app.get("/readyz").await.status == 200).then_some(())
    })
    .await;
    // Redis is in use again: logins' rate-limit counters land in the new, empty server (once
    // the node's watchdog has seen it back, within about half a second).
    let client = redis::Client::open(redis_server.url()).unwrap();
    let conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut round = 0;
    eventually(
        Duration::from_secs(20),
        "a rate-limit counter in Redis",
        || {
            round += 1;
            let code = json!({"code": format!("after-{round}")});
            let app = &app;
            let mut conn = conn.clone();
            async move {
                app.post_json("/api/v1/auth/login", &code)
                    .await
                    .assert_ok(200);
                let counters: Vec<String> = redis::cmd("KEYS")
                    .arg("mb:rl:*")
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                (!counters.is_empty()).then_some(())
            }
        },
    )
    .await;
    written.push(
        post("redis is back").await.assert_ok(201)["id"]
            .as_i64()
            .unwrap(),
    );
    for id in written {
        app.get(&format!("/api/v1/posts/{id}")).await.assert_ok(200);
    }
}
