//! Every use of Redis on a real three-master Redis Cluster (`redis_cluster = true`): a flash
//! sale raced on two nodes sells exactly its stock (Lua scripts and a MULTI over one sale's
//! hash-tagged keys), cache invalidation crosses nodes (pub/sub), rate limits are shared, and
//! the WeChat access token is shared. Realtime across nodes on a cluster (streams, scripts,
//! pub/sub) is in tests/realtime.rs.

mod common;

use std::time::{Duration, Instant};

use common::redis_cluster::RedisCluster;
use common::{Backend, Reply, TestApp};
use minibase::error::AppError;
use minibase::flash_sale::model::order;
use minibase::store::cache::{Cache, CacheSpec};
use minibase::store::redis::Redis;
use minibase::users::model::Role;
use minibase_wechat::{CachedToken, RedisTokenStore, TokenStore};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

/// Two nodes on one database and the cluster, with limits that do not get in the way of a race
/// from one address (127.0.0.1).
async fn two_nodes(cluster: &RedisCluster, test: &str) -> Option<(TestApp, TestApp)> {
    let configure = |raw: &mut minibase::config::RawConfig| {
        cluster.configure(raw);
        raw.auth.login_rate_per_ip = 100_000;
        raw.flash_sale.flash_sale_order_rate_per_ip = 100_000;
    };
    let a = TestApp::spawn_with(Backend::Postgres, test, configure).await?;
    let db = a.database().expect("a test database");
    let mut raw = common::test_config(&db.url);
    configure(&mut raw);
    let b = TestApp::start(raw, Backend::Postgres, Some(db), |routes| routes).await;
    Some((a, b))
}

async fn login(app: &TestApp, code: &str) -> Reply {
    app.post_json("/api/v1/auth/login", &json!({ "code": code }))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flash_sale_raced_on_two_nodes_never_oversells() {
    let test = "a_flash_sale_raced_on_two_nodes_never_oversells";
    let Some(cluster) = RedisCluster::start(test) else {
        return;
    };
    let Some((a, b)) = two_nodes(&cluster, test).await else {
        return;
    };
    let admin = common::staff_token(&a, Role::Admin).await;
    let product = a
        .send(
            a.client
                .post(a.url("/api/v1/admin/products"))
                .bearer_auth(&admin)
                .json(&json!({
                    "name": "限量球鞋", "description": "flash sale item", "price_cents": 99900,
                    "images": ["https://img.example.com/a.jpg"],
                    "skus": [{"code": "42", "name": "EU 42", "price_cents": 99900}]
                })),
        )
        .await;
    let product_id = product.assert_ok(201)["id"].as_i64().unwrap();
    let now = chrono::Utc::now();
    const STOCK: usize = 40;
    const BUYERS: usize = 120;
    let sale = a
        .send(
            a.client
                .post(a.url("/api/v1/admin/flash-sales"))
                .bearer_auth(&admin)
                .json(&json!({
                    "product_id": product_id, "sku_code": "42", "title": "秒杀",
                    "sale_price_cents": 9900, "stock": STOCK, "per_user_limit": 1,
                    "starts_at": (now - chrono::Duration::seconds(1)).to_rfc3339(),
                    "ends_at": (now + chrono::Duration::seconds(600)).to_rfc3339(),
                })),
        )
        .await;
    let sale_id = sale.assert_ok(201)["id"].as_i64().unwrap();

    let mut tokens = Vec::new();
    for i in 0..BUYERS {
        let node = if i % 2 == 0 { &a } else { &b };
        let reply = login(node, &format!("cluster-buyer-{i}")).await;
        tokens.push(reply.assert_ok(200)["token"].as_str().unwrap().to_string());
    }
    // Every buyer at once, half on each node, each trying twice (the second is over the limit).
    let attempts = tokens.iter().enumerate().flat_map(|(i, token)| {
        let (a, b) = (&a, &b);
        (0..2).map(move |k| {
            let node = if (i + k) % 2 == 0 { a } else { b };
            async move {
                node.send(
                    node.client
                        .post(node.url(&format!("/api/v1/flash-sales/{sale_id}/orders")))
                        .bearer_auth(token),
                )
                .await
            }
        })
    });
    let replies = futures::future::join_all(attempts).await;
    let sold = replies
        .iter()
        .filter(|r| r.status == 201 || r.status == 200)
        .count();
    for reply in &replies {
        assert!(
            reply.status < 300 || reply.status == 409,
            "an order answered {}: {}",
            reply.status,
            reply.text
        );
    }
    assert_eq!(sold, STOCK, "exactly the stock is sold");
    let orders = order::Entity::find()
        .filter(order::Column::SaleId.eq(sale_id))
        .count(&a.state.db)
        .await
        .unwrap();
    assert_eq!(orders as usize, STOCK, "one order row per unit sold");
    // The keys really are spread over the cluster (sale, counters, tokens in several slots).
    let spread = cluster.keys_per_node();
    assert!(
        spread.iter().filter(|n| **n > 0).count() >= 2,
        "keys on one master only: {spread:?}"
    );
}

const SPEC: CacheSpec = CacheSpec {
    namespace: "cluster-test",
    ttl: Duration::from_secs(60),
    shared: true,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_invalidation_crosses_nodes() {
    let test = "cache_invalidation_crosses_nodes (cluster)";
    let Some(cluster) = RedisCluster::start(test) else {
        return;
    };
    let a = Cache::new(Some(Redis::connect_cluster(&cluster.url()).await.unwrap()));
    let b = Cache::new(Some(Redis::connect_cluster(&cluster.url()).await.unwrap()));
    let started = Instant::now();
    while !(a.is_coherent() && b.is_coherent()) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "both subscribed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Several keys, so that they land on several masters while the channel is on one.
    for key in ["alpha", "bravo", "charlie", "delta", "echo"] {
        let v1 = b
            .get_or_load(&SPEC, key, || async { Ok::<_, AppError>(1_u64) })
            .await
            .unwrap();
        assert_eq!(*v1, 1);
        let shared = a
            .get_or_load(&SPEC, key, || async { Ok::<_, AppError>(99_u64) })
            .await
            .unwrap();
        assert_eq!(*shared, 1, "{key}: second level shared through the cluster");
        a.invalidate(&SPEC, key).await;
        let started = Instant::now();
        loop {
            let v = b
                .get_or_load(&SPEC, key, || async { Ok::<_, AppError>(2_u64) })
                .await
                .unwrap();
            if *v == 2 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{key}: the invalidation did not reach the other node"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert!(a.is_coherent() && b.is_coherent());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_counted_once_across_nodes() {
    let test = "rate_limits_are_counted_once_across_nodes (cluster)";
    let Some(cluster) = RedisCluster::start(test) else {
        return;
    };
    let limited = |raw: &mut minibase::config::RawConfig| {
        cluster.configure(raw);
        raw.auth.login_rate_per_ip = 4;
        raw.auth.login_rate_window_secs = 60;
    };
    let Some(a) = TestApp::spawn_with(Backend::Sqlite, test, limited).await else {
        return;
    };
    let db = a.database().expect("a test database");
    let mut raw = common::test_config(&db.url);
    limited(&mut raw);
    let b = TestApp::start(raw, Backend::Sqlite, Some(db), |routes| routes).await;
    for i in 0..4 {
        let node = if i % 2 == 0 { &a } else { &b };
        login(node, &format!("limited-{i}")).await.assert_ok(200);
    }
    // The fifth, on either node, is over the one shared limit.
    login(&a, "limited-5").await.assert_error(429, 42900);
    login(&b, "limited-6").await.assert_error(429, 42900);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wechat_access_token_is_shared() {
    let test = "the_wechat_access_token_is_shared (cluster)";
    let Some(cluster) = RedisCluster::start(test) else {
        return;
    };
    let one = Redis::connect_cluster(&cluster.url()).await.unwrap();
    let other = Redis::connect_cluster(&cluster.url()).await.unwrap();
    let a = RedisTokenStore::new(one.conn(), "mbt:wx");
    let b = RedisTokenStore::new(other.conn(), "mbt:wx");
    let token = CachedToken {
        token: "ACCESS".into(),
        expires_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 7200,
    };
    a.put("wx-app", token.clone()).await.unwrap();
    assert!(
        b.get("wx-app").await.unwrap() == Some(token),
        "the other node reads it"
    );
    // One refresher at a time, whichever node asks; the unlock script frees it.
    let held = a
        .try_lock("wx-app", Duration::from_secs(10))
        .await
        .unwrap()
        .expect("the first lock");
    assert!(b
        .try_lock("wx-app", Duration::from_secs(10))
        .await
        .unwrap()
        .is_none());
    a.unlock("wx-app", held).await.unwrap();
    assert!(b
        .try_lock("wx-app", Duration::from_secs(10))
        .await
        .unwrap()
        .is_some());
}
