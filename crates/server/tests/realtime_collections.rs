//! Collection changes pushed through realtime, on every backend, with two nodes sharing the
//! database and Redis: each subscriber (WebSocket or SSE, on either node) gets exactly the
//! created, updated and deleted records its `view` rule allows; subscriptions to a missing
//! collection or one nobody but admins may view are refused; a resume never replays unchecked
//! record events.

mod common;

use std::time::Duration;

use common::{Backend, TestApp};
use futures::{SinkExt, StreamExt};
use minibase::config::RawConfig;
use minibase::users::model::Role;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(10);

fn with_redis(raw: &mut RawConfig, url: &str, prefix: &str) {
    raw.redis_url = Some(url.to_string());
    raw.realtime.realtime_redis_prefix = prefix.to_string();
}

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

async fn call(app: &TestApp, method: &str, token: &str, path: &str, body: Value) -> Value {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let reply = app
        .send(
            app.client
                .request(method, app.url(path))
                .bearer_auth(token)
                .json(&body),
        )
        .await;
    assert!(
        reply.status < 300,
        "{path}: {} {}",
        reply.status,
        reply.text
    );
    reply.json["data"].clone()
}

async fn connect(app: &TestApp, token: &str) -> Socket {
    let mut request = format!("ws://{}/api/v1/realtime/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket opens");
    assert_eq!(frame(&mut socket).await["type"], "welcome");
    socket
}

async fn frame(socket: &mut Socket) -> Value {
    loop {
        let next = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a frame within the wait");
        match next {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(text.as_str()).expect("JSON frame")
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("socket ended while a frame was expected: {other:?}"),
        }
    }
}

/// Send a subscribe frame; the server's answer (`subscribed`, or `error`, with any frames
/// before it).
async fn subscribe(socket: &mut Socket, channel: &str, since: Option<&str>) -> Vec<Value> {
    let mut request = json!({ "type": "subscribe", "channel": channel });
    if let Some(since) = since {
        request["since"] = json!(since);
    }
    socket
        .send(Message::Text(request.to_string().into()))
        .await
        .unwrap();
    let mut heard = Vec::new();
    loop {
        let value = frame(socket).await;
        let last = matches!(value["type"].as_str(), Some("subscribed" | "error"));
        heard.push(value);
        if last {
            return heard;
        }
    }
}

/// The next event frame: (event, record title).
async fn next_event(socket: &mut Socket) -> (String, String) {
    loop {
        let value = frame(socket).await;
        if value["type"] == "event" {
            return (
                value["event"].as_str().unwrap().to_string(),
                value["data"]["title"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
}

/// A minimal SSE reader.
struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    async fn open(app: &TestApp, token: &str, query: &str) -> Result<Self, common::Reply> {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/realtime/sse{query}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("SSE request");
        if response.status() != 200 {
            return Err(common::Reply::from(response).await);
        }
        Ok(Self {
            response,
            buffer: String::new(),
        })
    }

    async fn next_event(&mut self) -> (String, String) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if data.is_empty() {
                    continue;
                }
                let value: Value = serde_json::from_str(&data).expect("JSON data");
                if value["type"] == "event" {
                    return (
                        value["event"].as_str().unwrap().to_string(),
                        value["data"]["title"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    );
                }
                continue;
            }
            let chunk = tokio::time::timeout(WAIT, self.response.chunk())
                .await
                .expect("SSE data within the wait")
                .expect("SSE chunk")
                .expect("the stream goes on");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn ev(event: &str, title: &str) -> (String, String) {
    (event.to_string(), title.to_string())
}

async fn record_events_follow_each_subscribers_view_rule(backend: Backend, test: &str) {
    let Some(redis) = common::redis_url(test) else {
        return;
    };
    let prefix = format!(
        "mbt-rtc-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let Some(a) = TestApp::spawn_with(backend, test, |raw| with_redis(raw, &redis, &prefix)).await
    else {
        return;
    };
    let db = a.database().expect("a test database");
    let mut raw = common::test_config(&db.url);
    with_redis(&mut raw, &redis, &prefix);
    let b = TestApp::start(raw, a.backend, Some(db), |routes| routes).await;
    for app in [&a, &b] {
        let started = std::time::Instant::now();
        while !app
            .state
            .feature::<minibase::realtime::Realtime>()
            .unwrap()
            .is_live()
        {
            assert!(started.elapsed() < WAIT, "the node hears the bus");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    let admin = common::staff_token(&a, Role::Admin).await;
    call(
        &a,
        "POST",
        &admin,
        "/api/v1/admin/collections",
        json!({
            "name": "notes",
            "fields": [
                {"name": "title", "type": "text", "required": true},
                {"name": "public", "type": "bool", "required": true, "default": false},
                {"name": "owner", "type": "relation", "target": "users"}
            ],
            "owner_field": "owner",
            "rules": {
                "list": "record.owner == auth.id || record.public == true",
                "view": "record.owner == auth.id || record.public == true",
                "create": "auth.id != null",
                "update": "record.owner == auth.id",
                "delete": "record.owner == auth.id"
            }
        }),
    )
    .await;
    call(
        &a,
        "POST",
        &admin,
        "/api/v1/admin/collections",
        json!({
            "name": "vault",
            "fields": [{"name": "title", "type": "text"}],
            "rules": {"create": "auth.id != null"}
        }),
    )
    .await;
    let (_, alice) = login(&a, "rtc-alice").await;
    let (_, bob) = login(&b, "rtc-bob").await;
    let (_, carol) = login(&b, "rtc-carol").await;

    // Alice on node A, Bob on node B (WebSocket), Carol on node B (SSE), an admin on node A.
    let mut alice_ws = connect(&a, &alice).await;
    let mut bob_ws = connect(&b, &bob).await;
    let mut admin_ws = connect(&a, &admin).await;
    for socket in [&mut alice_ws, &mut bob_ws, &mut admin_ws] {
        let answer = subscribe(socket, "collection:notes", None).await;
        assert_eq!(answer.last().unwrap()["type"], "subscribed", "{answer:?}");
    }
    let mut carol_sse = Sse::open(&b, &carol, "?channels=collection:notes")
        .await
        .expect("SSE opens");

    // Refusals: no such collection (404), a view rule for admins only (403); admins may.
    let answer = subscribe(&mut bob_ws, "collection:nope", None).await;
    assert_eq!(answer.last().unwrap()["code"], 40401, "{answer:?}");
    let answer = subscribe(&mut bob_ws, "collection:vault", None).await;
    assert_eq!(answer.last().unwrap()["code"], 40300, "{answer:?}");
    let refused = Sse::open(&b, &carol, "?channels=collection:vault").await;
    assert_eq!(refused.err().expect("refused").status, 403);
    let answer = subscribe(&mut admin_ws, "collection:vault", None).await;
    assert_eq!(answer.last().unwrap()["type"], "subscribed", "{answer:?}");

    let notes = "/api/v1/collections/notes/records";
    // Alice's private note, made on node B: only Alice and the admin hear of it.
    let private = call(&b, "POST", &alice, notes, json!({"title": "alice private"})).await;
    let private_id = private["id"].as_i64().unwrap();
    call(
        &b,
        "PATCH",
        &alice,
        &format!("{notes}/{private_id}"),
        json!({"title": "alice private 2"}),
    )
    .await;
    // Bob's public note, made on node A: everyone hears of it.
    let public = call(
        &a,
        "POST",
        &bob,
        notes,
        json!({"title": "bob public", "public": true}),
    )
    .await;
    let public_id = public["id"].as_i64().unwrap();
    // Alice deletes her private note: only she and the admin hear of it.
    call(
        &a,
        "DELETE",
        &alice,
        &format!("{notes}/{private_id}"),
        json!({}),
    )
    .await;
    // A batch: a public note and a private one.
    call(
        &b,
        "POST",
        &alice,
        &format!("{notes}/batch"),
        json!({"requests": [
            {"action": "create", "data": {"title": "alice batch private"}},
            {"action": "create", "data": {"title": "alice batch public", "public": true}}
        ]}),
    )
    .await;
    // Bob's public note becomes visible-only-to-Bob: the others are not told its new content.
    call(
        &b,
        "PATCH",
        &bob,
        &format!("{notes}/{public_id}"),
        json!({"title": "bob now private", "public": false}),
    )
    .await;
    // An admin change in the console's API is pushed too.
    call(
        &a,
        "POST",
        &admin,
        "/api/v1/admin/collections/notes/records",
        json!({"title": "announcement", "public": true}),
    )
    .await;

    // Events from two nodes may interleave in either order in the log, so each subscriber's
    // events are compared as sorted lists, and then nothing more may come.
    let mut alice_heard = Vec::new();
    let mut bob_heard = Vec::new();
    let mut carol_heard = Vec::new();
    let mut admin_heard = Vec::new();
    for _ in 0..7 {
        alice_heard.push(next_event(&mut alice_ws).await);
    }
    for _ in 0..4 {
        bob_heard.push(next_event(&mut bob_ws).await);
    }
    for _ in 0..3 {
        carol_heard.push(carol_sse.next_event().await);
    }
    for _ in 0..8 {
        admin_heard.push(next_event(&mut admin_ws).await);
    }
    let quiet = Duration::from_millis(1500);
    for socket in [&mut alice_ws, &mut bob_ws, &mut admin_ws] {
        if let Ok(more) = tokio::time::timeout(quiet, next_event(socket)).await {
            panic!("an event beyond the allowed ones: {more:?}");
        }
    }
    if let Ok(more) = tokio::time::timeout(quiet, carol_sse.next_event()).await {
        panic!("an event beyond the allowed ones over SSE: {more:?}");
    }
    let sorted = |mut events: Vec<(String, String)>| {
        events.sort();
        events
    };
    assert_eq!(
        sorted(alice_heard),
        sorted(vec![
            ev("record.created", "alice private"),
            ev("record.updated", "alice private 2"),
            ev("record.created", "bob public"),
            ev("record.deleted", "alice private 2"),
            ev("record.created", "alice batch private"),
            ev("record.created", "alice batch public"),
            ev("record.created", "announcement"),
        ]),
        "Alice hears of her own notes and public ones, never of Bob's private one"
    );
    assert_eq!(
        sorted(bob_heard),
        sorted(vec![
            ev("record.created", "bob public"),
            ev("record.created", "alice batch public"),
            ev("record.updated", "bob now private"),
            ev("record.created", "announcement"),
        ]),
        "Bob never hears of Alice's private notes"
    );
    assert_eq!(
        sorted(carol_heard),
        sorted(vec![
            ev("record.created", "bob public"),
            ev("record.created", "alice batch public"),
            ev("record.created", "announcement"),
        ]),
        "Carol hears only of public notes"
    );
    assert!(
        admin_heard.contains(&ev("record.created", "alice private"))
            && admin_heard.contains(&ev("record.updated", "bob now private")),
        "admins hear of every record: {admin_heard:?}"
    );

    // A resume with a last id gets a reload, never the log's unchecked record events.
    let mut late = connect(&b, &bob).await;
    let answer = subscribe(&mut late, "collection:notes", Some("1-0")).await;
    assert!(
        answer.iter().all(|f| f["type"] != "event"),
        "no replayed record events: {answer:?}"
    );
    assert_eq!(answer[0]["type"], "reload", "{answer:?}");
}

on_every_backend!(record_events_follow_each_subscribers_view_rule);
