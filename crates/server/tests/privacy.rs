//! Personal data over HTTP and in the raw rows: session keys and phone numbers encrypted at rest
//! (and re-encrypted on key rotation, plain-text rows included), phone masking by role, data
//! export and account deletion with its grace period on every backend, scheduled purges.

mod common;

use std::time::{Duration, Instant};

use base64::Engine;
use common::{Backend, Reply, TestApp};
use minibase::config::{RawConfig, StringList};
use minibase::users::model::{self as users, Role};
use minibase_wechat::mock;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

fn key(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

/// Configured data keys, the first current.
fn keys(raw: &mut RawConfig, ids: &[(&str, u8)]) {
    raw.privacy.data_keys = StringList::List(
        ids.iter()
            .map(|(id, byte)| format!("{id}:{}", key(*byte)))
            .collect(),
    );
    raw.privacy.data_hash_key = Some(key(99));
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(b"IEND");
    bytes.extend_from_slice(&[0xAE, 0x42, 0x60, 0x82]);
    bytes
}

async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> Value {
    let boundary = "minibase-test-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.send(
        app.client
            .post(app.url("/api/v1/files"))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
    .assert_ok(201)
    .clone()
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

async fn send(
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
    app.send(request).await
}

/// The bound number as stored on the profile (`+86 138...`).
async fn bind_phone(app: &TestApp, token: &str, code: &str) -> String {
    let reply = send(
        app,
        reqwest::Method::POST,
        "/api/v1/users/me/phone",
        token,
        Some(json!({ "code": code })),
    )
    .await;
    let data = reply.assert_ok(200);
    assert_eq!(
        data["pure_phone_number"],
        mock::phone_for_code(code).as_str()
    );
    data["phone_number"].as_str().unwrap().to_string()
}

/// The user's row as stored: nothing decrypted.
async fn raw_user(app: &TestApp, id: i64) -> users::Model {
    users::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("user row")
}

async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn secrets_are_encrypted_at_rest_and_rotate() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, "secrets_encrypted", |raw| {
        keys(raw, &[("k1", 1)])
    })
    .await
    else {
        return;
    };
    let (id, token) = login(&app, "pipl-alice").await;
    let phone = bind_phone(&app, &token, "pipl-alice-phone").await;
    let row = raw_user(&app, id).await;
    let session_key = row.session_key.clone().unwrap();
    let stored_phone = row.phone.clone().unwrap();
    assert!(session_key.starts_with("enc:v1:k1:"), "{session_key}");
    assert!(stored_phone.starts_with("enc:v1:k1:"), "{stored_phone}");
    assert!(
        !stored_phone.contains(&phone[3..]),
        "the number is not in the row"
    );
    // The mock's session key for a code is deterministic: it must not be in the row either.
    let plain_key = mock::session_key_for_code("pipl-alice");
    assert!(!session_key.contains(&plain_key));
    assert_eq!(row.phone_hash.as_deref().map(str::len), Some(64));
    // The API still reads both: the profile shows the number, open data decrypts with the key.
    let me = app.get_auth("/api/v1/users/me", &token).await;
    assert_eq!(me.assert_ok(200)["phone"], phone.as_str());

    // Rotation: a node with k2 first (k1 still readable) rewrites every row at start.
    let db = app.database();
    let rotated = TestApp::start(
        {
            let mut raw = common::test_config(&db.as_ref().unwrap().url);
            keys(&mut raw, &[("k2", 2), ("k1", 1)]);
            raw
        },
        Backend::Sqlite,
        db.clone(),
        |r| r,
    )
    .await;
    until("re-encryption under k2", || async {
        let row = raw_user(&rotated, id).await;
        row.session_key.unwrap().starts_with("enc:v1:k2:")
            && row.phone.unwrap().starts_with("enc:v1:k2:")
    })
    .await;
    // A node with only k2 reads everything: k1 can be dropped.
    let only_k2 = TestApp::start(
        {
            let mut raw = common::test_config(&db.as_ref().unwrap().url);
            keys(&mut raw, &[("k2", 2)]);
            raw
        },
        Backend::Sqlite,
        db.clone(),
        |r| r,
    )
    .await;
    let (_, token) = login(&only_k2, "pipl-alice").await;
    let me = only_k2.get_auth("/api/v1/users/me", &token).await;
    assert_eq!(me.assert_ok(200)["phone"], phone.as_str());

    // Plain-text rows from before encryption: readable as they are, then encrypted by a sweep.
    let (bob, bob_token) = login(&only_k2, "pipl-bob").await;
    users::Entity::update_many()
        .col_expr(users::Column::SessionKey, Expr::value("plain-session-key"))
        .col_expr(users::Column::Phone, Expr::value("13900001111"))
        .col_expr(
            users::Column::PhoneHash,
            Expr::value(Option::<String>::None),
        )
        .filter(users::Column::Id.eq(bob))
        .exec(&only_k2.state.db)
        .await
        .unwrap();
    minibase::users::service::forget_profile(&only_k2.state, bob).await;
    let me = only_k2.get_auth("/api/v1/users/me", &bob_token).await;
    assert_eq!(me.assert_ok(200)["phone"], "13900001111");
    let rewritten = minibase::privacy::service::reencrypt(
        &only_k2.state.db,
        &only_k2.state.config.privacy.cipher,
        false,
    )
    .await
    .unwrap();
    assert_eq!(rewritten, 2, "the session key and the phone of bob");
    let row = raw_user(&only_k2, bob).await;
    assert!(row.session_key.unwrap().starts_with("enc:v1:k2:"));
    assert!(row.phone.unwrap().starts_with("enc:v1:k2:"));
    assert!(row.phone_hash.is_some());
    // Nothing is left to rewrite: a second pass (another node) changes nothing.
    let again = minibase::privacy::service::reencrypt(
        &only_k2.state.db,
        &only_k2.state.config.privacy.cipher,
        false,
    )
    .await
    .unwrap();
    assert_eq!(again, 0);
}

#[tokio::test]
async fn phone_numbers_are_masked_unless_the_role_allows() {
    let Some(app) = TestApp::spawn(Backend::Sqlite, "phone_masking").await else {
        return;
    };
    let (id, token) = login(&app, "pipl-carol").await;
    let phone = bind_phone(&app, &token, "pipl-carol-phone").await;
    // `+86 138****1234`
    let masked = format!(
        "{}****{}",
        &phone[..phone.len() - 8],
        &phone[phone.len() - 4..]
    );

    let moderator = common::staff_token(&app, Role::Moderator).await;
    let one = app
        .get_auth(&format!("/api/v1/admin/users/{id}"), &moderator)
        .await;
    assert_eq!(one.assert_ok(200)["phone"], masked.as_str());
    let admin = common::staff_token(&app, Role::Admin).await;
    let one = app
        .get_auth(&format!("/api/v1/admin/users/{id}"), &admin)
        .await;
    assert_eq!(one.assert_ok(200)["phone"], phone.as_str());

    // The whole number finds the user (by its keyed hash); lists mask as the single view does.
    for (token, shown) in [(&moderator, &masked), (&admin, &phone)] {
        let list = app
            .get_auth(
                &format!("/api/v1/admin/users?q={}", &phone[phone.len() - 11..]),
                token,
            )
            .await;
        let items = list.assert_ok(200)["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0]["id"], id);
        assert_eq!(items[0]["phone"], shown.as_str());
    }
    // The user sees their own number whole.
    let me = app.get_auth("/api/v1/users/me", &token).await;
    assert_eq!(me.assert_ok(200)["phone"], phone.as_str());
}

async fn export_and_deletion(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn_with(backend, test, |raw| {
        raw.privacy.account_deletion_grace_secs = 2;
        raw.privacy.privacy_sweep_interval_secs = 1;
        raw.community.posts_per_minute = 0;
        raw.community.comments_per_minute = 0;
    })
    .await
    else {
        return;
    };
    let code = format!("pipl-dave-{}", uuid::Uuid::new_v4().simple());
    let (id, token) = login(&app, &code).await;
    let (other, other_token) = login(&app, &format!("{code}-friend")).await;
    let phone = bind_phone(&app, &token, "pipl-dave-phone").await;
    let image = upload(&app, &token, &png(10, 10)).await;
    let image_url = image["url"].as_str().unwrap().to_string();
    let post = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/posts",
        &token,
        Some(json!({"content": "dave's own words", "images": [image["id"]]})),
    )
    .await;
    let post_id = post.assert_ok(201)["id"].as_i64().unwrap();
    let friend_post = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/posts",
        &other_token,
        Some(json!({"content": "a friend's post"})),
    )
    .await;
    let friend_post = friend_post.assert_ok(201)["id"].as_i64().unwrap();
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{friend_post}/like"),
        &token,
        None,
    )
    .await
    .assert_ok(200);
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{friend_post}/comments"),
        &token,
        Some(json!({"content": "dave's comment"})),
    )
    .await
    .assert_ok(201);
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/users/{other}/follow"),
        &token,
        None,
    )
    .await
    .assert_ok(200);

    // A record in a collection with an owner field, and one of someone else's.
    let admin = common::staff_token(&app, Role::Admin).await;
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/collections",
        &admin,
        Some(json!({
            "name": "diaries",
            "fields": [
                {"name": "text", "type": "text", "required": true, "max_length": 100},
                {"name": "owner", "type": "relation", "target": "users"}
            ],
            "owner_field": "owner",
            "rules": {"list": "record.owner == auth.id", "view": "record.owner == auth.id",
                      "create": "auth.id != null"}
        })),
    )
    .await
    .assert_ok(201);
    for (who, text) in [(&token, "dave's diary"), (&other_token, "friend's diary")] {
        send(
            &app,
            reqwest::Method::POST,
            "/api/v1/collections/diaries/records",
            who,
            Some(json!({ "text": text })),
        )
        .await
        .assert_ok(201);
    }

    // A paid payment: bookkeeping that must outlive the account.
    use minibase::payments::model::payment;
    use sea_orm::ActiveValue::Set;
    let now = chrono::Utc::now();
    let payment_id = payment::Entity::insert(payment::ActiveModel {
        subject: Set("flash_sale_order".into()),
        subject_id: Set(1),
        user_id: Set(id),
        out_trade_no: Set(uuid::Uuid::new_v4().simple().to_string()),
        appid: Set("wx-mock-appid".into()),
        mchid: Set("1900000001".into()),
        openid: Set(raw_user(&app, id).await.openid),
        amount_cents: Set(990),
        refunded_cents: Set(0),
        description: Set("a paid order".into()),
        status: Set(minibase::payments::model::PaymentStatus::Paid),
        prepay_id: Set(None),
        prepay_at: Set(None),
        transaction_id: Set(Some("4200000000000000001".into())),
        paid_at: Set(Some(now)),
        closed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&app.state.db)
    .await
    .unwrap()
    .last_insert_id;

    // Export: everything of theirs, secrets excluded.
    let export = app.get_auth("/api/v1/users/me/export", &token).await;
    let export = export.assert_ok(200).clone();
    assert_eq!(export["profile"]["id"], id);
    assert_eq!(export["profile"]["phone"], phone.as_str());
    assert_eq!(export["files"][0]["url"], image_url.as_str());
    let sections = &export["sections"];
    assert_eq!(sections["posts"][0]["content"], "dave's own words");
    assert_eq!(sections["comments"][0]["content"], "dave's comment");
    assert_eq!(sections["likes"].as_array().unwrap().len(), 1);
    assert_eq!(sections["following"][0]["followee_id"], other);
    assert!(!sections["sessions"].as_array().unwrap().is_empty());
    assert_eq!(sections["payments"][0]["amount_cents"], 990);
    let diaries = export["collections"]["diaries"].as_array().unwrap();
    assert_eq!(diaries.len(), 1, "only their own records: {diaries:?}");
    assert_eq!(diaries[0]["text"], "dave's diary");
    let text = export.to_string();
    assert!(!text.contains("refresh_token_hash") && !text.contains("session_key"));

    // Request deletion: the token dies at once; logging in within the grace period cancels.
    let reply = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/users/me/deletion",
        &token,
        None,
    )
    .await;
    let scheduled = reply.assert_ok(202);
    assert!(scheduled["erase_after"].is_string());
    app.get_auth("/api/v1/users/me", &token)
        .await
        .assert_error(401, 40104);
    assert!(raw_user(&app, id).await.deletion_requested_at.is_some());
    let (same, token) = login(&app, &code).await;
    assert_eq!(same, id);
    assert!(raw_user(&app, id).await.deletion_requested_at.is_none());
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        raw_user(&app, id).await.deleted_at.is_none(),
        "a cancelled request erases nothing"
    );

    // Ask again and stay away: after the grace period the sweep's job erases the account.
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/users/me/deletion",
        &token,
        None,
    )
    .await
    .assert_ok(202);
    until("the erasure", || async {
        raw_user(&app, id).await.deleted_at.is_some()
    })
    .await;
    let row = raw_user(&app, id).await;
    assert_eq!(row.openid, format!("deleted:{id}"));
    assert!(row.session_key.is_none() && row.phone.is_none() && row.phone_hash.is_none());
    assert!(row.unionid.is_none());
    assert_eq!(row.nickname, "");
    // Their post is gone from view and emptied; the friend's post lost the like and comment.
    app.get(&format!("/api/v1/posts/{post_id}"))
        .await
        .assert_error(404, 40401);
    let friend = app.get(&format!("/api/v1/posts/{friend_post}")).await;
    let friend = friend.assert_ok(200);
    assert_eq!(friend["like_count"], 0);
    assert_eq!(friend["comment_count"], 0);
    // Their upload is gone, row and bytes.
    let path = image_url.split_once("/files/").unwrap().1;
    app.get(&format!("/files/{path}"))
        .await
        .assert_error(404, 40401);
    assert!(files_of(&app.state.db, id).await.unwrap().is_empty());
    // Their collection records are gone; the friend's stay.
    let friend_diaries = app
        .get_auth("/api/v1/collections/diaries/records", &other_token)
        .await;
    assert_eq!(
        friend_diaries.assert_ok(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let left = records_of(&app.state.db, "c_diaries", "owner", id).await;
    assert!(left.is_empty(), "{left:?}");
    // The payment is kept for the books, without the payer's WeChat identity.
    let kept = payment::Entity::find_by_id(payment_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the payment is kept");
    assert_eq!((kept.user_id, kept.amount_cents), (id, 990));
    assert_eq!(kept.openid, "");
    // The same WeChat user logging in again is a new account.
    let (fresh, _) = login(&app, &code).await;
    assert_ne!(fresh, id);
    // Erasing again (another node, a retried job) does nothing.
    assert!(!minibase::privacy::service::erase_user(&app.state, id)
        .await
        .unwrap());
}

#[tokio::test]
async fn export_and_deletion_sqlite() {
    export_and_deletion(Backend::Sqlite, "export_and_deletion_sqlite").await;
}

#[tokio::test]
async fn export_and_deletion_postgres() {
    export_and_deletion(Backend::Postgres, "export_and_deletion_postgres").await;
}

#[tokio::test]
async fn export_and_deletion_mysql() {
    export_and_deletion(Backend::MySql, "export_and_deletion_mysql").await;
}

#[tokio::test]
async fn purges_run_on_a_schedule() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, "purges", |raw| {
        raw.privacy.privacy_sweep_interval_secs = 1;
        raw.privacy.purge_sessions_after_secs = 1;
        raw.privacy.purge_jobs_after_secs = 1;
        raw.privacy.purge_orphan_files_after_secs = 1;
        raw.community.posts_per_minute = 0;
    })
    .await
    else {
        return;
    };
    let (id, token) = login(&app, "pipl-erin").await;
    // A used image, an avatar and an orphan.
    let used = upload(&app, &token, &png(10, 10)).await;
    let avatar = upload(&app, &token, &png(11, 11)).await;
    let orphan = upload(&app, &token, &png(12, 12)).await;
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/posts",
        &token,
        Some(json!({"content": "with an image", "images": [used["id"]]})),
    )
    .await
    .assert_ok(201);
    send(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/users/me",
        &token,
        Some(json!({"avatar_url": avatar["url"]})),
    )
    .await
    .assert_ok(200);
    // A session that ends (logout) and an old finished job.
    let (_, short) = login(&app, "pipl-erin").await;
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/auth/logout",
        &short,
        None,
    )
    .await
    .assert_ok(200);
    minibase::store::jobs::enqueue(
        &app.state.db,
        minibase::store::jobs::JobSpec::now("privacy.test_done"),
        &json!({}),
    )
    .await
    .unwrap();
    use minibase::store::jobs::model as jobs;
    jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value("done"))
        .filter(jobs::Column::Kind.eq("privacy.test_done"))
        .exec(&app.state.db)
        .await
        .unwrap();

    until("the purges", || async {
        let files = files_of(&app.state.db, id).await.unwrap();
        let sessions = minibase::auth::model::session::Entity::find()
            .filter(minibase::auth::model::session::Column::UserId.eq(id))
            .all(&app.state.db)
            .await
            .unwrap();
        let done = minibase::store::jobs::repo::by_kind(&app.state.db, "privacy.test_done")
            .await
            .unwrap();
        files.len() == 2 && sessions.len() == 1 && done.is_empty()
    })
    .await;
    let files = files_of(&app.state.db, id).await.unwrap();
    let kept: Vec<i64> = files.iter().map(|f| f.id).collect();
    assert!(kept.contains(&used["id"].as_i64().unwrap()));
    assert!(kept.contains(&avatar["id"].as_i64().unwrap()));
    let orphan_path = orphan["url"]
        .as_str()
        .unwrap()
        .split_once("/files/")
        .unwrap()
        .1;
    app.get(&format!("/files/{orphan_path}"))
        .await
        .assert_error(404, 40401);
    // The live session is still good.
    app.get_auth("/api/v1/users/me", &token)
        .await
        .assert_ok(200);
}

#[tokio::test]
async fn reencrypt_command_finishes_a_rotation() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, "reencrypt_command", |raw| {
        keys(raw, &[("k1", 1)])
    })
    .await
    else {
        return;
    };
    let (id, token) = login(&app, "pipl-frank").await;
    bind_phone(&app, &token, "pipl-frank-phone").await;
    let db = app.database().unwrap();
    app.stop().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let out = common::process::minibase(dir.path())
        .arg("reencrypt")
        .env("MINIBASE_DATABASE_URL", &db.url)
        .env("MINIBASE_DATA_KEYS", format!("k2:{},k1:{}", key(2), key(1)))
        .env("MINIBASE_DATA_HASH_KEY", key(99))
        .env("MINIBASE_LOG_LEVEL", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("re-encrypted 2 value(s) under data key 'k2'"),
        "{stdout}"
    );

    let mut raw = common::test_config(&db.url);
    keys(&mut raw, &[("k2", 2)]);
    raw.jobs_concurrency = 0; // no sweep: the command alone did the work
    let node = TestApp::start(raw, Backend::Sqlite, Some(db), |r| r).await;
    let row = raw_user(&node, id).await;
    assert!(row.session_key.unwrap().starts_with("enc:v1:k2:"));
    assert!(row.phone.unwrap().starts_with("enc:v1:k2:"));
}

/// Two nodes sweep the same database: the erasure is enqueued and carried out once.
async fn erasure_once_on_two_nodes(backend: Backend, test: &str) {
    let configure = |raw: &mut RawConfig| {
        raw.privacy.account_deletion_grace_secs = 1;
        raw.privacy.privacy_sweep_interval_secs = 1;
    };
    let Some(first) = TestApp::spawn_with(backend, test, configure).await else {
        return;
    };
    let db = first.database().unwrap();
    let mut raw = common::test_config(&db.url);
    configure(&mut raw);
    let second = TestApp::start(raw, backend, Some(db), |r| r).await;
    let mut users = Vec::new();
    for i in 0..3 {
        let (id, token) = login(&first, &format!("pipl-two-nodes-{i}")).await;
        let node = if i % 2 == 0 { &first } else { &second };
        send(
            node,
            reqwest::Method::POST,
            "/api/v1/users/me/deletion",
            &token,
            None,
        )
        .await
        .assert_ok(202);
        users.push(id);
    }
    until("every erasure", || async {
        let mut done = true;
        for id in &users {
            done &= raw_user(&first, *id).await.deleted_at.is_some();
        }
        done
    })
    .await;
    // Let both nodes sweep a few more times: nothing more is enqueued.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let jobs = minibase::store::jobs::repo::by_kind(
        &first.state.db,
        minibase::privacy::service::ERASE_JOB,
    )
    .await
    .unwrap();
    assert_eq!(jobs.len(), users.len(), "{jobs:?}");
    assert!(jobs.iter().all(|j| j.status == "done" && j.attempts == 1));
}

#[tokio::test]
async fn erasure_once_on_two_nodes_postgres() {
    erasure_once_on_two_nodes(Backend::Postgres, "erasure_once_on_two_nodes_postgres").await;
}

#[tokio::test]
async fn erasure_once_on_two_nodes_mysql() {
    erasure_once_on_two_nodes(Backend::MySql, "erasure_once_on_two_nodes_mysql").await;
}

/// The user's files, as the database holds them.
async fn files_of(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
) -> Result<Vec<minibase::files::model::Model>, sea_orm::DbErr> {
    use minibase::files::model as files;
    files::Entity::find()
        .filter(files::Column::OwnerId.eq(id))
        .all(db)
        .await
}

/// The rows of collection table `table` whose `owner` column is the user.
async fn records_of(
    db: &impl sea_orm::ConnectionTrait,
    table: &str,
    owner: &str,
    id: i64,
) -> Vec<Value> {
    use sea_orm::sea_query::{Alias, Asterisk, Query};
    use sea_orm::FromQueryResult;
    let mut select = Query::select();
    select
        .column(Asterisk)
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new(owner)).eq(id));
    let backend = db.get_database_backend();
    Value::find_by_statement(backend.build(&select))
        .all(db)
        .await
        .unwrap()
}
