//! Durable jobs (retries, restarts, a dead node's lease) and in-app notifications with WeChat
//! subscribe messages, over HTTP and on every backend.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{test_config, Backend, TestApp};
use minibase::notifications::service::{notify, Notice};
use minibase::notifications::subscribe::{self, SendRequest};
use minibase::store::jobs::{self, repo, JobSpec};
use serde_json::json;

async fn login(app: &TestApp, code: &str) -> (i64, String) {
    let reply = app
        .post_json("/api/v1/auth/login", &json!({ "code": code }))
        .await;
    let data = reply.assert_ok(200);
    (
        data["user"]["id"].as_i64().unwrap(),
        data["token"].as_str().unwrap().to_string(),
    )
}

async fn wait_until<F: std::future::Future<Output = bool>>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> F,
) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn subscribe_messages_are_sent_by_a_job(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let mock = app.state.wechat.mock().expect("dev mode mock").clone();
    let (user_id, token) = login(&app, "sub-user").await;
    let send = |template: &str| SendRequest {
        user_id,
        template_id: template.into(),
        page: Some("pages/index/index".into()),
        data: json!({"thing1": {"value": "请假申请已通过"}}),
    };
    // Not accepted yet: the job runs and sends nothing.
    subscribe::enqueue(&app.state.db, &send("tpl-approval"))
        .await
        .unwrap();
    app.state.jobs.wake();
    wait_until("job done", Duration::from_secs(5), || async {
        repo::by_kind(&app.state.db, subscribe::SEND_JOB)
            .await
            .unwrap()
            .iter()
            .all(|j| j.status == "done")
    })
    .await;
    assert!(mock.sent_messages().is_empty());

    // Accepted once: exactly one message goes out.
    let accepted = app
        .send(
            app.client
                .post(app.url("/api/v1/notifications/subscriptions"))
                .bearer_auth(&token)
                .json(&json!({"template_ids": ["tpl-approval"]})),
        )
        .await;
    assert_eq!(accepted.assert_ok(200)[0]["remaining"], 1);
    subscribe::enqueue(&app.state.db, &send("tpl-approval"))
        .await
        .unwrap();
    subscribe::enqueue(&app.state.db, &send("tpl-approval"))
        .await
        .unwrap();
    app.state.jobs.wake();
    wait_until("one message sent", Duration::from_secs(5), || async {
        mock.sent_messages().len() == 1
    })
    .await;
    wait_until("jobs done", Duration::from_secs(5), || async {
        repo::by_kind(&app.state.db, subscribe::SEND_JOB)
            .await
            .unwrap()
            .iter()
            .all(|j| j.status == "done")
    })
    .await;
    assert_eq!(mock.sent_messages().len(), 1, "one acceptance, one message");
    assert_eq!(
        mock.sent_messages()[0].touser,
        minibase_wechat::mock::openid_for_code("sub-user")
    );
    let left = app
        .get_auth("/api/v1/notifications/subscriptions", &token)
        .await;
    assert_eq!(left.assert_ok(200).as_array().unwrap().len(), 0);
    app.send(
        app.client
            .post(app.url("/api/v1/notifications/subscriptions"))
            .bearer_auth(&token)
            .json(&json!({"template_ids": []})),
    )
    .await
    .assert_error(422, 42200);
}

async fn notifications_list_count_and_read(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let (alice, alice_token) = login(&app, "n-alice").await;
    let (bob, bob_token) = login(&app, "n-bob").await;
    for i in 0..5 {
        notify(
            &app.state.db,
            Notice {
                user_id: alice,
                kind: "like",
                actor_id: Some(bob),
                subject_type: "post",
                subject_id: i,
                body: json!({"n": i}),
            },
        )
        .await
        .unwrap();
    }
    // One's own acts are not notified.
    notify(
        &app.state.db,
        Notice {
            user_id: alice,
            kind: "like",
            actor_id: Some(alice),
            subject_type: "post",
            subject_id: 9,
            body: json!({}),
        },
    )
    .await
    .unwrap();
    let count = app
        .get_auth("/api/v1/notifications/unread-count", &alice_token)
        .await;
    assert_eq!(count.assert_ok(200)["unread"], 5);
    let page = app
        .get_auth("/api/v1/notifications?limit=3", &alice_token)
        .await;
    let data = page.assert_ok(200).clone();
    assert_eq!(data["items"].as_array().unwrap().len(), 3);
    assert_eq!(data["items"][0]["body"]["n"], 4, "newest first");
    let cursor = data["next_cursor"].as_str().unwrap();
    let rest = app
        .get_auth(
            &format!("/api/v1/notifications?limit=3&cursor={cursor}"),
            &alice_token,
        )
        .await;
    assert_eq!(rest.assert_ok(200)["items"].as_array().unwrap().len(), 2);
    assert!(rest.json["data"]["next_cursor"].is_null());
    app.get_auth("/api/v1/notifications?cursor=forged!", &alice_token)
        .await
        .assert_error(400, 40003);
    app.get_auth("/api/v1/notifications?limit=101", &alice_token)
        .await
        .assert_error(400, 40002);

    // Bob sees none of Alice's and cannot mark them.
    assert_eq!(
        app.get_auth("/api/v1/notifications/unread-count", &bob_token)
            .await
            .assert_ok(200)["unread"],
        0
    );
    let first_id = data["items"][0]["id"].as_i64().unwrap();
    let marked = app
        .send(
            app.client
                .post(app.url("/api/v1/notifications/read"))
                .bearer_auth(&bob_token)
                .json(&json!({"ids": [first_id]})),
        )
        .await;
    assert_eq!(marked.assert_ok(200)["marked"], 0);

    let marked = app
        .send(
            app.client
                .post(app.url("/api/v1/notifications/read"))
                .bearer_auth(&alice_token)
                .json(&json!({"ids": [first_id]})),
        )
        .await;
    assert_eq!(marked.assert_ok(200)["marked"], 1);
    assert_eq!(
        app.get_auth("/api/v1/notifications/unread-count", &alice_token)
            .await
            .assert_ok(200)["unread"],
        4
    );
    let unread = app
        .get_auth("/api/v1/notifications?unread=true", &alice_token)
        .await;
    assert_eq!(unread.assert_ok(200)["items"].as_array().unwrap().len(), 4);
    let all = app
        .send(
            app.client
                .post(app.url("/api/v1/notifications/read"))
                .bearer_auth(&alice_token)
                .json(&json!({})),
        )
        .await;
    assert_eq!(all.assert_ok(200)["marked"], 4);
    assert_eq!(
        app.get_auth("/api/v1/notifications/unread-count", &alice_token)
            .await
            .assert_ok(200)["unread"],
        0
    );
    app.get("/api/v1/notifications")
        .await
        .assert_error(401, 40100);
}

on_every_backend!(
    subscribe_messages_are_sent_by_a_job,
    notifications_list_count_and_read
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_a_restart_and_a_dead_nodes_lease() {
    let db = Arc::new(
        common::TestDatabase::create(Backend::Sqlite, "jobs_restart")
            .await
            .unwrap(),
    );
    // A node that runs no jobs accepts work and stops.
    let mut raw = test_config(&db.url);
    raw.jobs_concurrency = 0;
    let web_only = TestApp::start(raw, Backend::Sqlite, Some(db.clone()), |r| r).await;
    let (user_id, token) = login(&web_only, "restart-user").await;
    web_only
        .send(
            web_only
                .client
                .post(web_only.url("/api/v1/notifications/subscriptions"))
                .bearer_auth(&token)
                .json(&json!({"template_ids": ["t1", "t2"]})),
        )
        .await
        .assert_ok(200);
    for template in ["t1", "t2"] {
        let request = SendRequest {
            user_id,
            template_id: template.into(),
            page: None,
            data: json!({"thing1": {"value": "x"}}),
        };
        subscribe::enqueue(&web_only.state.db, &request)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    let queued = repo::by_kind(&web_only.state.db, subscribe::SEND_JOB)
        .await
        .unwrap();
    assert!(
        queued.iter().all(|j| j.status == "pending"),
        "nothing ran on the web-only node"
    );
    // Simulate a node that claimed the second job and died: its lease has run out.
    let stuck = queued[1].id;
    let past = chrono::Utc::now() - chrono::Duration::seconds(120);
    repo::claim(&web_only.state.db, stuck, chrono::Utc::now(), past)
        .await
        .unwrap()
        .expect("claimed");
    web_only.stop().await.unwrap();

    // A new node with a worker picks up both: the pending one and the dead node's.
    let worker = TestApp::start(
        test_config(&db.url),
        Backend::Sqlite,
        Some(db.clone()),
        |r| r,
    )
    .await;
    let mock = worker.state.wechat.mock().unwrap().clone();
    wait_until(
        "both sent after the restart",
        Duration::from_secs(5),
        || async { mock.sent_messages().len() == 2 },
    )
    .await;
    let done = repo::by_kind(&worker.state.db, subscribe::SEND_JOB)
        .await
        .unwrap();
    assert!(done.iter().all(|j| j.status == "done"), "{done:?}");
    assert_eq!(
        repo::find(&worker.state.db, stuck)
            .await
            .unwrap()
            .unwrap()
            .attempts,
        2,
        "taken over once"
    );
}

#[tokio::test]
async fn failing_jobs_back_off_then_fail_for_good() {
    let app = TestApp::spawn(Backend::Sqlite, "jobs_fail").await.unwrap();
    jobs::enqueue(
        &app.state.db,
        JobSpec {
            max_attempts: 2,
            ..JobSpec::now("no.such.kind")
        },
        &json!({}),
    )
    .await
    .unwrap();
    // A dedupe key makes a second enqueue a no-op.
    let spec = || JobSpec {
        dedupe_key: Some("once"),
        ..JobSpec::now("no.such.kind")
    };
    jobs::enqueue(&app.state.db, spec(), &json!({}))
        .await
        .unwrap();
    jobs::enqueue(&app.state.db, spec(), &json!({}))
        .await
        .unwrap();
    app.state.jobs.wake();
    // Wait for the first attempt to be recorded (not just claimed: a claimed job is "running").
    wait_until("first attempt", Duration::from_secs(5), || async {
        let job = &repo::by_kind(&app.state.db, "no.such.kind").await.unwrap()[0];
        job.attempts == 1 && job.status != "running"
    })
    .await;
    let rows = repo::by_kind(&app.state.db, "no.such.kind").await.unwrap();
    assert_eq!(rows.len(), 2, "the deduplicated job was queued once");
    let first = &rows[0];
    assert_eq!(first.status, "pending", "retried later");
    assert!(first.run_at > first.created_at, "backoff");
    assert!(first.last_error.as_deref().unwrap().contains("no handler"));
    wait_until(
        "failed for good after max attempts",
        Duration::from_secs(5),
        || async {
            repo::by_kind(&app.state.db, "no.such.kind").await.unwrap()[0].status == "failed"
        },
    )
    .await;
    assert_eq!(
        repo::by_kind(&app.state.db, "no.such.kind").await.unwrap()[0].attempts,
        2
    );
}
