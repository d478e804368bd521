//! The HTTP stack over real HTTP: envelope, request ids, error envelopes for every way a request
//! can be wrong, CORS, compression, OpenAPI, metrics, health and graceful shutdown.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};

use std::time::Duration;
use tokio::io::AsyncWriteExt;

use axum::routing::{get, patch, post};
use axum::Router;
use common::{test_config, Backend, TestApp, TestDatabase};
use minibase::http::{ApiJson, ValidJson};
use minibase::state::AppState;
use serde::Deserialize;
use serde_json::{json, Value};
use validator::Validate;

#[derive(Deserialize, Validate)]
struct Echo {
    #[validate(length(min = 1, max = 8))]
    name: String,
    #[validate(range(min = 0, max = 150))]
    age: u32,
}

/// Set by `/test/finish` once its handler has run to the end.
static FINISHED: AtomicBool = AtomicBool::new(false);

/// Test-only routes behind the real middleware stack.
fn test_routes(routes: Router<AppState>) -> Router<AppState> {
    routes
        .route(
            "/test/echo",
            post(|ValidJson(body): ValidJson<Echo>| async move {
                ApiJson::ok(json!({"name": body.name, "age": body.age}))
            }),
        )
        .route(
            "/test/panic",
            get(|| async {
                let empty: Vec<u8> = Vec::new();
                // A bug in a handler: indexing out of bounds.
                ApiJson::ok(empty[3])
            }),
        )
        .route("/test/patch", patch(|| async { ApiJson::ok("patched") }))
        .route(
            "/test/finish",
            post(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                FINISHED.store(true, Ordering::SeqCst);
                ApiJson::ok("finished")
            }),
        )
        .route(
            "/test/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                ApiJson::ok("done")
            }),
        )
}

async fn spawn_stack(
    configure: impl FnOnce(&mut minibase::config::RawConfig),
) -> (TestApp, TestDatabase) {
    let db = TestDatabase::create(Backend::Sqlite, "stack")
        .await
        .expect("sqlite");
    let mut raw = test_config(&db.url);
    configure(&mut raw);
    let app = TestApp::start(raw, Backend::Sqlite, None, test_routes).await;
    (app, db)
}

#[tokio::test]
async fn ping_answers_pong_without_envelope_and_with_a_request_id() {
    let (app, _db) = spawn_stack(|_| {}).await;
    let reply = app.get("/ping").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json, json!({"message": "pong"}));
    assert!(reply
        .header("x-request-id")
        .is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let (app, _db) = spawn_stack(|_| {}).await;
    let mine = app
        .send(
            app.client
                .get(app.url("/nope"))
                .header("X-Request-Id", "trace-abc-123"),
        )
        .await;
    mine.assert_error(404, 40400);
    assert_eq!(mine.header("x-request-id"), Some("trace-abc-123"));
    assert_eq!(mine.json["request_id"], "trace-abc-123");

    // An id with characters that do not belong in logs is replaced, not echoed.
    let forged = app
        .send(
            app.client
                .get(app.url("/ping"))
                .header("X-Request-Id", "bad id\twith spaces"),
        )
        .await;
    let generated = forged.header("x-request-id").expect("generated id");
    assert_ne!(generated, "bad id\twith spaces");

    let a = app.get("/healthz").await;
    let b = app.get("/healthz").await;
    assert_ne!(
        a.header("x-request-id"),
        b.header("x-request-id"),
        "ids are unique"
    );
}

#[tokio::test]
async fn unknown_route_and_wrong_method_are_envelopes() {
    let (app, _db) = spawn_stack(|_| {}).await;
    app.get("/api/v1/does-not-exist")
        .await
        .assert_error(404, 40400);
    let reply = app.send(app.client.delete(app.url("/ping"))).await;
    reply.assert_error(405, 40500);
    assert!(
        reply.header("allow").is_some_and(|a| a.contains("GET")),
        "Allow header kept"
    );
}

#[tokio::test]
async fn post_with_a_method_override_reaches_patch_routes() {
    // wx.request has no PATCH: mini-programs send POST + X-HTTP-Method-Override: PATCH.
    let (app, _db) = spawn_stack(|_| {}).await;
    let send = |method: reqwest::Method, override_to: Option<&str>| {
        let request = app.client.request(method, app.url("/test/patch"));
        match override_to {
            Some(to) => request.header("x-http-method-override", to),
            None => request,
        }
    };
    let reply = app.send(send(reqwest::Method::POST, Some("PATCH"))).await;
    assert_eq!(reply.assert_ok(200), "patched");
    let reply = app.send(send(reqwest::Method::POST, Some("patch"))).await;
    assert_eq!(reply.assert_ok(200), "patched");
    // Only POST -> PATCH: no other method, and no other override.
    app.send(send(reqwest::Method::POST, None))
        .await
        .assert_error(405, 40500);
    app.send(send(reqwest::Method::PUT, Some("PATCH")))
        .await
        .assert_error(405, 40500);
    app.send(send(reqwest::Method::POST, Some("DELETE")))
        .await
        .assert_error(405, 40500);
}

#[tokio::test]
async fn json_body_errors_name_the_problem() {
    let (app, _db) = spawn_stack(|_| {}).await;
    let url = app.url("/test/echo");

    let ok = app
        .post_json("/test/echo", &json!({"name": "amy", "age": 30}))
        .await;
    assert_eq!(ok.assert_ok(200), &json!({"name": "amy", "age": 30}));

    // Malformed JSON -> 400.
    let reply = app
        .send(
            app.client
                .post(&url)
                .header("content-type", "application/json")
                .body("{\"name\": "),
        )
        .await;
    reply.assert_error(400, 40001);

    // Wrong content type -> 415.
    let reply = app
        .send(
            app.client
                .post(&url)
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    reply.assert_error(415, 41500);
    let reply = app.send(app.client.post(&url).body("{}")).await;
    reply.assert_error(415, 41500);

    // Missing field -> 422 naming it.
    let reply = app.post_json("/test/echo", &json!({"name": "amy"})).await;
    reply.assert_error(422, 42200);
    assert!(
        reply.json["message"].as_str().unwrap().starts_with("age"),
        "{}",
        reply.text
    );

    // Wrong type -> 422 naming it.
    let reply = app
        .post_json("/test/echo", &json!({"name": "amy", "age": "old"}))
        .await;
    reply.assert_error(422, 42200);
    assert!(
        reply.json["message"].as_str().unwrap().starts_with("age"),
        "{}",
        reply.text
    );

    // Rule broken -> 422 naming it.
    let reply = app
        .post_json("/test/echo", &json!({"name": "a-very-long-name", "age": 3}))
        .await;
    reply.assert_error(422, 42200);
    let message = reply.json["message"].as_str().unwrap();
    assert!(
        message.starts_with("name: length must be between 1 and 8"),
        "{message}"
    );
    let reply = app
        .post_json("/test/echo", &json!({"name": "amy", "age": 999}))
        .await;
    reply.assert_error(422, 42200);
    assert!(reply.json["message"]
        .as_str()
        .unwrap()
        .starts_with("age: must be between"));

    // Trailing garbage after a valid document is malformed JSON.
    let reply = app
        .send(
            app.client
                .post(&url)
                .header("content-type", "application/json")
                .body("{\"name\":\"a\",\"age\":1} x"),
        )
        .await;
    reply.assert_error(400, 40001);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let (app, _db) = spawn_stack(|raw| raw.body_limit_bytes = 2048).await;
    let big = json!({"name": "x".repeat(5000), "age": 1});
    let reply = app.post_json("/test/echo", &big).await;
    reply.assert_error(413, 41300);
}

#[tokio::test]
async fn panic_is_a_500_that_leaks_nothing() {
    let (app, _db) = spawn_stack(|_| {}).await;
    let reply = app.get("/test/panic").await;
    reply.assert_error(500, 50000);
    assert_eq!(reply.json["message"], "internal server error");
    assert!(
        !reply.text.contains("index out of bounds"),
        "panic text leaked: {}",
        reply.text
    );
    // The server keeps serving.
    assert_eq!(app.get("/ping").await.status, 200);
}

#[tokio::test]
async fn slow_request_times_out_with_an_envelope() {
    let (app, _db) = spawn_stack(|raw| raw.request_timeout_secs = 1).await;
    let reply = app.get("/test/slow").await;
    reply.assert_error(503, 50301);
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let (app, _db) = spawn_stack(|_| {}).await;
    let raw_client = reqwest::Client::builder().no_gzip().build().unwrap();
    let response = raw_client
        .get(app.url("/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("content-encoding").unwrap(), "gzip");
    let response = raw_client
        .get(app.url("/openapi.json"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers().get("content-encoding").unwrap(), "br");
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let (app, _db) = spawn_stack(|raw| {
        raw.cors_origins = minibase::config::StringList::Csv("https://console.example.com".into())
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/config"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
    };
    let allowed = app.send(preflight("https://console.example.com")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://console.example.com")
    );
    let denied = app.send(preflight("https://evil.example.com")).await;
    assert_eq!(denied.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn openapi_describes_routes_envelope_and_codes() {
    let (app, _db) = spawn_stack(|_| {}).await;
    let spec = app.get("/openapi.json").await;
    assert_eq!(spec.status, 200);
    let paths = spec.json["paths"].as_object().expect("paths");
    for path in ["/ping", "/healthz", "/readyz", "/metrics"] {
        assert!(paths.contains_key(path), "{path} missing from the spec");
    }
    let schemas = &spec.json["components"]["schemas"];
    assert!(
        schemas["ErrorEnvelope"].is_object(),
        "error envelope schema"
    );
    let codes: Vec<u64> = schemas["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode enum")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    for code in minibase::error::ErrorCode::ALL {
        assert!(
            codes.contains(&u64::from(code.as_u32())),
            "code {} in spec",
            code.as_u32()
        );
    }
    let docs = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger"), "docs UI served offline");
}

#[tokio::test]
async fn metrics_expose_routes_histograms_and_pool() {
    let (app, _db) = spawn_stack(|_| {}).await;
    app.get("/ping").await;
    app.get("/nope").await;
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, 200);
    let text = &reply.text;
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains("route=\"/ping\"")
            && l.contains("status=\"200\"")),
        "request counter by route and status:\n{text}"
    );
    assert!(
        text.contains("route=\"<unmatched>\""),
        "unmatched routes share a label"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{") && text.contains("le=\"0.005\""),
        "latency histogram with explicit buckets"
    );
    assert!(text.contains("db_pool_connections"), "pool gauge");
}

#[tokio::test]
async fn a_client_hanging_up_does_not_cut_its_request_short() {
    let (app, _db) = spawn_stack(|_| {}).await;
    // A raw socket, so that the server sees the connection end while the handler runs.
    let mut socket = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    socket
        .write_all(b"POST /test/finish HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(socket);
    // The handler would have been dropped mid-way with the connection; it runs to its end.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !FINISHED.load(Ordering::SeqCst) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the handler was cancelled when its client hung up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    let (mut app, _db) = spawn_stack(|_| {}).await;
    let client = app.client.clone();
    let url = app.url("/test/slow");
    let in_flight = tokio::spawn(async move { client.get(url).send().await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let server = app.begin_shutdown().expect("server task");
    let response = in_flight
        .await
        .unwrap()
        .expect("in-flight request answered");
    assert_eq!(response.status(), 200);
    server.await.unwrap().expect("clean stop");
    // After shutdown nothing accepts connections.
    let after = reqwest::Client::new()
        .get(app.url("/ping"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(after.is_err(), "server still accepting after shutdown");
}
