//! Input an attacker (or a broken client) sends: control characters in paths, NUL characters in
//! text and queries, bodies over the limit sent whole before reading, display text with bidi
//! controls. Every one gets a 4xx envelope, on every database, and writes nothing.

mod common;

use common::{Backend, Reply, TestApp};
use minibase::users::model::Role;
use serde_json::{json, Value};

async fn login(app: &TestApp, code: &str) -> String {
    let reply = app
        .post_json("/api/v1/auth/login", &json!({ "code": code }))
        .await;
    reply.assert_ok(200)["token"]
        .as_str()
        .expect("token")
        .to_string()
}

async fn send_json(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: &Value,
) -> Reply {
    app.send(
        app.client
            .request(method, app.url(path))
            .bearer_auth(token)
            .json(body),
    )
    .await
}

/// A 400 envelope whose message names `field` and says what is wrong with it.
#[track_caller]
fn assert_names(reply: &Reply, code: i64, field: &str) {
    reply.assert_error(400, code);
    let message = reply.json["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!("{field}:")) && message.contains("NUL"),
        "message should name {field} and the NUL: {message}"
    );
}

/// Control characters in a file key never reach a response header: a 4xx envelope, not a 500.
async fn control_characters_in_paths(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    for key in [
        "%0A", "%0D", "%00", "%1A", "%7F", "x%01y", "a%0D%0Ab", "%09",
    ] {
        let reply = app.get(&format!("/files/{key}")).await;
        assert!(
            (400..500).contains(&reply.status),
            "/files/{key}: {} {}",
            reply.status,
            reply.text
        );
        reply.assert_error(reply.status, reply.code());
        assert!(
            [40000, 40400, 40401].contains(&reply.code()),
            "/files/{key}: {}",
            reply.text
        );
        // The same with If-None-Match, which takes the 304 branch for a valid key.
        let reply = app
            .send(
                app.client
                    .get(app.url(&format!("/files/{key}")))
                    .header("if-none-match", "\"x\""),
            )
            .await;
        assert!((400..500).contains(&reply.status), "{}", reply.text);
    }
    // A NUL in any path parameter (here a config key) is a 400 before the database sees it.
    let admin = common::staff_token(&app, Role::Admin).await;
    let reply = app.get_auth("/api/v1/admin/config/a%00b", &admin).await;
    assert_names(&reply, 40000, "path");
    let reply = app.get_auth("/api/v1/admin/flags/%00", &admin).await;
    assert_names(&reply, 40000, "path");
}

/// A NUL character in any text field or query parameter is a 400 naming the field, on every
/// database (PostgreSQL cannot store one), and nothing is written.
async fn nul_in_text_is_refused(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    // Unauthenticated: the admin login.
    let reply = app
        .post_json(
            "/api/v1/admin/auth/login",
            &json!({"username": "ad\u{0}min", "password": "whatever password"}),
        )
        .await;
    assert_names(&reply, 40000, "username");

    let user = login(&app, "nul-user").await;
    let admin = common::staff_token(&app, Role::Admin).await;

    let reply = send_json(
        &app,
        reqwest::Method::POST,
        "/api/v1/posts",
        &user,
        &json!({"content": "hello\u{0}world"}),
    )
    .await;
    assert_names(&reply, 40000, "content");
    let feed = app.get("/api/v1/posts").await;
    assert_eq!(
        feed.assert_ok(200)["items"].as_array().map(Vec::len),
        Some(0),
        "nothing was posted: {}",
        feed.text
    );

    let reply = send_json(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/products",
        &admin,
        &json!({"name": "\u{0}", "price_cents": 100}),
    )
    .await;
    assert_names(&reply, 40000, "name");

    let reply = send_json(
        &app,
        reqwest::Method::PUT,
        "/api/v1/admin/config/nul_probe",
        &admin,
        &json!({"value": 1, "description": "a\u{0}b"}),
    )
    .await;
    assert_names(&reply, 40000, "description");
    let reply = app.get_auth("/api/v1/admin/config/nul_probe", &admin).await;
    reply.assert_error(404, 40401);

    // Nested: a NUL deep inside a JSON value is named by its path.
    let reply = send_json(
        &app,
        reqwest::Method::PUT,
        "/api/v1/admin/config/nul_probe",
        &admin,
        &json!({"value": {"list": [1, "x\u{0}"]}}),
    )
    .await;
    assert_names(&reply, 40000, "value.list[1]");

    let reply = send_json(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/approvals/departments",
        &admin,
        &json!({"name": "Sales\u{0}"}),
    )
    .await;
    assert_names(&reply, 40000, "name");

    let reply = app.get_auth("/api/v1/admin/users?q=a%00b", &admin).await;
    assert_names(&reply, 40002, "q");
    let reply = app.get("/api/v1/posts?cursor=%00").await;
    assert_names(&reply, 40002, "cursor");

    // The six characters `\u0000` as text (an escaped backslash) are ordinary text.
    let reply = send_json(
        &app,
        reqwest::Method::POST,
        "/api/v1/posts",
        &user,
        &json!({"content": "a literal \\u0000 is fine"}),
    )
    .await;
    let data = reply.assert_ok(201);
    assert_eq!(data["content"], "a literal \\u0000 is fine");
}

/// The topic filter follows the posts' topic rule (400 naming `topic`); a JSON body to the upload
/// is a 415; display names refuse bidi controls and zero-width characters.
async fn contract_slips(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    for bad in ["!!", "a%20b", &"a".repeat(21), "%E2%80%AE", "%23"] {
        let reply = app.get(&format!("/api/v1/posts?topic={bad}")).await;
        reply.assert_error(400, 40002);
        assert!(
            reply.json["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("topic:")),
            "{bad}: {}",
            reply.text
        );
    }
    for good in ["%23Travel", &"a".repeat(20), "%E6%97%85%E8%A1%8C", "a_b-c"] {
        app.get(&format!("/api/v1/posts?topic={good}"))
            .await
            .assert_ok(200);
    }

    let user = login(&app, "slips-user").await;
    let reply = send_json(
        &app,
        reqwest::Method::POST,
        "/api/v1/files",
        &user,
        &json!({"file": "not an upload"}),
    )
    .await;
    reply.assert_error(415, 41500);

    for bad in [
        "ab\u{202E}cd",
        "\u{200B}",
        "x\u{200B}y",
        "\u{2066}a",
        "a\u{FEFF}",
    ] {
        let reply = send_json(
            &app,
            reqwest::Method::PATCH,
            "/api/v1/users/me",
            &user,
            &json!({ "nickname": bad }),
        )
        .await;
        reply.assert_error(422, 42200);
        assert!(
            reply.json["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("nickname:")),
            "{bad:?}: {}",
            reply.text
        );
    }
    let me = app.get_auth("/api/v1/users/me", &user).await;
    let before = me.assert_ok(200)["nickname"].clone();
    assert!(!before.as_str().unwrap_or("").contains('\u{202E}'));
    let family = "小明 👨\u{200D}👩\u{200D}👧";
    let reply = send_json(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/users/me",
        &user,
        &json!({ "nickname": family }),
    )
    .await;
    assert_eq!(reply.assert_ok(200)["nickname"], family);

    let admin = common::staff_token(&app, Role::Admin).await;
    let reply = send_json(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/approvals/departments",
        &admin,
        &json!({"name": "\u{202E}selaS"}),
    )
    .await;
    reply.assert_error(422, 42200);
}

on_every_backend!(
    control_characters_in_paths,
    nul_in_text_is_refused,
    contract_slips
);

/// What a client that writes its whole request before reading anything gets back: the bytes the
/// server sent, or the error that ended the write or the read.
fn write_all_then_read(
    addr: std::net::SocketAddr,
    head: &str,
    body_len: usize,
) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20)))?;
    stream.write_all(head.as_bytes())?;
    let chunk = vec![b'x'; 64 * 1024];
    let mut left = body_len;
    while left > 0 {
        let n = left.min(chunk.len());
        stream.write_all(&chunk[..n])?;
        left -= n;
    }
    stream.flush()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// The status line and the JSON envelope of a raw HTTP/1.1 answer.
fn status_and_body(answer: &str) -> (u16, Value) {
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A client that sends a body over the limit whole, and only then reads, gets the 413 envelope
/// (and one that uploads without a token gets the 401), not a broken pipe: the server reads and
/// drops the rest of the body before it closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_sent_whole_still_gets_its_answer() {
    let Some(app) = TestApp::spawn(Backend::Sqlite, "oversized_body_sent_whole").await else {
        return;
    };
    let addr = app.addr;
    let cases = [
        (
            "/api/v1/auth/login",
            "application/json",
            5 << 20,
            413,
            41300,
        ),
        (
            "/api/v1/auth/login",
            "application/json",
            20 << 20,
            413,
            41300,
        ),
        (
            "/api/v1/files",
            "multipart/form-data; boundary=x",
            20 << 20,
            401,
            40100,
        ),
    ];
    for (path, content_type, len, status, code) in cases {
        for attempt in 0..3 {
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n\
                 Content-Length: {len}\r\n\r\n"
            );
            let answer = tokio::task::spawn_blocking(move || write_all_then_read(addr, &head, len))
                .await
                .expect("client thread");
            let answer = answer.unwrap_or_else(|err| {
                panic!("{path} with {len} bytes, attempt {attempt}: the client got {err}")
            });
            let (got, body) = status_and_body(&answer);
            assert_eq!(got, status, "{path} {len}: {answer}");
            assert_eq!(body["code"], code, "{path} {len}: {answer}");
            assert!(body["request_id"].is_string(), "{answer}");
        }
    }
    // The node still serves after draining.
    app.get("/healthz").await.assert_ok(200);
}
