//! Realtime over real WebSocket and SSE clients: authentication before the upgrade, channel
//! rules, delivery across two nodes sharing Redis, replay after a reconnect (and reload beyond
//! the window), a slow consumer disconnected, a ban closing sockets on another node, graceful
//! shutdown, and Redis restarted under running nodes.

mod common;

use std::future::Future;
use std::time::{Duration, Instant};

use common::{Backend, TestApp};
use futures::{SinkExt, StreamExt};
use minibase::config::RawConfig;
use minibase::realtime::{self, Channel};
use minibase::users::model::Role;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(10);

async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < limit, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A Redis key prefix of this test's own, so tests sharing one Redis never hear each other.
fn prefix() -> String {
    format!(
        "mbt-rt-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// `url`: one server, or a Redis Cluster's seed nodes separated by commas.
fn with_redis(raw: &mut RawConfig, url: &str, prefix: &str) {
    raw.redis_url = Some(url.to_string());
    raw.redis_cluster = url.contains(',');
    raw.realtime.realtime_redis_prefix = prefix.to_string();
    // Rate-limit counters live in Redis by user id, which every test database starts at 1.
    raw.community.posts_per_minute = 10_000;
    raw.community.comments_per_minute = 10_000;
}

/// A second node on the first one's database and Redis.
async fn second_node(first: &TestApp, configure: impl FnOnce(&mut RawConfig)) -> TestApp {
    let db = first.database().expect("a test database");
    let mut raw = common::test_config(&db.url);
    configure(&mut raw);
    TestApp::start(raw, first.backend, Some(db), |routes| routes).await
}

async fn wait_live(apps: &[&TestApp]) {
    eventually(WAIT, "every node hears the bus", || async {
        apps.iter()
            .all(|app| {
                app.state
                    .feature::<minibase::realtime::Realtime>()
                    .unwrap()
                    .is_live()
            })
            .then_some(())
    })
    .await;
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

async fn post_as(app: &TestApp, token: &str, path: &str, body: Value) -> common::Reply {
    app.send(
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

fn ws_url(app: &TestApp, query: &str) -> String {
    format!("ws://{}/api/v1/realtime/ws{query}", app.addr)
}

/// Open the WebSocket; Err carries the refusal's status and body.
async fn try_connect(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
) -> Result<Socket, (u16, Value)> {
    let mut request = ws_url(app, query).into_client_request().unwrap();
    if let Some(token) = token {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_deref()
                .and_then(|b| serde_json::from_slice(b).ok())
                .unwrap_or(Value::Null);
            Err((status, body))
        }
        Err(err) => panic!("WebSocket connect failed: {err}"),
    }
}

async fn connect(app: &TestApp, token: &str) -> Socket {
    let mut socket = try_connect(app, Some(token), "")
        .await
        .unwrap_or_else(|refused| panic!("refused: {refused:?}"));
    let welcome = frame(&mut socket).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    socket
}

/// The error of a call that must fail.
fn refused<T, E>(result: Result<T, E>) -> E {
    match result {
        Ok(_) => panic!("expected a refusal"),
        Err(err) => err,
    }
}

/// What a socket said next.
#[derive(Debug)]
enum Heard {
    Frame(Value),
    Closed(Option<u16>),
}

async fn hear(socket: &mut Socket) -> Heard {
    loop {
        let next = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a frame within the wait");
        match next {
            Some(Ok(Message::Text(text))) => {
                return Heard::Frame(serde_json::from_str(text.as_str()).expect("JSON frame"))
            }
            Some(Ok(Message::Close(close))) => {
                return Heard::Closed(close.map(|c| u16::from(c.code)))
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Heard::Closed(None),
        }
    }
}

async fn frame(socket: &mut Socket) -> Value {
    match hear(socket).await {
        Heard::Frame(value) => value,
        Heard::Closed(code) => panic!("closed ({code:?}) while a frame was expected"),
    }
}

async fn send(socket: &mut Socket, value: Value) {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .expect("send a frame");
}

/// Subscribe and return the `subscribed` frame (frames before it, such as replayed events, are
/// returned too).
async fn subscribe(socket: &mut Socket, channel: &str, since: Option<&str>) -> (Vec<Value>, Value) {
    let mut request = json!({ "type": "subscribe", "channel": channel });
    if let Some(since) = since {
        request["since"] = json!(since);
    }
    send(socket, request).await;
    let mut before = Vec::new();
    loop {
        let value = frame(socket).await;
        match value["type"].as_str() {
            Some("subscribed") => {
                assert_eq!(value["channel"], channel);
                return (before, value);
            }
            Some("error") => panic!("subscribe to {channel} refused: {value}"),
            _ => before.push(value),
        }
    }
}

/// Frames until one with `event`, skipping others.
async fn event(socket: &mut Socket, name: &str) -> Value {
    loop {
        let value = frame(socket).await;
        if value["type"] == "event" && value["event"] == name {
            return value;
        }
    }
}

/// Frames until the server closes: the `closing` frame and the close code.
async fn closing(socket: &mut Socket) -> (Value, Option<u16>) {
    let mut said = Value::Null;
    loop {
        match hear(socket).await {
            Heard::Frame(value) if value["type"] == "closing" => said = value,
            Heard::Frame(_) => {}
            Heard::Closed(code) => return (said, code),
        }
    }
}

/// A minimal SSE reader over a streamed response.
struct SseStream {
    response: reqwest::Response,
    buffer: String,
}

struct SseMessage {
    id: Option<String>,
    data: Value,
}

impl SseStream {
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
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Ok(Self {
            response,
            buffer: String::new(),
        })
    }

    /// The next message with data (comments such as keep-alives are skipped); None at the end.
    async fn next(&mut self) -> Option<SseMessage> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(rest) = line.strip_prefix("id:") {
                        id = Some(rest.trim().to_string());
                    } else if let Some(rest) = line.strip_prefix("data:") {
                        data.push_str(rest.trim_start());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some(SseMessage {
                    id,
                    data: serde_json::from_str(&data).expect("JSON data"),
                });
            }
            let chunk = tokio::time::timeout(WAIT, self.response.chunk())
                .await
                .expect("SSE data within the wait")
                .ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    async fn event(&mut self, name: &str) -> SseMessage {
        loop {
            let message = self.next().await.expect("the stream goes on");
            if message.data["type"] == "event" && message.data["event"] == name {
                return message;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Authentication and channel rules (one node, in-process bus)

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_without_credentials_are_refused_with_401() {
    let test = "upgrades_without_credentials_are_refused_with_401";
    let Some(app) = TestApp::spawn(Backend::Sqlite, test).await else {
        return;
    };
    let (status, body) = refused(try_connect(&app, None, "").await);
    assert_eq!(
        (status, body["code"].as_i64()),
        (401, Some(40100)),
        "{body}"
    );
    assert!(body["request_id"].is_string());
    let (status, body) = refused(try_connect(&app, Some("not-a-jwt"), "").await);
    assert_eq!(status, 401, "{body}");
    let (status, body) = refused(try_connect(&app, None, "?ticket=forged").await);
    assert_eq!(
        (status, body["code"].as_i64()),
        (401, Some(40108)),
        "{body}"
    );
    assert_eq!(
        app.state
            .feature::<minibase::realtime::Realtime>()
            .unwrap()
            .connections(),
        0,
        "nothing was held"
    );

    // SSE is refused the same way.
    let reply = app.get("/api/v1/realtime/sse?channels=config").await;
    reply.assert_error(401, 40100);

    // A ticket from an authenticated call opens one connection, once.
    let (_, token) = login(&app, "rt-ticket").await;
    let reply = post_as(&app, &token, "/api/v1/realtime/tickets", json!({})).await;
    let ticket = reply.assert_ok(201)["ticket"].as_str().unwrap().to_string();
    let query = format!("?ticket={ticket}");
    let mut socket = try_connect(&app, None, &query)
        .await
        .expect("ticket accepted");
    assert_eq!(frame(&mut socket).await["type"], "welcome");
    let (status, body) = refused(try_connect(&app, None, &query).await);
    assert_eq!(
        (status, body["code"].as_i64()),
        (401, Some(40108)),
        "{body}"
    );
    // Without the ticket endpoint's token, no ticket.
    let reply = app.post_json("/api/v1/realtime/tickets", &json!({})).await;
    reply.assert_error(401, 40100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_are_authorized_per_frame_and_per_stream() {
    let test = "channels_are_authorized_per_frame_and_per_stream";
    let Some(app) = TestApp::spawn(Backend::Sqlite, test).await else {
        return;
    };
    let (me, token) = login(&app, "rt-me").await;
    let (other, _) = login(&app, "rt-other").await;
    let mut socket = connect(&app, &token).await;
    for (channel, code) in [
        (format!("user:{other}"), 40300),
        ("admin".to_string(), 40300),
        ("users:1".to_string(), 40000),
        ("post:0".to_string(), 40000),
    ] {
        send(
            &mut socket,
            json!({ "type": "subscribe", "channel": channel }),
        )
        .await;
        let refused = frame(&mut socket).await;
        assert_eq!(refused["type"], "error", "{refused}");
        assert_eq!(refused["code"], code, "{refused}");
        assert_eq!(refused["channel"], channel.as_str());
    }
    send(&mut socket, json!({ "type": "nonsense" })).await;
    assert_eq!(frame(&mut socket).await["code"], 40000);
    // The connection stays usable, and one's own channel is fine.
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(frame(&mut socket).await["type"], "pong");
    subscribe(&mut socket, &format!("user:{me}"), None).await;
    // An event on another user's channel never reaches this socket; one on mine does.
    realtime::publish(&app.state, Channel::User(other), "test.secret", json!({}));
    realtime::publish(&app.state, Channel::User(me), "test.mine", json!({}));
    let mine = frame(&mut socket).await;
    assert_eq!(mine["event"], "test.mine", "{mine}");

    // SSE: a forbidden channel is a 403 before anything streams; an admin may read `admin`.
    let answer =
        refused(SseStream::open(&app, &token, &format!("?channels=user:{me},user:{other}")).await);
    answer.assert_error(403, 40300);
    let answer = refused(SseStream::open(&app, &token, "?channels=nope").await);
    answer.assert_error(400, 40002);
    let admin = common::staff_token(&app, Role::Admin).await;
    let mut stream = SseStream::open(&app, &admin, "?channels=admin")
        .await
        .expect("admin");
    assert_eq!(stream.next().await.unwrap().data["type"], "welcome");
    let moderator = common::staff_token(&app, Role::Moderator).await;
    let answer = refused(SseStream::open(&app, &moderator, "?channels=admin").await);
    answer.assert_error(403, 40300);
}

// ---------------------------------------------------------------------------------------------
// Across nodes

/// Features' events reach WebSocket and SSE subscribers on both nodes: a like and a comment
/// made on node B reach the post's subscribers on A (WebSocket) and B (SSE), and the author's
/// notification count on A.
async fn features_push_to_subscribers_on_every_node(backend: Backend, test: &str) {
    let Some(redis) = common::redis_url(test) else {
        return;
    };
    features_push_through(backend, test, &redis).await;
}

async fn features_push_through(backend: Backend, test: &str, redis: &str) {
    let prefix = prefix();
    let Some(a) = TestApp::spawn_with(backend, test, |raw| with_redis(raw, redis, &prefix)).await
    else {
        return;
    };
    let b = second_node(&a, |raw| with_redis(raw, redis, &prefix)).await;
    wait_live(&[&a, &b]).await;
    let (author_id, author) = login(&a, "rt-author").await;
    let (_, fan) = login(&b, "rt-fan").await;
    let reply = post_as(
        &a,
        &author,
        "/api/v1/posts",
        json!({ "content": format!("live {prefix}") }),
    )
    .await;
    let post_id = reply.assert_ok(201)["id"].as_i64().unwrap();
    let post_channel = format!("post:{post_id}");

    let mut socket = connect(&a, &author).await;
    subscribe(&mut socket, &post_channel, None).await;
    subscribe(&mut socket, &format!("user:{author_id}"), None).await;
    let mut stream = SseStream::open(&b, &fan, &format!("?channels={post_channel}"))
        .await
        .expect("SSE opens");
    assert_eq!(stream.next().await.unwrap().data["type"], "welcome");

    post_as(
        &b,
        &fan,
        &format!("/api/v1/posts/{post_id}/like"),
        json!({}),
    )
    .await
    .assert_ok(200);
    let liked = event(&mut socket, "post.like_count").await;
    assert_eq!(liked["channel"], post_channel.as_str());
    assert_eq!(liked["data"]["like_count"], 1);
    let notified = event(&mut socket, "notification.created").await;
    assert_eq!(notified["channel"], format!("user:{author_id}"));
    assert_eq!(notified["data"]["unread"], 1);
    assert_eq!(notified["data"]["kind"], "like");
    let over_sse = stream.event("post.like_count").await;
    assert_eq!(over_sse.data["data"]["like_count"], 1);
    assert_eq!(
        over_sse.id.as_deref(),
        liked["id"].as_str(),
        "one id on every node"
    );

    let reply = post_as(
        &b,
        &fan,
        &format!("/api/v1/posts/{post_id}/comments"),
        json!({ "content": format!("first {prefix}") }),
    )
    .await;
    let comment_id = reply.assert_ok(201)["id"].clone();
    let commented = event(&mut socket, "comment.created").await;
    assert_eq!(commented["data"]["id"], comment_id);
    assert_eq!(commented["data"]["content"], format!("first {prefix}"));
    assert_eq!(
        event(&mut socket, "notification.created").await["data"]["unread"],
        2
    );
    assert_eq!(
        stream.event("comment.created").await.data["data"]["id"],
        comment_id
    );

    // Marking read announces the new count.
    post_as(&a, &author, "/api/v1/notifications/read", json!({}))
        .await
        .assert_ok(200);
    assert_eq!(
        event(&mut socket, "notification.unread").await["data"]["unread"],
        0
    );

    let metrics = a.get("/metrics").await.text;
    assert!(
        metrics.contains("realtime_connections{transport=\"ws\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("realtime_messages_out_total"), "{metrics}");
}

/// A ban made on node B closes the user's sockets on node A (close 4001, do not reconnect); a
/// logout closes that session's socket.
async fn ban_and_logout_close_sockets_on_every_node(backend: Backend, test: &str) {
    let Some(redis) = common::redis_url(test) else {
        return;
    };
    let prefix = prefix();
    let Some(a) = TestApp::spawn_with(backend, test, |raw| with_redis(raw, &redis, &prefix)).await
    else {
        return;
    };
    let b = second_node(&a, |raw| with_redis(raw, &redis, &prefix)).await;
    wait_live(&[&a, &b]).await;
    let (troll, troll_token) = login(&a, "rt-troll").await;
    let (_, leaver_token) = login(&a, "rt-leaver").await;
    let mut troll_socket = connect(&a, &troll_token).await;
    let mut leaver_socket = connect(&a, &leaver_token).await;
    let mut stream = SseStream::open(&a, &troll_token, "?channels=config")
        .await
        .expect("SSE opens");
    assert_eq!(stream.next().await.unwrap().data["type"], "welcome");

    let moderator = common::staff_token(&b, Role::Moderator).await;
    post_as(
        &b,
        &moderator,
        &format!("/api/v1/admin/users/{troll}/ban"),
        json!({}),
    )
    .await
    .assert_ok(200);
    let (said, code) = closing(&mut troll_socket).await;
    assert_eq!(code, Some(4001));
    assert_eq!(said["reconnect"], false, "{said}");
    loop {
        let message = stream.next().await;
        let Some(message) = message else { break };
        if message.data["type"] == "closing" {
            assert_eq!(message.data["reconnect"], false);
            assert!(stream.next().await.is_none(), "the stream ends");
            break;
        }
    }
    // The banned user cannot come back.
    let (status, body) = refused(try_connect(&a, Some(&troll_token), "").await);
    assert_eq!(status, 401, "{body}");

    // The leaver's socket stays open through the ban, and closes at their logout on B.
    send(&mut leaver_socket, json!({ "type": "ping" })).await;
    assert_eq!(frame(&mut leaver_socket).await["type"], "pong");
    post_as(&b, &leaver_token, "/api/v1/auth/logout", json!({}))
        .await
        .assert_ok(200);
    let (_, code) = closing(&mut leaver_socket).await;
    assert_eq!(code, Some(4001));
}

on_every_backend!(
    features_push_to_subscribers_on_every_node,
    ban_and_logout_close_sockets_on_every_node
);

/// Ids to publish on `post:1` with `n`, from `app`.
fn tick(app: &TestApp, n: i64) {
    realtime::publish(&app.state, Channel::Post(1), "test.tick", json!({ "n": n }));
}

fn ns(frames: &[Value]) -> Vec<i64> {
    frames
        .iter()
        .filter(|f| f["type"] == "event")
        .map(|f| f["data"]["n"].as_i64().unwrap())
        .collect()
}

/// Reconnecting with the last event id replays what was missed (on either node, over either
/// transport); beyond the window, the client is told to reload.
async fn replay_and_reload(redis: Option<String>, test: &str) {
    let prefix = prefix();
    let configure = |raw: &mut RawConfig| {
        raw.realtime.realtime_replay_window = 4;
        if let Some(url) = &redis {
            with_redis(raw, url, &prefix);
        }
    };
    let Some(a) = TestApp::spawn_with(Backend::Sqlite, test, configure).await else {
        return;
    };
    let b = match redis {
        Some(_) => Some(second_node(&a, configure).await),
        None => None,
    };
    let b = b.as_ref().unwrap_or(&a);
    wait_live(&[&a, b]).await;
    let (_, token) = login(&a, "rt-replay").await;
    // A watcher that stays: once it has an event, so has the log.
    let mut watcher = connect(b, &token).await;
    subscribe(&mut watcher, "post:1", None).await;

    let mut socket = connect(&a, &token).await;
    subscribe(&mut socket, "post:1", None).await;
    tick(b, 1);
    let first = event(&mut socket, "test.tick").await;
    assert_eq!(event(&mut watcher, "test.tick").await["data"]["n"], 1);
    let last_id = first["id"].as_str().unwrap().to_string();
    drop(socket);
    tick(b, 2);
    tick(b, 3);
    for n in [2, 3] {
        assert_eq!(event(&mut watcher, "test.tick").await["data"]["n"], n);
    }

    let mut socket = connect(&a, &token).await;
    let (replayed, subscribed) = subscribe(&mut socket, "post:1", Some(&last_id)).await;
    assert_eq!(ns(&replayed), vec![2, 3], "{replayed:?}");
    let newest = replayed[1]["id"].as_str().unwrap().to_string();
    assert_eq!(subscribed["position"], newest.as_str());
    // Live events follow, without repeats.
    tick(b, 4);
    assert_eq!(event(&mut socket, "test.tick").await["data"]["n"], 4);

    // SSE resumes from Last-Event-ID the same way.
    let mut stream = SseStream::open(
        &a,
        &token,
        &format!("?channels=post:1&last_event_id={last_id}"),
    )
    .await
    .expect("SSE opens");
    let welcome = stream.next().await.unwrap();
    assert_eq!(welcome.data["type"], "welcome");
    for n in [2, 3, 4] {
        let message = stream.event("test.tick").await;
        assert_eq!(message.data["data"]["n"], n);
        assert_eq!(message.id.as_deref(), message.data["id"].as_str());
    }

    // Ten more: the window of 4 no longer holds what came after `last_id`.
    for n in 5..15 {
        tick(b, n);
    }
    for _ in 5..15 {
        event(&mut watcher, "test.tick").await;
    }
    let mut late = connect(&a, &token).await;
    let (before, _) = subscribe(&mut late, "post:1", Some(&last_id)).await;
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(before[0]["type"], "reload");
    assert_eq!(before[0]["channel"], "post:1");
    // From a recent id, the replay works again.
    let mut recent = connect(&a, &token).await;
    let (replayed, _) = subscribe(&mut recent, "post:1", Some(&newest)).await;
    assert!(replayed.iter().all(|f| f["type"] == "reload") || ns(&replayed).len() <= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_and_reload_across_nodes_through_redis() {
    let test = "replay_and_reload_across_nodes_through_redis";
    let Some(redis) = common::redis_url(test) else {
        return;
    };
    replay_and_reload(Some(redis), test).await;
}

/// The same two scenarios on a three-master Redis Cluster: the stream and its trim marker share a
/// hash tag (one slot, as the scripts need), events are published on one master and heard by
/// nodes subscribed on others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn features_push_to_subscribers_on_every_node_through_a_redis_cluster() {
    let test = "features_push_to_subscribers_on_every_node_through_a_redis_cluster";
    let Some(cluster) = common::redis_cluster::RedisCluster::start(test) else {
        return;
    };
    features_push_through(Backend::Sqlite, test, &cluster.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_and_reload_across_nodes_through_a_redis_cluster() {
    let test = "replay_and_reload_across_nodes_through_a_redis_cluster";
    let Some(cluster) = common::redis_cluster::RedisCluster::start(test) else {
        return;
    };
    replay_and_reload(Some(cluster.url()), test).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_and_reload_in_process() {
    replay_and_reload(None, "replay_and_reload_in_process").await;
}

// ---------------------------------------------------------------------------------------------
// Staying up

fn counter(metrics: &str, line_start: &str) -> f64 {
    metrics
        .lines()
        .find(|line| line.starts_with(line_start))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// A client that stops reading is disconnected with 4008 once its queue is full; the node's
/// other connections are not held up, and the events it could not take are dropped, not kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_disconnected() {
    let test = "a_slow_consumer_is_disconnected";
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, test, |raw| {
        raw.realtime.realtime_send_queue = 8;
    })
    .await
    else {
        return;
    };
    let slow_drops = "realtime_dropped_total{reason=\"slow_consumer\"}";
    let before = counter(&app.get("/metrics").await.text, slow_drops);
    let (_, token) = login(&app, "rt-slow").await;
    let mut slow = connect(&app, &token).await;
    subscribe(&mut slow, "post:1", None).await;
    let mut bystander = connect(&app, &token).await;

    let big = "x".repeat(32 * 1024);
    let mut published = 0;
    while published < 20_000 {
        realtime::publish(
            &app.state,
            Channel::Post(1),
            "test.big",
            json!({ "pad": big }),
        );
        published += 1;
        if published % 100 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if counter(&app.get("/metrics").await.text, slow_drops) > before {
                break;
            }
        }
    }
    assert!(
        counter(&app.get("/metrics").await.text, slow_drops) > before,
        "no slow-consumer drop after {published} events"
    );
    // The bystander is answered at once.
    send(&mut bystander, json!({ "type": "ping" })).await;
    assert_eq!(frame(&mut bystander).await["type"], "pong");
    // Reading again, the slow client finds what was in flight and then the close.
    let mut received = 0;
    let code = loop {
        match hear(&mut slow).await {
            Heard::Frame(value) if value["type"] == "event" => received += 1,
            Heard::Frame(_) => {}
            Heard::Closed(code) => break code,
        }
    };
    assert_eq!(code, Some(4008));
    assert!(received < published, "{received} of {published} delivered");
    eventually(WAIT, "the slow connection is gone", || async {
        (app.state
            .feature::<minibase::realtime::Realtime>()
            .unwrap()
            .connections()
            == 1)
            .then_some(())
    })
    .await;
}

/// Shutdown tells WebSocket clients to reconnect (1012), ends SSE streams with a `closing`
/// frame, and finishes well within the grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_tells_clients_to_reconnect() {
    let test = "graceful_shutdown_tells_clients_to_reconnect";
    let Some(mut app) = TestApp::spawn(Backend::Sqlite, test).await else {
        return;
    };
    let (_, token) = login(&app, "rt-shutdown").await;
    let mut socket = connect(&app, &token).await;
    let mut stream = SseStream::open(&app, &token, "?channels=config")
        .await
        .expect("SSE");
    assert_eq!(stream.next().await.unwrap().data["type"], "welcome");
    let started = Instant::now();
    let server = app.begin_shutdown().expect("running");
    let (said, code) = closing(&mut socket).await;
    assert_eq!(code, Some(1012));
    assert_eq!(said["reconnect"], true, "{said}");
    let mut saw_closing = false;
    while let Some(message) = stream.next().await {
        if message.data["type"] == "closing" {
            assert_eq!(message.data["reconnect"], true);
            saw_closing = true;
        }
    }
    assert!(
        saw_closing,
        "the SSE stream said it was closing before it ended"
    );
    server.await.expect("joined").expect("clean stop");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "shutdown took {:?}",
        started.elapsed()
    );
}

/// A redis-server of this test's own on a free port, never the shared one.
struct OwnRedis {
    port: u16,
    child: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server on PATH (.ci/run installs it)");
        Self { port, child }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&self) {
        let client = redis::Client::open(self.url()).unwrap();
        eventually(Duration::from_secs(15), "redis-server answers", || {
            let client = client.clone();
            async move {
                let mut conn = client.get_multiplexed_async_connection().await.ok()?;
                let pong: String = redis::cmd("PING").query_async(&mut conn).await.ok()?;
                (pong == "PONG").then_some(())
            }
        })
        .await;
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Redis killed and started again (empty) under two nodes with an open socket: nothing
/// crashes, the socket stays, the client is told to reload (events were lost), and events flow
/// across the nodes again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_stream() {
    let test = "redis_restarted_mid_stream";
    if common::redis_url(test).is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis_server = OwnRedis::start(port);
    redis_server.wait_ready().await;
    let url = redis_server.url();
    let prefix = prefix();
    let Some(a) =
        TestApp::spawn_with(Backend::Sqlite, test, |raw| with_redis(raw, &url, &prefix)).await
    else {
        return;
    };
    let b = second_node(&a, |raw| with_redis(raw, &url, &prefix)).await;
    wait_live(&[&a, &b]).await;
    let (_, token) = login(&a, "rt-restart").await;
    let mut socket = connect(&a, &token).await;
    subscribe(&mut socket, "post:1", None).await;
    tick(&b, 1);
    assert_eq!(event(&mut socket, "test.tick").await["data"]["n"], 1);

    tokio::task::block_in_place(|| redis_server.kill());
    eventually(WAIT, "the nodes notice", || async {
        (!a.state
            .feature::<minibase::realtime::Realtime>()
            .unwrap()
            .is_live()
            && !b
                .state
                .feature::<minibase::realtime::Realtime>()
                .unwrap()
                .is_live())
        .then_some(())
    })
    .await;
    tick(&b, 2);
    assert_eq!(a.get("/ping").await.status, 200);
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(frame(&mut socket).await["type"], "pong");

    let redis_server = OwnRedis::start(port);
    redis_server.wait_ready().await;
    wait_live(&[&a, &b]).await;
    // The subscription is back: events from B reach the socket on A again, after a reload.
    let mut reloaded = false;
    let started = Instant::now();
    let mut n = 3;
    let heard = 'heard: loop {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no event after the restart"
        );
        tick(&b, n);
        n += 1;
        loop {
            match tokio::time::timeout(Duration::from_millis(300), socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let value: Value = serde_json::from_str(text.as_str()).unwrap();
                    if value["type"] == "reload" {
                        reloaded = true;
                    } else if value["type"] == "event" {
                        break 'heard value;
                    }
                }
                Ok(Some(Ok(_))) => continue,
                Ok(other) => panic!("the socket ended: {other:?}"),
                Err(_) => break,
            }
        }
    };
    assert!(heard["data"]["n"].as_i64().unwrap() >= 3, "{heard}");
    assert!(
        reloaded,
        "the client was told to reload after the lost events"
    );
    drop(redis_server);
}
