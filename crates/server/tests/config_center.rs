//! The config center over HTTP: values, schemas, private keys, history and rollback, ETags,
//! feature flags; and two nodes on one PostgreSQL and one Redis, with Redis cut mid-test.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::proxy::TcpProxy;
use common::{test_config, Backend, Reply, TestApp, TestDatabase};
use minibase::users::model::Role;
use serde_json::{json, Value};

async fn admin_token(app: &TestApp) -> String {
    common::staff_token(app, Role::Admin).await
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> Reply {
    app.send(app.client.put(app.url(path)).bearer_auth(token).json(&body))
        .await
}

async fn config_crud_schema_history_and_rollback(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let admin = admin_token(&app).await;

    // Empty to start with.
    let empty = app.get("/api/v1/config").await;
    assert_eq!(empty.assert_ok(200)["_version"], 0);

    // A public key with a schema, and a private key.
    let schema = json!({"type": "object", "required": ["title"], "properties": {
        "title": {"type": "string", "minLength": 1}, "price": {"type": "number", "minimum": 0}}});
    let created = put(&app, &admin, "/api/v1/admin/config/home.banner",
        json!({"value": {"title": "双十一", "price": 9.9}, "schema": schema, "public": true, "description": "home banner"})).await;
    let created = created.assert_ok(200).clone();
    assert_eq!(created["version"], 1);
    assert!(created["updated_by"]
        .as_str()
        .unwrap()
        .starts_with("admin:"));
    put(
        &app,
        &admin,
        "/api/v1/admin/config/payment.secret",
        json!({"value": "s3cr3t"}),
    )
    .await
    .assert_ok(200);

    let public = app.get("/api/v1/config").await;
    let data = public.assert_ok(200);
    assert_eq!(
        data["home.banner"],
        json!({"title": "双十一", "price": 9.9})
    );
    assert!(
        data.get("payment.secret").is_none(),
        "private keys are not public: {data}"
    );
    assert_eq!(data["_version"], 2);
    assert!(
        data.get("_flags").is_none(),
        "no flags for anonymous callers"
    );
    let private = app
        .get_auth("/api/v1/admin/config/payment.secret", &admin)
        .await;
    assert_eq!(private.assert_ok(200)["value"], "s3cr3t");

    // Schema violations are 422s naming the problem; nothing changes.
    let bad = put(
        &app,
        &admin,
        "/api/v1/admin/config/home.banner",
        json!({"value": {"title": "x", "price": -1}}),
    )
    .await;
    bad.assert_error(422, 42200);
    assert!(
        bad.json["message"]
            .as_str()
            .unwrap()
            .starts_with("value/price"),
        "{}",
        bad.text
    );
    let bad = put(
        &app,
        &admin,
        "/api/v1/admin/config/home.banner",
        json!({"value": {"price": 1}}),
    )
    .await;
    bad.assert_error(422, 42200);
    let bad = put(
        &app,
        &admin,
        "/api/v1/admin/config/other",
        json!({"value": 1, "schema": {"type": "no-such-type"}}),
    )
    .await;
    bad.assert_error(422, 42200);
    assert!(bad.json["message"].as_str().unwrap().starts_with("schema"));
    put(
        &app,
        &admin,
        "/api/v1/admin/config/Bad Key!",
        json!({"value": 1}),
    )
    .await
    .assert_error(422, 42200);
    put(
        &app,
        &admin,
        "/api/v1/admin/config/_version",
        json!({"value": 1}),
    )
    .await
    .assert_error(422, 42200);
    put(&app, &admin, "/api/v1/admin/config/x", json!({}))
        .await
        .assert_error(422, 42200);
    put(
        &app,
        &admin,
        "/api/v1/admin/config/x",
        json!({"value": 1, "colour": "red"}),
    )
    .await
    .assert_error(422, 42200);
    let raw = app
        .send(
            app.client
                .put(app.url("/api/v1/admin/config/x"))
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body("{value:"),
        )
        .await;
    raw.assert_error(400, 40001);
    assert_eq!(
        app.get("/api/v1/config").await.assert_ok(200)["_version"],
        2,
        "failed writes changed nothing"
    );

    // Updates, with optimistic concurrency.
    let v2 = put(
        &app,
        &admin,
        "/api/v1/admin/config/home.banner",
        json!({"value": {"title": "年货节"}, "expected_version": 1}),
    )
    .await;
    assert_eq!(v2.assert_ok(200)["version"], 2);
    assert_eq!(v2.json["data"]["schema"], schema, "absent schema is kept");
    put(
        &app,
        &admin,
        "/api/v1/admin/config/home.banner",
        json!({"value": {"title": "stale"}, "expected_version": 1}),
    )
    .await
    .assert_error(409, 40900);

    // History: who, when, old, new; and rollback to any version.
    let history = app
        .get_auth("/api/v1/admin/config/home.banner/history", &admin)
        .await;
    let rows = history.assert_ok(200).as_array().unwrap().clone();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["action"], "update");
    assert_eq!(rows[0]["old"]["value"]["title"], "双十一");
    assert_eq!(rows[0]["new"]["value"]["title"], "年货节");
    assert_eq!(rows[1]["action"], "create");
    assert!(rows[1]["old"].is_null());
    let rolled = app
        .send(
            app.client
                .post(app.url("/api/v1/admin/config/home.banner/rollback"))
                .bearer_auth(&admin)
                .json(&json!({"version": 1})),
        )
        .await;
    let rolled = rolled.assert_ok(200);
    assert_eq!(rolled["version"], 3);
    assert_eq!(rolled["value"]["title"], "双十一");
    assert_eq!(
        app.get("/api/v1/config").await.assert_ok(200)["home.banner"]["title"],
        "双十一"
    );
    app.send(
        app.client
            .post(app.url("/api/v1/admin/config/home.banner/rollback"))
            .bearer_auth(&admin)
            .json(&json!({"version": 99})),
    )
    .await
    .assert_error(404, 40401);

    // Delete, then roll the deleted key back.
    let delete = app
        .send(
            app.client
                .delete(app.url("/api/v1/admin/config/home.banner"))
                .bearer_auth(&admin),
        )
        .await;
    delete.assert_ok(200);
    assert!(app
        .get("/api/v1/config")
        .await
        .assert_ok(200)
        .get("home.banner")
        .is_none());
    app.get_auth("/api/v1/admin/config/home.banner", &admin)
        .await
        .assert_error(404, 40401);
    app.send(
        app.client
            .delete(app.url("/api/v1/admin/config/home.banner"))
            .bearer_auth(&admin),
    )
    .await
    .assert_error(404, 40401);
    let history = app
        .get_auth("/api/v1/admin/config/home.banner/history", &admin)
        .await;
    assert_eq!(history.assert_ok(200)[0]["action"], "delete");
    let back = app
        .send(
            app.client
                .post(app.url("/api/v1/admin/config/home.banner/rollback"))
                .bearer_auth(&admin)
                .json(&json!({"version": 2})),
        )
        .await;
    assert_eq!(back.assert_ok(200)["version"], 5);
    assert_eq!(
        app.get("/api/v1/config").await.assert_ok(200)["home.banner"]["title"],
        "年货节"
    );
    app.get_auth("/api/v1/admin/config/never-existed/history", &admin)
        .await
        .assert_error(404, 40401);

    // Only admins.
    let user = app
        .post_json("/api/v1/auth/login", &json!({"code": "cfg-user"}))
        .await;
    let user_token = user.assert_ok(200)["token"].as_str().unwrap().to_string();
    put(
        &app,
        &user_token,
        "/api/v1/admin/config/x",
        json!({"value": 1}),
    )
    .await
    .assert_error(403, 40300);
    app.get_auth("/api/v1/admin/config", &user_token)
        .await
        .assert_error(403, 40300);
    app.get("/api/v1/admin/config")
        .await
        .assert_error(401, 40100);
    let listed = app.get_auth("/api/v1/admin/config", &admin).await;
    assert_eq!(listed.assert_ok(200).as_array().unwrap().len(), 2);
}

async fn etag_and_feature_flags(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let admin = admin_token(&app).await;
    put(
        &app,
        &admin,
        "/api/v1/admin/config/theme",
        json!({"value": "red", "public": true}),
    )
    .await
    .assert_ok(200);

    // ETag and If-None-Match.
    let first = app.get("/api/v1/config").await;
    let etag = first.header("etag").unwrap().to_string();
    let again = app
        .send(
            app.client
                .get(app.url("/api/v1/config"))
                .header("if-none-match", &etag),
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.text.is_empty());
    put(
        &app,
        &admin,
        "/api/v1/admin/config/theme",
        json!({"value": "blue"}),
    )
    .await
    .assert_ok(200);
    let changed = app
        .send(
            app.client
                .get(app.url("/api/v1/config"))
                .header("if-none-match", &etag),
        )
        .await;
    assert_eq!(changed.assert_ok(200)["theme"], "blue");
    assert_ne!(changed.header("etag").unwrap(), etag);

    // Flags: percentage, role, allow-list; evaluated for a signed-in user only.
    let mut users = Vec::new();
    for i in 0..40 {
        let reply = app
            .post_json(
                "/api/v1/auth/login",
                &json!({"code": format!("flag-user-{i}")}),
            )
            .await;
        let data = reply.assert_ok(200);
        users.push((
            data["user"]["id"].as_i64().unwrap(),
            data["token"].as_str().unwrap().to_string(),
        ));
    }
    let vip = users[0].0;
    put(
        &app,
        &admin,
        "/api/v1/admin/flags/new-feed",
        json!({"value": {"enabled": true, "percentage": 50}}),
    )
    .await
    .assert_ok(200);
    put(
        &app,
        &admin,
        "/api/v1/admin/flags/beta-pay",
        json!({"value": {"enabled": true, "users": [vip]}}),
    )
    .await
    .assert_ok(200);
    put(
        &app,
        &admin,
        "/api/v1/admin/flags/mod-tools",
        json!({"value": {"enabled": true, "roles": ["moderator"]}}),
    )
    .await
    .assert_ok(200);
    assert!(app
        .get("/api/v1/config")
        .await
        .assert_ok(200)
        .get("_flags")
        .is_none());
    let mut on = 0;
    for (id, token) in &users {
        let flags = app.get_auth("/api/v1/config", token).await.assert_ok(200)["_flags"].clone();
        let expected = minibase::config_center::service::bucket("new-feed", *id) < 50;
        assert_eq!(flags["new-feed"], expected, "stable hashing for user {id}");
        // Asking again never flickers.
        assert_eq!(
            app.get_auth("/api/v1/config", token).await.assert_ok(200)["_flags"]["new-feed"],
            expected
        );
        on += usize::from(expected);
        assert_eq!(flags["beta-pay"], *id == vip);
        assert_eq!(flags["mod-tools"], false);
    }
    assert!((8..=32).contains(&on), "about half of 40 users: {on}");
    // A role change applies to the flag at once.
    let (mod_id, mod_token) = &users[1];
    app.send(
        app.client
            .put(app.url(&format!("/api/v1/admin/users/{mod_id}/role")))
            .bearer_auth(&admin)
            .json(&json!({"role": "moderator"})),
    )
    .await
    .assert_ok(200);
    assert_eq!(
        app.get_auth("/api/v1/config", mod_token)
            .await
            .assert_ok(200)["_flags"]["mod-tools"],
        true
    );
    // The master switch.
    put(
        &app,
        &admin,
        "/api/v1/admin/flags/beta-pay",
        json!({"value": {"enabled": false, "users": [vip]}}),
    )
    .await
    .assert_ok(200);
    assert_eq!(
        app.get_auth("/api/v1/config", &users[0].1)
            .await
            .assert_ok(200)["_flags"]["beta-pay"],
        false
    );

    // Invalid flag rules name the field.
    let bad = put(
        &app,
        &admin,
        "/api/v1/admin/flags/x",
        json!({"value": {"enabled": true, "percentage": 101}}),
    )
    .await;
    bad.assert_error(422, 42200);
    assert!(
        bad.json["message"]
            .as_str()
            .unwrap()
            .starts_with("value.percentage"),
        "{}",
        bad.text
    );
    let bad = put(
        &app,
        &admin,
        "/api/v1/admin/flags/x",
        json!({"value": {"enabled": "yes"}}),
    )
    .await;
    bad.assert_error(422, 42200);
    assert!(
        bad.json["message"]
            .as_str()
            .unwrap()
            .starts_with("value.enabled"),
        "{}",
        bad.text
    );
    put(
        &app,
        &admin,
        "/api/v1/admin/flags/x",
        json!({"value": {"roles": ["emperor"]}}),
    )
    .await
    .assert_error(422, 42200);
    put(
        &app,
        &admin,
        "/api/v1/admin/flags/x",
        json!({"value": {"typo": 1}}),
    )
    .await
    .assert_error(422, 42200);
    // A bad token on the public endpoint is not silently ignored.
    app.get_auth("/api/v1/config", "garbage")
        .await
        .assert_error(401, 40101);
    let flags = app.get_auth("/api/v1/admin/flags", &admin).await;
    assert_eq!(flags.assert_ok(200).as_array().unwrap().len(), 3);
}

on_every_backend!(
    config_crud_schema_history_and_rollback,
    etag_and_feature_flags
);

/// Poll `node` until the public config's `key` equals `want`; how long it took.
async fn wait_for(node: &TestApp, key: &str, want: &Value, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let reply = node.get("/api/v1/config").await;
        assert!(reply.status < 500, "5xx from a node: {}", reply.text);
        if reply.status == 200 && &reply.json["data"][key] == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{key} did not become {want} within {limit:?}: {}",
            reply.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_see_changes_within_a_second_and_survive_redis_outage() {
    let test = "two_nodes_see_changes_within_a_second_and_survive_redis_outage";
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let Some(db) = TestDatabase::create(Backend::Postgres, test).await else {
        return;
    };
    let db = Arc::new(db);
    let target = url::Url::parse(&redis_url).unwrap();
    let target = tokio::net::lookup_host(format!(
        "{}:{}",
        target.host_str().unwrap_or("127.0.0.1"),
        target.port().unwrap_or(6379)
    ))
    .await
    .unwrap()
    .next()
    .unwrap();
    let proxy = TcpProxy::start(target).await;
    let node = |db: Arc<TestDatabase>| {
        let mut raw = test_config(&db.url);
        raw.redis_url = Some(format!("redis://{}", proxy.addr));
        TestApp::start(raw, Backend::Postgres, Some(db), |r| r)
    };
    let a = node(db.clone()).await;
    let b = node(db.clone()).await;
    let admin = admin_token(&a).await;

    put(
        &a,
        &admin,
        "/api/v1/admin/config/price",
        json!({"value": 1, "public": true}),
    )
    .await
    .assert_ok(200);
    wait_for(&b, "price", &json!(1), Duration::from_secs(1)).await;
    // B now has the value cached; change it on A.
    for _ in 0..5 {
        b.get("/api/v1/config").await.assert_ok(200);
    }
    put(
        &a,
        &admin,
        "/api/v1/admin/config/price",
        json!({"value": 2}),
    )
    .await
    .assert_ok(200);
    let took = wait_for(&b, "price", &json!(2), Duration::from_secs(1)).await;
    eprintln!("propagation with Redis: {took:?}");

    // Redis goes away: both nodes keep answering, and changes still arrive through short TTLs.
    proxy.cut();
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        for n in [&a, &b] {
            let reply = n.get("/api/v1/config").await;
            assert_eq!(
                reply.status, 200,
                "no 5xx while Redis is down: {}",
                reply.text
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    put(
        &a,
        &admin,
        "/api/v1/admin/config/price",
        json!({"value": 3}),
    )
    .await
    .assert_ok(200);
    let took = wait_for(&b, "price", &json!(3), Duration::from_secs(2)).await;
    eprintln!("propagation without Redis: {took:?}");
    // Logins and authenticated reads work too.
    let login = b
        .post_json("/api/v1/auth/login", &json!({"code": "outage-user"}))
        .await;
    let token = login.assert_ok(200)["token"].as_str().unwrap().to_string();
    b.get_auth("/api/v1/users/me", &token).await.assert_ok(200);

    // Redis returns: propagation through events resumes.
    proxy.restore();
    tokio::time::sleep(Duration::from_secs(2)).await;
    for _ in 0..5 {
        b.get("/api/v1/config").await.assert_ok(200);
    }
    put(
        &a,
        &admin,
        "/api/v1/admin/config/price",
        json!({"value": 4}),
    )
    .await
    .assert_ok(200);
    let took = wait_for(&b, "price", &json!(4), Duration::from_secs(1)).await;
    eprintln!("propagation after Redis returned: {took:?}");
    assert!(b.state.cache.is_coherent(), "node B subscribed again");

    // A flag change follows the same path.
    let user = b
        .post_json("/api/v1/auth/login", &json!({"code": "flag-two-nodes"}))
        .await;
    let user_token = user.assert_ok(200)["token"].as_str().unwrap().to_string();
    assert!(b
        .get_auth("/api/v1/config", &user_token)
        .await
        .assert_ok(200)["_flags"]
        .get("launch")
        .is_none());
    put(
        &a,
        &admin,
        "/api/v1/admin/flags/launch",
        json!({"value": {"enabled": true, "percentage": 100}}),
    )
    .await
    .assert_ok(200);
    let started = Instant::now();
    loop {
        let flags = b
            .get_auth("/api/v1/config", &user_token)
            .await
            .assert_ok(200)["_flags"]
            .clone();
        if flags["launch"] == true {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "flag did not reach node B within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A ban on A ends the user's session on B within a second too.
    let user_id = user.json["data"]["user"]["id"].as_i64().unwrap();
    a.send(
        a.client
            .post(a.url(&format!("/api/v1/admin/users/{user_id}/ban")))
            .bearer_auth(&admin),
    )
    .await
    .assert_ok(200);
    let started = Instant::now();
    loop {
        let reply = b.get_auth("/api/v1/users/me", &user_token).await;
        if reply.status == 401 {
            reply.assert_error(401, 40104);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "ban did not reach node B within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
