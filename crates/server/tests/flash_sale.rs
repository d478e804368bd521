//! Flash sales over HTTP: catalogue, the order endpoint's answers, idempotency, the order state
//! machine, expiry across a restart; then the races: 5,000 users for 1,000 units on one node with
//! SQLite, and on three real `minibase` processes with PostgreSQL and Redis, one killed mid-sale.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{test_config, Backend, Reply, TestApp, TestDatabase};
use futures::StreamExt;
use minibase::auth::jwt::{JwtKeys, KeyMaterial, SubjectKind};
use minibase::flash_sale::model::{
    order, purchase, reservation, sale, OrderStatus, ReservationOutcome,
};
use minibase::flash_sale::stock::{self, Reserve, SaleKeys};
use minibase::flash_sale::EXPIRE_JOB;
use minibase::store::jobs::{self, JobSpec};
use minibase::users::model::{self as users, Role};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::{json, Value};

// ---- helpers ----

async fn admin_token_on(db: &DatabaseConnection, base: &str, client: &reqwest::Client) -> String {
    let name = format!("fs-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    minibase::auth::service::create_admin(db, &name, "correct horse battery", Role::Admin)
        .await
        .unwrap();
    let reply = Reply::from(
        client
            .post(format!("{base}/api/v1/admin/auth/login"))
            .json(&json!({"username": name, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    reply.assert_ok(200)["token"].as_str().unwrap().to_string()
}

async fn admin_token(app: &TestApp) -> String {
    admin_token_on(&app.state.db, &app.base, &app.client).await
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    Reply::from(request.send().await.unwrap()).await
}

/// A product and a sale on it through the admin API; the sale's id.
async fn seed_sale(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
    stock: i32,
    limit: i32,
    starts_in_secs: i64,
    lasts_secs: i64,
) -> i64 {
    let product = call(
        client,
        reqwest::Method::POST,
        format!("{base}/api/v1/admin/products"),
        Some(admin),
        Some(json!({
            "name": "限量球鞋", "description": "flash sale item", "price_cents": 99900,
            "images": ["https://img.example.com/a.jpg"],
            "skus": [{"code": "42", "name": "EU 42", "price_cents": 99900}]
        })),
    )
    .await;
    let product_id = product.assert_ok(201)["id"].as_i64().unwrap();
    let now = Utc::now();
    let sale = call(
        client,
        reqwest::Method::POST,
        format!("{base}/api/v1/admin/flash-sales"),
        Some(admin),
        Some(json!({
            "product_id": product_id, "sku_code": "42", "title": "秒杀", "sale_price_cents": 9900,
            "stock": stock, "per_user_limit": limit,
            "starts_at": (now + chrono::Duration::seconds(starts_in_secs)).to_rfc3339(),
            "ends_at": (now + chrono::Duration::seconds(starts_in_secs + lasts_secs)).to_rfc3339(),
        })),
    )
    .await;
    sale.assert_ok(201)["id"].as_i64().unwrap()
}

/// `n` users inserted in bulk; their ids in order.
async fn bulk_users(db: &DatabaseConnection, prefix: &str, n: usize) -> Vec<i64> {
    let now = Utc::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|i| users::ActiveModel {
            openid: Set(format!("{prefix}-{i}")),
            unionid: Set(None),
            session_key: Set(None),
            nickname: Set(String::new()),
            avatar_url: Set(String::new()),
            phone: Set(None),
            role: Set("user".into()),
            banned: Set(false),
            token_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        users::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .unwrap();
    }
    let ids: Vec<i64> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Openid.starts_with(format!("{prefix}-")))
        .order_by_asc(users::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    assert_eq!(ids.len(), n);
    ids
}

fn user_token(keys: &JwtKeys, id: i64) -> String {
    keys.sign(&keys.new_claims(
        SubjectKind::User,
        id,
        "user",
        0,
        None,
        Duration::from_secs(3600),
    ))
    .unwrap()
}

fn order_url(base: &str, sale_id: i64) -> String {
    format!("{base}/api/v1/flash-sales/{sale_id}/orders")
}

async fn order(
    client: &reqwest::Client,
    base: &str,
    sale_id: i64,
    token: &str,
    key: Option<&str>,
) -> Reply {
    let mut request = client.post(order_url(base, sale_id)).bearer_auth(token);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    Reply::from(request.send().await.unwrap()).await
}

/// The books of a sale, straight from the database.
struct Books {
    stock_total: i32,
    stock_left: i32,
    live_orders: i64,
    max_per_user: i64,
    order_ids: HashSet<i64>,
}

async fn books(db: &DatabaseConnection, sale_id: i64) -> Books {
    let sale = sale::Entity::find_by_id(sale_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let orders = order::Entity::find()
        .filter(order::Column::SaleId.eq(sale_id))
        .all(db)
        .await
        .unwrap();
    let mut per_user: HashMap<i64, i64> = HashMap::new();
    let mut live = 0;
    for o in &orders {
        if matches!(o.status, OrderStatus::Created | OrderStatus::Paid) {
            live += i64::from(o.quantity);
            *per_user.entry(o.user_id).or_default() += i64::from(o.quantity);
        }
    }
    Books {
        stock_total: sale.stock_total,
        stock_left: sale.stock_left,
        live_orders: live,
        max_per_user: per_user.values().copied().max().unwrap_or(0),
        order_ids: orders.iter().map(|o| o.id).collect(),
    }
}

async fn wait_until<F: std::future::Future<Output = bool>>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> F,
) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn cancel(c: &reqwest::Client, base: &str, token: &str, id: i64) -> Reply {
    call(
        c,
        reqwest::Method::POST,
        format!("{base}/api/v1/flash-sale-orders/{id}/cancel"),
        Some(token),
        None,
    )
    .await
}

// ---- the API, on every backend ----

async fn catalogue_orders_and_their_answers(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn_with(backend, test, |raw| {
        raw.flash_sale.flash_sale_order_rate_per_ip = 0;
        raw.flash_sale.flash_sale_order_rate_per_user = 0;
    })
    .await
    else {
        return;
    };
    let admin = admin_token(&app).await;
    let c = &app.client;
    let base = app.base.as_str();

    // Catalogue validation.
    let bad = call(
        c,
        reqwest::Method::POST,
        app.url("/api/v1/admin/products"),
        Some(&admin),
        Some(json!({"name": "x", "price_cents": 1, "images": ["ftp://x"]})),
    )
    .await;
    bad.assert_error(422, 42200);
    assert!(bad.json["message"]
        .as_str()
        .unwrap()
        .starts_with("images[0]"));
    let sale_id = seed_sale(c, base, &admin, 3, 2, -1, 600).await;
    let product_id = app
        .get_auth(&format!("/api/v1/admin/flash-sales/{sale_id}"), &admin)
        .await
        .assert_ok(200)["product_id"]
        .as_i64()
        .unwrap();
    let bad_window = call(
        c,
        reqwest::Method::POST,
        app.url("/api/v1/admin/flash-sales"),
        Some(&admin),
        Some(json!({"product_id": product_id, "title": "t", "sale_price_cents": 1, "stock": 1,
            "per_user_limit": 1, "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"})),
    )
    .await;
    bad_window.assert_error(422, 42200);
    // A product in use cannot go.
    call(
        c,
        reqwest::Method::DELETE,
        app.url(&format!("/api/v1/admin/products/{product_id}")),
        Some(&admin),
        None,
    )
    .await
    .assert_error(409, 40900);

    // Public list and detail carry the server's clock.
    let list = app.get("/api/v1/flash-sales").await;
    let data = list.assert_ok(200);
    assert!(data["server_time"].as_str().is_some());
    assert_eq!(data["items"][0]["id"], sale_id);
    assert_eq!(data["items"][0]["phase"], "active");
    let detail = app.get(&format!("/api/v1/flash-sales/{sale_id}")).await;
    let data = detail.assert_ok(200);
    assert_eq!(data["stock_left"], 3);
    assert_eq!(data["product"]["skus"][0]["code"], "42");
    assert!(data["server_time"].as_str().is_some());
    app.get("/api/v1/flash-sales/abc")
        .await
        .assert_error(400, 40000);
    app.get("/api/v1/flash-sales/999999")
        .await
        .assert_error(404, 40401);

    let ids = bulk_users(&app.state.db, "api", 3).await;
    let keys = &app.state.config.jwt.keys;
    let (alice, bob, carol) = (
        user_token(keys, ids[0]),
        user_token(keys, ids[1]),
        user_token(keys, ids[2]),
    );

    // Unauthenticated, bad ids, unknown sale, bad key, bad quantity: clear envelopes.
    Reply::from(c.post(order_url(base, sale_id)).send().await.unwrap())
        .await
        .assert_error(401, 40100);
    Reply::from(
        c.post(format!("{base}/api/v1/flash-sales/x1/orders"))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap(),
    )
    .await
    .assert_error(400, 40000);
    order(c, base, 424242, &alice, None)
        .await
        .assert_error(404, 40401);
    Reply::from(
        c.post(order_url(base, sale_id))
            .bearer_auth(&alice)
            .header("idempotency-key", "x".repeat(65))
            .send()
            .await
            .unwrap(),
    )
    .await
    .assert_error(422, 42200);
    Reply::from(
        c.post(order_url(base, sale_id))
            .bearer_auth(&alice)
            .json(&json!({"quantity": 0}))
            .send()
            .await
            .unwrap(),
    )
    .await
    .assert_error(422, 42200);
    // An admin account is not a buyer.
    order(c, base, sale_id, &admin, None)
        .await
        .assert_error(403, 40300);

    // Not started, ended.
    let later = seed_sale(c, base, &admin, 5, 1, 3600, 600).await;
    let early = order(c, base, later, &alice, None).await;
    early.assert_error(400, 40020);
    let over = seed_sale(c, base, &admin, 5, 1, -20, 10).await;
    order(c, base, over, &alice, None)
        .await
        .assert_error(400, 40021);

    // An order, and its retry with the same key: the same order, 200 instead of 201.
    let first = order(c, base, sale_id, &alice, Some("alice-1")).await;
    let placed = first.assert_ok(201).clone();
    let order_id = placed["order_id"].as_i64().expect("order_id is a number");
    assert_eq!(placed["status"], "created");
    assert_eq!(placed["total_cents"], 9900);
    let retry = order(c, base, sale_id, &alice, Some("alice-1")).await;
    assert_eq!(retry.assert_ok(200)["order_id"], order_id);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    // The same key for another sale's order is a conflict.
    let other = seed_sale(c, base, &admin, 5, 1, -1, 600).await;
    order(c, base, other, &alice, Some("alice-1"))
        .await
        .assert_error(409, 40913);

    // The per-user limit (2): a second unit is fine, a third is over.
    order(c, base, sale_id, &alice, Some("alice-2"))
        .await
        .assert_ok(201);
    order(c, base, sale_id, &alice, Some("alice-3"))
        .await
        .assert_error(409, 40911);
    // ... and its retry after the limit still finds the order.
    assert_eq!(
        order(c, base, sale_id, &alice, Some("alice-1"))
            .await
            .assert_ok(200)["order_id"],
        order_id
    );
    // The last unit, then sold out.
    order(c, base, sale_id, &bob, None).await.assert_ok(201);
    order(c, base, sale_id, &carol, None)
        .await
        .assert_error(409, 40910);
    // A retry of a good order after the sale sold out still gets the order.
    assert_eq!(
        order(c, base, sale_id, &alice, Some("alice-1"))
            .await
            .assert_ok(200)["order_id"],
        order_id
    );

    // Mine: list, detail; others' orders are invisible.
    let mine = app.get_auth("/api/v1/flash-sale-orders", &alice).await;
    assert_eq!(mine.assert_ok(200)["items"].as_array().unwrap().len(), 2);
    app.get_auth(&format!("/api/v1/flash-sale-orders/{order_id}"), &alice)
        .await
        .assert_ok(200);
    app.get_auth(&format!("/api/v1/flash-sale-orders/{order_id}"), &bob)
        .await
        .assert_error(404, 40401);

    // Cancel gives the unit back at once: carol can buy it.
    assert_eq!(
        cancel(c, base, &alice, order_id).await.assert_ok(200)["status"],
        "cancelled"
    );
    cancel(c, base, &alice, order_id)
        .await
        .assert_error(409, 40912);
    let carols = order(c, base, sale_id, &carol, None).await;
    let carol_order = carols.assert_ok(201)["order_id"].as_i64().unwrap();
    // Paid orders cannot be cancelled (and do not expire).
    call(
        c,
        reqwest::Method::POST,
        format!("{base}/api/v1/admin/flash-sale-orders/{carol_order}/mark-paid"),
        Some(&admin),
        None,
    )
    .await
    .assert_ok(200);
    cancel(c, base, &carol, carol_order)
        .await
        .assert_error(409, 40912);

    // The books balance.
    let stats = app
        .get_auth(
            &format!("/api/v1/admin/flash-sales/{sale_id}/stats"),
            &admin,
        )
        .await;
    let stats = stats.assert_ok(200);
    assert_eq!(stats["stock_left"], 0);
    assert_eq!(stats["units_sold"], 3);
    assert_eq!(stats["orders"]["cancelled"], 1);
    assert_eq!(stats["orders"]["paid"], 1);
    assert_eq!(stats["consistent"], true);
    let b = books(&app.state.db, sale_id).await;
    assert_eq!(b.live_orders, 3);
    assert_eq!(b.max_per_user, 1);

    // Stock edits: cannot shrink below what is sold; growing reopens the sale.
    let edit = |stock: i32| {
        call(
            c,
            reqwest::Method::PUT,
            format!("{base}/api/v1/admin/flash-sales/{sale_id}"),
            Some(&admin),
            Some(
                json!({"product_id": product_id, "title": "秒杀", "sale_price_cents": 9900,
                "stock": stock, "per_user_limit": 2,
                "starts_at": (Utc::now() - chrono::Duration::seconds(60)).to_rfc3339(),
                "ends_at": (Utc::now() + chrono::Duration::seconds(600)).to_rfc3339()}),
            ),
        )
    };
    edit(2).await.assert_error(409, 40900);
    assert_eq!(edit(4).await.assert_ok(200)["stock_left"], 1);
    order(c, base, sale_id, &bob, None).await.assert_ok(201);
    // A sale with orders cannot be deleted; one without can.
    call(
        c,
        reqwest::Method::DELETE,
        format!("{base}/api/v1/admin/flash-sales/{sale_id}"),
        Some(&admin),
        None,
    )
    .await
    .assert_error(409, 40900);
    call(
        c,
        reqwest::Method::DELETE,
        format!("{base}/api/v1/admin/flash-sales/{later}"),
        Some(&admin),
        None,
    )
    .await
    .assert_ok(200);
    // Users cannot reach the admin API.
    app.get_auth("/api/v1/admin/flash-sales", &alice)
        .await
        .assert_error(403, 40300);
}

on_every_backend!(
    catalogue_orders_and_their_answers,
    a_dead_nodes_reservation_comes_back_after_its_lease,
    a_late_order_cannot_commit_a_reclaimed_reservation,
);

/// Per-user and per-IP limits on the order endpoint: 429 with Retry-After.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_order_endpoint_is_rate_limited_per_user_and_per_ip() {
    let app = TestApp::spawn_with(Backend::Sqlite, "order_rate_limits", |raw| {
        raw.flash_sale.flash_sale_order_rate_per_user = 2;
        raw.flash_sale.flash_sale_order_rate_per_ip = 4;
        raw.flash_sale.flash_sale_order_rate_window_secs = 60;
    })
    .await
    .unwrap();
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app.client, &app.base, &admin, 100, 1, 3600, 600).await;
    let ids = bulk_users(&app.state.db, "rl", 3).await;
    let keys = app.state.config.jwt.keys.clone();
    let (c, base) = (&app.client, app.base.as_str());
    let one = user_token(&keys, ids[0]);
    // Not started: 400 twice, then the user's limit.
    order(c, base, sale_id, &one, None).await;
    let sale_now = seed_sale(c, base, &admin, 100, 1, -1, 600).await;
    order(c, base, sale_now, &one, None).await.assert_ok(201);
    order(c, base, sale_now, &one, None)
        .await
        .assert_error(409, 40911);
    let limited = order(c, base, sale_now, &one, None).await;
    limited.assert_error(429, 42900);
    assert!(limited.header("retry-after").is_some());
    // Other users from the same IP: the IP's limit (4) is reached after two more.
    let two = user_token(&keys, ids[1]);
    let three = user_token(&keys, ids[2]);
    order(c, base, sale_now, &two, None).await.assert_ok(201);
    order(c, base, sale_now, &three, None).await.assert_ok(201);
    order(c, base, sale_now, &three, None)
        .await
        .assert_error(429, 42900);
}

// ---- expiry ----

/// Unpaid orders expire by a durable job, even when the node that took them is gone by then,
/// and give their stock back exactly once even if the job runs again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_gives_stock_back_once_across_a_restart() {
    let test = "expiry_gives_stock_back_once_across_a_restart";
    let db = Arc::new(TestDatabase::create(Backend::Sqlite, test).await.unwrap());
    let configure = |raw: &mut minibase::config::RawConfig| {
        raw.flash_sale.flash_sale_order_ttl_secs = 2;
        raw.flash_sale.flash_sale_order_rate_per_ip = 0;
    };
    let mut raw = test_config(&db.url);
    configure(&mut raw);
    let app = TestApp::start(raw, Backend::Sqlite, Some(db.clone()), |r| r).await;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app.client, &app.base, &admin, 3, 1, -1, 600).await;
    let ids = bulk_users(&app.state.db, "exp", 4).await;
    let keys = app.state.config.jwt.keys.clone();
    let mut paid = 0;
    for (i, id) in ids.iter().take(3).enumerate() {
        let reply = order(
            &app.client,
            &app.base,
            sale_id,
            &user_token(&keys, *id),
            None,
        )
        .await;
        let order_id = reply.assert_ok(201)["order_id"].as_i64().unwrap();
        if i == 0 {
            // A paid order never expires.
            minibase::flash_sale::mark_paid(&app.state, 0, order_id)
                .await
                .unwrap();
            paid = order_id;
        }
    }
    let last = user_token(&keys, ids[3]);
    order(&app.client, &app.base, sale_id, &last, None)
        .await
        .assert_error(409, 40910);
    // The node goes away before the orders are due.
    app.stop().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let mut raw = test_config(&db.url);
    configure(&mut raw);
    let app = TestApp::start(raw, Backend::Sqlite, Some(db.clone()), |r| r).await;
    wait_until("two orders expired", Duration::from_secs(15), || async {
        books(&app.state.db, sale_id).await.stock_left == 2
    })
    .await;
    // The job again (at least once delivery): nothing more comes back.
    let expired: Vec<i64> = order::Entity::find()
        .filter(order::Column::Status.eq("expired"))
        .all(&app.state.db)
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(expired.len(), 2);
    for id in &expired {
        jobs::enqueue(
            &app.state.db,
            JobSpec {
                kind: EXPIRE_JOB,
                run_at: Utc::now(),
                dedupe_key: Some(&format!("again-{id}")),
                max_attempts: 1,
            },
            &json!({"order_id": id}),
        )
        .await
        .unwrap();
        assert!(
            !minibase::flash_sale::close_order(&app.state, *id, OrderStatus::Expired)
                .await
                .unwrap()
        );
    }
    app.state.jobs.wake();
    wait_until("the repeated jobs ran", Duration::from_secs(10), || async {
        jobs::repo::by_kind(&app.state.db, EXPIRE_JOB)
            .await
            .unwrap()
            .iter()
            .all(|j| j.status == "done")
    })
    .await;
    let b = books(&app.state.db, sale_id).await;
    assert_eq!(b.stock_left, 2, "stock came back once");
    assert_eq!(b.live_orders, 1);
    let paid_row = order::Entity::find_by_id(paid)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paid_row.status, OrderStatus::Paid);
    // The stock is sold again (the sold-out flag was dropped).
    order(&app.client, &app.base, sale_id, &last, None)
        .await
        .assert_ok(201);
}

// ---- the single-node race ----

/// 5,000 users, 1,000 units, one node on SQLite: exactly 1,000 orders, stock 0, nobody over the
/// limit, and the endpoint answers sold-out fast afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_node_sqlite_race_sells_exactly_the_stock() {
    let app = TestApp::spawn_with(Backend::Sqlite, "single_node_race", |raw| {
        raw.flash_sale.flash_sale_order_rate_per_ip = 0;
        raw.database.database_max_connections = 8;
    })
    .await
    .unwrap();
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app.client, &app.base, &admin, 1000, 1, -1, 600).await;
    let ids = bulk_users(&app.state.db, "race", 5000).await;
    let keys = app.state.config.jwt.keys.clone();
    let tokens: Vec<String> = ids.iter().map(|id| user_token(&keys, *id)).collect();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let started = Instant::now();
    // Every user twice (a double tap), with one key per user: the second is a retry.
    let results: Vec<(usize, Reply)> =
        futures::stream::iter((0..tokens.len() * 2).map(|n| (n % tokens.len(), n)))
            .map(|(user, _)| {
                let client = client.clone();
                let url = order_url(&app.base, sale_id);
                let token = tokens[user].clone();
                async move {
                    let reply = client
                        .post(url)
                        .bearer_auth(token)
                        .header("idempotency-key", format!("tap-{user}"))
                        .send()
                        .await
                        .unwrap();
                    (user, Reply::from(reply).await)
                }
            })
            .buffer_unordered(200)
            .collect()
            .await;
    let elapsed = started.elapsed();
    let mut won: HashMap<usize, HashSet<i64>> = HashMap::new();
    let mut codes: HashMap<i64, usize> = HashMap::new();
    for (user, reply) in &results {
        match reply.status {
            200 | 201 => {
                won.entry(*user)
                    .or_default()
                    .insert(reply.data()["order_id"].as_i64().unwrap());
            }
            _ => *codes.entry(reply.code()).or_default() += 1,
        }
    }
    assert!(
        codes.keys().all(|c| *c == 40910 || *c == 40911),
        "only sold-out or over-limit refusals: {codes:?}"
    );
    assert_eq!(won.len(), 1000, "1,000 winners");
    assert!(
        won.values().all(|orders| orders.len() == 1),
        "a retry never made a second order"
    );
    let b = books(&app.state.db, sale_id).await;
    assert_eq!(b.live_orders, 1000);
    assert_eq!(b.stock_left, 0);
    assert_eq!(b.max_per_user, 1);
    let acknowledged: HashSet<i64> = won.values().flatten().copied().collect();
    assert_eq!(acknowledged, b.order_ids);

    // After the stock is gone: sold-out from memory.
    let after = Instant::now();
    let late: Vec<Reply> =
        futures::stream::iter(0..2000)
            .map(|i| {
                let client = client.clone();
                let url = order_url(&app.base, sale_id);
                let token = tokens[i].clone();
                async move {
                    Reply::from(client.post(url).bearer_auth(token).send().await.unwrap()).await
                }
            })
            .buffer_unordered(100)
            .collect()
            .await;
    let late_elapsed = after.elapsed();
    assert!(late.iter().all(|r| r.status == 409));
    eprintln!(
        "single node SQLite: 10,000 order requests (5,000 users x2) in {:.2} s ({:.0}/s); \
         then 2,000 sold-out answers in {:.2} s ({:.0}/s)",
        elapsed.as_secs_f64(),
        10_000.0 / elapsed.as_secs_f64(),
        late_elapsed.as_secs_f64(),
        2000.0 / late_elapsed.as_secs_f64()
    );
}

// ---- Redis: a crash between the reservation and the order ----

/// A node that reserved stock in Redis and died before its order committed: the stock is not
/// lost (the reconciler gives it back) and no order appears for it. Keys lost from Redis are
/// reloaded from the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_redis_reservations_come_back_and_lost_keys_reload() {
    let test = "abandoned_redis_reservations";
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let app = TestApp::spawn_with(Backend::Sqlite, test, |raw| {
        raw.redis_url = Some(redis_url.clone());
        raw.flash_sale.flash_sale_reconcile_interval_secs = 1;
        raw.flash_sale.flash_sale_order_rate_per_ip = 0;
    })
    .await
    .unwrap();
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app.client, &app.base, &admin, 5, 1, -1, 600).await;
    let ids = bulk_users(&app.state.db, "crash", 8).await;
    let keys = app.state.config.jwt.keys.clone();
    let tokens: Vec<String> = ids.iter().map(|id| user_token(&keys, *id)).collect();
    let (c, base) = (&app.client, app.base.as_str());

    // The first order loads the keys.
    order(c, base, sale_id, &tokens[0], None)
        .await
        .assert_ok(201);
    let sale_row = sale::Entity::find_by_id(sale_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let redis_keys = SaleKeys::new(&sale_row.redis_tag);
    let gate = app
        .state
        .feature::<minibase::flash_sale::FlashSaleState>()
        .unwrap()
        .redis
        .clone()
        .unwrap();
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(4));

    // A "dead node" reserved two units and never wrote its orders.
    for user in [ids[6], ids[7]] {
        let member = stock::pending_member(&uuid::Uuid::new_v4().simple().to_string(), user, 1);
        assert_eq!(
            gate.reserve(&redis_keys, user, 1, 1, &member)
                .await
                .unwrap(),
            Reserve::Ok(if user == ids[6] { 3 } else { 2 })
        );
    }
    for token in &tokens[1..3] {
        order(c, base, sale_id, token, None).await.assert_ok(201);
    }
    // Redis says sold out although the database has two left: the gate refuses, safely.
    order(c, base, sale_id, &tokens[3], None)
        .await
        .assert_error(409, 40910);
    assert_eq!(books(&app.state.db, sale_id).await.stock_left, 2);
    // The reconciler notices the abandoned reservations and gives them back.
    wait_until("Redis stock repaired", Duration::from_secs(15), || async {
        gate.stock(&redis_keys).await.unwrap() == Some(2)
    })
    .await;
    tokio::time::sleep(stock::FLAG_TTL).await;
    for token in &tokens[3..5] {
        order(c, base, sale_id, token, None).await.assert_ok(201);
    }
    order(c, base, sale_id, &tokens[5], None)
        .await
        .assert_error(409, 40910);
    let b = books(&app.state.db, sale_id).await;
    assert_eq!((b.live_orders, b.stock_left), (5, 0), "no phantom orders");

    // Cancel one: the unit goes back to Redis once, even if the give-back runs again.
    let mine = app.get_auth("/api/v1/flash-sale-orders", &tokens[4]).await;
    let order_id = mine.assert_ok(200)["items"][0]["order_id"]
        .as_i64()
        .unwrap();
    call(
        c,
        reqwest::Method::POST,
        format!("{base}/api/v1/flash-sale-orders/{order_id}/cancel"),
        Some(&tokens[4]),
        None,
    )
    .await
    .assert_ok(200);
    assert!(gate
        .give_back(&redis_keys, order_id, ids[4], 1)
        .await
        .unwrap());
    wait_until("give-back job done", Duration::from_secs(10), || async {
        jobs::repo::by_kind(&app.state.db, minibase::flash_sale::GIVE_BACK_JOB)
            .await
            .unwrap()
            .iter()
            .all(|j| j.status == "done")
    })
    .await;
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(1));

    // Redis loses the keys (restart without persistence): the next order reloads them.
    let mut conn = gate.redis.conn();
    let _: () = redis::cmd("DEL")
        .arg(&redis_keys.stock)
        .arg(&redis_keys.users)
        .arg(&redis_keys.pending)
        .arg(&redis_keys.returned)
        .query_async(&mut conn)
        .await
        .unwrap();
    // A user who already holds a unit is still over the limit after the reload.
    order(c, base, sale_id, &tokens[0], None)
        .await
        .assert_error(409, 40911);
    order(c, base, sale_id, &tokens[5], None)
        .await
        .assert_ok(201);
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(0));
    let b = books(&app.state.db, sale_id).await;
    assert_eq!((b.live_orders, b.stock_left), (5, 0));
}

// ---- reservation leases ----

async fn stats_of(client: &reqwest::Client, base: &str, admin: &str, sale_id: i64) -> Value {
    let reply = call(
        client,
        reqwest::Method::GET,
        format!("{base}/api/v1/admin/flash-sales/{sale_id}/stats"),
        Some(admin),
        None,
    )
    .await;
    reply.assert_ok(200).clone()
}

/// The reservations in a sale's `pending` set, with the Redis time (ms) their lease ends.
async fn pending_leases(
    redis: &minibase::store::redis::Redis,
    keys: &SaleKeys,
) -> Vec<(String, i64)> {
    let mut conn = redis.conn();
    redis::cmd("ZRANGE")
        .arg(&keys.pending)
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query_async(&mut conn)
        .await
        .unwrap()
}

async fn redis_now_ms(redis: &minibase::store::redis::Redis) -> i64 {
    let mut conn = redis.conn();
    let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
    secs * 1000 + micros / 1000
}

async fn sale_keys(db: &DatabaseConnection, sale_id: i64) -> SaleKeys {
    let row = sale::Entity::find_by_id(sale_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    SaleKeys::new(&row.redis_tag)
}

/// A node reserved a unit and died before writing its order. While its lease runs the unit
/// counts as an order being written; once the lease lapses the stats say Redis and the database
/// disagree, and the next reconciliation round (any node's) voids the reservation in the
/// database and gives the unit back, so it sells.
async fn a_dead_nodes_reservation_comes_back_after_its_lease(backend: Backend, test: &str) {
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let Some(app) = TestApp::spawn_with(backend, test, |raw| {
        raw.redis_url = Some(redis_url.clone());
        // The test runs the reconciliation rounds itself.
        raw.flash_sale.flash_sale_reconcile_interval_secs = 3600;
        raw.flash_sale.flash_sale_order_rate_per_ip = 0;
        raw.flash_sale.flash_sale_order_rate_per_user = 0;
    })
    .await
    else {
        return;
    };
    let admin = admin_token(&app).await;
    let (c, base) = (&app.client, app.base.as_str());
    let sale_id = seed_sale(c, base, &admin, 3, 1, -1, 600).await;
    let ids = bulk_users(&app.state.db, "lease", 4).await;
    let keys = app.state.config.jwt.keys.clone();
    let tokens: Vec<String> = ids.iter().map(|id| user_token(&keys, *id)).collect();
    order(c, base, sale_id, &tokens[0], None)
        .await
        .assert_ok(201);
    let redis_keys = sale_keys(&app.state.db, sale_id).await;
    let gate = app
        .state
        .feature::<minibase::flash_sale::FlashSaleState>()
        .unwrap()
        .redis
        .clone()
        .unwrap();

    // The dead node's reservation: taken in Redis, never renewed, no order.
    let reservation = uuid::Uuid::new_v4().simple().to_string();
    let member = stock::pending_member(&reservation, ids[1], 1);
    assert_eq!(
        gate.reserve(&redis_keys, ids[1], 1, 1, &member)
            .await
            .unwrap(),
        Reserve::Ok(1)
    );
    let reserved_at = Instant::now();
    let stats = stats_of(c, base, &admin, sale_id).await;
    assert_eq!(
        (&stats["stock_left"], &stats["redis_stock"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(stats["redis_leased_units"], 1, "{stats}");
    assert_eq!(stats["redis_lapsed_units"], 0);
    assert_eq!(stats["consistent"], true, "an order being written: {stats}");
    // A round while the lease runs leaves it alone.
    minibase::flash_sale::reconcile_once(&app.state)
        .await
        .unwrap();
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(1));

    // Another user takes the last unit Redis has; the next one is refused although the
    // database still has the dead node's unit.
    order(c, base, sale_id, &tokens[2], None)
        .await
        .assert_ok(201);
    order(c, base, sale_id, &tokens[3], None)
        .await
        .assert_error(409, 40910);

    // The lease lapses: the stats say so, and that Redis is short of the database.
    wait_until(
        "the lapsed reservation shows in the stats",
        stock::RESERVATION_LEASE + Duration::from_secs(10),
        || async { stats_of(c, base, &admin, sale_id).await["redis_lapsed_units"] == 1 },
    )
    .await;
    assert!(reserved_at.elapsed() >= stock::RESERVATION_LEASE);
    let stats = stats_of(c, base, &admin, sale_id).await;
    assert_eq!(
        (&stats["stock_left"], &stats["redis_stock"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(stats["redis_consistent"], false, "{stats}");
    assert_eq!(stats["consistent"], false, "{stats}");
    assert_eq!(stats["books_consistent"], true);

    // One round reclaims it: voided in the database, the unit back in Redis, sold at once.
    minibase::flash_sale::reconcile_once(&app.state)
        .await
        .unwrap();
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(1));
    assert!(pending_leases(&gate.redis, &redis_keys).await.is_empty());
    let outcome = reservation::Entity::find_by_id(reservation.clone())
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the reclaim is recorded");
    assert_eq!(outcome.outcome, ReservationOutcome::Reclaimed);
    let stats = stats_of(c, base, &admin, sale_id).await;
    assert_eq!(stats["consistent"], true, "{stats}");
    assert_eq!(stats["redis_lapsed_units"], 0);
    order(c, base, sale_id, &tokens[3], None)
        .await
        .assert_ok(201);
    order(c, base, sale_id, &tokens[1], None)
        .await
        .assert_error(409, 40910);
    let b = books(&app.state.db, sale_id).await;
    assert_eq!((b.live_orders, b.stock_left), (3, 0), "exactly the stock");
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(0));
}

/// A slow node: its order's transaction is held up (here by a row lock the test holds) for
/// longer than the reservation's lease, another node reclaims the reservation and gives the unit
/// back, then the transaction goes on. It must not commit: the unit is already back on sale, so
/// that order would be one the stock does not cover. It is refused (503, retry), and the retry
/// buys the unit once.
async fn a_late_order_cannot_commit_a_reclaimed_reservation(backend: Backend, test: &str) {
    // SQLite has one writer: the held-up transaction would hold up the reclaim too, so the
    // reclaim can only come before the order's transaction or after it, never inside it.
    if backend == Backend::Sqlite {
        return;
    }
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let Some(app) = TestApp::spawn_with(backend, test, |raw| {
        raw.redis_url = Some(redis_url.clone());
        raw.flash_sale.flash_sale_reconcile_interval_secs = 3600;
        raw.flash_sale.flash_sale_order_rate_per_ip = 0;
        raw.flash_sale.flash_sale_order_rate_per_user = 0;
    })
    .await
    else {
        return;
    };
    let admin = admin_token(&app).await;
    let (c, base) = (&app.client, app.base.as_str());
    let sale_id = seed_sale(c, base, &admin, 2, 1, -1, 600).await;
    let ids = bulk_users(&app.state.db, "late", 2).await;
    let keys = app.state.config.jwt.keys.clone();
    let tokens: Vec<String> = ids.iter().map(|id| user_token(&keys, *id)).collect();
    order(c, base, sale_id, &tokens[0], None)
        .await
        .assert_ok(201);
    let redis_keys = sale_keys(&app.state.db, sale_id).await;
    let gate = app
        .state
        .feature::<minibase::flash_sale::FlashSaleState>()
        .unwrap()
        .redis
        .clone()
        .unwrap();

    // Hold the row the order's transaction updates for the user's count.
    purchase::Entity::insert(purchase::ActiveModel {
        sale_id: Set(sale_id),
        user_id: Set(ids[1]),
        count: Set(0),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    let blocker = app.state.db.begin().await.unwrap();
    blocker
        .execute_unprepared(&format!(
            "UPDATE flash_sale_purchases SET count = count WHERE sale_id = {sale_id} AND user_id = {}",
            ids[1]
        ))
        .await
        .unwrap();
    let slow = tokio::spawn({
        let (c, base, token) = (c.clone(), base.to_string(), tokens[1].clone());
        async move { order(&c, &base, sale_id, &token, Some("slow-1")).await }
    });
    let started = Instant::now();
    let member = loop {
        let slow_user = pending_leases(&gate.redis, &redis_keys)
            .await
            .into_iter()
            .map(|(m, _)| m)
            .find(|m| stock::parse_member(m).is_some_and(|(_, user, _)| user == ids[1]));
        if let Some(member) = slow_user {
            break member;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the slow order reserved"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Held up for longer than the lease: the node renews it, so a round leaves it alone.
    tokio::time::sleep(stock::RESERVATION_LEASE + Duration::from_secs(1)).await;
    assert!(!slow.is_finished(), "the order's transaction is held up");
    minibase::flash_sale::reconcile_once(&app.state)
        .await
        .unwrap();
    let leases = pending_leases(&gate.redis, &redis_keys).await;
    assert_eq!(leases.len(), 1, "a renewed lease is not reclaimed");
    assert!(leases[0].1 > redis_now_ms(&gate.redis).await);
    let stats = stats_of(c, base, &admin, sale_id).await;
    assert_eq!(stats["redis_leased_units"], 1, "{stats}");
    assert_eq!(stats["redis_lapsed_units"], 0, "{stats}");
    assert_eq!(stats["consistent"], true, "{stats}");

    // Its lease lapses (as when the node stalls and stops renewing it) and a round reclaims
    // it. The node still renews every second, so lapse it until a round catches it.
    let started = Instant::now();
    loop {
        let mut conn = gate.redis.conn();
        let _: i64 = redis::cmd("ZADD")
            .arg(&redis_keys.pending)
            .arg("XX")
            .arg(0)
            .arg(&member)
            .query_async(&mut conn)
            .await
            .unwrap();
        minibase::flash_sale::reconcile_once(&app.state)
            .await
            .unwrap();
        if pending_leases(&gate.redis, &redis_keys).await.is_empty() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "reclaimed");
    }
    assert_eq!(
        gate.stock(&redis_keys).await.unwrap(),
        Some(1),
        "the unit is back"
    );
    let stats = stats_of(c, base, &admin, sale_id).await;
    assert_eq!(stats["consistent"], true, "{stats}");

    // The transaction goes on and is refused: no order for the reclaimed reservation.
    blocker.rollback().await.unwrap();
    let reply = slow.await.unwrap();
    reply.assert_error(503, 50300);
    let b = books(&app.state.db, sale_id).await;
    assert_eq!((b.live_orders, b.stock_left), (1, 1));
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(1));
    let stats = stats_of(c, base, &admin, sale_id).await;
    assert_eq!(stats["consistent"], true, "{stats}");
    assert_eq!(stats["redis_stock"], 1);

    // The client's retry buys the unit, once.
    order(c, base, sale_id, &tokens[1], Some("slow-1"))
        .await
        .assert_ok(201);
    let b = books(&app.state.db, sale_id).await;
    assert_eq!((b.live_orders, b.stock_left, b.max_per_user), (2, 0, 1));
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(0));
    assert_eq!(stats_of(c, base, &admin, sale_id).await["consistent"], true);

    // The other way round: the lease lapses after the order's transaction claimed the
    // reservation (here it waits to update the sale's row, its last statement). The reclaim waits for
    // that transaction, gives up after its bound, and gives nothing back; the order commits.
    let sale_id = seed_sale(c, base, &admin, 1, 1, -1, 600).await;
    let redis_keys = sale_keys(&app.state.db, sale_id).await;
    // A share lock: the order's foreign-key checks pass, its stock update waits.
    let share = match backend {
        Backend::Postgres => "FOR SHARE",
        _ => "LOCK IN SHARE MODE",
    };
    let blocker = app.state.db.begin().await.unwrap();
    blocker
        .execute_unprepared(&format!(
            "SELECT id FROM flash_sales WHERE id = {sale_id} {share}"
        ))
        .await
        .unwrap();
    let committing = tokio::spawn({
        let (c, base, token) = (c.clone(), base.to_string(), tokens[0].clone());
        async move { order(&c, &base, sale_id, &token, Some("committing-1")).await }
    });
    let waiting = match backend {
        Backend::Postgres => {
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND query LIKE 'UPDATE \"flash_sales\"%'"
        }
        _ => {
            "SELECT count(*) AS n FROM information_schema.innodb_trx t \
             JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id \
             WHERE p.db = DATABASE() AND t.trx_state = 'LOCK WAIT' \
             AND t.trx_query LIKE 'UPDATE `flash_sales`%'"
        }
    };
    wait_until(
        "the order's transaction waits for the sale's row",
        Duration::from_secs(10),
        || async {
            let row = app
                .state
                .db
                .query_one(sea_orm::Statement::from_string(
                    app.state.db.get_database_backend(),
                    waiting,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap() == 1
        },
    )
    .await;
    let (member, _) = pending_leases(&gate.redis, &redis_keys).await[0].clone();
    let mut conn = gate.redis.conn();
    let _: i64 = redis::cmd("ZADD")
        .arg(&redis_keys.pending)
        .arg("XX")
        .arg(0)
        .arg(&member)
        .query_async(&mut conn)
        .await
        .unwrap();
    minibase::flash_sale::reconcile_once(&app.state)
        .await
        .unwrap();
    assert_eq!(
        gate.stock(&redis_keys).await.unwrap(),
        Some(0),
        "nothing given back while the order is committing"
    );
    blocker.rollback().await.unwrap();
    committing.await.unwrap().assert_ok(201);
    minibase::flash_sale::reconcile_once(&app.state)
        .await
        .unwrap();
    let b = books(&app.state.db, sale_id).await;
    assert_eq!((b.live_orders, b.stock_left), (1, 0));
    assert_eq!(gate.stock(&redis_keys).await.unwrap(), Some(0));
    assert!(pending_leases(&gate.redis, &redis_keys).await.is_empty());
    let stats = stats_of(c, base, &admin, sale_id).await;
    assert_eq!(stats["consistent"], true, "{stats}");
}

// ---- three real processes on PostgreSQL and Redis ----

const NODE_SECRET: &str = "flash-sale-test-secret-of-at-least-32-bytes";

struct Node {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Node {
    /// A `minibase` process on `database_url` and `redis_url`, ready to serve.
    async fn start(database_url: &str, redis_url: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_minibase"));
        cmd.current_dir(dir.path());
        for (key, _) in std::env::vars() {
            if key.starts_with("MINIBASE_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("MINIBASE_LISTEN", "127.0.0.1:0")
            .env("MINIBASE_DATABASE_URL", database_url)
            .env("MINIBASE_REDIS_URL", redis_url)
            .env("MINIBASE_JWT_SECRET", NODE_SECRET)
            .env("MINIBASE_LOG_LEVEL", "error")
            .env("MINIBASE_DATABASE_MAX_CONNECTIONS", "10")
            .env("MINIBASE_FLASH_SALE_ORDER_RATE_PER_IP", "0")
            .env("MINIBASE_FLASH_SALE_ORDER_RATE_PER_USER", "20")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let base = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let base = loop {
                let line = lines.next().expect("the node printed its address").unwrap();
                if let Some(rest) = line.split("http://").nth(1) {
                    break format!("http://{}", rest.split_whitespace().next().unwrap());
                }
            };
            // Keep draining, so the node never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            base
        })
        .await
        .unwrap();
        Self {
            child,
            base,
            _dir: dir,
        }
    }

    /// SIGKILL: no graceful anything.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// 5,000 users race for 1,000 units across three processes sharing PostgreSQL and Redis, with
/// the default timeouts; one process is SIGKILLed mid-sale and its clients retry elsewhere with
/// the same key. Then the clients hold off while the test watches the dead node's reservations:
/// they come back within their lease plus a reconciliation round, and every stats answer given
/// while one of them had lapsed unreclaimed says Redis and the database disagree. Then the sale
/// goes on: no oversell, no acknowledged order lost, nobody over the limit, and it ends with
/// orders exactly equal to stock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_postgres_redis_race_with_a_node_killed() {
    use std::sync::atomic::{AtomicI64, Ordering::SeqCst};

    let test = "three_nodes_postgres_redis_race";
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let Some(db) = TestDatabase::create(Backend::Postgres, test).await else {
        return;
    };
    let first = Node::start(&db.url, &redis_url).await;
    let mut nodes = vec![first];
    let (a, b) = futures::join!(
        Node::start(&db.url, &redis_url),
        Node::start(&db.url, &redis_url)
    );
    nodes.push(a);
    nodes.push(b);
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    let redis = minibase::store::redis::Redis::connect(&redis_url)
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let admin = admin_token_on(&conn, &nodes[0].base, &client).await;
    let sale_id = seed_sale(&client, &nodes[0].base, &admin, 1000, 1, -1, 600).await;
    let redis_keys = sale_keys(&conn, sale_id).await;
    let ids = bulk_users(&conn, "nodes", 5000).await;
    let keys = JwtKeys::new(KeyMaterial::Secret(NODE_SECRET), None).unwrap();
    let tokens: Vec<String> = ids.iter().map(|id| user_token(&keys, *id)).collect();
    let bases: Vec<String> = nodes.iter().map(|n| n.base.clone()).collect();
    let live = [bases[0].clone(), bases[2].clone()];

    /// One user's attempt: their node first, then the others while a node is unreachable, with
    /// the same key throughout (what a client does when a connection breaks).
    async fn attempt(
        client: reqwest::Client,
        bases: Vec<String>,
        sale_id: i64,
        user: usize,
        token: String,
        key: String,
    ) -> (usize, Option<Reply>) {
        for k in 0..bases.len() * 2 {
            let base = &bases[(user + k) % bases.len()];
            let sent = client
                .post(order_url(base, sale_id))
                .bearer_auth(&token)
                .header("idempotency-key", &key)
                .send()
                .await;
            match sent {
                Ok(response) => {
                    let reply = Reply::from(response).await;
                    // A 5xx from a dying node is not an answer either: try elsewhere.
                    if reply.status < 500 {
                        return (user, Some(reply));
                    }
                }
                Err(_) => continue,
            }
        }
        (user, None)
    }

    // Clients hold this shared while they order; the test takes it to stop them for a while.
    let traffic = Arc::new(tokio::sync::RwLock::new(()));
    let started = Instant::now();
    // Kill the second node mid-sale, once 300 units are sold, then watch its reservations.
    let killed_at = Arc::new(AtomicI64::new(-1));
    let recovery = {
        let (conn, redis, client, admin) = (&conn, &redis, client.clone(), admin.clone());
        let (traffic, killed_at, redis_keys, live) = (
            traffic.clone(),
            killed_at.clone(),
            &redis_keys,
            live.clone(),
        );
        let node = &mut nodes[1];
        async move {
            loop {
                let sold = books(conn, sale_id).await.live_orders;
                if sold >= 300 {
                    node.kill();
                    killed_at.store(sold, SeqCst);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let killed = Instant::now();
            // Let the requests in flight finish (on the survivors), and send no new ones.
            let _quiet = traffic.write().await;
            // Sample the stats until the dead node's reservations are gone. A sample is checked
            // when a reservation without an order was lapsed and still there both before and
            // after it: then Redis was short of the database all along the stats call.
            let mut samples = 0;
            let mut inconsistent_seen = 0;
            let came_back = loop {
                let now = redis_now_ms(redis).await;
                let before = pending_leases(redis, redis_keys).await;
                if before.is_empty() {
                    break killed.elapsed();
                }
                let stats = stats_of(&client, &live[0], &admin, sale_id).await;
                let after: HashSet<String> = pending_leases(redis, redis_keys)
                    .await
                    .into_iter()
                    .map(|(m, _)| m)
                    .collect();
                samples += 1;
                // `short`: lapsed reservations without an order, which Redis holds back from
                // its stock. A live reservation whose order is already written counts among the
                // leased units as well, and gives the check that much slack (`masked`), so the
                // stats must say inconsistent only when `short` exceeds it.
                let mut short = 0;
                let mut masked = 0;
                for (member, lease_end) in before {
                    if !after.contains(&member) {
                        continue;
                    }
                    let (reservation, _, quantity) = stock::parse_member(&member).unwrap();
                    let ordered = order::Entity::find()
                        .filter(order::Column::Reservation.eq(reservation))
                        .one(conn)
                        .await
                        .unwrap()
                        .is_some();
                    match (lease_end <= now, ordered) {
                        (true, false) => short += i64::from(quantity),
                        (false, true) => masked += i64::from(quantity),
                        _ => {}
                    }
                }
                if short > 0 {
                    assert!(
                        stats["redis_lapsed_units"].as_i64().unwrap() >= short,
                        "{stats}"
                    );
                }
                if short > masked {
                    inconsistent_seen += 1;
                    assert_eq!(stats["redis_consistent"], false, "{stats}");
                    assert_eq!(stats["consistent"], false, "{stats}");
                }
                assert!(
                    killed.elapsed() < stock::RESERVATION_LEASE + Duration::from_secs(7),
                    "the dead node's reservations came back within {:?} of the kill",
                    stock::RESERVATION_LEASE + Duration::from_secs(7)
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            let stats = stats_of(&client, &live[1], &admin, sale_id).await;
            assert_eq!(stats["consistent"], true, "{stats}");
            assert_eq!(stats["redis_stock"], stats["stock_left"], "{stats}");
            assert_eq!(stats["redis_lapsed_units"], 0);
            assert_eq!(stats["redis_leased_units"], 0);
            (came_back, samples, inconsistent_seen)
        }
    };
    let wave = futures::stream::iter(0..tokens.len())
        .map(|user| {
            let traffic = traffic.clone();
            let sent = attempt(
                client.clone(),
                bases.clone(),
                sale_id,
                user,
                tokens[user].clone(),
                format!("wave1-{user}"),
            );
            async move {
                let _go = traffic.read().await;
                sent.await
            }
        })
        .buffer_unordered(150)
        .collect::<Vec<_>>();
    let (results, (came_back, samples, inconsistent_seen)) = futures::join!(wave, recovery);
    let wave_elapsed = started.elapsed();
    let killed_at = killed_at.load(SeqCst);
    assert!(
        (300..1000).contains(&killed_at),
        "the node died mid-sale ({killed_at} sold)"
    );
    let reclaimed = reservation::Entity::find()
        .filter(reservation::Column::SaleId.eq(sale_id))
        .filter(reservation::Column::Outcome.eq("reclaimed"))
        .count(&conn)
        .await
        .unwrap();
    assert!(reclaimed > 0, "the dead node left reservations behind");

    let mut acknowledged: HashMap<usize, i64> = HashMap::new();
    let mut sold_out_users = Vec::new();
    let mut codes: HashMap<i64, usize> = HashMap::new();
    for (user, reply) in results {
        let reply = reply.expect("every user got an answer from a live node");
        match reply.status {
            200 | 201 => {
                acknowledged.insert(user, reply.data()["order_id"].as_i64().unwrap());
            }
            _ => {
                *codes.entry(reply.code()).or_default() += 1;
                if reply.code() == 40910 {
                    sold_out_users.push(user);
                }
            }
        }
    }
    assert!(
        codes.keys().all(|c| *c == 40910 || *c == 40911),
        "refusals are sold-out or over-limit: {codes:?}"
    );
    let after_wave = books(&conn, sale_id).await;
    assert!(after_wave.live_orders <= 1000, "never more than the stock");
    assert_eq!(
        i64::from(after_wave.stock_total - after_wave.stock_left),
        after_wave.live_orders
    );
    assert_eq!(after_wave.max_per_user, 1);
    for order_id in acknowledged.values() {
        assert!(
            after_wave.order_ids.contains(order_id),
            "acknowledged order {order_id} is in the database"
        );
    }

    // Whatever the first wave left unsold goes to those it turned away.
    tokio::time::sleep(stock::FLAG_TTL).await;
    let second: Vec<(usize, Option<Reply>)> = futures::stream::iter(sold_out_users.clone())
        .map(|user| {
            attempt(
                client.clone(),
                live.to_vec(),
                sale_id,
                user,
                tokens[user].clone(),
                format!("wave2-{user}"),
            )
        })
        .buffer_unordered(100)
        .collect()
        .await;
    for (user, reply) in second {
        let reply = reply.unwrap();
        if reply.status == 201 {
            acknowledged.insert(user, reply.data()["order_id"].as_i64().unwrap());
        }
    }
    let end = books(&conn, sale_id).await;
    assert_eq!(end.live_orders, 1000, "orders exactly equal to stock");
    assert_eq!(end.stock_left, 0);
    assert_eq!(end.max_per_user, 1);
    for order_id in acknowledged.values() {
        assert!(end.order_ids.contains(order_id));
    }
    let stats = stats_of(&client, &live[1], &admin, sale_id).await;
    assert_eq!(stats["consistent"], true, "{stats}");
    assert_eq!(stats["redis_stock"], 0);
    eprintln!(
        "three nodes (PostgreSQL + Redis), one SIGKILLed with {} of 1,000 sold, leaving {} \
         reservations without orders: all back {:.2} s after the kill; {} stats samples meanwhile, {} of \
         them taken while Redis was short (all said so); first wave of 5,000 users in {:.2} s, \
         {} orders after it; {} more after; final orders {} = stock",
        killed_at,
        reclaimed,
        came_back.as_secs_f64(),
        samples,
        inconsistent_seen,
        wave_elapsed.as_secs_f64(),
        after_wave.live_orders,
        end.live_orders - after_wave.live_orders,
        end.live_orders
    );
    drop(nodes);
    drop(conn);
}
