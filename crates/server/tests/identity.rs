//! WeChat identity over HTTP against the mock WeChat: login, tokens, refresh rotation, logout,
//! roles, bans, phone numbers, open data, signatures and login rate limits.

mod common;

use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::{Backend, Reply, TestApp};
use minibase::auth::jwt::{Claims, SubjectKind, ISSUER};
use minibase::users::model::{self as users, Role};
use minibase_wechat::mock::{self, MockConfig, MockWechat};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

async fn login(app: &TestApp, code: &str) -> Reply {
    app.post_json("/api/v1/auth/login", &json!({ "code": code }))
        .await
}

async fn login_ok(app: &TestApp, code: &str) -> Value {
    let reply = login(app, code).await;
    reply.assert_ok(200).clone()
}

async fn user_count(app: &TestApp) -> u64 {
    users::Entity::find().count(&app.state.db).await.unwrap()
}

async fn session_count(app: &TestApp) -> u64 {
    minibase::auth::model::session::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

/// An admin-console account and its token.
async fn admin_token(app: &TestApp, role: Role) -> String {
    let name = format!("ops-{}", role.as_str());
    minibase::auth::service::create_admin(&app.state.db, &name, "correct horse battery", role)
        .await
        .unwrap();
    let reply = app
        .post_json(
            "/api/v1/admin/auth/login",
            &json!({"username": name, "password": "correct horse battery"}),
        )
        .await;
    reply.assert_ok(200)["token"].as_str().unwrap().to_string()
}

async fn login_flow_end_to_end(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let data = login_ok(&app, "alice").await;
    let token = data["token"].as_str().unwrap();
    assert!(data["expires_in"].as_u64().unwrap() > 0);
    assert!(data["refresh_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 32));
    let user_id = data["user"]["id"].as_i64().unwrap();
    assert_eq!(data["user"]["nickname"], "");
    assert_eq!(data["user"]["avatar_url"], "");
    let body = serde_json::to_string(&data).unwrap();
    assert!(!body.contains("session_key") && !body.contains(&mock::session_key_for_code("alice")));

    // The stored user: openid, unionid and session key kept server-side.
    let stored = users::Entity::find_by_id(user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.openid, mock::openid_for_code("alice"));
    assert_eq!(
        stored.unionid.as_deref(),
        Some(mock::unionid_for_code("alice").as_str())
    );
    // Encrypted at rest (docs/privacy.md): not the key itself, but decrypts to it.
    let stored_key = stored.session_key.as_deref().unwrap();
    assert!(stored_key.starts_with("enc:v1:"), "{stored_key}");
    assert_eq!(
        app.state
            .config
            .privacy
            .cipher
            .decrypt(minibase::privacy::cipher::Field::SessionKey, stored_key)
            .unwrap(),
        mock::session_key_for_code("alice")
    );

    let me = app.get_auth("/api/v1/users/me", token).await;
    let me_data = me.assert_ok(200);
    assert_eq!(me_data["id"], user_id);
    assert_eq!(me_data["role"], "user");
    assert!(
        me_data["created_at"].as_str().unwrap().ends_with('Z')
            || me_data["created_at"].as_str().unwrap().contains("+00:00")
    );

    // The same WeChat user logging in again (a new code) is the same user.
    let again = login_ok(&app, "alice:2").await;
    assert_eq!(again["user"]["id"], user_id);
    assert_eq!(user_count(&app).await, 1);

    // Profile updates, validated.
    let patch = |body: Value| {
        app.client
            .patch(app.url("/api/v1/users/me"))
            .bearer_auth(token)
            .json(&body)
    };
    let updated = app
        .send(patch(
            json!({"nickname": "  小明  ", "avatar_url": "https://img.example.com/a.png"}),
        ))
        .await;
    let updated = updated.assert_ok(200);
    assert_eq!(updated["nickname"], "小明");
    assert_eq!(updated["avatar_url"], "https://img.example.com/a.png");
    let too_long = app.send(patch(json!({"nickname": "x".repeat(33)}))).await;
    too_long.assert_error(422, 42200);
    assert!(too_long.json["message"]
        .as_str()
        .unwrap()
        .starts_with("nickname"));
    let blank = app.send(patch(json!({"nickname": "   "}))).await;
    blank.assert_error(422, 42200);
    let bad_url = app
        .send(patch(json!({"avatar_url": "javascript:alert(1)"})))
        .await;
    bad_url.assert_error(422, 42200);
    assert!(bad_url.json["message"]
        .as_str()
        .unwrap()
        .starts_with("avatar_url"));
    let wrong_type = app.send(patch(json!({"nickname": 5}))).await;
    wrong_type.assert_error(422, 42200);
    let me = app.get_auth("/api/v1/users/me", token).await;
    assert_eq!(
        me.assert_ok(200)["nickname"],
        "小明",
        "failed updates changed nothing"
    );

    // Bad login bodies.
    app.post_json("/api/v1/auth/login", &json!({}))
        .await
        .assert_error(422, 42200);
    app.post_json("/api/v1/auth/login", &json!({"code": ""}))
        .await
        .assert_error(422, 42200);
    let raw = app
        .send(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("content-type", "application/json")
                .body("{code:"),
        )
        .await;
    raw.assert_error(400, 40001);
}

async fn wechat_errors_map_to_envelopes_and_write_nothing(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let cases = [
        ("invalid", 400, 40010),
        ("used", 400, 40011),
        ("risky", 403, 40302),
        ("quota", 502, 50201),
        ("busy", 502, 50200),
    ];
    for (code, status, api_code) in cases {
        login(&app, code).await.assert_error(status, api_code);
    }
    assert_eq!(
        user_count(&app).await,
        0,
        "no user written for a refused login"
    );
    // A transient "system busy" is retried and succeeds.
    let reply = login(&app, "busy-once:carol").await;
    reply.assert_ok(200);
}

async fn refresh(app: &TestApp, token: &str) -> Reply {
    app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": token }))
        .await
}

/// Move the session's last rotation `secs` into the past, as if the grace had gone by.
async fn age_last_refresh(app: &TestApp, refresh_token: &str, secs: i64) {
    use minibase::auth::model::session;
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};
    let (sid, _) = refresh_token.split_once('.').unwrap();
    let changed = session::Entity::update_many()
        .col_expr(
            session::Column::RefreshedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(secs)),
        )
        .filter(session::Column::Id.eq(sid))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected, 1);
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

async fn refresh_rotates_and_reuse_revokes(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let first = login_ok(&app, "bob").await;
    let first_token = str_of(&first, "refresh_token");
    let second = refresh(&app, first_token).await.assert_ok(200).clone();
    let second_token = str_of(&second, "refresh_token");
    assert_ne!(second_token, first_token);
    let new_access = str_of(&second, "token");
    app.get_auth("/api/v1/users/me", new_access)
        .await
        .assert_ok(200);

    // The same token again at once: a parallel refresh of the same client. It gets the same
    // refresh token, and the session lives on.
    let twin = refresh(&app, first_token).await.assert_ok(200).clone();
    assert_eq!(str_of(&twin, "refresh_token"), second_token);
    app.get_auth("/api/v1/users/me", str_of(&twin, "token"))
        .await
        .assert_ok(200);
    app.get_auth("/api/v1/users/me", new_access)
        .await
        .assert_ok(200);

    // After the grace, the spent token again is theft or replay: the whole session is revoked.
    age_last_refresh(&app, second_token, 60).await;
    refresh(&app, first_token).await.assert_error(401, 40107);
    refresh(&app, second_token).await.assert_error(401, 40106);
    for access in [new_access, str_of(&twin, "token"), str_of(&first, "token")] {
        app.get_auth("/api/v1/users/me", access)
            .await
            .assert_error(401, 40104);
    }
    // Other sessions of the same user are untouched; unknown tokens are refused.
    let other = login_ok(&app, "bob:2").await;
    app.get_auth("/api/v1/users/me", str_of(&other, "token"))
        .await
        .assert_ok(200);
    refresh(&app, "not-a-real-token")
        .await
        .assert_error(401, 40106);
    refresh(&app, "no-such-session.secret")
        .await
        .assert_error(401, 40106);

    // A token spent two rotations ago is reuse even within the grace: only the token the live
    // one replaced gets the grace.
    let third = login_ok(&app, "bob:3").await;
    let t0 = str_of(&third, "refresh_token");
    let t1 = refresh(&app, t0).await.assert_ok(200).clone();
    let t1 = str_of(&t1, "refresh_token");
    refresh(&app, t1).await.assert_ok(200);
    refresh(&app, t0).await.assert_error(401, 40107);
    app.get_auth("/api/v1/users/me", str_of(&third, "token"))
        .await
        .assert_error(401, 40104);
}

/// The session id is in every access token, so anyone who saw one can name the session: a made
/// up secret for it is refused and ends nothing.
async fn a_made_up_refresh_token_revokes_nothing(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let victim = login_ok(&app, "vera").await;
    let access = str_of(&victim, "token");
    let live = str_of(&victim, "refresh_token");
    let (sid, secret) = live.split_once('.').unwrap();
    let mut flipped = URL_SAFE_NO_PAD.decode(secret).unwrap();
    flipped[0] ^= 1;
    let attacker = login_ok(&app, "mallory").await;
    let (_, attacker_secret) = str_of(&attacker, "refresh_token").split_once('.').unwrap();
    for forged in [
        format!("{sid}.garbage"),
        format!("{sid}."),
        format!("{sid}.{}", URL_SAFE_NO_PAD.encode([7u8; 64])),
        format!("{sid}.{}", URL_SAFE_NO_PAD.encode(&flipped)),
        // A real secret, but of another session.
        format!("{sid}.{attacker_secret}"),
    ] {
        refresh(&app, &forged).await.assert_error(401, 40106);
    }
    app.get_auth("/api/v1/users/me", access)
        .await
        .assert_ok(200);
    let next = refresh(&app, live).await.assert_ok(200).clone();
    app.get_auth("/api/v1/users/me", str_of(&next, "token"))
        .await
        .assert_ok(200);
}

/// Ten requests of one client met a 401 together and all refresh with the same token: every one
/// gets a working pair with the same refresh token, and the session goes on.
async fn parallel_refreshes_with_one_token_keep_the_session(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let start = login_ok(&app, "paula").await;
    let token = str_of(&start, "refresh_token");
    let replies = futures::future::join_all((0..10).map(|_| refresh(&app, token))).await;
    let pairs: Vec<Value> = replies.iter().map(|r| r.assert_ok(200).clone()).collect();
    let next = str_of(&pairs[0], "refresh_token");
    for pair in &pairs {
        assert_eq!(str_of(pair, "refresh_token"), next, "one new refresh token");
        app.get_auth("/api/v1/users/me", str_of(pair, "token"))
            .await
            .assert_ok(200);
    }
    assert_eq!(session_count(&app).await, 1, "no session was added");
    // The shared new token works, once the replies are in.
    let after = refresh(&app, next).await.assert_ok(200).clone();
    app.get_auth("/api/v1/users/me", str_of(&after, "token"))
        .await
        .assert_ok(200);
}

/// An account deleted while its token is still accepted (the guard caches the account's state):
/// the caller's own endpoints answer 401 40104, which makes a client log in again, not 404.
async fn a_deleted_users_token_is_revoked(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let data = login_ok(&app, "gone").await;
    let token = str_of(&data, "token");
    // The guard now holds the account as live (a profile read would also cache the profile).
    app.get_auth("/api/v1/flash-sale-orders", token)
        .await
        .assert_ok(200);
    let id = data["user"]["id"].as_i64().unwrap();
    let deleted = users::Entity::delete_by_id(id)
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected, 1);
    app.get_auth("/api/v1/users/me", token)
        .await
        .assert_error(401, 40104);
    let patch = app.client.patch(app.url("/api/v1/users/me"));
    app.send(patch.bearer_auth(token).json(&json!({"nickname": "ghost"})))
        .await
        .assert_error(401, 40104);
    let check = app
        .client
        .post(app.url("/api/v1/users/me/verify-signature"));
    app.send(
        check
            .bearer_auth(token)
            .json(&json!({"buffer": "x", "signature": "00"})),
    )
    .await
    .assert_error(401, 40104);
}

async fn logout_ends_the_session(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let data = login_ok(&app, "dora").await;
    let token = data["token"].as_str().unwrap();
    let reply = app
        .send(
            app.client
                .post(app.url("/api/v1/auth/logout"))
                .bearer_auth(token),
        )
        .await;
    reply.assert_ok(200);
    app.get_auth("/api/v1/users/me", token)
        .await
        .assert_error(401, 40104);
    app.post_json(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": data["refresh_token"]}),
    )
    .await
    .assert_error(401, 40106);
}

async fn roles_bans_and_revocation(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let user = login_ok(&app, "eve").await;
    let user_token = user["token"].as_str().unwrap().to_string();
    let user_id = user["user"]["id"].as_i64().unwrap();

    // A plain user is not staff.
    app.get_auth("/api/v1/admin/users", &user_token)
        .await
        .assert_error(403, 40300);
    let admin = admin_token(&app, Role::Admin).await;
    // Admin tokens are not mini-program users.
    app.get_auth("/api/v1/users/me", &admin)
        .await
        .assert_error(403, 40300);

    let list = app
        .get_auth("/api/v1/admin/users?q=eve&limit=10", &admin)
        .await;
    let items = list.assert_ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 0, "nickname search: eve has no nickname yet");
    let list = app
        .get_auth(
            &format!("/api/v1/admin/users?q={}", mock::openid_for_code("eve")),
            &admin,
        )
        .await;
    assert_eq!(list.assert_ok(200)["items"][0]["id"], user_id);
    app.get_auth("/api/v1/admin/users?limit=0", &admin)
        .await
        .assert_error(400, 40002);
    app.get_auth("/api/v1/admin/users?cursor=%%%", &admin)
        .await
        .assert_error(400, 40003);

    // Ban: the user's token stops working and logins are refused.
    let post = |path: String, token: &str| {
        app.client
            .post(app.url(&path))
            .bearer_auth(token.to_string())
    };
    app.send(post(format!("/api/v1/admin/users/{user_id}/ban"), &admin))
        .await
        .assert_ok(200);
    app.get_auth("/api/v1/users/me", &user_token)
        .await
        .assert_error(401, 40104);
    refresh(&app, user["refresh_token"].as_str().unwrap())
        .await
        .assert_error(401, 40106);
    let sessions_before = session_count(&app).await;
    let row_before = users::Entity::find_by_id(user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    login(&app, "eve:2").await.assert_error(403, 40301);
    assert_eq!(
        session_count(&app).await,
        sessions_before,
        "a refused login opens no session"
    );
    let row_after = users::Entity::find_by_id(user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row_after.session_key, row_after.updated_at),
        (row_before.session_key, row_before.updated_at),
        "a refused login leaves the user row alone"
    );
    app.send(post(format!("/api/v1/admin/users/{user_id}/unban"), &admin))
        .await
        .assert_ok(200);
    // A ban ended every session: unbanning does not bring the old refresh token back.
    refresh(&app, user["refresh_token"].as_str().unwrap())
        .await
        .assert_error(401, 40106);
    let back = login_ok(&app, "eve:3").await;
    let token = back["token"].as_str().unwrap().to_string();
    app.get_auth("/api/v1/users/me", &token)
        .await
        .assert_ok(200);

    // An admin ends all of a user's sessions at once.
    let second = login_ok(&app, "eve:4").await;
    app.send(post(
        format!("/api/v1/admin/users/{user_id}/revoke-sessions"),
        &admin,
    ))
    .await
    .assert_ok(200);
    app.get_auth("/api/v1/users/me", &token)
        .await
        .assert_error(401, 40104);
    app.get_auth("/api/v1/users/me", second["token"].as_str().unwrap())
        .await
        .assert_error(401, 40104);
    // ... refresh tokens included: none of them mints a new access token.
    for session in [&back, &second] {
        refresh(&app, session["refresh_token"].as_str().unwrap())
            .await
            .assert_error(401, 40106);
    }

    // Roles: a moderator may list and ban but not change roles or revoke sessions.
    let fresh = login_ok(&app, "eve:5").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let set_role = |role: &str, token: &str| {
        app.client
            .put(app.url(&format!("/api/v1/admin/users/{user_id}/role")))
            .bearer_auth(token.to_string())
            .json(&json!({"role": role}))
    };
    app.get_auth("/api/v1/users/me", &fresh)
        .await
        .assert_ok(200);
    app.send(set_role("moderator", &admin)).await.assert_ok(200);
    assert_eq!(
        app.get_auth("/api/v1/users/me", &fresh)
            .await
            .assert_ok(200)["role"],
        "moderator",
        "the cached profile follows a role change"
    );
    app.get_auth("/api/v1/admin/users", &fresh)
        .await
        .assert_ok(200);
    app.send(set_role("admin", &fresh))
        .await
        .assert_error(403, 40300);
    app.send(set_role("emperor", &admin))
        .await
        .assert_error(422, 42200);
    app.send(post(
        format!("/api/v1/admin/users/{user_id}/revoke-sessions"),
        &fresh,
    ))
    .await
    .assert_error(403, 40300);
    app.send(post("/api/v1/admin/users/999999/ban".into(), &admin))
        .await
        .assert_error(404, 40401);

    // Admin login failures.
    app.post_json(
        "/api/v1/admin/auth/login",
        &json!({"username": "ops-admin", "password": "wrong password"}),
    )
    .await
    .assert_error(401, 40105);
    app.post_json(
        "/api/v1/admin/auth/login",
        &json!({"username": "nobody", "password": "whatever123"}),
    )
    .await
    .assert_error(401, 40105);
}

/// Logins wait for the disk by default; the opt-in asynchronous commit on PostgreSQL gives the
/// same answers and writes the same rows.
#[tokio::test]
async fn async_login_commits_write_the_same_rows() {
    let Some(app) = TestApp::spawn_with(Backend::Postgres, "async_login", |raw| {
        raw.auth.login_async_commit = true;
    })
    .await
    else {
        return;
    };
    let first = login_ok(&app, "dana").await;
    let again = login_ok(&app, "dana:2").await;
    assert_eq!(first["user"]["id"], again["user"]["id"]);
    assert_eq!(user_count(&app).await, 1);
    assert_eq!(session_count(&app).await, 2);
    let token = again["token"].as_str().unwrap();
    app.get_auth("/api/v1/users/me", token).await.assert_ok(200);
    let refreshed = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": first["refresh_token"]}),
        )
        .await;
    refreshed.assert_ok(200);
}

on_every_backend!(
    login_flow_end_to_end,
    wechat_errors_map_to_envelopes_and_write_nothing,
    refresh_rotates_and_reuse_revokes,
    a_made_up_refresh_token_revokes_nothing,
    parallel_refreshes_with_one_token_keep_the_session,
    a_deleted_users_token_is_revoked,
    logout_ends_the_session,
    roles_bans_and_revocation,
);

fn sign(app: &TestApp, claims: &Claims) -> String {
    app.state.config.jwt.keys.sign(claims).unwrap()
}

#[tokio::test]
async fn bad_tokens_are_401_with_distinct_codes() {
    let app = TestApp::spawn(Backend::Sqlite, "bad_tokens").await.unwrap();
    let data = login_ok(&app, "frank").await;
    let token = data["token"].as_str().unwrap();
    let me = |auth: Option<String>| {
        let mut request = app.client.get(app.url("/api/v1/users/me"));
        if let Some(value) = auth {
            request = request.header("authorization", value);
        }
        app.send(request)
    };
    me(None).await.assert_error(401, 40100);
    me(Some("Basic abc".into())).await.assert_error(401, 40101);
    me(Some("Bearer not-a-jwt".into()))
        .await
        .assert_error(401, 40101);

    // Tampered payload: the role claim raised, signature kept.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["role"] = json!("admin");
    claims["sub"] = json!("1");
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    me(Some(format!("Bearer {}.{}.{}", parts[0], forged, parts[2])))
        .await
        .assert_error(401, 40102);

    // alg: none.
    let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    me(Some(format!("Bearer {none}.{forged}.")))
        .await
        .assert_error(401, 40102);

    // Signed with another key.
    let other = minibase::auth::jwt::JwtKeys::new(
        minibase::auth::jwt::KeyMaterial::Secret("an-attacker-secret-of-32-bytes!!"),
        None,
    )
    .unwrap();
    let real: Claims = serde_json::from_value(
        serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap(),
    )
    .unwrap();
    me(Some(format!("Bearer {}", other.sign(&real).unwrap())))
        .await
        .assert_error(401, 40102);

    // Expired.
    let now = chrono::Utc::now().timestamp();
    let expired = Claims {
        iat: now - 7200,
        exp: now - 3600,
        ..real.clone()
    };
    me(Some(format!("Bearer {}", sign(&app, &expired))))
        .await
        .assert_error(401, 40103);

    // Correctly signed, but without `exp`: the claims are invalid (not a malformed JWT).
    let mut no_exp = serde_json::to_value(&real).unwrap();
    no_exp.as_object_mut().unwrap().remove("exp");
    let no_exp = app.state.config.jwt.keys.sign(&no_exp).unwrap();
    me(Some(format!("Bearer {no_exp}")))
        .await
        .assert_error(401, 40102);

    // A correctly signed token for a user that does not exist.
    let ghost = Claims {
        sub: "424242".into(),
        sid: None,
        ..real.clone()
    };
    me(Some(format!("Bearer {}", sign(&app, &ghost))))
        .await
        .assert_error(401, 40104);
    // Wrong issuer.
    let foreign = Claims {
        iss: "someone-else".into(),
        ..real.clone()
    };
    me(Some(format!("Bearer {}", sign(&app, &foreign))))
        .await
        .assert_error(401, 40102);
    assert_eq!(real.knd, SubjectKind::User);
    assert_eq!(real.iss, ISSUER);
    // The real one still works.
    me(Some(format!("Bearer {token}"))).await.assert_ok(200);
}

#[tokio::test]
async fn eddsa_tokens_carry_a_key_id_and_old_keys_still_verify() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    // The "old" node signs with key k1.
    let old = TestApp::spawn_with(Backend::Sqlite, "eddsa", |raw| {
        raw.auth.jwt_algorithm = "EdDSA".into();
        raw.auth.jwt_key_id = Some("k1".into());
        raw.auth.jwt_private_key_file = Some(format!("{fixtures}/ed25519-other-private.pem"));
        raw.auth.jwt_public_key_file = Some(format!("{fixtures}/ed25519-other-public.pem"));
    })
    .await
    .unwrap();
    let data = login_ok(&old, "gina").await;
    let token = data["token"].as_str().unwrap().to_string();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], "k1");
    old.get_auth("/api/v1/users/me", &token)
        .await
        .assert_ok(200);

    // After rotation to k2, k1's tokens are still accepted through jwt_extra_public_keys.
    let keys = minibase::config::RawConfig {
        auth: minibase::auth::settings::RawAuthSettings {
            jwt_algorithm: "EdDSA".into(),
            jwt_key_id: Some("k2".into()),
            jwt_private_key_file: Some(format!("{fixtures}/ed25519-test-private.pem")),
            jwt_public_key_file: Some(format!("{fixtures}/ed25519-test-public.pem")),
            jwt_extra_public_keys: minibase::config::StringList::Csv(format!(
                "k1={fixtures}/ed25519-other-public.pem"
            )),
            ..Default::default()
        },
        ..minibase::config::RawConfig::default()
    }
    .validate()
    .unwrap()
    .jwt
    .keys;
    let claims = keys.verify(&token).expect("old kid verifies");
    assert_eq!(claims.sub, data["user"]["id"].as_i64().unwrap().to_string());
    // Without the old key, the same token is refused.
    let strict = minibase::config::RawConfig {
        auth: minibase::auth::settings::RawAuthSettings {
            jwt_algorithm: "EdDSA".into(),
            jwt_key_id: Some("k2".into()),
            jwt_private_key_file: Some(format!("{fixtures}/ed25519-test-private.pem")),
            jwt_public_key_file: Some(format!("{fixtures}/ed25519-test-public.pem")),
            ..Default::default()
        },
        ..minibase::config::RawConfig::default()
    }
    .validate()
    .unwrap()
    .jwt
    .keys;
    assert!(strict.verify(&token).is_err());
}

fn encrypt_open_data(session_key_b64: &str, plaintext: &[u8]) -> (String, String) {
    let key = STANDARD.decode(session_key_b64).unwrap();
    let iv = [7u8; 16];
    let cipher = cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv).unwrap();
    let encrypted = cipher.encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    (STANDARD.encode(encrypted), STANDARD.encode(iv))
}

#[tokio::test]
async fn phone_open_data_and_signatures() {
    let app = TestApp::spawn(Backend::Sqlite, "phone_open_data")
        .await
        .unwrap();
    let code = "hank";
    let data = login_ok(&app, code).await;
    let token = data["token"].as_str().unwrap();
    let post = |path: &str, body: Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&body)
    };

    // Phone number.
    let phone = app
        .send(post(
            "/api/v1/users/me/phone",
            json!({"code": "hank-phone"}),
        ))
        .await;
    let phone = phone.assert_ok(200);
    let expected = mock::phone_for_code("hank-phone");
    assert_eq!(phone["pure_phone_number"], expected.as_str());
    assert_eq!(phone["country_code"], "86");
    let me = app.get_auth("/api/v1/users/me", token).await;
    assert!(me.assert_ok(200)["phone"]
        .as_str()
        .unwrap()
        .contains(&expected));
    app.send(post("/api/v1/users/me/phone", json!({"code": "invalid"})))
        .await
        .assert_error(400, 40010);

    // Open data decrypted with the stored session key; a watermark of another AppID is refused.
    let appid = app.state.wechat.appid().to_string();
    let session_key = mock::session_key_for_code(code);
    let plain = json!({"stepInfoList": [{"timestamp": 1_700_000_000, "step": 8000}], "watermark": {"timestamp": 1_700_000_000, "appid": appid}});
    let (encrypted, iv) = encrypt_open_data(&session_key, &serde_json::to_vec(&plain).unwrap());
    let reply = app
        .send(post(
            "/api/v1/users/me/open-data",
            json!({"encrypted_data": encrypted, "iv": iv}),
        ))
        .await;
    assert_eq!(reply.assert_ok(200)["stepInfoList"][0]["step"], 8000);
    let foreign = json!({"step": 1, "watermark": {"timestamp": 1, "appid": "wx-someone-else"}});
    let (encrypted, iv) = encrypt_open_data(&session_key, &serde_json::to_vec(&foreign).unwrap());
    app.send(post(
        "/api/v1/users/me/open-data",
        json!({"encrypted_data": encrypted, "iv": iv}),
    ))
    .await
    .assert_error(403, 40303);
    app.send(post(
        "/api/v1/users/me/open-data",
        json!({"encrypted_data": "bm90IHJlYWw=", "iv": iv}),
    ))
    .await
    .assert_error(400, 40000);

    // Login-state signature: hmac_sha256(session_key, buffer).
    let buffer = r#"{"order":42}"#;
    let signature = minibase_wechat::login_state_signature(&session_key, buffer.as_bytes());
    let ok = app
        .send(post(
            "/api/v1/users/me/verify-signature",
            json!({"buffer": buffer, "signature": signature}),
        ))
        .await;
    assert_eq!(ok.assert_ok(200)["valid"], true);
    app.send(post(
        "/api/v1/users/me/verify-signature",
        json!({"buffer": "tampered", "signature": signature}),
    ))
    .await
    .assert_error(403, 40304);
    app.send(post(
        "/api/v1/users/me/verify-signature",
        json!({"signature": signature}),
    ))
    .await
    .assert_error(422, 42200);
}

#[tokio::test]
async fn login_is_rate_limited_per_ip_and_forwarded_for_needs_a_trusted_proxy() {
    let app = TestApp::spawn_with(Backend::Sqlite, "login_rate_limit", |raw| {
        raw.auth.login_rate_per_ip = 3;
        raw.auth.login_rate_per_openid = 0;
    })
    .await
    .unwrap();
    for i in 0..3 {
        login(&app, &format!("ivan:{i}")).await.assert_ok(200);
    }
    // X-Forwarded-For from an untrusted peer is ignored: still the same client.
    let spoofed = app
        .send(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("x-forwarded-for", "203.0.113.9")
                .json(&json!({"code": "ivan:9"})),
        )
        .await;
    spoofed.assert_error(429, 42900);
    let retry_after: u64 = spoofed.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));

    // Behind a trusted proxy, each forwarded client has its own budget.
    let proxied = TestApp::spawn_with(Backend::Sqlite, "login_rate_limit_proxy", |raw| {
        raw.auth.login_rate_per_ip = 1;
        raw.auth.login_rate_per_openid = 0;
        raw.trusted_proxies = minibase::config::StringList::Csv("127.0.0.1".into());
    })
    .await
    .unwrap();
    let from = |ip: &'static str, code: &'static str| {
        proxied
            .client
            .post(proxied.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"code": code}))
    };
    proxied
        .send(from("198.51.100.1", "judy:1"))
        .await
        .assert_ok(200);
    proxied
        .send(from("198.51.100.2", "judy:2"))
        .await
        .assert_ok(200);
    proxied
        .send(from("198.51.100.1", "judy:3"))
        .await
        .assert_error(429, 42900);
}

#[tokio::test]
async fn login_rate_limit_per_openid_and_can_be_turned_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, "login_rate_openid", |raw| {
        raw.auth.login_rate_per_ip = 0;
        raw.auth.login_rate_per_openid = 2;
    })
    .await
    .unwrap();
    login(&app, "kim:1").await.assert_ok(200);
    login(&app, "kim:2").await.assert_ok(200);
    login(&app, "kim:3").await.assert_error(429, 42900);
    // Another user is not affected; with the per-IP limit off, one IP may log in many users.
    for i in 0..10 {
        login(&app, &format!("user{i}")).await.assert_ok(200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_sharing_redis_hold_one_access_token() {
    let test = "two_nodes_sharing_redis_hold_one_access_token";
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    // A standalone mock WeChat, as a real deployment would reach WeChat.
    let appid = format!(
        "wx-shared-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mock = MockWechat::new(MockConfig {
        appid: appid.clone(),
        ..MockConfig::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mock_addr = listener.local_addr().unwrap();
    let server = mock.clone();
    tokio::spawn(async move { server.serve(listener).await });
    let configure = |raw: &mut minibase::config::RawConfig| {
        raw.redis_url = Some(redis_url.clone());
        raw.wechat_appid = Some(appid.clone());
        raw.wechat_secret = Some(mock.config().secret.clone());
        raw.wechat_api_base = format!("http://{mock_addr}");
    };
    let a = TestApp::spawn_with(Backend::Sqlite, test, configure)
        .await
        .unwrap();
    let b = TestApp::spawn_with(Backend::Sqlite, test, configure)
        .await
        .unwrap();
    let ta = login_ok(&a, "lena").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let tb = login_ok(&b, "lena").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Both nodes call an access-token API many times, concurrently.
    let mut calls = Vec::new();
    for i in 0..10 {
        let (node, token) = if i % 2 == 0 { (&a, &ta) } else { (&b, &tb) };
        calls.push(
            node.send(
                node.client
                    .post(node.url("/api/v1/users/me/phone"))
                    .bearer_auth(token)
                    .json(&json!({"code": format!("p{i}")})),
            ),
        );
    }
    for reply in futures::future::join_all(calls).await {
        reply.assert_ok(200);
    }
    let stats = mock.stats();
    assert_eq!(
        stats.stable_token, 1,
        "one token fetched for both nodes: {stats:?}"
    );
    assert_eq!(stats.phone, 10);
    assert_eq!(
        stats.token_rejections, 0,
        "no node invalidated the other's token"
    );
}

/// Two nodes on one PostgreSQL database and one Redis: refreshes with one token spread over both
/// all succeed with one new refresh token; a replay after the grace, on either node, ends the
/// session on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_refreshes_across_two_nodes_keep_the_session() {
    let test = "parallel_refreshes_across_two_nodes_keep_the_session";
    let Some(redis_url) = common::redis_url(test) else {
        return;
    };
    let Some(db) = common::TestDatabase::create(Backend::Postgres, test).await else {
        return;
    };
    let db = std::sync::Arc::new(db);
    let node = |db: std::sync::Arc<common::TestDatabase>| {
        let mut raw = common::test_config(&db.url);
        raw.redis_url = Some(redis_url.clone());
        TestApp::start(raw, Backend::Postgres, Some(db), |routes| routes)
    };
    let a = node(db.clone()).await;
    let b = node(db.clone()).await;
    let start = login_ok(&a, "nora").await;
    let token = str_of(&start, "refresh_token");
    let replies = futures::future::join_all(
        (0..10).map(|i| refresh(if i % 2 == 0 { &a } else { &b }, token)),
    )
    .await;
    let pairs: Vec<Value> = replies.iter().map(|r| r.assert_ok(200).clone()).collect();
    let next = str_of(&pairs[0], "refresh_token");
    for pair in &pairs {
        assert_eq!(str_of(pair, "refresh_token"), next);
        for node in [&a, &b] {
            node.get_auth("/api/v1/users/me", str_of(pair, "token"))
                .await
                .assert_ok(200);
        }
    }

    age_last_refresh(&a, next, 60).await;
    refresh(&b, token).await.assert_error(401, 40107);
    // Node a cached the session as live; the revocation reaches it through Redis.
    let access = str_of(&pairs[0], "token");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let reply = a.get_auth("/api/v1/users/me", access).await;
        if reply.status == 401 {
            reply.assert_error(401, 40104);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "node a still accepts a revoked session: {}",
            reply.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    refresh(&a, next).await.assert_error(401, 40106);
}

/// `jwt_refresh_grace_secs = 0`: the token just replaced is reuse at once.
#[tokio::test]
async fn refresh_grace_can_be_turned_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, "no_grace", |raw| {
        raw.auth.jwt_refresh_grace_secs = 0;
    })
    .await
    .unwrap();
    let start = login_ok(&app, "strict").await;
    let token = str_of(&start, "refresh_token");
    refresh(&app, token).await.assert_ok(200);
    refresh(&app, token).await.assert_error(401, 40107);
}
