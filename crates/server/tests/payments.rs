//! WeChat Pay over real HTTP: the server, a real database (SQLite, PostgreSQL, MySQL) and the
//! mock pay platform on its own port, with keys made by the test (the merchant's and the
//! platform's). The whole flow, then every fault: forged, stale, truncated, re-encrypted and
//! replayed notifications, mismatches, unknown orders, duplicates on two nodes, expiry racing a
//! late payment, missed notifications, and the platform down or answering 5xx; a node killed
//! between verifying a notification and committing it; a payment after the order closed; forged
//! and replayed refund notifications; the platform-certificate mode and its rotation.

mod common;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{test_config, Backend, Reply, TestApp, TestDatabase};
use minibase::auth::jwt::{JwtKeys, SubjectKind};
use minibase::config::RawConfig;
use minibase::flash_sale::model::{order, sale, OrderStatus};
use minibase::payments::model::{event, payment, refund, PaymentStatus, RefundStatus};
use minibase::users::model::{self as users, Role};
use minibase_wechat::pay::mock::{Delivery, MockMerchant, NotifyOptions, PayMock, Tamper};
use minibase_wechat::pay::{crypto, Amount, JsapiPrepay, PayClient, PayConfig, Payer, PrivateKey};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{json, Value};

const MCHID: &str = "1900000109";
const APPID: &str = "wxpaytest00000001";
const SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

struct Keys {
    merchant: PrivateKey,
    platform: PrivateKey,
}

/// The merchant's and the platform's keys, made once per test binary (slow in debug builds).
async fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    tokio::task::spawn_blocking(|| {
        KEYS.get_or_init(|| Keys {
            merchant: PrivateKey::generate().unwrap(),
            platform: PrivateKey::generate().unwrap(),
        })
    })
    .await
    .unwrap()
}

/// The mock pay platform on its own port, knowing our merchant.
struct Platform {
    mock: PayMock,
    base: String,
    _server: tokio::task::JoinHandle<()>,
}

async fn platform() -> Platform {
    platform_in_mode(false).await
}

/// The mock pay platform; `certificates`: it signs for our merchant with its platform
/// certificates (平台证书模式) rather than its public key.
async fn platform_in_mode(certificates: bool) -> Platform {
    let keys = keys().await;
    let mock = PayMock::with_key(keys.platform.clone());
    mock.register_merchant(MockMerchant {
        mchid: MCHID.into(),
        appid: APPID.into(),
        serial_no: SERIAL.into(),
        public_key: keys.merchant.public_key(),
        api_v3_key: API_V3_KEY.into(),
        platform_certificates: certificates,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = mock.router();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Platform {
        mock,
        base: format!("http://{addr}"),
        _server: server,
    }
}

/// The merchant settings, as an operator writes them (inline PEMs).
fn merchant_settings(raw: &mut RawConfig, platform: &Platform, keys: &Keys) {
    raw.pay.wechat_pay_mchid = Some(MCHID.into());
    raw.pay.wechat_pay_appid = Some(APPID.into());
    raw.pay.wechat_pay_serial_no = Some(SERIAL.into());
    raw.pay.wechat_pay_private_key = Some(keys.merchant.to_pem().unwrap());
    raw.pay.wechat_pay_api_v3_key = Some(API_V3_KEY.into());
    raw.pay.wechat_pay_public_key_id = Some(platform.mock.public_key_id().into());
    raw.pay.wechat_pay_public_key = Some(keys.platform.public_key().to_pem().unwrap());
    raw.pay.wechat_pay_api_base = platform.base.clone();
    raw.pay.wechat_pay_query_after_secs = 3600;
    raw.flash_sale.flash_sale_order_rate_per_ip = 0;
    raw.flash_sale.flash_sale_order_rate_per_user = 0;
}

/// The mock's payer pays `out_trade_no` and WeChat Pay sends no notification yet: each test
/// delivers (or tampers with) the prepared notifications itself.
async fn pay_silently(platform: &Platform, out_trade_no: &str) -> Vec<Delivery> {
    let options = NotifyOptions {
        times: 0,
        ..NotifyOptions::default()
    };
    platform
        .mock
        .pay(MCHID, out_trade_no, options)
        .await
        .unwrap()
}

async fn node(
    backend: Backend,
    test: &str,
    platform: &Platform,
    tweak: impl FnOnce(&mut RawConfig),
) -> Option<TestApp> {
    let keys = keys().await;
    TestApp::spawn_with(backend, test, |raw| {
        merchant_settings(raw, platform, keys);
        tweak(raw);
    })
    .await
}

async fn another_node(
    first: &TestApp,
    platform: &Platform,
    tweak: impl FnOnce(&mut RawConfig),
) -> TestApp {
    let keys = keys().await;
    let db = first.database().unwrap();
    let mut raw = test_config(&db.url);
    merchant_settings(&mut raw, platform, keys);
    tweak(&mut raw);
    TestApp::start(raw, first.backend, Some(db), |r| r).await
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Reply {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    Reply::from(request.send().await.unwrap()).await
}

async fn admin_token(app: &TestApp) -> String {
    common::staff_token(app, Role::Admin).await
}

async fn new_user(db: &DatabaseConnection, keys: &JwtKeys) -> (i64, String, String) {
    let openid = format!("o-pay-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let now = Utc::now();
    let id = users::Entity::insert(users::ActiveModel {
        openid: Set(openid.clone()),
        unionid: Set(None),
        session_key: Set(None),
        nickname: Set(String::new()),
        avatar_url: Set(String::new()),
        phone: Set(None),
        role: Set("user".into()),
        banned: Set(false),
        token_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap()
    .last_insert_id;
    let token = keys
        .sign(&keys.new_claims(
            SubjectKind::User,
            id,
            "user",
            0,
            None,
            Duration::from_secs(3600),
        ))
        .unwrap();
    (id, openid, token)
}

/// A sale (price 99.00, i.e. 9900 fen) with `stock` units; its id.
async fn seed_sale(app: &TestApp, admin: &str, stock: i32) -> i64 {
    let product = call(
        app,
        reqwest::Method::POST,
        "/api/v1/admin/products",
        admin,
        Some(json!({"name": "球鞋", "price_cents": 99900})),
    )
    .await;
    let product_id = product.assert_ok(201)["id"].as_i64().unwrap();
    let now = Utc::now();
    let sale = call(
        app,
        reqwest::Method::POST,
        "/api/v1/admin/flash-sales",
        admin,
        Some(json!({
            "product_id": product_id, "title": "秒杀", "sale_price_cents": 9900,
            "stock": stock, "per_user_limit": 5,
            "starts_at": (now - chrono::Duration::seconds(5)).to_rfc3339(),
            "ends_at": (now + chrono::Duration::seconds(3600)).to_rfc3339(),
        })),
    )
    .await;
    sale.assert_ok(201)["id"].as_i64().unwrap()
}

async fn place_order(app: &TestApp, token: &str, sale_id: i64, quantity: i32) -> i64 {
    call(
        app,
        reqwest::Method::POST,
        &format!("/api/v1/flash-sales/{sale_id}/orders"),
        token,
        Some(json!({"quantity": quantity})),
    )
    .await
    .assert_ok(201)["order_id"]
        .as_i64()
        .unwrap()
}

async fn pay(app: &TestApp, token: &str, order_id: i64) -> Reply {
    call(
        app,
        reqwest::Method::POST,
        &format!("/api/v1/flash-sale-orders/{order_id}/pay"),
        token,
        None,
    )
    .await
}

async fn order_status(db: &DatabaseConnection, id: i64) -> String {
    order::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

async fn stock_left(db: &DatabaseConnection, sale_id: i64) -> i32 {
    sale::Entity::find_by_id(sale_id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .stock_left
}

async fn payment_of(db: &DatabaseConnection, order_id: i64) -> payment::Model {
    payment::Entity::find()
        .filter(payment::Column::Subject.eq("flash_sale_order"))
        .filter(payment::Column::SubjectId.eq(order_id))
        .one(db)
        .await
        .unwrap()
        .expect("a payment row")
}

async fn refund_status(db: &DatabaseConnection, out_refund_no: &str) -> RefundStatus {
    refund::Entity::find()
        .filter(refund::Column::OutRefundNo.eq(out_refund_no))
        .one(db)
        .await
        .unwrap()
        .expect("a refund row")
        .status
}

async fn events(db: &DatabaseConnection, kind: &str) -> Vec<event::Model> {
    event::Entity::find()
        .filter(event::Column::Kind.eq(kind))
        .all(db)
        .await
        .unwrap()
}

async fn wait_until<F: std::future::Future<Output = bool>>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> F,
) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn once() -> NotifyOptions {
    NotifyOptions::once()
}

fn tampered(tamper: Tamper) -> NotifyOptions {
    NotifyOptions {
        tamper,
        ..NotifyOptions::once()
    }
}

// ---- the whole flow, on every database ----

async fn whole_flow(backend: Backend, test: &str) {
    let platform = platform().await;
    let Some(app) = node(backend, test, &platform, |_| {}).await else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, openid, token) = new_user(db, &app.state.config.jwt.keys).await;
    let order_id = place_order(&app, &token, sale_id, 2).await;

    // Someone else's order is not theirs to pay.
    let (_, _, stranger) = new_user(db, &app.state.config.jwt.keys).await;
    pay(&app, &stranger, order_id)
        .await
        .assert_error(404, 40401);

    let reply = pay(&app, &token, order_id).await;
    let data = reply.assert_ok(200).clone();
    assert_eq!(data["amount_cents"], 19800);
    let out_trade_no = data["out_trade_no"].as_str().unwrap().to_string();
    let params = &data["request_payment"];
    assert_eq!(params["signType"], "RSA");
    let package = params["package"].as_str().unwrap();
    assert!(package.starts_with("prepay_id=wx"), "{package}");
    // paySign verifies with the merchant's public key over the four lines the client signs.
    let message = format!(
        "{APPID}\n{}\n{}\n{package}\n",
        params["timeStamp"].as_str().unwrap(),
        params["nonceStr"].as_str().unwrap()
    );
    assert!(keys()
        .await
        .merchant
        .public_key()
        .verify(&message, params["paySign"].as_str().unwrap()));
    // The platform got the order as WeChat Pay would: the right amount, payer and notify URL.
    let at_platform = platform.mock.order(MCHID, &out_trade_no).expect("prepaid");
    assert_eq!(at_platform.total, 19800);
    assert_eq!(at_platform.openid, openid);
    assert_eq!(
        at_platform.notify_url,
        app.url("/api/v1/payments/wechat/notify")
    );
    assert_eq!(at_platform.trade_state, "NOTPAY");

    // Asking again: fresh parameters for the same WeChat Pay order (the prepay is reused).
    let again = pay(&app, &token, order_id).await;
    assert_eq!(again.assert_ok(200)["out_trade_no"], out_trade_no.as_str());
    assert_eq!(
        platform.mock.order(MCHID, &out_trade_no).unwrap().prepays,
        1
    );
    // Not paid until WeChat Pay says so.
    assert_eq!(order_status(db, order_id).await, "created");

    let deliveries = platform
        .mock
        .pay(MCHID, &out_trade_no, once())
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, 204, "{deliveries:?}");
    assert_eq!(order_status(db, order_id).await, "paid");
    let paid = payment_of(db, order_id).await;
    assert_eq!(paid.status, PaymentStatus::Paid);
    assert!(paid
        .transaction_id
        .as_deref()
        .is_some_and(|t| t.starts_with("4200")));

    // WeChat Pay's retry (same notification), and a second notification of the same payment:
    // taken (204), nothing changes.
    let replay = platform.mock.replay(&deliveries[0].id).await.unwrap();
    assert_eq!(replay.status, 204);
    let second = platform
        .mock
        .notify(MCHID, &out_trade_no, once())
        .await
        .unwrap();
    assert_eq!(second[0].status, 204);
    assert_eq!(events(db, "paid").await.len(), 1, "paid once");
    assert_eq!(
        events(db, "notification").await.len(),
        2,
        "two distinct notifications"
    );
    assert_eq!(payment_of(db, order_id).await.paid_at, paid.paid_at);
    pay(&app, &token, order_id).await.assert_error(409, 40912);
    call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/flash-sale-orders/{order_id}/cancel"),
        &token,
        None,
    )
    .await
    .assert_error(409, 40912);

    // Refunds by an admin: partial, then the rest, then nothing is left.
    let refund_path = format!("/api/v1/admin/flash-sale-orders/{order_id}/refund");
    call(
        &app,
        reqwest::Method::POST,
        &refund_path,
        &token,
        Some(json!({"reason": "x"})),
    )
    .await
    .assert_error(403, 40300);
    call(
        &app,
        reqwest::Method::POST,
        &refund_path,
        &admin,
        Some(json!({"reason": ""})),
    )
    .await
    .assert_error(422, 42200);
    call(
        &app,
        reqwest::Method::POST,
        &refund_path,
        &admin,
        Some(json!({"reason": "too much", "amount_cents": 19801})),
    )
    .await
    .assert_error(409, 40960);
    let first = call(
        &app,
        reqwest::Method::POST,
        &refund_path,
        &admin,
        Some(json!({"reason": "尺码不合适", "amount_cents": 5000})),
    )
    .await;
    let first = first.assert_ok(200).clone();
    assert_eq!(first["amount_cents"], 5000);
    assert_eq!(first["status"], "processing");
    let first_no = first["out_refund_no"].as_str().unwrap().to_string();
    wait_until(
        "the refund notification",
        Duration::from_secs(10),
        || async { refund_status(db, &first_no).await == RefundStatus::Success },
    )
    .await;
    let rest = call(
        &app,
        reqwest::Method::POST,
        &refund_path,
        &admin,
        Some(json!({"reason": "退货"})),
    )
    .await;
    assert_eq!(rest.assert_ok(200)["amount_cents"], 14800);
    call(
        &app,
        reqwest::Method::POST,
        &refund_path,
        &admin,
        Some(json!({"reason": "again"})),
    )
    .await
    .assert_error(409, 40960);
    assert_eq!(
        platform.mock.order(MCHID, &out_trade_no).unwrap().refunded,
        19800
    );
    // A refund gives no stock back: the two units stay sold.
    assert_eq!(stock_left(db, sale_id).await, 8);

    let view = call(
        &app,
        reqwest::Method::GET,
        &format!("/api/v1/admin/flash-sale-orders/{order_id}/payment"),
        &admin,
        None,
    )
    .await;
    let view = view.assert_ok(200);
    assert_eq!(view["status"], "paid");
    assert_eq!(view["refunded_cents"], 19800);
    assert_eq!(view["refunds"].as_array().unwrap().len(), 2);
    let kinds: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"refund_requested") && kinds.contains(&"paid"),
        "{kinds:?}"
    );
    assert!(view["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "refund_requested" && e["actor_id"].as_i64().is_some()));

    // An admin override stays possible, and is audited.
    let other = place_order(&app, &token, sale_id, 1).await;
    call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/flash-sale-orders/{other}/mark-paid"),
        &admin,
        None,
    )
    .await
    .assert_ok(200);
    let overrides = events(db, "admin_mark_paid").await;
    assert_eq!(overrides.len(), 1);
    assert!(overrides[0].actor_id.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_sqlite() {
    whole_flow(Backend::Sqlite, "whole_flow_sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_postgres() {
    whole_flow(Backend::Postgres, "whole_flow_postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_mysql() {
    whole_flow(Backend::MySql, "whole_flow_mysql").await;
}

// ---- bad notifications ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stale_truncated_and_mismatched_notifications_never_pay() {
    let platform = platform().await;
    let Some(app) = node(Backend::Sqlite, "bad_notifications", &platform, |_| {}).await else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, _, token) = new_user(db, &app.state.config.jwt.keys).await;
    let order_id = place_order(&app, &token, sale_id, 1).await;
    let out_trade_no = pay(&app, &token, order_id).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    // The payer pays; the genuine notification is held back while the forgeries arrive.
    let genuine = pay_silently(&platform, &out_trade_no).await;

    for tamper in [
        Tamper::BadSignature,
        Tamper::UnknownKey,
        Tamper::Stale,
        Tamper::Truncated,
        Tamper::ReEncrypted,
    ] {
        let delivered = platform
            .mock
            .notify(MCHID, &out_trade_no, tampered(tamper.clone()))
            .await
            .unwrap();
        assert_eq!(delivered[0].status, 401, "{tamper:?}: {delivered:?}");
        let answer: Value = serde_json::from_str(&delivered[0].body).unwrap();
        assert_eq!(answer["code"], "FAIL", "{tamper:?}");
        assert_eq!(
            order_status(db, order_id).await,
            "created",
            "{tamper:?} must not pay"
        );
    }
    // No signature headers at all.
    let bare = app
        .client
        .post(app.url("/api/v1/payments/wechat/notify"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status().as_u16(), 401);

    // Genuinely signed, but for another amount or AppID: recorded and alerted, taken (204, so
    // WeChat Pay stops), never paid.
    for tamper in [Tamper::Amount(1), Tamper::Appid("wx-someone-else".into())] {
        let delivered = platform
            .mock
            .notify(MCHID, &out_trade_no, tampered(tamper.clone()))
            .await
            .unwrap();
        assert_eq!(delivered[0].status, 204, "{tamper:?}");
        assert_eq!(
            order_status(db, order_id).await,
            "created",
            "{tamper:?} must not pay"
        );
    }
    let mismatches = events(db, "mismatch").await;
    assert_eq!(mismatches.len(), 2);
    assert!(
        mismatches[0].detail.contains("amount"),
        "{}",
        mismatches[0].detail
    );
    assert!(
        mismatches[1].detail.contains("appid"),
        "{}",
        mismatches[1].detail
    );

    // A signed notification for an order this server never made: recorded, taken, nothing paid.
    let keys = keys().await;
    let stranger = PayClient::new(
        PayConfig::new(
            MCHID,
            APPID,
            SERIAL,
            keys.merchant.clone(),
            API_V3_KEY,
            platform.mock.public_key_id(),
            keys.platform.public_key(),
        )
        .unwrap()
        .with_api_base(platform.base.clone()),
    )
    .unwrap();
    stranger
        .jsapi_prepay(&JsapiPrepay {
            description: "not ours".into(),
            out_trade_no: "NOT-OURS-000001".into(),
            time_expire: None,
            attach: None,
            notify_url: app.url("/api/v1/payments/wechat/notify"),
            amount: Amount {
                total: 100,
                currency: "CNY".into(),
            },
            payer: Payer {
                openid: "o-x".into(),
            },
        })
        .await
        .unwrap();
    let unknown = platform
        .mock
        .pay(MCHID, "NOT-OURS-000001", once())
        .await
        .unwrap();
    assert_eq!(unknown[0].status, 204);
    assert_eq!(events(db, "unknown_order").await.len(), 1);

    // The genuine notification arrives at last: paid, once.
    let delivered = platform.mock.replay(&genuine[0].id).await.unwrap();
    assert_eq!(delivered.status, 204);
    assert_eq!(order_status(db, order_id).await, "paid");
    // Replayed verbatim later: the same id, nothing more happens.
    assert_eq!(
        platform.mock.replay(&genuine[0].id).await.unwrap().status,
        204
    );
    assert_eq!(events(db, "paid").await.len(), 1);
    // A re-signed copy with an old timestamp is refused before its id is even read.
    let stale = platform
        .mock
        .notify(MCHID, &out_trade_no, tampered(Tamper::Stale))
        .await
        .unwrap();
    assert_eq!(stale[0].status, 401);
}

// ---- duplicates on two nodes ----

async fn duplicate_notifications_on_two_nodes(backend: Backend, test: &str) {
    let platform = platform().await;
    let Some(a) = node(backend, test, &platform, |_| {}).await else {
        return;
    };
    let b = another_node(&a, &platform, |_| {}).await;
    let db = &a.state.db;
    let admin = admin_token(&a).await;
    let sale_id = seed_sale(&a, &admin, 10).await;
    let (_, _, token) = new_user(db, &a.state.config.jwt.keys).await;
    let mut orders = Vec::new();
    for _ in 0..3 {
        let order_id = place_order(&a, &token, sale_id, 1).await;
        let no = pay(&b, &token, order_id).await.assert_ok(200)["out_trade_no"]
            .as_str()
            .unwrap()
            .to_string();
        orders.push((order_id, no));
    }
    for (order_id, no) in &orders {
        let prepared = pay_silently(&platform, no).await;
        let id = prepared[0].id.clone();
        // The same notification, 8 copies at once on each node.
        let urls = [
            a.url("/api/v1/payments/wechat/notify"),
            b.url("/api/v1/payments/wechat/notify"),
        ];
        let sends = (0..16).map(|i| {
            let mock = platform.mock.clone();
            let id = id.clone();
            let url = urls[i % 2].clone();
            async move { mock.replay_to(&id, Some(&url)).await.unwrap() }
        });
        let answers = futures::future::join_all(sends).await;
        assert!(answers.iter().all(|d| d.status == 204), "{answers:?}");
        // And a second notification of the same payment, on both nodes at once.
        let again = platform
            .mock
            .notify(
                MCHID,
                no,
                NotifyOptions {
                    times: 0,
                    ..NotifyOptions::default()
                },
            )
            .await
            .unwrap();
        let (x, y) = tokio::join!(
            platform.mock.replay_to(&again[0].id, Some(&urls[0])),
            platform.mock.replay_to(&again[0].id, Some(&urls[1]))
        );
        assert_eq!((x.unwrap().status, y.unwrap().status), (204, 204));
        assert_eq!(order_status(db, *order_id).await, "paid");
    }
    let paid = events(db, "paid").await;
    assert_eq!(paid.len(), 3, "each payment applied once");
    assert_eq!(
        events(db, "notification").await.len(),
        6,
        "each notification recorded once"
    );
    assert_eq!(stock_left(db, sale_id).await, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_notifications_on_two_nodes_sqlite() {
    duplicate_notifications_on_two_nodes(Backend::Sqlite, "dup_two_nodes_sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_notifications_on_two_nodes_postgres() {
    duplicate_notifications_on_two_nodes(Backend::Postgres, "dup_two_nodes_postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_notifications_on_two_nodes_mysql() {
    duplicate_notifications_on_two_nodes(Backend::MySql, "dup_two_nodes_mysql").await;
}

// ---- expiry, late and missed notifications ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_closes_at_wechat_pay_first_and_races_a_late_payment() {
    let platform = platform().await;
    let Some(app) = node(Backend::Sqlite, "expiry_race", &platform, |raw| {
        raw.flash_sale.flash_sale_order_ttl_secs = 3;
    })
    .await
    else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, _, token) = new_user(db, &app.state.config.jwt.keys).await;

    // A: paid at the last moment, its notification lost; B: never paid; C: never asked to pay.
    let a = place_order(&app, &token, sale_id, 1).await;
    let b = place_order(&app, &token, sale_id, 1).await;
    let c = place_order(&app, &token, sale_id, 1).await;
    let a_no = pay(&app, &token, a).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let b_no = pay(&app, &token, b).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let late = pay_silently(&platform, &a_no).await;
    // WeChat Pay is down when the orders fall due: nothing is given back while it is.
    platform.mock.fail_next(3, 503);
    assert_eq!(stock_left(db, sale_id).await, 7);
    // Each due order's job retries (1 s, 2 s, 4 s, ...) until WeChat Pay answers again.
    wait_until(
        "the expiry jobs of A, B and C",
        Duration::from_secs(30),
        || async {
            order_status(db, a).await != "created"
                && order_status(db, b).await == "expired"
                && order_status(db, c).await == "expired"
        },
    )
    .await;
    // A was paid at WeChat Pay: the close said so, the query confirmed, it is paid, not expired.
    assert_eq!(order_status(db, a).await, "paid");
    // B was closed at WeChat Pay before its stock came back: nobody can pay it any more.
    let b_there = platform.mock.order(MCHID, &b_no).unwrap();
    assert_eq!(b_there.trade_state, "CLOSED");
    assert!(platform.mock.pay(MCHID, &b_no, once()).await.is_err());
    assert_eq!(payment_of(db, b).await.status, PaymentStatus::Closed);
    // Two units back, once.
    assert_eq!(stock_left(db, sale_id).await, 9);
    // A's late notification arrives after all that: taken, nothing changes.
    assert_eq!(platform.mock.replay(&late[0].id).await.unwrap().status, 204);
    assert_eq!(order_status(db, a).await, "paid");
    assert_eq!(events(db, "paid").await.len(), 1);
    // B's expiry job again (at-least-once delivery): nothing more comes back.
    assert!(
        !minibase::flash_sale::close_order(&app.state, b, OrderStatus::Expired)
            .await
            .unwrap()
    );
    assert_eq!(stock_left(db, sale_id).await, 9);
    // Paying an expired order is refused before WeChat Pay is asked.
    pay(&app, &token, b).await.assert_error(409, 40912);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_notification_is_caught_by_the_query_job() {
    let platform = platform().await;
    let Some(app) = node(Backend::Sqlite, "missed_notification", &platform, |raw| {
        raw.pay.wechat_pay_query_after_secs = 1;
    })
    .await
    else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, _, token) = new_user(db, &app.state.config.jwt.keys).await;
    let order_id = place_order(&app, &token, sale_id, 1).await;
    let no = pay(&app, &token, order_id).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    // The first query finds it unpaid; the payer pays after it, and no notification arrives.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(order_status(db, order_id).await, "created");
    pay_silently(&platform, &no).await;
    wait_until(
        "the next query finds it paid",
        Duration::from_secs(15),
        || async { order_status(db, order_id).await == "paid" },
    )
    .await;
    assert_eq!(
        events(db, "notification").await.len(),
        0,
        "paid by the query, not a notification"
    );
}

// ---- the platform failing ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_errors_and_outages_are_clear_and_lose_nothing() {
    let platform = platform().await;
    let Some(app) = node(Backend::Sqlite, "platform_faults", &platform, |raw| {
        raw.pay.wechat_pay_query_after_secs = 1;
    })
    .await
    else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, _, token) = new_user(db, &app.state.config.jwt.keys).await;
    let order_id = place_order(&app, &token, sale_id, 1).await;

    // Prepay during an outage: 502 with the retry code; then it works with the same order.
    platform.mock.fail_next(1, 500);
    pay(&app, &token, order_id).await.assert_error(502, 50210);
    let no = pay(&app, &token, order_id).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();

    // Cancel during an outage: refused, the order and its stock stay as they were.
    platform.mock.fail_next(1, 502);
    call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/flash-sale-orders/{order_id}/cancel"),
        &token,
        None,
    )
    .await
    .assert_error(502, 50210);
    assert_eq!(order_status(db, order_id).await, "created");
    assert_eq!(stock_left(db, sale_id).await, 9);
    // Then it goes through, closed at WeChat Pay first.
    call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/flash-sale-orders/{order_id}/cancel"),
        &token,
        None,
    )
    .await
    .assert_ok(200);
    assert_eq!(
        platform.mock.order(MCHID, &no).unwrap().trade_state,
        "CLOSED"
    );
    assert_eq!(stock_left(db, sale_id).await, 10);

    // A refund during an outage: accepted as processing, sent again by its job.
    let paid_order = place_order(&app, &token, sale_id, 1).await;
    let paid_no = pay(&app, &token, paid_order).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    platform.mock.pay(MCHID, &paid_no, once()).await.unwrap();
    assert_eq!(order_status(db, paid_order).await, "paid");
    platform.mock.fail_next(1, 503);
    let refund = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/flash-sale-orders/{paid_order}/refund"),
        &admin,
        Some(json!({"reason": "outage", "amount_cents": 100})),
    )
    .await;
    let refund = refund.assert_ok(200).clone();
    assert_eq!(refund["status"], "processing");
    assert!(refund["refund_id"].is_null(), "WeChat Pay never answered");
    let refund_no = refund["out_refund_no"].as_str().unwrap().to_string();
    wait_until(
        "the refund job sends it again and it succeeds",
        Duration::from_secs(20),
        || async { refund_status(db, &refund_no).await == RefundStatus::Success },
    )
    .await;
    assert_eq!(
        platform.mock.order(MCHID, &paid_no).unwrap().refunded,
        100,
        "refunded once"
    );

    // WeChat Pay unreachable (nothing listens): 502, retry code.
    let keys = keys().await;
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut raw = test_config(&app.database().unwrap().url);
    merchant_settings(&mut raw, &platform, keys);
    raw.pay.wechat_pay_api_base = format!("http://127.0.0.1:{closed_port}");
    let cut_off = TestApp::start(raw, Backend::Sqlite, app.database(), |r| r).await;
    let lonely = place_order(&cut_off, &token, sale_id, 1).await;
    pay(&cut_off, &token, lonely).await.assert_error(502, 50210);

    // Credentials WeChat Pay does not accept (another certificate serial): 502, refused.
    let mut raw = test_config(&app.database().unwrap().url);
    merchant_settings(&mut raw, &platform, keys);
    raw.pay.wechat_pay_serial_no = Some("0000000000000000000000000000000000000000".into());
    let misconfigured = TestApp::start(raw, Backend::Sqlite, app.database(), |r| r).await;
    let refused = place_order(&misconfigured, &token, sale_id, 1).await;
    pay(&misconfigured, &token, refused)
        .await
        .assert_error(502, 50211);
}

// ---- dev mode: the in-process mock ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_mode_without_settings_pays_against_the_in_process_mock() {
    let db = Arc::new(
        TestDatabase::create(Backend::Sqlite, "dev_mock_pay")
            .await
            .unwrap(),
    );
    let mut raw = test_config(&db.url);
    raw.flash_sale.flash_sale_order_rate_per_ip = 0;
    let app = TestApp::start(raw, Backend::Sqlite, Some(db), |r| r).await;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 2).await;
    let (_, _, token) = new_user(&app.state.db, &app.state.config.jwt.keys).await;
    let order_id = place_order(&app, &token, sale_id, 1).await;
    let no = pay(&app, &token, order_id).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let mock = app
        .state
        .wechat
        .mock()
        .expect("dev mode runs the mock")
        .pay()
        .clone();
    let delivered = mock
        .pay(minibase_wechat::pay::mock::MOCK_MCHID, &no, once())
        .await
        .unwrap();
    assert_eq!(delivered[0].status, 204);
    assert_eq!(order_status(&app.state.db, order_id).await, "paid");
    // The mock's request check is real: a request signed with another key is refused.
    let other = crypto::authorization(
        &keys().await.platform,
        minibase_wechat::pay::mock::MOCK_MCHID,
        "MOCK0000000000000000000000000000000000001",
        "GET",
        "/v3/pay/transactions/out-trade-no/x?mchid=1",
        Utc::now().timestamp(),
        "N",
        "",
    );
    let base = app.state.wechat.mock_api_base().unwrap().to_string();
    let refused = app
        .client
        .get(format!("{base}/v3/pay/transactions/out-trade-no/x?mchid=1"))
        .header("authorization", other)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "SIGN_ERROR");
    let missing = app
        .client
        .get(format!("{base}/v3/pay/transactions/out-trade-no/x?mchid=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 401);
}

// ---- platform-certificate mode (平台证书模式) ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_mode_verifies_with_downloaded_certificates_and_follows_a_rotation() {
    let platform = platform_in_mode(true).await;
    let Some(app) = node(Backend::Sqlite, "certificate_mode", &platform, |raw| {
        raw.pay.wechat_pay_key_mode = "platform_certificate".into();
        raw.pay.wechat_pay_public_key_id = None;
        raw.pay.wechat_pay_public_key = None;
    })
    .await
    else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, _, token) = new_user(db, &app.state.config.jwt.keys).await;
    let first = platform.mock.certificate_serials();
    assert_eq!(first.len(), 1);

    // The first payment: the certificates are downloaded, the prepay's answer verifies with
    // them, and so does the notification.
    let a = place_order(&app, &token, sale_id, 1).await;
    let a_no = pay(&app, &token, a).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let client = app
        .state
        .feature::<minibase::payments::PaymentsState>()
        .unwrap()
        .client()
        .await
        .unwrap();
    assert_eq!(client.verifier().serials(), first);
    let delivered = platform.mock.pay(MCHID, &a_no, once()).await.unwrap();
    assert_eq!(delivered[0].status, 204, "{delivered:?}");
    assert_eq!(order_status(db, a).await, "paid");

    // B is paid before the rotation; its notification (signed with the old certificate) is
    // held back.
    let b = place_order(&app, &token, sale_id, 1).await;
    let b_no = pay(&app, &token, b).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let held = pay_silently(&platform, &b_no).await;

    // C asks to pay before the rotation too.
    let c = place_order(&app, &token, sale_id, 1).await;
    let c_no = pay(&app, &token, c).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();

    // Rotation: WeChat Pay lists a new certificate and signs with it. (The merchant's key stands
    // in for the new certificate's key: any key but the first will do, and it is made already.)
    let second = platform
        .mock
        .rotate_certificate(Some(keys().await.merchant.clone()))
        .unwrap();
    assert_eq!(client.verifier().serials(), first, "not known yet");
    // C's notification is the first thing signed with the new certificate: its unknown serial
    // is fetched on demand (one download), and it verifies.
    let delivered = platform.mock.pay(MCHID, &c_no, once()).await.unwrap();
    assert_eq!(delivered[0].status, 204, "{delivered:?}");
    assert_eq!(order_status(db, c).await, "paid");
    let mut both = vec![first[0].clone(), second.clone()];
    both.sort();
    assert_eq!(
        client.verifier().serials(),
        both,
        "old and new, side by side"
    );
    // The overlap: B's notification under the old serial still verifies.
    assert_eq!(platform.mock.replay(&held[0].id).await.unwrap().status, 204);
    assert_eq!(order_status(db, b).await, "paid");

    // Forgeries stay forgeries: an unknown serial gets one download, finds nothing, and is
    // refused; so are a bad signature and a re-encrypted resource under a known serial.
    let d = place_order(&app, &token, sale_id, 1).await;
    let d_no = pay(&app, &token, d).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    pay_silently(&platform, &d_no).await;
    for tamper in [
        Tamper::UnknownKey,
        Tamper::BadSignature,
        Tamper::ReEncrypted,
    ] {
        let delivered = platform
            .mock
            .notify(MCHID, &d_no, tampered(tamper.clone()))
            .await
            .unwrap();
        assert_eq!(delivered[0].status, 401, "{tamper:?}: {delivered:?}");
    }
    assert_eq!(order_status(db, d).await, "created");
    assert_eq!(client.verifier().serials(), both);
    assert_eq!(events(db, "paid").await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_mode_refreshes_the_certificates_in_the_background() {
    let platform = platform_in_mode(true).await;
    let Some(app) = node(Backend::Sqlite, "certificate_refresh", &platform, |raw| {
        raw.pay.wechat_pay_key_mode = "platform_certificate".into();
        raw.pay.wechat_pay_public_key_id = None;
        raw.pay.wechat_pay_public_key = None;
        raw.pay.wechat_pay_certificate_refresh_secs = 1;
    })
    .await
    else {
        return;
    };
    // The first use downloads the certificates and starts the refresh.
    let client = app
        .state
        .feature::<minibase::payments::PaymentsState>()
        .unwrap()
        .client()
        .await
        .unwrap();
    assert_eq!(
        client.verifier().serials(),
        platform.mock.certificate_serials()
    );
    // WeChat Pay publishes a new certificate: the node knows it within a refresh period,
    // before anything signed with it arrives.
    let downloads = platform.mock.certificate_downloads();
    let second = platform
        .mock
        .rotate_certificate(Some(keys().await.merchant.clone()))
        .unwrap();
    wait_until(
        "the background refresh brings the new certificate",
        Duration::from_secs(10),
        || async { client.verifier().serials().contains(&second) },
    )
    .await;
    assert!(platform.mock.certificate_downloads() > downloads);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_mode_without_reachable_certificates_answers_retry() {
    let platform = platform_in_mode(true).await;
    // The APIv3 key the node holds is not the one WeChat Pay encrypts with: nothing decrypts,
    // nothing is trusted, the pay route answers "try again" and no order is touched.
    let Some(app) = node(
        Backend::Sqlite,
        "certificate_mode_bad_key",
        &platform,
        |raw| {
            raw.pay.wechat_pay_key_mode = "platform_certificate".into();
            raw.pay.wechat_pay_public_key_id = None;
            raw.pay.wechat_pay_public_key = None;
            raw.pay.wechat_pay_api_v3_key = Some("another-apiv3-key-0123456789abcd".into());
        },
    )
    .await
    else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, _, token) = new_user(db, &app.state.config.jwt.keys).await;
    let order_id = place_order(&app, &token, sale_id, 1).await;
    pay(&app, &token, order_id).await.assert_error(502, 50211);
    // WeChat Pay down: the download cannot run; 50210, and the next call tries again.
    let Some(second) = node(Backend::Sqlite, "certificate_mode_down", &platform, |raw| {
        raw.pay.wechat_pay_key_mode = "platform_certificate".into();
        raw.pay.wechat_pay_public_key_id = None;
        raw.pay.wechat_pay_public_key = None;
    })
    .await
    else {
        return;
    };
    let admin = admin_token(&second).await;
    let sale_id = seed_sale(&second, &admin, 10).await;
    let (_, _, token) = new_user(&second.state.db, &second.state.config.jwt.keys).await;
    let order_id = place_order(&second, &token, sale_id, 1).await;
    platform.mock.fail_next(1, 503);
    pay(&second, &token, order_id)
        .await
        .assert_error(502, 50210);
    pay(&second, &token, order_id).await.assert_ok(200);
    assert_eq!(order_status(&second.state.db, order_id).await, "created");
}

// ---- a node killed between "notification verified" and "order updated" ----

/// A row of `flash_sale_orders` the test holds locked (`SELECT ... FOR UPDATE` in an open
/// transaction), and a view of the sessions updating that table.
enum RowLock {
    Postgres(
        sqlx::PgPool,
        Option<sqlx::Transaction<'static, sqlx::Postgres>>,
    ),
    MySql(
        sqlx::MySqlPool,
        Option<sqlx::Transaction<'static, sqlx::MySql>>,
    ),
}

impl RowLock {
    async fn take(backend: Backend, url: &str, order_id: i64) -> Self {
        match backend {
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                let mut lock = pool.begin().await.unwrap();
                sqlx::query("SELECT id FROM flash_sale_orders WHERE id = $1 FOR UPDATE")
                    .bind(order_id)
                    .execute(&mut *lock)
                    .await
                    .unwrap();
                Self::Postgres(pool, Some(lock))
            }
            Backend::MySql => {
                let pool = sqlx::MySqlPool::connect(url).await.unwrap();
                let mut lock = pool.begin().await.unwrap();
                sqlx::query("SELECT id FROM flash_sale_orders WHERE id = ? FOR UPDATE")
                    .bind(order_id)
                    .execute(&mut *lock)
                    .await
                    .unwrap();
                Self::MySql(pool, Some(lock))
            }
            Backend::Sqlite => unreachable!("one writer at a time: nothing to wait on"),
        }
    }

    /// Sessions waiting for the lock with an update of the orders.
    async fn waiting(&self) -> i64 {
        match self {
            Self::Postgres(pool, _) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE%flash_sale_orders%'",
            )
            .fetch_one(pool)
            .await
            .unwrap(),
            // The statement being run, from the process list of this test's database (the
            // server is shared with tests running beside this one).
            Self::MySql(pool, _) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
                 WHERE DB = DATABASE() AND INFO LIKE 'UPDATE%flash_sale_orders%'",
            )
            .fetch_one(pool)
            .await
            .unwrap(),
        }
    }

    /// Transactions (other than the test's) that wrote and have not ended.
    async fn open_writers(&self) -> i64 {
        match self {
            Self::Postgres(pool, _) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND query ILIKE 'UPDATE%flash_sale_orders%' AND state <> 'idle'",
            )
            .fetch_one(pool)
            .await
            .unwrap(),
            Self::MySql(pool, _) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX t \
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
                 WHERE p.DB = DATABASE() AND t.trx_rows_modified > 0",
            )
            .fetch_one(pool)
            .await
            .unwrap(),
        }
    }

    async fn release(&mut self) {
        match self {
            Self::Postgres(_, lock) => lock.take().unwrap().rollback().await.unwrap(),
            Self::MySql(_, lock) => lock.take().unwrap().rollback().await.unwrap(),
        }
    }

    async fn close(self) {
        match self {
            Self::Postgres(pool, _) => pool.close().await,
            Self::MySql(pool, _) => pool.close().await,
        }
    }
}

/// A real `minibase serve` process gets the notification, verifies it, claims it and marks the
/// payment, and is killed (SIGKILL) while its update of the order waits on a row lock the test
/// holds. Nothing of it survives, no 204 went out; WeChat Pay's retry on another node pays the
/// order exactly once, and the stock is sold once.
async fn a_node_killed_between_verifying_and_committing(backend: Backend, test: &str) {
    use common::process::Node;
    let platform = platform().await;
    let Some(a) = node(backend, test, &platform, |_| {}).await else {
        return;
    };
    let db = &a.state.db;
    let url = a.database().unwrap().url.clone();
    let admin = admin_token(&a).await;
    let sale_id = seed_sale(&a, &admin, 10).await;
    let (_, _, token) = new_user(db, &a.state.config.jwt.keys).await;
    let order_id = place_order(&a, &token, sale_id, 1).await;
    let no = pay(&a, &token, order_id).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let prepared = pay_silently(&platform, &no).await;
    let notification = prepared[0].id.clone();

    let keys = keys().await;
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("MINIBASE_DATABASE_URL", url.clone()),
        ("MINIBASE_WECHAT_PAY_MCHID", MCHID.to_string()),
        ("MINIBASE_WECHAT_PAY_APPID", APPID.to_string()),
        ("MINIBASE_WECHAT_PAY_SERIAL_NO", SERIAL.to_string()),
        (
            "MINIBASE_WECHAT_PAY_PRIVATE_KEY",
            keys.merchant.to_pem().unwrap(),
        ),
        ("MINIBASE_WECHAT_PAY_API_V3_KEY", API_V3_KEY.to_string()),
        (
            "MINIBASE_WECHAT_PAY_PUBLIC_KEY_ID",
            platform.mock.public_key_id().to_string(),
        ),
        (
            "MINIBASE_WECHAT_PAY_PUBLIC_KEY",
            keys.platform.public_key().to_pem().unwrap(),
        ),
        ("MINIBASE_WECHAT_PAY_API_BASE", platform.base.clone()),
        ("MINIBASE_WECHAT_PAY_QUERY_AFTER_SECS", "3600".to_string()),
    ];
    let mut b = tokio::task::block_in_place(|| Node::start(dir.path(), &env));

    // The order's row, locked by the test: B's update of it will wait.
    let mut lock = RowLock::take(backend, &url, order_id).await;
    let delivery = {
        let mock = platform.mock.clone();
        let id = notification.clone();
        let target = b.url("/api/v1/payments/wechat/notify");
        tokio::spawn(async move { mock.replay_to(&id, Some(&target)).await.unwrap() })
    };
    // B verified, decrypted and claimed the notification, marked the payment, and now waits to
    // update the order.
    let started = Instant::now();
    loop {
        if lock.waiting().await == 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "node B never reached the order update; its log:\n{}",
            b.stdout()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::task::block_in_place(|| b.kill());
    let answer = delivery.await.unwrap();
    assert_eq!(answer.status, 0, "no answer from a killed node: {answer:?}");
    lock.release().await;
    // Its transaction died with it: nothing is claimed, nothing is paid, no stock moved.
    let started = Instant::now();
    loop {
        if lock.open_writers().await == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "B's session ended"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(order_status(db, order_id).await, "created");
    assert_eq!(
        payment_of(db, order_id).await.status,
        PaymentStatus::Pending
    );
    assert!(events(db, "notification").await.is_empty());
    assert_eq!(stock_left(db, sale_id).await, 9);

    // WeChat Pay sends it again (no 204 came back): node A applies it, once.
    let retry = platform.mock.replay_to(&notification, None).await.unwrap();
    assert_eq!(retry.status, 204, "{retry:?}");
    assert_eq!(order_status(db, order_id).await, "paid");
    // B back up, the same notification once more there: nothing more happens.
    let b = tokio::task::block_in_place(|| Node::start(dir.path(), &env));
    let again = platform
        .mock
        .replay_to(
            &notification,
            Some(&b.url("/api/v1/payments/wechat/notify")),
        )
        .await
        .unwrap();
    assert_eq!(again.status, 204, "{again:?}");
    assert_eq!(events(db, "paid").await.len(), 1, "paid exactly once");
    assert_eq!(events(db, "notification").await.len(), 1);
    assert_eq!(
        stock_left(db, sale_id).await,
        9,
        "sold once, nothing given back"
    );
    lock.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_between_verifying_and_committing_postgres() {
    a_node_killed_between_verifying_and_committing(Backend::Postgres, "pay_killed_node_postgres")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_between_verifying_and_committing_mysql() {
    a_node_killed_between_verifying_and_committing(Backend::MySql, "pay_killed_node_mysql").await;
}

// ---- a payment after the order was closed ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_after_the_order_closed_is_never_fulfilled_and_is_refunded_by_an_admin() {
    let platform = platform().await;
    let Some(app) = node(Backend::Sqlite, "paid_after_close", &platform, |_| {}).await else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, _, token) = new_user(db, &app.state.config.jwt.keys).await;
    let order_id = place_order(&app, &token, sale_id, 2).await;
    let no = pay(&app, &token, order_id).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    // The buyer cancels: closed at WeChat Pay, then here, and the two units go back.
    call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/flash-sale-orders/{order_id}/cancel"),
        &token,
        None,
    )
    .await
    .assert_ok(200);
    assert_eq!(stock_left(db, sale_id).await, 10);
    assert_eq!(payment_of(db, order_id).await.status, PaymentStatus::Closed);

    // WeChat Pay takes the money all the same and notifies: taken (204, it stops sending), the
    // order stays cancelled, its units stay in the sale, and an admin is asked to refund.
    let delivered = platform
        .mock
        .pay_after_close(MCHID, &no, once())
        .await
        .unwrap();
    assert_eq!(delivered[0].status, 204, "{delivered:?}");
    assert_eq!(order_status(db, order_id).await, "cancelled");
    assert_eq!(stock_left(db, sale_id).await, 10);
    let payment = payment_of(db, order_id).await;
    assert_eq!(payment.status, PaymentStatus::Paid, "the money is recorded");
    assert!(payment.closed_at.is_some());
    assert!(payment.transaction_id.is_some());
    assert_eq!(events(db, "paid_after_close").await.len(), 1);
    assert!(events(db, "paid").await.is_empty(), "never fulfilled");
    // WeChat Pay's retry and another notification of it: nothing more.
    assert_eq!(
        platform.mock.replay(&delivered[0].id).await.unwrap().status,
        204
    );
    assert_eq!(
        platform.mock.notify(MCHID, &no, once()).await.unwrap()[0].status,
        204
    );
    assert_eq!(events(db, "paid_after_close").await.len(), 1);
    // The user cannot pay it again; the admin refunds it in full.
    pay(&app, &token, order_id).await.assert_error(409, 40912);
    let refund = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/flash-sale-orders/{order_id}/refund"),
        &admin,
        Some(json!({"reason": "paid after the order was cancelled"})),
    )
    .await;
    assert_eq!(refund.assert_ok(200)["amount_cents"], 19800);
    wait_until("the refund succeeds", Duration::from_secs(10), || async {
        platform
            .mock
            .order(MCHID, &no)
            .is_some_and(|o| o.refunded == 19800)
    })
    .await;
    assert_eq!(order_status(db, order_id).await, "cancelled");
    assert_eq!(stock_left(db, sale_id).await, 10);
}

// ---- refund notifications ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_replayed_stale_and_re_encrypted_refund_notifications_are_refused() {
    let platform = platform().await;
    // Refunds stay processing at the mock until the test completes them.
    platform.mock.set_refund_delay(None);
    let Some(app) = node(Backend::Sqlite, "refund_notifications", &platform, |_| {}).await else {
        return;
    };
    let db = &app.state.db;
    let admin = admin_token(&app).await;
    let sale_id = seed_sale(&app, &admin, 10).await;
    let (_, _, token) = new_user(db, &app.state.config.jwt.keys).await;
    let order_id = place_order(&app, &token, sale_id, 1).await;
    let no = pay(&app, &token, order_id).await.assert_ok(200)["out_trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    platform.mock.pay(MCHID, &no, once()).await.unwrap();
    assert_eq!(order_status(db, order_id).await, "paid");
    let refund = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/flash-sale-orders/{order_id}/refund"),
        &admin,
        Some(json!({"reason": "退货", "amount_cents": 4000})),
    )
    .await;
    let refund_no = refund.assert_ok(200)["out_refund_no"]
        .as_str()
        .unwrap()
        .to_string();
    let status = || refund_status(db, &refund_no);
    assert_eq!(status().await, RefundStatus::Processing);
    // WeChat Pay completes it; its notification is held back while the forgeries arrive.
    let genuine = platform
        .mock
        .complete_refund(
            MCHID,
            &refund_no,
            NotifyOptions {
                times: 0,
                ..NotifyOptions::default()
            },
        )
        .await
        .unwrap();
    let notifications = events(db, "notification").await.len();
    for tamper in [
        Tamper::BadSignature,
        Tamper::UnknownKey,
        Tamper::Stale,
        Tamper::Truncated,
        Tamper::ReEncrypted,
    ] {
        let delivered = platform
            .mock
            .notify_refund(MCHID, &refund_no, tampered(tamper.clone()))
            .await
            .unwrap();
        assert_eq!(delivered[0].status, 401, "{tamper:?}: {delivered:?}");
        assert_eq!(
            status().await,
            RefundStatus::Processing,
            "{tamper:?} must not apply"
        );
    }
    assert_eq!(events(db, "notification").await.len(), notifications);
    // The genuine one: applied. Replayed verbatim (a retry, or a replay within 5 minutes):
    // taken, nothing changes.
    assert_eq!(
        platform.mock.replay(&genuine[0].id).await.unwrap().status,
        204
    );
    assert_eq!(status().await, RefundStatus::Success);
    assert_eq!(
        platform.mock.replay(&genuine[0].id).await.unwrap().status,
        204
    );
    assert_eq!(events(db, "refund_updated").await.len(), 1);
    assert_eq!(events(db, "notification").await.len(), notifications + 1);
    // A payment notification at the refund endpoint (and the reverse) is refused.
    let wrong = platform
        .mock
        .notify(
            MCHID,
            &no,
            NotifyOptions {
                times: 0,
                ..NotifyOptions::default()
            },
        )
        .await
        .unwrap();
    let misdirected = platform
        .mock
        .replay_to(
            &wrong[0].id,
            Some(&app.url("/api/v1/payments/wechat/refund-notify")),
        )
        .await
        .unwrap();
    assert_eq!(misdirected.status, 401, "{misdirected:?}");
    let payment = payment_of(db, order_id).await;
    assert_eq!(payment.refunded_cents, 4000);
}
