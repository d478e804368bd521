//! New posts checked in the background (`content_check = "async"`), over HTTP on SQLite and
//! PostgreSQL against a standalone mock WeChat behind a proxy the tests can cut: a post waits in
//! `checking` (its author sees it, nobody else does), is published when WeChat passes it and
//! blocked when WeChat calls it risky; with WeChat down it is retried by one job, with a handful
//! of log lines, and published once WeChat is back. And the duplicate-text window can be off.

mod common;

use std::time::{Duration, Instant};

use common::proxy::TcpProxy;
use common::{Backend, Reply, TestApp};
use minibase::community::safety::{TextChecks, RECHECK_JOB, TEXT_CHECK_JOB};
use minibase_wechat::mock::{MockConfig, MockWechat};
use serde_json::{json, Value};

/// A mock WeChat of its own behind a proxy, and a node that checks posts in the background.
async fn spawn(backend: Backend, test: &str) -> Option<(TestApp, TcpProxy, MockWechat)> {
    let appid = format!(
        "wx-checks-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mock = MockWechat::new(MockConfig {
        appid: appid.clone(),
        ..MockConfig::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mock_addr = listener.local_addr().unwrap();
    let server = mock.clone();
    tokio::spawn(async move { server.serve(listener).await });
    let proxy = TcpProxy::start(mock_addr).await;
    let secret = mock.config().secret.clone();
    let proxy_addr = proxy.addr;
    let app = TestApp::spawn_with(backend, test, |raw| {
        raw.community.posts_per_minute = 0;
        raw.community.content_check = "async".into();
        raw.wechat_appid = Some(appid.clone());
        raw.wechat_secret = Some(secret);
        raw.wechat_api_base = format!("http://{proxy_addr}");
        raw.wechat_timeout_secs = 1;
    })
    .await?;
    Some((app, proxy, mock))
}

async fn login(app: &TestApp, code: &str) -> String {
    let reply = app
        .post_json("/api/v1/auth/login", &json!({ "code": code }))
        .await;
    reply.assert_ok(200)["token"].as_str().unwrap().to_string()
}

async fn post(app: &TestApp, token: &str, content: &str) -> Reply {
    app.send(
        app.client
            .post(app.url("/api/v1/posts"))
            .bearer_auth(token)
            .json(&json!({ "content": content, "topics": ["checks"] })),
    )
    .await
}

async fn status_seen_by(app: &TestApp, token: Option<&str>, id: i64) -> Option<String> {
    let path = format!("/api/v1/posts/{id}");
    let reply = match token {
        Some(token) => app.get_auth(&path, token).await,
        None => app.get(&path).await,
    };
    (reply.status == 200).then(|| reply.data()["status"].as_str().unwrap().to_string())
}

async fn latest_ids(app: &TestApp) -> Vec<i64> {
    let reply = app.get("/api/v1/posts?limit=50").await;
    reply.assert_ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p: &Value| p["id"].as_i64().unwrap())
        .collect()
}

async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn check_jobs(app: &TestApp, kind: &str) -> usize {
    minibase::store::jobs::repo::by_kind(&app.state.db, kind)
        .await
        .unwrap()
        .len()
}

async fn pending_post_seen_by_author_only_then_published_or_blocked(backend: Backend, test: &str) {
    let Some((app, proxy, mock)) = spawn(backend, test).await else {
        return;
    };
    let alice = login(&app, "alice").await;
    let bob = login(&app, "bob").await;
    let moderator = common::staff_token(&app, minibase::users::model::Role::Moderator).await;

    // WeChat away: the post waits in `checking`, and the answer did not wait for WeChat.
    proxy.cut();
    let checks_before = mock.stats().msg_sec_check;
    let created = post(&app, &alice, "a fine day for noodles").await;
    let data = created.assert_ok(201);
    assert_eq!(data["status"], "checking");
    assert!(data["author"]["nickname"].is_string());
    let id = data["id"].as_i64().unwrap();
    // Give the check job time to run (and fail) at least once.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        status_seen_by(&app, Some(&alice), id).await.as_deref(),
        Some("checking"),
        "its author sees it"
    );
    assert_eq!(
        status_seen_by(&app, Some(&moderator), id).await.as_deref(),
        Some("checking"),
        "moderators see it"
    );
    assert_eq!(
        status_seen_by(&app, Some(&bob), id).await,
        None,
        "others do not"
    );
    assert_eq!(
        status_seen_by(&app, None, id).await,
        None,
        "nor anonymous readers"
    );
    assert!(!latest_ids(&app).await.contains(&id), "nor the feed");
    let topic = app.get("/api/v1/posts?topic=checks").await;
    assert_eq!(topic.assert_ok(200)["items"].as_array().unwrap().len(), 0);
    let queue = app
        .get_auth("/api/v1/admin/moderation/posts?status=checking", &moderator)
        .await;
    assert_eq!(queue.assert_ok(200)["items"][0]["id"], id);
    assert_eq!(
        mock.stats().msg_sec_check,
        checks_before,
        "WeChat was not reached"
    );

    // WeChat back: the retry publishes it for everyone, topics and feed included.
    proxy.restore();
    until("the post to be published", || async {
        status_seen_by(&app, Some(&bob), id).await.as_deref() == Some("published")
    })
    .await;
    assert!(latest_ids(&app).await.contains(&id), "the feed shows it");
    let topic = app.get("/api/v1/posts?topic=checks").await;
    assert_eq!(topic.assert_ok(200)["items"][0]["id"], id);

    // Risky text: blocked, still seen by its author as blocked, by nobody else.
    let risky = post(&app, &alice, "this is forbidden talk").await;
    let risky_id = risky.assert_ok(201)["id"].as_i64().unwrap();
    until("the risky post to be blocked", || async {
        status_seen_by(&app, Some(&alice), risky_id)
            .await
            .as_deref()
            == Some("blocked")
    })
    .await;
    assert_eq!(status_seen_by(&app, Some(&bob), risky_id).await, None);
    assert!(!latest_ids(&app).await.contains(&risky_id));

    // Text for review: pending for a moderator.
    let review = post(&app, &alice, "a borderline joke").await;
    let review_id = review.assert_ok(201)["id"].as_i64().unwrap();
    until("the post to wait for a moderator", || async {
        status_seen_by(&app, Some(&alice), review_id)
            .await
            .as_deref()
            == Some("pending")
    })
    .await;
    assert_eq!(status_seen_by(&app, Some(&bob), review_id).await, None);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn pending_post_seen_by_author_only_then_published_or_blocked_sqlite() {
    pending_post_seen_by_author_only_then_published_or_blocked(
        Backend::Sqlite,
        "checks_visibility_sqlite",
    )
    .await;
}

#[tokio::test]
async fn pending_post_seen_by_author_only_then_published_or_blocked_postgres() {
    pending_post_seen_by_author_only_then_published_or_blocked(
        Backend::Postgres,
        "checks_visibility_postgres",
    )
    .await;
}

async fn wechat_down_is_one_retry_not_a_storm(backend: Backend, test: &str) {
    let Some((app, proxy, _mock)) = spawn(backend, test).await else {
        return;
    };
    let tokens = [login(&app, "u1").await, login(&app, "u2").await];
    proxy.cut();
    let mut ids = Vec::new();
    for i in 0..40 {
        let created = post(
            &app,
            &tokens[i % 2],
            &format!("post number {i} while WeChat is down"),
        )
        .await;
        ids.push(created.assert_ok(201)["id"].as_i64().unwrap());
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let jobs = check_jobs(&app, TEXT_CHECK_JOB).await;
    // Bounded by time (a job per 50 ms before the first failure, then one per backoff), not by
    // the number of posts.
    assert!(
        jobs <= 15,
        "40 posts over 2.5 s with WeChat down queued {jobs} check jobs"
    );
    assert_eq!(check_jobs(&app, RECHECK_JOB).await, 0, "no job per post");
    let lines = app
        .state
        .feature::<TextChecks>()
        .unwrap()
        .unavailable_log
        .lines();
    assert!(lines <= 1, "{lines} warning lines in under 30 s");

    proxy.restore();
    for id in ids {
        until("every waiting post to be published", || async {
            status_seen_by(&app, None, id).await.as_deref() == Some("published")
        })
        .await;
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn wechat_down_is_one_retry_not_a_storm_sqlite() {
    wechat_down_is_one_retry_not_a_storm(Backend::Sqlite, "checks_storm_sqlite").await;
}

#[tokio::test]
async fn wechat_down_is_one_retry_not_a_storm_postgres() {
    wechat_down_is_one_retry_not_a_storm(Backend::Postgres, "checks_storm_postgres").await;
}

async fn duplicate_window_zero_allows_identical_texts(backend: Backend, test: &str) {
    for (window, second) in [(0, 201), (600, 409)] {
        let Some(app) = TestApp::spawn_with(backend, test, |raw| {
            raw.community.posts_per_minute = 0;
            raw.community.duplicate_window_secs = window;
        })
        .await
        else {
            return;
        };
        let token = login(&app, "repeater").await;
        post(&app, &token, "same words again").await.assert_ok(201);
        let again = post(&app, &token, "same words again").await;
        assert_eq!(again.status, second, "window {window}");
        app.stop().await.unwrap();
    }
}

#[tokio::test]
async fn duplicate_window_zero_allows_identical_texts_sqlite() {
    duplicate_window_zero_allows_identical_texts(Backend::Sqlite, "dup_window_sqlite").await;
}

#[tokio::test]
async fn duplicate_window_zero_allows_identical_texts_postgres() {
    duplicate_window_zero_allows_identical_texts(Backend::Postgres, "dup_window_postgres").await;
}
