//! Watching a node: traces reach an OTLP collector under the caller's trace id and go on to
//! WeChat; log lines carry the trace id; `/metrics` and the API docs stay where the
//! configuration puts them; `/readyz` turns 503 as soon as shutdown begins; the Grafana
//! dashboard and the alert rules name only metrics the node exports.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use axum::Router;
use common::process::Node;
use common::proxy::TcpProxy;
use common::{Backend, TestApp};
use minibase_wechat::mock::{MockConfig, MockWechat};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use serde_json::{json, Value};

/// A span as the collector received it.
#[derive(Debug, Clone)]
struct ReceivedSpan {
    service: String,
    name: String,
    kind: i32,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
}

/// An OTLP/HTTP (protobuf) collector in the test process: `POST /v1/traces`, kept in memory.
struct OtlpReceiver {
    base: String,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
}

impl OtlpReceiver {
    async fn start() -> Self {
        let spans: Arc<Mutex<Vec<ReceivedSpan>>> = Arc::default();
        let store = spans.clone();
        let app = Router::new().route(
            "/v1/traces",
            post(move |body: Bytes| {
                let store = store.clone();
                async move {
                    let request = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
                    let mut received = store.lock().unwrap();
                    for resource_spans in request.resource_spans {
                        let service = resource_spans
                            .resource
                            .iter()
                            .flat_map(|r| r.attributes.iter())
                            .find(|kv| kv.key == "service.name")
                            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
                            .map(|value| match value {
                                any_value::Value::StringValue(s) => s.clone(),
                                other => format!("{other:?}"),
                            })
                            .unwrap_or_default();
                        for scope in resource_spans.scope_spans {
                            for span in scope.spans {
                                received.push(ReceivedSpan {
                                    service: service.clone(),
                                    name: span.name,
                                    kind: span.kind,
                                    trace_id: hex::encode(span.trace_id),
                                    span_id: hex::encode(span.span_id),
                                    parent_span_id: hex::encode(span.parent_span_id),
                                });
                            }
                        }
                    }
                    (
                        [("content-type", "application/x-protobuf")],
                        ExportTraceServiceResponse::default().encode_to_vec(),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base: format!("http://{addr}"),
            spans,
        }
    }

    fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap().clone()
    }
}

fn random_hex(bytes: usize) -> String {
    let mut out = String::new();
    while out.len() < bytes * 2 {
        out.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    out.truncate(bytes * 2);
    out
}

/// The real binary, its spans sent to an in-test collector: a login sent with a `traceparent`
/// makes a server span under the caller's span, a client span for the call to WeChat (which
/// receives the trace in its own `traceparent`) and database spans, all in the caller's trace;
/// the log lines name the trace; SIGTERM sends what was buffered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_reach_the_collector_under_the_callers_trace() {
    let collector = OtlpReceiver::start().await;
    let mock = MockWechat::new(MockConfig::default());
    let (mock_addr, _mock_server) = mock.spawn("127.0.0.1:0").await.unwrap();
    let wechat = TcpProxy::recording(mock_addr).await;
    let dir = tempfile::tempdir().unwrap();
    let redis =
        common::redis_url("spans_reach_the_collector_under_the_callers_trace (redis spans)");
    let mut env = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.base.clone()),
        ("OTEL_SERVICE_NAME", "minibase-under-test".to_string()),
        ("OTEL_TRACES_SAMPLER", "parentbased_always_on".to_string()),
        ("MINIBASE_WECHAT_APPID", mock.config().appid.clone()),
        ("MINIBASE_WECHAT_SECRET", mock.config().secret.clone()),
        (
            "MINIBASE_WECHAT_API_BASE",
            format!("http://{}", wechat.addr),
        ),
        ("MINIBASE_LOG_FORMAT", "json".to_string()),
        ("MINIBASE_LOG_LEVEL", "info".to_string()),
    ];
    if let Some(url) = &redis {
        // The login's rate limits run in Redis then.
        env.push(("MINIBASE_REDIS_URL", url.clone()));
    }
    let path = dir.path().to_path_buf();
    let mut node = tokio::task::spawn_blocking(move || Node::start(&path, &env))
        .await
        .unwrap();

    let trace_id = random_hex(16);
    let caller_span = random_hex(8);
    let reply = reqwest::Client::new()
        .post(node.url("/api/v1/auth/login"))
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .json(&json!({ "code": "traced:1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200, "{}", reply.text().await.unwrap());

    let (status, stderr, log) = tokio::task::spawn_blocking(move || {
        let status = node.terminate();
        (status, node.stderr(), node.stdout())
    })
    .await
    .unwrap();
    assert!(status.success(), "exit {status}: {stderr}");

    // Sent before the process exited (flush on shutdown); the collector may still be storing.
    let deadline = Instant::now() + Duration::from_secs(5);
    let traced = loop {
        let traced: Vec<ReceivedSpan> = collector
            .spans()
            .into_iter()
            .filter(|span| span.trace_id == trace_id)
            .collect();
        if traced.iter().any(|s| s.name.starts_with("wechat ")) || Instant::now() > deadline {
            break traced;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let names: Vec<&str> = traced.iter().map(|s| s.name.as_str()).collect();

    let server = traced
        .iter()
        .find(|s| s.name == "POST /api/v1/auth/login")
        .unwrap_or_else(|| panic!("no server span in {names:?}"));
    assert_eq!(server.kind, SpanKind::Server as i32);
    assert_eq!(
        server.parent_span_id, caller_span,
        "the caller's span is the parent"
    );
    assert_eq!(server.service, "minibase-under-test");

    let call = traced
        .iter()
        .find(|s| s.name == "wechat /sns/jscode2session")
        .unwrap_or_else(|| panic!("no span for the WeChat call in {names:?}"));
    assert_eq!(call.kind, SpanKind::Client as i32);
    let sent: String = wechat
        .sent()
        .iter()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    let propagated = format!("traceparent: 00-{trace_id}-{}-01", call.span_id);
    assert!(
        sent.to_ascii_lowercase().contains(&propagated),
        "WeChat was not sent {propagated}:\n{sent}"
    );
    assert!(
        traced
            .iter()
            .any(|s| s.name.starts_with("db ") && s.kind == SpanKind::Client as i32),
        "no database span in {names:?}"
    );
    if redis.is_some() {
        assert!(
            traced
                .iter()
                .any(|s| s.name.starts_with("redis ") && s.kind == SpanKind::Client as i32),
            "no Redis span in {names:?}"
        );
    }

    let request_log = log
        .lines()
        .find(|line| line.contains("/api/v1/auth/login") && line.contains("\"status\":200"))
        .unwrap_or_else(|| panic!("no access log line:\n{log}"));
    assert!(
        request_log.contains(&format!("\"trace_id\":\"{trace_id}\"")),
        "{request_log}"
    );
    let line: Value = serde_json::from_str(request_log).expect("a JSON log line");
    assert_eq!(line["trace_id"], trace_id.as_str());
}

/// Without `OTEL_*` variables nothing is exported and log lines carry no trace id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_is_off_without_an_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        ("MINIBASE_LOG_FORMAT", "json".to_string()),
        ("MINIBASE_LOG_LEVEL", "info".to_string()),
    ];
    let path = dir.path().to_path_buf();
    let mut node = tokio::task::spawn_blocking(move || Node::start(&path, &env))
        .await
        .unwrap();
    let reply = reqwest::Client::new()
        .get(node.url("/api/v1/config"))
        .header(
            "traceparent",
            format!("00-{}-{}-01", random_hex(16), random_hex(8)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let log = tokio::task::spawn_blocking(move || {
        node.terminate();
        node.stdout()
    })
    .await
    .unwrap();
    assert!(log.contains("/api/v1/config"), "{log}");
    assert!(!log.contains("trace_id"), "{log}");
}

/// A bad `OTEL_*` value stops the start with a message naming the variable.
#[test]
fn a_bad_sampler_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::process::minibase(dir.path())
        .arg("serve")
        .env("MINIBASE_LISTEN", "127.0.0.1:0")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
        .env("OTEL_TRACES_SAMPLER", "sometimes")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("OTEL_TRACES_SAMPLER"), "{stderr}");
}

/// From the stop signal, `/readyz` answers 503 while the node still serves (for the shutdown
/// delay); then the listener closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_as_soon_as_shutdown_begins() {
    let test = "readyz_fails_as_soon_as_shutdown_begins";
    let Some(mut app) = TestApp::spawn_with(Backend::Sqlite, test, |raw| {
        raw.shutdown_delay_secs = Some(2);
    })
    .await
    else {
        return;
    };
    app.get("/readyz").await.assert_ok(200);
    let started = Instant::now();
    let server = app.begin_shutdown().expect("running");
    // The flag is set as the signal arrives; allow the signal a moment to be seen.
    let mut answer = app.get("/readyz").await;
    while answer.status == 200 && started.elapsed() < Duration::from_millis(500) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        answer = app.get("/readyz").await;
    }
    answer.assert_error(503, 50300);
    assert!(
        answer.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("shutting down")),
        "{:?}",
        answer.json
    );
    // Still serving: new connections are accepted and answered.
    let fresh = reqwest::Client::new();
    let ping = fresh.get(app.url("/ping")).send().await.unwrap();
    assert_eq!(ping.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    server.await.unwrap().unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "stopped before the delay"
    );
    let after = reqwest::Client::new()
        .get(app.url("/ping"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(after.is_err(), "still accepting after shutdown");
}

async fn status_of(client: &reqwest::Client, url: String, token: Option<&str>) -> (u16, Value) {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

/// Kept off the public port: `/metrics`, `/docs` and `/openapi.json` are unknown paths there,
/// while the API and the probes answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_endpoints_can_be_kept_off_the_public_port() {
    let test = "ops_endpoints_can_be_kept_off_the_public_port";
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, test, |raw| {
        raw.ops.ops_public = Some(false);
    })
    .await
    else {
        return;
    };
    for path in ["/metrics", "/docs/", "/openapi.json"] {
        let (status, body) = status_of(&app.client, app.url(path), None).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["code"], 40400, "{path}: {body}");
    }
    app.get("/api/v1/config").await.assert_ok(200);
    app.get("/readyz").await.assert_ok(200);
}

/// With a token, the operators' endpoints need it; the rest of the API does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_endpoints_can_require_a_token() {
    let test = "ops_endpoints_can_require_a_token";
    let token = "a-scraper-token-of-some-length";
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, test, |raw| {
        raw.ops.ops_token = Some(token.into());
    })
    .await
    else {
        return;
    };
    for path in ["/metrics", "/openapi.json"] {
        let (status, body) = status_of(&app.client, app.url(path), None).await;
        assert_eq!(
            (status, body["code"].clone()),
            (401, json!(40100)),
            "{path}"
        );
        let (status, body) = status_of(
            &app.client,
            app.url(path),
            Some("not-the-right-token-at-all"),
        )
        .await;
        assert_eq!(
            (status, body["code"].clone()),
            (401, json!(40102)),
            "{path}"
        );
    }
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics
        .text()
        .await
        .unwrap()
        .contains("http_requests_total"));
    app.get("/api/v1/config").await.assert_ok(200);
}

/// `ops_listen`: metrics and docs on an address of their own (with the probes, without the
/// API), and not on the public port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_endpoints_can_move_to_their_own_listener() {
    let test = "ops_endpoints_can_move_to_their_own_listener";
    let Some(db) = common::TestDatabase::create_migrated(Backend::Sqlite, test).await else {
        return;
    };
    let mut raw = common::test_config(&db.url);
    raw.ops.ops_listen = Some("127.0.0.1:0".into());
    let config = raw.validate().expect("valid config");
    let app = minibase::app::Application::build(config).await.unwrap();
    let public: SocketAddr = app.local_addr().unwrap();
    let ops: SocketAddr = app.ops_addr().unwrap().expect("an ops listener");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let (status, _) = status_of(&client, format!("http://{public}/metrics"), None).await;
    assert_eq!(status, 404);
    let (status, _) = status_of(&client, format!("http://{public}/api/v1/config"), None).await;
    assert_eq!(status, 200);
    let metrics = client
        .get(format!("http://{ops}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let (status, _) = status_of(&client, format!("http://{ops}/openapi.json"), None).await;
    assert_eq!(status, 200);
    let (status, _) = status_of(&client, format!("http://{ops}/readyz"), None).await;
    assert_eq!(status, 200);
    let (status, body) = status_of(&client, format!("http://{ops}/api/v1/config"), None).await;
    assert_eq!((status, body["code"].clone()), (404, json!(40400)));
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// After a login (a WeChat call), the node exports the metrics the dashboards and alerts use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_calls_and_the_job_queue_are_measured() {
    let test = "wechat_calls_and_the_job_queue_are_measured";
    let Some(app) = TestApp::spawn(Backend::Sqlite, test).await else {
        return;
    };
    app.post_json("/api/v1/auth/login", &json!({ "code": "metered:1" }))
        .await
        .assert_ok(200);
    // A code the mock refuses: counted under WeChat's errcode.
    let refused = app
        .post_json("/api/v1/auth/login", &json!({ "code": "invalid" }))
        .await;
    assert!(refused.status >= 400, "{:?}", refused.json);
    let text = app.get("/metrics").await.text;
    let ok = r#"wechat_calls_total{api="/sns/jscode2session",errcode="0"}"#;
    assert!(text.contains(ok), "{ok} missing:\n{text}");
    assert!(
        text.lines().any(|l| l.starts_with("wechat_calls_total{")
            && l.contains(r#"api="/sns/jscode2session""#)
            && !l.contains(r#"errcode="0""#)),
        "no failed call counted:\n{text}"
    );
    assert!(
        text.contains("wechat_call_duration_seconds_bucket{"),
        "{text}"
    );
    for gauge in ["jobs_due ", "jobs_oldest_due_age_seconds ", "jobs_failed "] {
        assert!(
            text.lines().any(|l| l.starts_with(gauge)),
            "{gauge} missing:\n{text}"
        );
    }
}

/// Every metric a dashboard panel or an alert rule queries is one the node exports, so a
/// renamed metric cannot leave a blank panel or an alert that never fires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_and_alerts_name_only_exported_metrics() {
    let test = "dashboard_and_alerts_name_only_exported_metrics";
    let Some(app) = TestApp::spawn(Backend::Sqlite, test).await else {
        return;
    };
    // Traffic that makes every kind of series appear: requests, a login (a WeChat call, a cache
    // miss then hits), the job queue and pool gauges at the scrape.
    app.post_json("/api/v1/auth/login", &json!({ "code": "dash:1" }))
        .await
        .assert_ok(200);
    for _ in 0..2 {
        app.get("/api/v1/config").await.assert_ok(200);
    }
    // A job of a kind no handler knows, with one attempt: it runs, fails for good, and is
    // counted and timed.
    minibase::store::jobs::enqueue(
        &app.state.db,
        minibase::store::jobs::JobSpec {
            max_attempts: 1,
            ..minibase::store::jobs::JobSpec::now("observability-test")
        },
        &json!({}),
    )
    .await
    .unwrap();
    app.state.jobs.wake();
    let deadline = Instant::now() + Duration::from_secs(20);
    let metrics = loop {
        let text = app.get("/metrics").await.text;
        // The job is counted as it ends and timed after: wait for both.
        let done =
            text.contains("jobs_finished_total{") && text.contains("job_duration_seconds_bucket{");
        if done || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let exported = exported_metric_names(&metrics);

    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/operations");
    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("grafana-dashboard.json")).unwrap(),
    )
    .expect("the dashboard is JSON");
    let mut exprs = Vec::new();
    collect_exprs(&dashboard, &mut exprs);
    assert!(exprs.len() >= 8, "few panels: {exprs:?}");

    let rules_text = std::fs::read_to_string(folder.join("prometheus-alerts.yml")).unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&rules_text).expect("the rules are YAML");
    let groups = docs[0]["groups"].as_vec().expect("groups:");
    let mut alerts = 0;
    for group in groups {
        for rule in group["rules"].as_vec().expect("rules:") {
            let name = rule["alert"].as_str().expect("every rule is an alert");
            let expr = rule["expr"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: expr"));
            assert!(rule["for"].as_str().is_some(), "{name}: for");
            assert!(
                rule["labels"]["severity"].as_str().is_some(),
                "{name}: labels.severity"
            );
            assert!(
                rule["annotations"]["summary"].as_str().is_some(),
                "{name}: annotations.summary"
            );
            exprs.push(expr.to_string());
            alerts += 1;
        }
    }
    assert!(alerts >= 5, "few alerts");

    for expr in &exprs {
        let named = metric_names_in(expr);
        assert!(!named.is_empty(), "no metric in {expr}");
        // `up` is Prometheus's own, about the scrape.
        let named = named.into_iter().filter(|name| name != "up");
        for name in named {
            assert!(
                exported.contains(&name),
                "`{name}` (in `{expr}`) is not in /metrics; exported: {exported:?}"
            );
        }
    }
}

/// Names in the exposition: `# TYPE` lines and samples (histograms count under their own name
/// and their `_bucket`, `_sum`, `_count` series).
fn exported_metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines() {
        let name = match line.strip_prefix("# TYPE ") {
            Some(rest) => rest.split_whitespace().next(),
            None if line.starts_with('#') => None,
            None => line.split(['{', ' ']).next(),
        };
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            names.insert(name.to_string());
            for suffix in ["_bucket", "_sum", "_count"] {
                if let Some(base) = name.strip_suffix(suffix) {
                    names.insert(base.to_string());
                }
            }
        }
    }
    names
}

fn collect_exprs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("expr", Value::String(expr)) => out.push(expr.clone()),
                    _ => collect_exprs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_exprs(item, out)),
        _ => {}
    }
}

/// Metric names in a PromQL expression: identifiers outside label matchers, `by (...)`
/// groupings, ranges and strings, that are not functions or keywords.
fn metric_names_in(expr: &str) -> BTreeSet<String> {
    const WORDS: &[&str] = &[
        "sum",
        "rate",
        "irate",
        "increase",
        "histogram_quantile",
        "max",
        "min",
        "avg",
        "count",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "clamp_min",
        "clamp_max",
        "abs",
        "absent",
        "time",
        "vector",
        "topk",
        "bottomk",
        "offset",
        "max_over_time",
        "min_over_time",
        "avg_over_time",
        "changes",
        "resets",
        "delta",
        "deriv",
        "label_replace",
        "sort_desc",
        "bool",
        "le",
        "scalar",
    ];
    let mut cleaned = String::new();
    let mut depth_braces = 0;
    let mut in_string = false;
    let mut in_range = false;
    for c in expr.chars() {
        match c {
            '"' if depth_braces == 0 => in_string = !in_string,
            '{' if !in_string => depth_braces += 1,
            '}' if !in_string => depth_braces -= 1,
            '[' if !in_string => in_range = true,
            ']' if !in_string => in_range = false,
            _ if in_string || depth_braces > 0 || in_range => {}
            _ => {
                cleaned.push(c);
                continue;
            }
        }
        cleaned.push(' ');
    }
    // Drop the label lists of `by (...)`, `without (...)`, `on (...)`, `ignoring (...)`.
    let mut names = BTreeSet::new();
    let mut skip_group = false;
    let mut rest = cleaned.as_str();
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '(' || c == ')')
            .unwrap_or(rest.len());
        rest = &rest[start..];
        if rest.is_empty() {
            break;
        }
        if rest.starts_with(')') {
            skip_group = false;
            rest = &rest[1..];
            continue;
        }
        if rest.starts_with('(') {
            rest = &rest[1..];
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if matches!(
            word,
            "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
        ) {
            skip_group = true;
            continue;
        }
        if skip_group || WORDS.contains(&word) {
            continue;
        }
        names.insert(word.to_string());
    }
    names
}
