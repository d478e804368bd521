//! The client against the mock over real HTTP on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ConnectionCounter, Harness};
use futures::future::join_all;
use minibase_wechat::mock::{self, MockConfig, MockStats};
use minibase_wechat::{
    BoxFuture, CachedToken, MediaType, StoreError, SubscribeMessage, Suggest, TokenStore,
    WechatClient, WechatError, WxaCodeRequest,
};
use serde_json::{json, Value};

#[tokio::test]
async fn code2session_returns_deterministic_user() {
    let h = Harness::default().await;
    let session = h.client().code2session("alice:first").await.unwrap();
    assert_eq!(session.openid, "mock-openid-alice");
    assert_eq!(session.unionid.as_deref(), Some("mock-unionid-alice"));
    assert_eq!(
        session.session_key,
        mock::session_key_for_code("alice:first")
    );
    assert!(!format!("{session:?}").contains(&session.session_key));
    assert_eq!(h.mock.stats().code2session, 1);
}

#[tokio::test]
async fn code2session_special_codes_map_to_typed_errors() {
    let h = Harness::default().await;
    let mut config = h.config();
    config.max_retries = 0;
    let client = WechatClient::new(config).unwrap();
    type IsExpected = fn(&WechatError) -> bool;
    let cases: [(&str, IsExpected); 7] = [
        ("invalid", |e| matches!(e, WechatError::InvalidCode { .. })),
        ("invalid:7", |e| {
            matches!(e, WechatError::InvalidCode { .. })
        }),
        ("used", |e| matches!(e, WechatError::CodeBeenUsed { .. })),
        ("busy:1", |e| matches!(e, WechatError::SystemBusy { .. })),
        ("quota", |e| {
            matches!(e, WechatError::MinuteQuotaReached { .. })
        }),
        ("risky:x", |e| matches!(e, WechatError::HighRiskUser { .. })),
        ("", |e| matches!(e, WechatError::MissingCode { .. })),
    ];
    for (code, expected) in cases {
        let err = client.code2session(code).await.unwrap_err();
        assert!(expected(&err), "{code:?} gave {err:?}");
        assert!(err.errcode().is_some());
    }
}

#[tokio::test]
async fn wrong_credentials_are_rejected() {
    let h = Harness::default().await;
    let mut config = h.config();
    config.secret = "wrong".into();
    let err = WechatClient::new(config.clone())
        .unwrap()
        .code2session("a")
        .await
        .unwrap_err();
    assert!(
        matches!(err, WechatError::InvalidAppSecret { .. }),
        "{err:?}"
    );
    let err = WechatClient::new(config.clone())
        .unwrap()
        .access_token()
        .await
        .unwrap_err();
    assert!(
        matches!(err, WechatError::InvalidAppSecret { .. }),
        "{err:?}"
    );
    config.appid = "wx-other".into();
    let err = WechatClient::new(config)
        .unwrap()
        .code2session("a")
        .await
        .unwrap_err();
    assert!(matches!(err, WechatError::InvalidAppId { .. }), "{err:?}");
}

#[tokio::test]
async fn busy_once_is_retried_and_succeeds() {
    let h = Harness::default().await;
    let session = h.client().code2session("busy-once:carol").await.unwrap();
    assert_eq!(session.openid, "mock-openid-carol");
    assert_eq!(h.mock.stats().code2session, 2);
}

#[tokio::test]
async fn persistent_busy_is_retried_up_to_max_retries() {
    let h = Harness::default().await;
    let err = h.client().code2session("busy").await.unwrap_err();
    assert!(matches!(err, WechatError::SystemBusy { .. }));
    assert_eq!(h.mock.stats().code2session, 3, "1 try + 2 retries");
}

#[tokio::test]
async fn code_errors_are_never_retried() {
    let h = Harness::default().await;
    let client = h.client();
    for (code, calls) in [("invalid", 1), ("used", 2), ("quota", 3), ("risky", 4)] {
        assert!(client.code2session(code).await.is_err());
        assert_eq!(h.mock.stats().code2session, calls, "{code} was retried");
    }
}

#[tokio::test]
async fn single_use_codes_fail_the_second_time() {
    let h = Harness::start(MockConfig {
        single_use_codes: true,
        ..MockConfig::default()
    })
    .await;
    let client = h.client();
    client.code2session("dave:1").await.unwrap();
    let err = client.code2session("dave:1").await.unwrap_err();
    assert!(matches!(err, WechatError::CodeBeenUsed { .. }), "{err:?}");
    client.code2session("dave:2").await.unwrap();
}

#[tokio::test]
async fn network_errors_are_retried_then_reported() {
    // A port nobody listens on: connection refused on every attempt.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config =
        minibase_wechat::WechatConfig::new("wx", "s").with_api_base(format!("http://{addr}"));
    config.timeout = Duration::from_secs(2);
    let started = std::time::Instant::now();
    let err = WechatClient::new(config)
        .unwrap()
        .code2session("a")
        .await
        .unwrap_err();
    assert!(matches!(err, WechatError::Http(_)), "{err:?}");
    assert!(err.is_retryable());
    // Two backoffs (100ms + 200ms) prove the retries happened.
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bursts_connections_are_reused_then_closed_when_idle() {
    let h = Harness::default().await;
    let front = ConnectionCounter::start(h.addr).await;
    let mut config = h.config().with_api_base(format!("http://{}", front.addr));
    config.pool_idle_timeout = Duration::from_millis(300);
    let client = WechatClient::new(config).unwrap();

    // A burst: concurrent calls open connections of their own, and the pool keeps them.
    let burst = join_all((0..8).map(|i| {
        let client = client.clone();
        async move { client.code2session(&format!("burst{i}:x")).await }
    }))
    .await;
    assert!(burst.iter().all(Result::is_ok), "{burst:?}");
    let opened = front.accepted();
    assert!(opened >= 2, "a burst of 8 opened {opened} connection(s)");
    assert_eq!(front.open(), opened);

    // Calls closer together than the timeout reuse them: nothing new is opened.
    for i in 0..5 {
        client.code2session(&format!("steady{i}:x")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(front.accepted(), opened);

    // Left unused, every connection is closed (the pool checks once per timeout).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while front.open() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(front.open(), 0, "idle connections were not closed");
    assert_eq!(h.mock.stats().code2session, 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_cache_fetches_token_once_for_1000_callers() {
    let h = Harness::default().await;
    let client = h.client();
    let tokens = join_all((0..1000).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.access_token().await })
    }))
    .await;
    let tokens: Vec<String> = tokens
        .into_iter()
        .map(|joined| joined.unwrap().unwrap())
        .collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(Some(tokens[0].clone()), h.mock.current_token());
    let stats = h.mock.stats();
    assert_eq!(stats.stable_token, 1);
    assert_eq!(stats.stable_token_forced, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_is_shared_with_queued_callers() {
    let h = Harness::default().await;
    let mut config = h.config();
    config.secret = "wrong".into();
    let client = WechatClient::new(config).unwrap();
    let results = join_all((0..200).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.access_token().await })
    }))
    .await;
    for result in results {
        let err = result.unwrap().unwrap_err();
        assert!(
            matches!(err, WechatError::InvalidAppSecret { .. }),
            "{err:?}"
        );
    }
    // Without sharing this would be 200; callers that arrive after a failure
    // was recorded legitimately try again, so allow a few.
    assert!(h.mock.stats().stable_token < 50, "{:?}", h.mock.stats());
    // A later call tries again rather than replaying an old failure.
    client.access_token().await.unwrap_err();
}

#[tokio::test]
async fn invalidated_token_triggers_exactly_one_forced_refresh() {
    let h = Harness::default().await;
    let client = h.client();
    let before = client.access_token().await.unwrap();
    assert!(h.mock.invalidate_token());

    // Many calls hit 40001 at once; one forced refresh serves them all.
    let results = join_all((0..50).map(|i| {
        let client = client.clone();
        async move {
            client
                .msg_sec_check("hello", &format!("mock-openid-u{i}"), 2)
                .await
        }
    }))
    .await;
    for result in results {
        assert_eq!(result.unwrap().suggest, Suggest::Pass);
    }
    let after = client.access_token().await.unwrap();
    assert_ne!(before, after);
    let stats = h.mock.stats();
    assert_eq!(stats.stable_token_forced, 1);
    assert_eq!(stats.stable_token, 2);
}

#[tokio::test]
async fn expired_token_over_http_control_is_refreshed_once() {
    let h = Harness::default().await;
    let client = h.client();
    client.access_token().await.unwrap();
    let http = reqwest::Client::new();
    let answer: Value = http
        .post(h.url("/mock/expire-token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["ok"], true);

    let info = client.phone_number("erin").await.unwrap();
    assert_eq!(info.pure_phone_number, mock::phone_for_code("erin"));

    let stats: MockStats = http
        .get(h.url("/mock/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, h.mock.stats());
    assert_eq!(stats.stable_token_forced, 1);
    assert_eq!(stats.token_rejections, 1);
    assert_eq!(stats.phone, 2, "rejected call + retried call");

    http.post(h.url("/mock/reset")).send().await.unwrap();
    assert_eq!(h.mock.stats(), MockStats::default());
}

#[tokio::test]
async fn stale_token_in_store_is_force_refreshed() {
    struct Stubborn;
    // A store that always offers the same token, one the mock never issued:
    // the store "still holds the rejected token", so a forced refresh is right.
    impl TokenStore for Stubborn {
        fn get<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<CachedToken>, StoreError>> {
            Box::pin(async {
                Ok(Some(CachedToken {
                    token: "stale".into(),
                    expires_at: u64::MAX,
                }))
            })
        }
        fn put<'a>(&'a self, _: &'a str, _: CachedToken) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async { Ok(()) })
        }
        fn try_lock<'a>(
            &'a self,
            _: &'a str,
            _: Duration,
        ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
            Box::pin(async { Ok(Some("l".into())) })
        }
        fn unlock<'a>(&'a self, _: &'a str, _: String) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async { Ok(()) })
        }
    }
    let h = Harness::default().await;
    let client = h.client_with_store(Arc::new(Stubborn));
    // Forced refresh yields a real token, so the retried call succeeds.
    let check = client
        .msg_sec_check("hi", "mock-openid-a", 1)
        .await
        .unwrap();
    assert_eq!(check.suggest, Suggest::Pass);
    assert_eq!(h.mock.stats().stable_token_forced, 1);
}

#[tokio::test]
async fn a_second_rejection_is_reported_not_looped() {
    use axum::{routing::post, Json, Router};
    use std::sync::atomic::{AtomicU64, Ordering};

    // An upstream that issues tokens but rejects every one of them.
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let upstream = Router::new()
        .route(
            "/cgi-bin/stable_token",
            post(|| async { Json(json!({ "access_token": "t", "expires_in": 7200 })) }),
        )
        .route(
            "/wxa/msg_sec_check",
            post(|| async {
                CALLS.fetch_add(1, Ordering::SeqCst);
                Json(json!({ "errcode": 40001, "errmsg": "invalid credential" }))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, upstream).await });

    let client = WechatClient::new(
        minibase_wechat::WechatConfig::new("wx", "s").with_api_base(format!("http://{addr}")),
    )
    .unwrap();
    let err = client.msg_sec_check("hi", "o", 1).await.unwrap_err();
    assert!(
        matches!(err, WechatError::InvalidCredential { .. }),
        "{err:?}"
    );
    assert_eq!(
        CALLS.load(Ordering::SeqCst),
        2,
        "one call, one retry after refresh"
    );
}

#[tokio::test]
async fn failing_store_falls_back_to_local_tokens() {
    struct Broken;
    impl TokenStore for Broken {
        fn get<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Option<CachedToken>, StoreError>> {
            Box::pin(async { Err(StoreError("down".into())) })
        }
        fn put<'a>(&'a self, _: &'a str, _: CachedToken) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async { Err(StoreError("down".into())) })
        }
        fn try_lock<'a>(
            &'a self,
            _: &'a str,
            _: Duration,
        ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
            Box::pin(async { Err(StoreError("down".into())) })
        }
        fn unlock<'a>(&'a self, _: &'a str, _: String) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async { Err(StoreError("down".into())) })
        }
    }
    let h = Harness::default().await;
    let client = h.client_with_store(Arc::new(Broken));
    let token = client.access_token().await.unwrap();
    assert_eq!(client.access_token().await.unwrap(), token);
    h.mock.invalidate_token();
    client.phone_number("frank").await.unwrap();
    let stats = h.mock.stats();
    assert_eq!(stats.stable_token, 2);
    assert_eq!(stats.stable_token_forced, 1);
}

#[tokio::test]
async fn clients_sharing_a_store_never_invalidate_each_other() {
    // Two "processes" sharing one store (in-memory here; Redis in redis_store.rs).
    let h = Harness::default().await;
    let store: Arc<dyn TokenStore> = Arc::new(minibase_wechat::MemoryTokenStore::new());
    let a = h.client_with_store(store.clone());
    let b = h.client_with_store(store);
    assert_eq!(
        a.access_token().await.unwrap(),
        b.access_token().await.unwrap()
    );
    assert_eq!(h.mock.stats().stable_token, 1);

    h.mock.invalidate_token();
    let (ra, rb) = tokio::join!(a.phone_number("g:1"), b.phone_number("g:2"));
    ra.unwrap();
    rb.unwrap();
    assert_eq!(
        a.access_token().await.unwrap(),
        b.access_token().await.unwrap()
    );
    let stats = h.mock.stats();
    assert_eq!(stats.stable_token_forced, 1);
    assert_eq!(stats.stable_token, 2);
}

#[tokio::test]
async fn phone_number_and_its_errors() {
    let h = Harness::default().await;
    let client = h.client();
    let info = client.phone_number("henry:abc").await.unwrap();
    let pure = mock::phone_for_code("henry");
    assert_eq!(info.pure_phone_number, pure);
    assert_eq!(info.phone_number, format!("+86 {pure}"));
    assert_eq!(info.country_code, "86");
    let err = client.phone_number("invalid").await.unwrap_err();
    assert!(matches!(err, WechatError::InvalidCode { .. }), "{err:?}");
}

#[tokio::test]
async fn msg_sec_check_verdicts() {
    let h = Harness::default().await;
    let client = h.client();
    let pass = client
        .msg_sec_check("a nice day", "mock-openid-ivy", 2)
        .await
        .unwrap();
    assert_eq!((pass.suggest, pass.label), (Suggest::Pass, 100));
    assert!(!pass.trace_id.is_empty());
    let risky = client
        .msg_sec_check("this is FORBIDDEN stuff", "mock-openid-ivy", 2)
        .await
        .unwrap();
    assert_eq!(risky.suggest, Suggest::Risky);
    assert_ne!(risky.label, 100);
    let risky_cn = client
        .msg_sec_check("包含违禁内容", "mock-openid-ivy", 1)
        .await
        .unwrap();
    assert_eq!(risky_cn.suggest, Suggest::Risky);
    let review = client
        .msg_sec_check("borderline", "mock-openid-ivy", 3)
        .await
        .unwrap();
    assert_eq!(review.suggest, Suggest::Review);
    let err = client
        .msg_sec_check("", "mock-openid-ivy", 2)
        .await
        .unwrap_err();
    assert!(
        matches!(err, WechatError::DataFormatError { .. }),
        "{err:?}"
    );
    let err = client.msg_sec_check("hi", "someone", 2).await.unwrap_err();
    assert!(matches!(err, WechatError::InvalidOpenid { .. }), "{err:?}");
    assert_eq!(h.mock.stats().msg_sec_check, 6);
}

#[tokio::test]
async fn subscribe_messages() {
    let h = Harness::default().await;
    let client = h.client();
    let message = SubscribeMessage {
        touser: mock::openid_for_code("jack"),
        template_id: "tmpl-1".into(),
        page: Some("pages/index/index?id=1".into()),
        data: json!({ "thing1": { "value": "hello" }, "time2": { "value": "2024-01-01 10:00" } }),
        miniprogram_state: Some("trial".into()),
        lang: None,
    };
    client.send_subscribe_message(&message).await.unwrap();
    let sent = h.mock.sent_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].touser, "mock-openid-jack");
    assert_eq!(sent[0].data["thing1"]["value"], "hello");
    assert_eq!(sent[0].page.as_deref(), Some("pages/index/index?id=1"));

    let refused = SubscribeMessage {
        touser: mock::openid_for_code("kate-refused"),
        ..message.clone()
    };
    let err = client.send_subscribe_message(&refused).await.unwrap_err();
    assert!(
        matches!(err, WechatError::SubscriptionRefused { .. }),
        "{err:?}"
    );
    assert_eq!(err.errcode(), Some(43101));

    let bad_template = SubscribeMessage {
        template_id: "invalid".into(),
        ..message.clone()
    };
    let err = client
        .send_subscribe_message(&bad_template)
        .await
        .unwrap_err();
    assert!(
        matches!(err, WechatError::InvalidTemplateId { .. }),
        "{err:?}"
    );

    let bad_data = SubscribeMessage {
        data: json!({ "thing1": { "value": "" } }),
        ..message
    };
    let err = client.send_subscribe_message(&bad_data).await.unwrap_err();
    assert!(
        matches!(err, WechatError::TemplateArgumentError { .. }),
        "{err:?}"
    );
    assert_eq!(h.mock.sent_messages().len(), 1);
}

#[tokio::test]
async fn wxacode_returns_png_or_typed_error() {
    let h = Harness::default().await;
    let client = h.client();
    let image = client
        .wxacode_unlimited(&WxaCodeRequest {
            scene: "id=42&from=share".into(),
            page: Some("pages/item/item".into()),
            width: Some(430),
            check_path: Some(false),
            env_version: Some("trial".into()),
        })
        .await
        .unwrap();
    assert!(image.starts_with(b"\x89PNG\r\n\x1a\n"));

    let err = client
        .wxacode_unlimited(&WxaCodeRequest {
            scene: "x".repeat(33),
            ..WxaCodeRequest::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, WechatError::InvalidSceneLength { .. }),
        "{err:?}"
    );
    let err = client
        .wxacode_unlimited(&WxaCodeRequest {
            scene: "a=1".into(),
            page: Some("/pages/index/index".into()),
            ..WxaCodeRequest::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, WechatError::InvalidPage { .. }), "{err:?}");

    // The JSON error path also drives the token refresh for image endpoints.
    h.mock.invalidate_token();
    let image = client
        .wxacode_unlimited(&WxaCodeRequest {
            scene: "b=2".into(),
            ..WxaCodeRequest::default()
        })
        .await
        .unwrap();
    assert!(image.starts_with(b"\x89PNG"));
    assert_eq!(h.mock.stats().stable_token_forced, 1);
}

#[tokio::test]
async fn media_check_and_callback_delivery() {
    use axum::{extract::State, routing::post, Json, Router};
    use tokio::sync::mpsc;

    let h = Harness::start(MockConfig {
        push_token: Some("push-token".into()),
        ..MockConfig::default()
    })
    .await;
    let client = h.client();
    let trace_id = client
        .media_check_async(
            "https://cdn.example/img.png",
            MediaType::Image,
            "mock-openid-liz",
            1,
        )
        .await
        .unwrap();
    let checks = h.mock.media_checks();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].trace_id, trace_id);
    assert_eq!(checks[0].media_type, 2);
    assert_eq!(checks[0].openid, "mock-openid-liz");

    // A receiver standing in for the application's push endpoint.
    let (tx, mut rx) =
        mpsc::unbounded_channel::<(std::collections::HashMap<String, String>, Value)>();
    let receiver = Router::new()
        .route(
            "/wechat/push",
            post(
                |State(tx): State<mpsc::UnboundedSender<_>>,
                 axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >,
                 Json(body): Json<Value>| async move {
                    let _ = tx.send((q, body));
                    "success"
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let url = format!("http://{receiver_addr}/wechat/push");
    let status = h
        .mock
        .deliver_media_callback(&trace_id, &url, true)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let (query, event) = rx.recv().await.unwrap();
    assert_eq!(event["Event"], "wxa_media_check");
    assert_eq!(event["MsgType"], "event");
    assert_eq!(event["trace_id"], trace_id.as_str());
    assert_eq!(event["FromUserName"], "mock-openid-liz");
    assert_eq!(event["appid"], "wx-mock-appid");
    assert_eq!(event["version"], 2);
    assert_eq!(event["result"]["suggest"], "risky");
    assert!(minibase_wechat::verify_push_signature(
        "push-token",
        &query["timestamp"],
        &query["nonce"],
        &query["signature"],
    ));

    // The same over the HTTP control endpoint, with a pass verdict.
    let answer: Value = reqwest::Client::new()
        .post(h.url("/mock/media-callback"))
        .json(&json!({ "trace_id": trace_id, "url": url, "risky": false }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["status"], 200);
    let (_, event) = rx.recv().await.unwrap();
    assert_eq!(event["result"]["suggest"], "pass");
    assert_eq!(event["result"]["label"], 100);
    assert_eq!(h.mock.stats().media_callbacks, 2);

    let err = h
        .mock
        .deliver_media_callback(&trace_id, "http://192.0.2.1/push", false)
        .await
        .unwrap_err();
    assert!(matches!(err, mock::CallbackError::ForbiddenUrl));
    let err = h
        .mock
        .deliver_media_callback("nope", &url, false)
        .await
        .unwrap_err();
    assert!(matches!(err, mock::CallbackError::UnknownTraceId));
}

#[tokio::test]
async fn token_endpoints_reject_missing_and_unknown_tokens() {
    let h = Harness::default().await;
    let http = reqwest::Client::new();
    for (query, code) in [("", 41001), ("?access_token=nope", 40001)] {
        let body: Value = http
            .post(h.url(&format!("/wxa/msg_sec_check{query}")))
            .json(&json!({ "content": "x", "version": 2, "scene": 1, "openid": "mock-openid-a" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["errcode"], code);
        assert!(body["errmsg"].as_str().unwrap().contains("rid:"));
    }
}
