//! The cache layer on its own: single-flight loads, errors not cached, invalidation across two
//! caches sharing Redis, and the degraded TTL while Redis is away.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::proxy::TcpProxy;
use minibase::error::{AppError, ErrorCode};
use minibase::store::cache::{Cache, CacheSpec, DEGRADED_TTL};
use minibase::store::redis::Redis;

const SPEC: CacheSpec = CacheSpec {
    namespace: "test",
    ttl: Duration::from_secs(300),
    shared: true,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cold_key_under_load_is_loaded_once() {
    let metrics = minibase::observability::metrics_handle();
    let cache = Cache::new(None);
    let loads = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let cache = cache.clone();
        let loads = loads.clone();
        tasks.push(tokio::spawn(async move {
            cache
                .get_or_load(&SPEC, "cold", || async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok::<_, AppError>(42_u64)
                })
                .await
        }));
    }
    for task in tasks {
        assert_eq!(*task.await.unwrap().unwrap(), 42);
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1, "one load for 1000 callers");
    cache
        .get_or_load(&SPEC, "cold", || async { Ok::<_, AppError>(0_u64) })
        .await
        .unwrap();
    let text = metrics.render();
    let count = |result: &str| -> u64 {
        let prefix = format!("cache_requests_total{{namespace=\"test\",result=\"{result}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {result} counter in:\n{text}"))
    };
    assert!(count("hit") >= 1, "the last read was a hit");
    assert!(count("miss") >= 1);
}

#[tokio::test]
async fn errors_are_not_cached_and_invalidation_reloads() {
    let cache = Cache::new(None);
    let failed = cache
        .get_or_load(&SPEC, "k", || async {
            Err::<u64, _>(AppError::new(ErrorCode::Unavailable, "db down"))
        })
        .await;
    assert_eq!(failed.unwrap_err().code(), ErrorCode::Unavailable);
    let value = cache
        .get_or_load(&SPEC, "k", || async { Ok::<_, AppError>(1_u64) })
        .await
        .unwrap();
    assert_eq!(*value, 1);
    let cached = cache
        .get_or_load(&SPEC, "k", || async { Ok::<_, AppError>(2_u64) })
        .await
        .unwrap();
    assert_eq!(*cached, 1, "served from cache");
    cache.invalidate(&SPEC, "k").await;
    let reloaded = cache
        .get_or_load(&SPEC, "k", || async { Ok::<_, AppError>(3_u64) })
        .await
        .unwrap();
    assert_eq!(*reloaded, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalidation_crosses_nodes_and_degrades_to_short_ttls() {
    let test = "invalidation_crosses_nodes_and_degrades_to_short_ttls";
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let target = url::Url::parse(&redis_url).unwrap();
    let target = tokio::net::lookup_host(format!(
        "{}:{}",
        target.host_str().unwrap(),
        target.port().unwrap_or(6379)
    ))
    .await
    .unwrap()
    .next()
    .unwrap();
    let proxy = TcpProxy::start(target).await;
    let url = format!("redis://{}", proxy.addr);
    let a = Cache::new(Some(Redis::connect(&url).await.unwrap()));
    let b = Cache::new(Some(Redis::connect(&url).await.unwrap()));
    let key = uuid::Uuid::new_v4().to_string();
    for _ in 0..50 {
        if a.is_coherent() && b.is_coherent() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(a.is_coherent() && b.is_coherent(), "both subscribed");

    // B caches v1; A's invalidation reaches B.
    let v1 = b
        .get_or_load(&SPEC, &key, || async { Ok::<_, AppError>(1_u64) })
        .await
        .unwrap();
    assert_eq!(*v1, 1);
    // The shared level lets A skip its loader.
    let from_redis = a
        .get_or_load(&SPEC, &key, || async { Ok::<_, AppError>(99_u64) })
        .await
        .unwrap();
    assert_eq!(*from_redis, 1, "second level shared through Redis");
    a.invalidate(&SPEC, &key).await;
    let started = std::time::Instant::now();
    loop {
        let v = b
            .get_or_load(&SPEC, &key, || async { Ok::<_, AppError>(2_u64) })
            .await
            .unwrap();
        if *v == 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "invalidation did not reach B"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    // Redis away: B cannot hear A, but its entries live at most DEGRADED_TTL.
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!b.is_coherent());
    let v = b
        .get_or_load(&SPEC, &key, || async { Ok::<_, AppError>(3_u64) })
        .await
        .unwrap();
    assert_eq!(*v, 3, "reloaded after the outage began");
    let v = b
        .get_or_load(&SPEC, &key, || async { Ok::<_, AppError>(4_u64) })
        .await
        .unwrap();
    assert_eq!(*v, 3, "still cached within the short TTL");
    tokio::time::sleep(DEGRADED_TTL + Duration::from_millis(50)).await;
    let v = b
        .get_or_load(&SPEC, &key, || async { Ok::<_, AppError>(5_u64) })
        .await
        .unwrap();
    assert_eq!(*v, 5, "expired after the degraded TTL");

    // Redis back: B resubscribes and long TTLs return.
    proxy.restore();
    let started = std::time::Instant::now();
    while !b.is_coherent() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "B did not resubscribe"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `cache_enabled = false`: a read that is normally answered from the cache goes to the database
/// every time, so a row changed behind the server's back shows at once; with the cache on, the
/// same read costs no query and keeps the old answer.
#[tokio::test]
async fn with_the_cache_off_reads_go_to_the_database() {
    use common::{Backend, TestApp};
    use sea_orm::ConnectionTrait;

    for enabled in [false, true] {
        let test = format!("cache_off_reads_db_{enabled}");
        let Some(app) = TestApp::spawn_with(Backend::Sqlite, &test, |raw| {
            raw.cache_enabled = enabled;
            raw.jobs_concurrency = 0;
        })
        .await
        else {
            return;
        };
        assert_eq!(app.state.cache.is_enabled(), enabled);
        let login = app
            .post_json(
                "/api/v1/auth/login",
                &serde_json::json!({"code": "cache-off"}),
            )
            .await;
        let data = login.assert_ok(200);
        let (id, token) = (
            data["user"]["id"].as_i64().unwrap(),
            data["token"].as_str().unwrap().to_string(),
        );
        // The first reads fill the caches (session, profile, anonymous first page).
        app.get_auth("/api/v1/users/me", &token)
            .await
            .assert_ok(200);
        app.get("/api/v1/posts?limit=20").await.assert_ok(200);

        app.state
            .db
            .execute_unprepared(&format!(
                "UPDATE users SET nickname = 'changed behind its back' WHERE id = {id}"
            ))
            .await
            .unwrap();
        let before = app.state.queries.get();
        let me = app.get_auth("/api/v1/users/me", &token).await;
        let me_queries = app.state.queries.get() - before;
        let before = app.state.queries.get();
        app.get("/api/v1/posts?limit=20").await.assert_ok(200);
        let feed_queries = app.state.queries.get() - before;

        let nickname = me.assert_ok(200)["nickname"].as_str().unwrap().to_string();
        if enabled {
            assert_eq!(
                me_queries, 0,
                "cache on: the profile and session from memory"
            );
            assert_eq!(feed_queries, 0, "cache on: the first page from memory");
            assert_eq!(
                nickname, "",
                "cache on: the cached profile until invalidated"
            );
        } else {
            assert!(me_queries >= 1, "cache off: users/me reads the database");
            assert!(
                feed_queries >= 1,
                "cache off: the first page reads the database"
            );
            assert_eq!(nickname, "changed behind its back");
        }
        app.stop().await.unwrap();
    }
}
