//! Several clients ("processes") sharing one Redis: one token, no mutual
//! invalidation. Needs Redis at redis://127.0.0.1:6379 or
//! `MINIBASE_TEST_REDIS_URL`; prints SKIPPED and passes when it is absent.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::Harness;
use futures::future::join_all;
use minibase_wechat::{CachedToken, RedisTokenStore, TokenStore};

fn redis_url() -> String {
    std::env::var("MINIBASE_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A fresh key prefix so parallel tests and earlier runs never share keys.
fn unique_prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("minibase-wechat-test:{test}:{}:{nanos}", std::process::id())
}

/// Writes straight to stderr: the test harness captures `eprintln!` of
/// passing tests, and a skip must not go unnoticed.
fn skipped(test: &str, why: &str) {
    use std::io::Write;
    let line =
        format!("SKIPPED: redis_store::{test}: {why} (set MINIBASE_TEST_REDIS_URL to run it)\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// One store per simulated process, each with its own connection.
async fn stores(test: &str, n: usize) -> Option<(String, Vec<RedisTokenStore>)> {
    let url = redis_url();
    let prefix = unique_prefix(test);
    let mut out = Vec::new();
    for _ in 0..n {
        match tokio::time::timeout(
            Duration::from_secs(3),
            RedisTokenStore::connect(&url, prefix.clone()),
        )
        .await
        {
            Ok(Ok(store)) => out.push(store),
            Ok(Err(err)) => {
                skipped(test, &format!("Redis at {url} unreachable: {err}"));
                return None;
            }
            Err(_) => {
                skipped(test, &format!("Redis at {url} did not answer in time"));
                return None;
            }
        }
    }
    Some((prefix, out))
}

async fn cleanup(prefix: &str, appid: &str) {
    if let Ok(client) = redis::Client::open(redis_url()) {
        if let Ok(mut conn) = client.get_multiplexed_async_connection().await {
            let _: redis::RedisResult<()> = redis::cmd("DEL")
                .arg(format!("{prefix}:{appid}:access_token"))
                .arg(format!("{prefix}:{appid}:refresh_lock"))
                .query_async(&mut conn)
                .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_share_one_token_and_one_forced_refresh() {
    let Some((prefix, stores)) = stores("share", 2).await else {
        return;
    };
    let h = Harness::default().await;
    let mut stores = stores.into_iter();
    let (Some(sa), Some(sb)) = (stores.next(), stores.next()) else {
        unreachable!()
    };
    let a = h.client_with_store(Arc::new(sa));
    let b = h.client_with_store(Arc::new(sb));

    let ta = a.access_token().await.unwrap();
    let tb = b.access_token().await.unwrap();
    assert_eq!(ta, tb);
    assert_eq!(h.mock.stats().stable_token, 1, "b must reuse a's token");

    // Someone outside invalidates the token; a notices first and force-refreshes.
    h.mock.invalidate_token();
    a.phone_number("p:1").await.unwrap();
    let stats = h.mock.stats();
    assert_eq!((stats.stable_token, stats.stable_token_forced), (2, 1));

    // b still holds the old token, gets 40001, and must pick up a's new token
    // instead of forcing again (which would invalidate a's).
    b.phone_number("p:2").await.unwrap();
    let stats = h.mock.stats();
    assert_eq!((stats.stable_token, stats.stable_token_forced), (2, 1));
    let ta = a.access_token().await.unwrap();
    assert_eq!(ta, b.access_token().await.unwrap());
    assert_eq!(Some(ta), h.mock.current_token());

    // Both notice a rejection at the same moment: still exactly one forced refresh.
    h.mock.invalidate_token();
    let (ra, rb) = tokio::join!(a.phone_number("p:3"), b.phone_number("p:4"));
    ra.unwrap();
    rb.unwrap();
    let stats = h.mock.stats();
    assert_eq!((stats.stable_token, stats.stable_token_forced), (3, 2));
    assert_eq!(
        a.access_token().await.unwrap(),
        b.access_token().await.unwrap()
    );

    cleanup(&prefix, &h.mock.config().appid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_start_across_processes_fetches_once() {
    let Some((prefix, stores)) = stores("cold", 4).await else {
        return;
    };
    let h = Harness::default().await;
    let clients: Vec<_> = stores
        .into_iter()
        .map(|s| h.client_with_store(Arc::new(s)))
        .collect();
    let tokens = join_all((0..400).map(|i| {
        let client = clients[i % clients.len()].clone();
        tokio::spawn(async move { client.access_token().await })
    }))
    .await;
    let tokens: Vec<String> = tokens.into_iter().map(|t| t.unwrap().unwrap()).collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(h.mock.stats().stable_token, 1);
    cleanup(&prefix, &h.mock.config().appid).await;
}

#[tokio::test]
async fn redis_lock_is_exclusive_and_released_only_by_its_owner() {
    let Some((prefix, stores)) = stores("lock", 2).await else {
        return;
    };
    let (a, b) = (&stores[0], &stores[1]);
    let appid = "wx-lock-test";
    let ttl = Duration::from_secs(5);
    let held = a.try_lock(appid, ttl).await.unwrap().unwrap();
    assert!(b.try_lock(appid, ttl).await.unwrap().is_none());
    b.unlock(appid, "someone-else".into()).await.unwrap();
    assert!(b.try_lock(appid, ttl).await.unwrap().is_none());
    a.unlock(appid, held).await.unwrap();
    let again = b.try_lock(appid, ttl).await.unwrap();
    assert!(again.is_some());

    let token = CachedToken {
        token: "tok".into(),
        expires_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 60,
    };
    a.put(appid, token.clone()).await.unwrap();
    assert_eq!(b.get(appid).await.unwrap(), Some(token));
    cleanup(&prefix, appid).await;
}
