//! The admin console: its assets and their headers, the cookie session with its CSRF rule, the
//! account APIs, the audit log, jobs, files and the dashboard. Over real HTTP, on SQLite,
//! PostgreSQL and MySQL.

mod common;

use chrono::Utc;
use common::{staff_token, Backend, Reply, TestApp};
use minibase::users::model::Role;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{json, Value};

const PASSWORD: &str = "console password 1";

async fn user(app: &TestApp, code: &str) -> (i64, String) {
    let reply = app
        .post_json("/api/v1/auth/login", &json!({ "code": code }))
        .await;
    let data = reply.assert_ok(200);
    (
        data["user"]["id"].as_i64().expect("id"),
        data["token"].as_str().expect("token").to_string(),
    )
}

async fn account(app: &TestApp, name: &str, role: Role) {
    minibase::auth::service::create_admin(&app.state.db, name, PASSWORD, role)
        .await
        .expect("create admin");
}

/// A signed-in console: the cookies the server set, and the CSRF token.
struct Console {
    cookie: String,
    csrf: String,
}

fn set_cookies(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect()
}

fn cookie_value(set_cookies: &[String], name: &str) -> String {
    set_cookies
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_default()
        .to_string()
}

async fn sign_in(app: &TestApp, name: &str, password: &str) -> (Reply, Option<Console>) {
    let reply = app
        .post_json(
            "/api/v1/admin/console/session",
            &json!({ "username": name, "password": password }),
        )
        .await;
    if reply.status != 200 {
        return (reply, None);
    }
    let cookies = set_cookies(&reply);
    let console = Console {
        cookie: format!(
            "mb_console={}; mb_csrf={}",
            cookie_value(&cookies, "mb_console"),
            cookie_value(&cookies, "mb_csrf")
        ),
        csrf: reply.data()["csrf_token"]
            .as_str()
            .expect("csrf")
            .to_string(),
    };
    (reply, Some(console))
}

impl Console {
    async fn send(
        &self,
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        csrf: Option<&str>,
    ) -> Reply {
        let mut request = app
            .client
            .request(method, app.url(path))
            .header("cookie", &self.cookie);
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        app.send(request).await
    }

    async fn get(&self, app: &TestApp, path: &str) -> Reply {
        self.send(app, reqwest::Method::GET, path, None, None).await
    }

    async fn post(&self, app: &TestApp, path: &str, body: Value) -> Reply {
        self.send(
            app,
            reqwest::Method::POST,
            path,
            Some(body),
            Some(&self.csrf),
        )
        .await
    }
}

async fn console_assets_have_their_headers(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let index = app.get("/console/").await;
    assert_eq!(index.status, 200);
    assert!(index.text.contains("<div id=\"app\">"), "{}", index.text);
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    let csp = index.header("content-security-policy").expect("csp");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(index.header("x-frame-options"), Some("DENY"));

    // The hashed script the page names: a year of cache.
    let script = index
        .text
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a script");
    assert!(script.starts_with("/console/assets/"), "{script}");
    let asset = app.get(script).await;
    assert_eq!(asset.status, 200);
    assert!(asset
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/javascript")));
    assert_eq!(
        asset.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    // Client-side routes get the app; missing files stay 404s; /console redirects.
    let route = app.get("/console/users/42").await;
    assert_eq!(route.status, 200);
    assert!(route.text.contains("<div id=\"app\">"));
    assert_eq!(app.get("/console/assets/missing-abc.js").await.status, 404);
    assert_eq!(app.get("/console/favicon.ico").await.status, 404);
    let redirect = app
        .send(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client")
                .get(app.url("/console")),
        )
        .await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/console/"));
}

async fn cookie_session_and_csrf(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    account(&app, "root", Role::Admin).await;
    let (bad, _) = sign_in(&app, "root", "wrong password!").await;
    bad.assert_error(401, 40105);

    let (reply, console) = sign_in(&app, "root", PASSWORD).await;
    let console = console.expect("signed in");
    let cookies = set_cookies(&reply);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("mb_console="))
        .expect("session cookie");
    assert!(session.contains("; HttpOnly"), "{session}");
    assert!(session.contains("; SameSite=Strict"), "{session}");
    assert!(session.contains("; Path=/"), "{session}");
    assert!(!session.contains("Secure"), "dev mode: {session}");
    let csrf_cookie = cookies
        .iter()
        .find(|c| c.starts_with("mb_csrf="))
        .expect("csrf cookie");
    assert!(
        !csrf_cookie.contains("HttpOnly"),
        "script reads it: {csrf_cookie}"
    );
    // The body names the account and the CSRF token, never the session token.
    let data = reply.data();
    assert_eq!(data["admin"]["username"], "root");
    assert!(data.get("token").is_none(), "{data}");
    assert!(!reply.text.contains(&cookie_value(&cookies, "mb_console")));
    assert_eq!(data["csrf_token"], cookie_value(&cookies, "mb_csrf"));

    // Reads need only the cookie.
    let me = console.get(&app, "/api/v1/admin/console/session").await;
    assert_eq!(me.assert_ok(200)["admin"]["role"], "admin");
    assert_eq!(me.data()["csrf_token"], console.csrf.as_str());
    console
        .get(&app, "/api/v1/admin/users")
        .await
        .assert_ok(200);

    // Changes need the header: missing or wrong is 40305, and nothing happens.
    let body = json!({"username": "newbie", "password": "long enough 123", "role": "moderator"});
    console
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/admin/accounts",
            Some(body.clone()),
            None,
        )
        .await
        .assert_error(403, 40305);
    console
        .send(
            &app,
            reqwest::Method::POST,
            "/api/v1/admin/accounts",
            Some(body.clone()),
            Some(&"0".repeat(64)),
        )
        .await
        .assert_error(403, 40305);
    let listed = console.get(&app, "/api/v1/admin/accounts").await;
    assert_eq!(listed.assert_ok(200).as_array().map(Vec::len), Some(1));
    console
        .post(&app, "/api/v1/admin/accounts", body)
        .await
        .assert_ok(201);

    // A bearer token needs no CSRF header (no browser sends it by itself).
    let bearer = staff_token(&app, Role::Admin).await;
    let (alice, _) = user(&app, "alice").await;
    app.send(
        app.client
            .post(app.url(&format!("/api/v1/admin/users/{alice}/ban")))
            .bearer_auth(&bearer),
    )
    .await
    .assert_ok(200);

    // Signing out clears the cookies and ends the token the cookie held.
    let out = console
        .send(
            &app,
            reqwest::Method::DELETE,
            "/api/v1/admin/console/session",
            None,
            Some(&console.csrf),
        )
        .await;
    out.assert_ok(200);
    let cleared = set_cookies(&out);
    assert!(cleared
        .iter()
        .any(|c| c.starts_with("mb_console=;") && c.contains("Max-Age=0")));
    console
        .get(&app, "/api/v1/admin/console/session")
        .await
        .assert_error(401, 40104);
}

async fn console_is_for_admin_accounts_only(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let (_, token) = user(&app, "mallory").await;
    app.get_auth("/api/v1/admin/console/session", &token)
        .await
        .assert_error(403, 40300);
    app.get_auth("/api/v1/admin/dashboard", &token)
        .await
        .assert_error(403, 40300);
    // A user's token put in the console cookie is not a console session.
    let reply = app
        .send(
            app.client
                .get(app.url("/api/v1/admin/console/session"))
                .header("cookie", format!("mb_console={token}")),
        )
        .await;
    reply.assert_error(401, 40102);
    // No cookie, no header: 401.
    app.get("/api/v1/admin/console/session")
        .await
        .assert_error(401, 40100);
    // Moderators sign in but do not manage accounts.
    account(&app, "mod", Role::Moderator).await;
    let (_, console) = sign_in(&app, "mod", PASSWORD).await;
    let console = console.expect("signed in");
    console
        .get(&app, "/api/v1/admin/accounts")
        .await
        .assert_error(403, 40300);
    console
        .get(&app, "/api/v1/admin/dashboard")
        .await
        .assert_ok(200);
}

async fn the_console_can_be_turned_off(backend: Backend, test: &str) {
    let Some(app) =
        TestApp::spawn_with(backend, test, |raw| raw.console.console_enabled = false).await
    else {
        return;
    };
    account(&app, "root", Role::Admin).await;
    assert_eq!(app.get("/console/").await.status, 404);
    let (reply, _) = sign_in(&app, "root", PASSWORD).await;
    reply.assert_error(404, 40400);
    // A cookie made while it was on is not accepted either.
    let token = minibase_admin_token(&app, "root").await;
    app.send(
        app.client
            .get(app.url("/api/v1/admin/console/session"))
            .header("cookie", format!("mb_console={token}")),
    )
    .await
    .assert_error(401, 40100);
    // Bearer tokens still work.
    app.get_auth("/api/v1/admin/console/session", &token)
        .await
        .assert_ok(200);
}

async fn minibase_admin_token(app: &TestApp, name: &str) -> String {
    let reply = app
        .post_json(
            "/api/v1/admin/auth/login",
            &json!({"username": name, "password": PASSWORD}),
        )
        .await;
    reply.assert_ok(200)["token"]
        .as_str()
        .expect("token")
        .to_string()
}

async fn accounts_and_passwords(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    account(&app, "root", Role::Admin).await;
    let (_, console) = sign_in(&app, "root", PASSWORD).await;
    let console = console.expect("signed in");

    // Create: validated, unique.
    console
        .post(
            &app,
            "/api/v1/admin/accounts",
            json!({"username": "ab", "password": "long enough 123", "role": "moderator"}),
        )
        .await
        .assert_error(422, 42200);
    console
        .post(
            &app,
            "/api/v1/admin/accounts",
            json!({"username": "ann", "password": "long enough 123", "role": "user"}),
        )
        .await
        .assert_error(422, 42200);
    let created = console
        .post(
            &app,
            "/api/v1/admin/accounts",
            json!({"username": "ann", "password": "long enough 123", "role": "moderator"}),
        )
        .await;
    let ann = created.assert_ok(201)["id"].as_i64().expect("id");
    assert_eq!(created.data()["role"], "moderator");
    console
        .post(
            &app,
            "/api/v1/admin/accounts",
            json!({"username": "ann", "password": "long enough 123", "role": "admin"}),
        )
        .await
        .assert_error(409, 40900);

    // Disable: her live session ends and she cannot sign in; enable lets her back.
    let (_, ann_console) = sign_in(&app, "ann", "long enough 123").await;
    let ann_console = ann_console.expect("ann signs in");
    console
        .post(
            &app,
            &format!("/api/v1/admin/accounts/{ann}/disable"),
            json!({}),
        )
        .await
        .assert_ok(200);
    ann_console
        .get(&app, "/api/v1/admin/console/session")
        .await
        .assert_error(401, 40104);
    sign_in(&app, "ann", "long enough 123")
        .await
        .0
        .assert_error(403, 40301);
    console
        .post(
            &app,
            &format!("/api/v1/admin/accounts/{ann}/enable"),
            json!({}),
        )
        .await
        .assert_ok(200);
    assert!(sign_in(&app, "ann", "long enough 123").await.1.is_some());
    // Nobody disables themselves; unknown ids are 404.
    let me = console.get(&app, "/api/v1/admin/console/session").await;
    let my_id = me.data()["admin"]["id"].as_i64().expect("id");
    console
        .post(
            &app,
            &format!("/api/v1/admin/accounts/{my_id}/disable"),
            json!({}),
        )
        .await
        .assert_error(409, 40900);
    console
        .post(&app, "/api/v1/admin/accounts/999999/disable", json!({}))
        .await
        .assert_error(404, 40401);

    // Change own password: the current one is required; the old one stops working, other
    // sessions end, and this browser gets a new cookie.
    let (_, other_tab) = sign_in(&app, "root", PASSWORD).await;
    let other_tab = other_tab.expect("second session");
    console
        .post(
            &app,
            "/api/v1/admin/me/password",
            json!({"current_password": "not it at all", "new_password": "brand new pass 9"}),
        )
        .await
        .assert_error(422, 42200);
    let changed = console
        .post(
            &app,
            "/api/v1/admin/me/password",
            json!({"current_password": PASSWORD, "new_password": "brand new pass 9"}),
        )
        .await;
    changed.assert_ok(200);
    let cookies = set_cookies(&changed);
    let renewed = Console {
        cookie: format!(
            "mb_console={}; mb_csrf={}",
            cookie_value(&cookies, "mb_console"),
            cookie_value(&cookies, "mb_csrf")
        ),
        csrf: changed.data()["csrf_token"]
            .as_str()
            .expect("csrf")
            .to_string(),
    };
    renewed
        .get(&app, "/api/v1/admin/console/session")
        .await
        .assert_ok(200);
    other_tab
        .get(&app, "/api/v1/admin/console/session")
        .await
        .assert_error(401, 40104);
    sign_in(&app, "root", PASSWORD)
        .await
        .0
        .assert_error(401, 40105);
    assert!(sign_in(&app, "root", "brand new pass 9").await.1.is_some());
}

async fn admin_actions_are_audited(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    account(&app, "root", Role::Admin).await;
    let (_, console) = sign_in(&app, "root", PASSWORD).await;
    let console = console.expect("signed in");
    let (alice, _) = user(&app, "alice").await;

    console
        .post(
            &app,
            &format!("/api/v1/admin/users/{alice}/ban"),
            json!({"reason": "spam links"}),
        )
        .await
        .assert_ok(200);
    // A ban without a body still works (older clients), and reads are not audited.
    console
        .send(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/admin/users/{alice}/unban"),
            None,
            Some(&console.csrf),
        )
        .await
        .assert_ok(200);
    console
        .get(&app, "/api/v1/admin/users")
        .await
        .assert_ok(200);
    // A refused change is audited with its status.
    console
        .post(&app, "/api/v1/admin/users/999999/ban", json!({}))
        .await
        .assert_error(404, 40401);

    // A user trying an admin action is recorded, refused; a user's own writes are not audited.
    let (_, mallory) = user(&app, "mallory").await;
    app.send(
        app.client
            .post(app.url(&format!("/api/v1/admin/users/{alice}/ban")))
            .bearer_auth(&mallory),
    )
    .await
    .assert_error(403, 40300);
    app.send(
        app.client
            .post(app.url("/api/v1/posts"))
            .bearer_auth(&mallory)
            .json(&json!({"content": "hello"})),
    )
    .await
    .assert_ok(201);

    let log = console.get(&app, "/api/v1/admin/audit?limit=10").await;
    let all = log.assert_ok(200)["items"]
        .as_array()
        .expect("items")
        .clone();
    assert_eq!(all[0]["actor_kind"], "user", "{log:?}");
    assert_eq!(all[0]["actor_role"], "user");
    assert_eq!(all[0]["status"], 403);
    let routes: Vec<&str> = all.iter().filter_map(|i| i["route"].as_str()).collect();
    assert_eq!(
        routes,
        [
            "/api/v1/admin/users/{id}/ban",
            "/api/v1/admin/users/{id}/ban",
            "/api/v1/admin/users/{id}/unban",
            "/api/v1/admin/users/{id}/ban",
        ],
        "{log:?}"
    );
    let items = all[1..].to_vec();
    let ban = &items[2];
    assert_eq!(ban["actor_kind"], "admin");
    assert_eq!(ban["actor_name"], "root");
    assert_eq!(ban["actor_role"], "admin");
    assert_eq!(ban["method"], "POST");
    assert_eq!(ban["path"], format!("/api/v1/admin/users/{alice}/ban"));
    assert_eq!(ban["status"], 200);
    assert_eq!(ban["note"], "spam links");
    assert_eq!(ban["client_ip"], "127.0.0.1");
    assert!(ban["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(items[1]["note"], Value::Null);
    assert_eq!(items[0]["status"], 404);

    // Paginated by cursor.
    let first = console.get(&app, "/api/v1/admin/audit?limit=3").await;
    let cursor = first.data()["next_cursor"]
        .as_str()
        .expect("more")
        .to_string();
    let second = console
        .get(
            &app,
            &format!("/api/v1/admin/audit?limit=3&cursor={cursor}"),
        )
        .await;
    assert_eq!(second.assert_ok(200)["items"][0]["id"], items[2]["id"]);

    // Moderators do not read it.
    account(&app, "mod", Role::Moderator).await;
    let (_, moderator) = sign_in(&app, "mod", PASSWORD).await;
    moderator
        .expect("signed in")
        .get(&app, "/api/v1/admin/audit")
        .await
        .assert_error(403, 40300);
}

async fn failed_jobs_are_retried_and_discarded(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn_with(backend, test, |raw| raw.jobs_concurrency = 0).await else {
        return;
    };
    use minibase::store::jobs::model as jobs;
    let now = Utc::now();
    let mut ids = Vec::new();
    for (kind, status) in [
        ("a", jobs::Status::Failed),
        ("b", jobs::Status::Failed),
        ("c", jobs::Status::Pending),
        ("d", jobs::Status::Done),
    ] {
        let row = jobs::ActiveModel {
            kind: Set(format!("test.{kind}")),
            payload: Set("{}".into()),
            dedupe_key: Set(None),
            status: Set(status),
            attempts: Set(8),
            max_attempts: Set(8),
            run_at: Set(now),
            locked_until: Set(None),
            last_error: Set(Some("boom".into())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        ids.push(
            jobs::Entity::insert(row)
                .exec(&app.state.db)
                .await
                .expect("insert")
                .last_insert_id,
        );
    }
    let admin = staff_token(&app, Role::Admin).await;
    let failed = app.get_auth("/api/v1/admin/jobs", &admin).await;
    let kinds: Vec<String> = failed.assert_ok(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|j| j["kind"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(kinds, ["test.b", "test.a"]);
    assert_eq!(failed.data()["items"][0]["last_error"], "boom");
    let pending = app
        .get_auth("/api/v1/admin/jobs?status=pending", &admin)
        .await;
    assert_eq!(pending.assert_ok(200)["items"][0]["kind"], "test.c");
    app.get_auth("/api/v1/admin/jobs?status=done", &admin)
        .await
        .assert_error(400, 40002);

    let post = |path: String| app.send(app.client.post(app.url(&path)).bearer_auth(&admin));
    post(format!("/api/v1/admin/jobs/{}/retry", ids[0]))
        .await
        .assert_ok(200);
    let row = jobs::Entity::find_by_id(ids[0])
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.status, "pending");
    assert_eq!(row.attempts, 0);
    // A done job is neither retried nor discarded.
    post(format!("/api/v1/admin/jobs/{}/retry", ids[3]))
        .await
        .assert_error(404, 40401);
    app.send(
        app.client
            .delete(app.url(&format!("/api/v1/admin/jobs/{}", ids[1])))
            .bearer_auth(&admin),
    )
    .await
    .assert_ok(200);
    assert!(jobs::Entity::find_by_id(ids[1])
        .one(&app.state.db)
        .await
        .expect("query")
        .is_none());
    app.send(
        app.client
            .delete(app.url(&format!("/api/v1/admin/jobs/{}", ids[3])))
            .bearer_auth(&admin),
    )
    .await
    .assert_error(404, 40401);
    let moderator = staff_token(&app, Role::Moderator).await;
    app.get_auth("/api/v1/admin/jobs", &moderator)
        .await
        .assert_error(403, 40300);
}

async fn dashboard_counts_and_traffic(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    for code in ["u1", "u2", "u3"] {
        user(&app, code).await;
    }
    let admin = staff_token(&app, Role::Moderator).await;
    let reply = app.get_auth("/api/v1/admin/dashboard", &admin).await;
    let data = reply.assert_ok(200);
    assert_eq!(data["users"], 3);
    assert_eq!(data["new_users"], 3);
    assert_eq!(data["posts"], 0);
    assert_eq!(data["approvals_pending"], 0);
    let traffic = data["traffic"].as_array().expect("traffic");
    assert_eq!(traffic.len(), 120);
    // The ring is the process's: this test's requests fall in the last two minutes (a run
    // may cross a minute boundary), and at least one of them has a measured latency.
    let recent = &traffic[traffic.len() - 2..];
    let requests: u64 = recent
        .iter()
        .map(|m| m["requests"].as_u64().unwrap_or(0))
        .sum();
    assert!(requests >= 4, "{recent:?}");
    assert!(
        recent
            .iter()
            .any(|m| m["mean_latency_ms"].as_f64().unwrap_or(0.0) > 0.0),
        "{recent:?}"
    );
}

async fn files_are_browsed_and_deleted(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    // A 1x1 PNG.
    let png = base64_png();
    let (owner, token) = user(&app, "uploader").await;
    let boundary = "console-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uploaded = app
        .send(
            app.client
                .post(app.url("/api/v1/files"))
                .bearer_auth(&token)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
        .await;
    let file = uploaded.assert_ok(201).clone();
    let moderator = staff_token(&app, Role::Moderator).await;
    let list = app
        .get_auth(&format!("/api/v1/admin/files?owner_id={owner}"), &moderator)
        .await;
    let item = list.assert_ok(200)["items"][0].clone();
    assert_eq!(item["id"], file["id"]);
    assert_eq!(item["owner_id"], owner);
    let key = item["storage_key"].as_str().expect("key").to_string();
    assert_eq!(app.get(&format!("/files/{key}")).await.status, 200);
    app.get_auth("/api/v1/admin/files?owner_id=999999", &moderator)
        .await
        .assert_ok(200);

    app.send(
        app.client
            .delete(app.url(&format!("/api/v1/admin/files/{}", file["id"])))
            .bearer_auth(&moderator),
    )
    .await
    .assert_ok(200);
    assert_eq!(app.get(&format!("/files/{key}")).await.status, 404);
    let after = app.get_auth("/api/v1/admin/files", &moderator).await;
    assert_eq!(
        after.assert_ok(200)["items"].as_array().map(Vec::len),
        Some(0)
    );
    app.send(
        app.client
            .delete(app.url(&format!("/api/v1/admin/files/{}", file["id"])))
            .bearer_auth(&moderator),
    )
    .await
    .assert_error(404, 40401);
    app.send(
        app.client
            .delete(app.url(&format!("/api/v1/admin/files/{}", file["id"])))
            .bearer_auth(&token),
    )
    .await
    .assert_error(403, 40300);
}

fn base64_png() -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        .expect("png")
}

/// `console_listen`: the console and the API it calls on an address of its own, and no
/// `/console` on `listen`; bad values are refused naming the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_can_have_a_listener_of_its_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = common::test_config(&format!("sqlite://{}/minibase.db", dir.path().display()));
    raw.console.console_listen = Some("127.0.0.1:0".into());
    let config = raw.clone().validate().expect("valid");
    let app = minibase::app::Application::build(config)
        .await
        .expect("build");
    let main = app.local_addr().expect("addr");
    let console = app
        .console_addr()
        .expect("addr")
        .expect("a console listener");
    assert_ne!(main, console);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let get = |addr: std::net::SocketAddr, path: &'static str| {
        let client = client.clone();
        async move {
            client
                .get(format!("http://{addr}{path}"))
                .send()
                .await
                .expect("GET")
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(console, "/console/").await, 200);
    assert_eq!(get(console, "/api/v1/config").await, 200);
    assert_eq!(get(main, "/console/").await, 404);
    assert_eq!(get(main, "/api/v1/config").await, 200);
    let _ = stop.send(());
    server.await.expect("join").expect("clean stop");

    for (listen, enabled, problem) in [
        ("not an address", true, "is not a socket address"),
        ("127.0.0.1:8080", false, "console_enabled is false"),
    ] {
        let mut raw = common::test_config("sqlite://unused.db");
        raw.console.console_listen = Some(listen.into());
        raw.console.console_enabled = enabled;
        let err = raw.validate().expect_err("refused").to_string();
        assert!(
            err.contains("console_listen") && err.contains(problem),
            "{err}"
        );
    }
    let mut raw = common::test_config("sqlite://unused.db");
    raw.listen = "127.0.0.1:8080".into();
    raw.console.console_listen = Some("127.0.0.1:8080".into());
    let err = raw.validate().expect_err("refused").to_string();
    assert!(err.contains("must differ from listen"), "{err}");
}

on_every_backend!(
    console_assets_have_their_headers,
    cookie_session_and_csrf,
    console_is_for_admin_accounts_only,
    the_console_can_be_turned_off,
    accounts_and_passwords,
    admin_actions_are_audited,
    failed_jobs_are_retried_and_discarded,
    dashboard_counts_and_traffic,
    files_are_browsed_and_deleted,
);
