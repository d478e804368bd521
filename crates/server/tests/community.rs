//! The community over HTTP on every backend: files, posts, feeds, comments, likes, follows,
//! notifications, content safety with WeChat's callbacks, reports and moderation; bad input;
//! and a fixed number of queries per feed page.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, Reply, TestApp};
use minibase::users::model::Role;
use serde_json::{json, Value};

/// A PNG header of the given size (imagesize reads only the header).
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

async fn upload(app: &TestApp, token: &str, bytes: &[u8], filename: &str) -> Reply {
    let boundary = "minibase-test-boundary";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
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

async fn moderator_token(app: &TestApp) -> String {
    common::staff_token(app, Role::Moderator).await
}

async fn post(app: &TestApp, token: &str, body: Value) -> Reply {
    app.send(
        app.client
            .post(app.url("/api/v1/posts"))
            .bearer_auth(token)
            .json(&body),
    )
    .await
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

async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The image-check jobs ran (the trace ids are stored, so callbacks find them).
async fn media_jobs_done(app: &TestApp) -> bool {
    let jobs = minibase::store::jobs::repo::by_kind(
        &app.state.db,
        minibase::community::safety::MEDIA_CHECK_JOB,
    )
    .await
    .unwrap();
    !jobs.is_empty() && jobs.iter().all(|j| j.status == "done")
}

fn configure(raw: &mut minibase::config::RawConfig) {
    raw.community.posts_per_minute = 0;
    raw.community.comments_per_minute = 0;
}

async fn publish_browse_like_comment_follow(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn_with(backend, test, configure).await else {
        return;
    };
    let (alice, alice_token) = login(&app, "c-alice").await;
    let (bob, bob_token) = login(&app, "c-bob").await;

    // A text post is published at once; the contract's shape.
    let created = post(
        &app,
        &alice_token,
        json!({"content": "第一条动态 hello", "topics": ["#Travel", "food"]}),
    )
    .await;
    let first = created.assert_ok(201).clone();
    assert_eq!(first["status"], "published");
    assert_eq!(first["author"]["id"], alice);
    assert_eq!(first["topics"], json!(["travel", "food"]));
    assert_eq!(first["like_count"], 0);
    assert_eq!(first["comment_count"], 0);
    let first_id = first["id"].as_i64().unwrap();

    // An image post waits for WeChat's image check.
    let file = upload(&app, &alice_token, &png(640, 480), "../../etc/passwd.png").await;
    let file = file.assert_ok(201).clone();
    assert_eq!(file["content_type"], "image/png");
    assert_eq!(file["width"], 640);
    let file_url = file["url"].as_str().unwrap().to_string();
    assert!(
        !file_url.contains("passwd"),
        "names are generated, never the client's"
    );
    let served = app.client.get(&file_url).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(served.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        png(640, 480).as_slice()
    );
    app.get("/files/20260101-nothing.png")
        .await
        .assert_error(404, 40401);

    let with_image = post(
        &app,
        &alice_token,
        json!({"content": "看看这张图", "images": [file["id"]], "topics": ["travel"]}),
    )
    .await;
    let with_image = with_image.assert_ok(201).clone();
    assert_eq!(with_image["status"], "pending");
    assert_eq!(with_image["images"][0]["url"], file_url.as_str());
    let image_post = with_image["id"].as_i64().unwrap();
    // Not in feeds, not visible to others; visible to its author.
    let feed = app.get("/api/v1/posts").await;
    assert_eq!(feed.assert_ok(200)["items"].as_array().unwrap().len(), 1);
    app.get_auth(&format!("/api/v1/posts/{image_post}"), &bob_token)
        .await
        .assert_error(404, 40401);
    assert_eq!(
        app.get_auth(&format!("/api/v1/posts/{image_post}"), &alice_token)
            .await
            .assert_ok(200)["status"],
        "pending"
    );
    // WeChat's callback (through the mock, signed with the push token) publishes it.
    let mock = app.state.wechat.mock().unwrap().clone();
    until("the image check submitted", || async {
        media_jobs_done(&app).await
    })
    .await;
    let trace = mock.media_checks()[0].trace_id.clone();
    assert_eq!(mock.media_checks()[0].media_url, file_url);
    let status = mock
        .deliver_media_callback(&trace, &app.url("/api/v1/wechat/callback"), false)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        app.get(&format!("/api/v1/posts/{image_post}"))
            .await
            .assert_ok(200)["status"],
        "published"
    );
    // A forged callback is refused.
    let forged = app
        .send(
            app.client
                .post(app.url("/api/v1/wechat/callback?signature=00&timestamp=1&nonce=2"))
                .json(&json!({"Event": "wxa_media_check"})),
        )
        .await;
    forged.assert_error(403, 40304);

    // Latest feed, newest first, with authors; pages with a cursor.
    for i in 0..3 {
        post(
            &app,
            &bob_token,
            json!({"content": format!("bob post {i}")}),
        )
        .await
        .assert_ok(201);
    }
    let page = app.get("/api/v1/posts?limit=2").await;
    let page = page.assert_ok(200).clone();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["content"], "bob post 2");
    assert_eq!(page["items"][0]["author"]["id"], bob);
    let mut seen: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    let mut cursor = page["next_cursor"].as_str().map(String::from);
    while let Some(c) = cursor {
        let next = app.get(&format!("/api/v1/posts?limit=2&cursor={c}")).await;
        let next = next.assert_ok(200).clone();
        seen.extend(
            next["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_i64().unwrap()),
        );
        cursor = next["next_cursor"].as_str().map(String::from);
    }
    assert_eq!(seen.len(), 5, "every published post once");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");

    // Topic and author feeds.
    let travel = app.get("/api/v1/posts?topic=travel").await;
    let ids: Vec<i64> = travel.assert_ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![image_post, first_id]);
    let by_bob = app.get(&format!("/api/v1/users/{bob}/posts")).await;
    assert_eq!(by_bob.assert_ok(200)["items"].as_array().unwrap().len(), 3);

    // Likes are idempotent and the count equals the rows.
    for _ in 0..2 {
        let liked = send(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/posts/{first_id}/like"),
            &bob_token,
            None,
        )
        .await;
        assert_eq!(liked.assert_ok(200)["like_count"], 1);
    }
    let seen_by_bob = app
        .get_auth(&format!("/api/v1/posts/{first_id}"), &bob_token)
        .await;
    assert_eq!(seen_by_bob.assert_ok(200)["liked_by_me"], true);
    assert_eq!(
        app.get(&format!("/api/v1/posts/{first_id}"))
            .await
            .assert_ok(200)["liked_by_me"],
        false
    );
    let unliked = send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{first_id}/like"),
        &bob_token,
        None,
    )
    .await;
    assert_eq!(unliked.assert_ok(200)["like_count"], 0);
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{first_id}/like"),
        &bob_token,
        None,
    )
    .await
    .assert_ok(200);
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{first_id}/like"),
        &bob_token,
        None,
    )
    .await
    .assert_ok(200);
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/posts/999999/like",
        &bob_token,
        None,
    )
    .await
    .assert_error(404, 40401);

    // Hot: the liked post outranks newer unliked ones only by enough; ranks are ordered.
    let hot = app.get("/api/v1/posts/hot?limit=10").await;
    assert_eq!(hot.assert_ok(200)["items"].as_array().unwrap().len(), 5);

    // Comments and replies, with notifications.
    let comment = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{first_id}/comments"),
        &bob_token,
        Some(json!({"content": "写得好"})),
    )
    .await;
    let comment_id = comment.assert_ok(201)["id"].as_i64().unwrap();
    let reply = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{first_id}/comments"),
        &alice_token,
        Some(json!({"content": "谢谢", "parent_id": comment_id})),
    )
    .await;
    let reply = reply.assert_ok(201).clone();
    assert_eq!(reply["parent_id"], comment_id);
    assert_eq!(reply["reply_to_user_id"], bob);
    let post_now = app.get(&format!("/api/v1/posts/{first_id}")).await;
    assert_eq!(post_now.assert_ok(200)["comment_count"], 2);
    // Engagement lifts the oldest post above the newer, quiet ones.
    let hot = app.get("/api/v1/posts/hot?limit=2").await;
    let hot = hot.assert_ok(200).clone();
    assert_eq!(hot["items"][0]["id"], first_id, "{hot}");
    let rest = app
        .get(&format!(
            "/api/v1/posts/hot?limit=10&cursor={}",
            hot["next_cursor"].as_str().unwrap()
        ))
        .await;
    let rest_ids: Vec<i64> = rest.assert_ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(rest_ids.len(), 3);
    assert!(!rest_ids.contains(&first_id));
    let roots = app.get(&format!("/api/v1/posts/{first_id}/comments")).await;
    assert_eq!(roots.assert_ok(200)["items"].as_array().unwrap().len(), 1);
    let thread = app
        .get(&format!("/api/v1/comments/{comment_id}/replies"))
        .await;
    assert_eq!(thread.assert_ok(200)["items"][0]["content"], "谢谢");
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/comments/{comment_id}/like"),
        &alice_token,
        None,
    )
    .await
    .assert_ok(200);
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{first_id}/comments"),
        &bob_token,
        Some(json!({"content": "x", "parent_id": 999999})),
    )
    .await
    .assert_error(422, 42200);
    // Deleting a comment keeps the count equal to the visible comments.
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/comments/{}", reply["id"]),
        &bob_token,
        None,
    )
    .await
    .assert_error(403, 40300);
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/comments/{}", reply["id"]),
        &alice_token,
        None,
    )
    .await
    .assert_ok(200);
    assert_eq!(
        app.get(&format!("/api/v1/posts/{first_id}"))
            .await
            .assert_ok(200)["comment_count"],
        1
    );

    // Follows: idempotent, the following feed, profiles.
    for _ in 0..2 {
        send(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/users/{alice}/follow"),
            &bob_token,
            None,
        )
        .await
        .assert_ok(200);
    }
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/users/{bob}/follow"),
        &bob_token,
        None,
    )
    .await
    .assert_error(422, 42200);
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/users/999999/follow",
        &bob_token,
        None,
    )
    .await
    .assert_error(404, 40401);
    let following = app.get_auth("/api/v1/feed/following", &bob_token).await;
    let authors: Vec<i64> = following.assert_ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["author"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(authors, vec![alice, alice]);
    let profile = app
        .get_auth(&format!("/api/v1/users/{alice}"), &bob_token)
        .await;
    let profile = profile.assert_ok(200);
    assert_eq!(profile["followers"], 1);
    assert_eq!(profile["posts"], 2);
    assert_eq!(profile["followed_by_me"], true);
    let followers = app.get(&format!("/api/v1/users/{alice}/followers")).await;
    assert_eq!(followers.assert_ok(200)["items"][0]["id"], bob);

    // Alice was told about the like, the comment and the follow; Bob about the reply.
    let notes = app
        .get_auth("/api/v1/notifications?limit=50", &alice_token)
        .await;
    let kinds: Vec<String> = notes.assert_ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect();
    for kind in ["like", "comment", "follow"] {
        assert!(kinds.contains(&kind.to_string()), "{kind} in {kinds:?}");
    }
    let bob_notes = app.get_auth("/api/v1/notifications", &bob_token).await;
    assert!(bob_notes.assert_ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "reply"));

    // Delete one's own post; it is gone for everyone; others cannot delete or edit it.
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{first_id}"),
        &bob_token,
        None,
    )
    .await
    .assert_error(403, 40300);
    send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{first_id}"),
        &bob_token,
        Some(json!({"content": "hijack"})),
    )
    .await
    .assert_error(403, 40300);
    let edited = send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{first_id}"),
        &alice_token,
        Some(json!({"content": "edited text"})),
    )
    .await;
    assert_eq!(edited.assert_ok(200)["content"], "edited text");
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{first_id}"),
        &alice_token,
        None,
    )
    .await
    .assert_ok(200);
    app.get(&format!("/api/v1/posts/{first_id}"))
        .await
        .assert_error(404, 40401);
    send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{first_id}"),
        &alice_token,
        Some(json!({"content": "again"})),
    )
    .await
    .assert_error(404, 40401);
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{first_id}/like"),
        &bob_token,
        None,
    )
    .await
    .assert_error(404, 40401);
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{first_id}/comments"),
        &bob_token,
        Some(json!({"content": "late"})),
    )
    .await
    .assert_error(404, 40401);
}

async fn bad_input_is_refused_and_writes_nothing(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn_with(backend, test, |raw| {
        raw.community.posts_per_minute = 7;
        raw.files.files_max_bytes = 64 * 1024;
    })
    .await
    else {
        return;
    };
    let (_, token) = login(&app, "bad-input").await;
    let (_, other) = login(&app, "bad-other").await;
    let count = || async {
        app.get("/api/v1/posts?limit=100").await.json["data"]["items"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
    };

    post(&app, &token, json!({"content": ""}))
        .await
        .assert_error(422, 42200);
    post(&app, &token, json!({"content": "   "}))
        .await
        .assert_error(422, 42200);
    post(&app, &token, json!({"content": "x".repeat(2001)}))
        .await
        .assert_error(422, 42200);
    post(&app, &token, json!({})).await.assert_error(422, 42200);
    post(
        &app,
        &token,
        json!({"content": "ok", "images": [1,2,3,4,5,6,7,8,9,10]}),
    )
    .await
    .assert_error(422, 42200);
    post(&app, &token, json!({"content": "ok", "topics": ["a b"]}))
        .await
        .assert_error(422, 42200);
    post(
        &app,
        &token,
        json!({"content": "ok", "topics": ["a","b","c","d","e","f"]}),
    )
    .await
    .assert_error(422, 42200);
    // Someone else's image.
    let foreign = upload(&app, &other, &png(10, 10), "x.png").await;
    let foreign_id = foreign.assert_ok(201)["id"].as_i64().unwrap();
    let reply = post(
        &app,
        &token,
        json!({"content": "ok", "images": [foreign_id]}),
    )
    .await;
    reply.assert_error(422, 42200);
    assert!(reply.json["message"]
        .as_str()
        .unwrap()
        .starts_with("images[0]"));
    // Risky text (the mock flags "forbidden") is refused by the content check.
    let risky = post(&app, &token, json!({"content": "this is forbidden stuff"})).await;
    risky.assert_error(422, 42210);
    assert_eq!(count().await, 0, "nothing written");

    // Files: not an image, too large, too many pixels, no file part, not multipart.
    upload(&app, &token, b"GIF-but-not-really: plain text", "a.gif")
        .await
        .assert_error(415, 41500);
    upload(&app, &token, &vec![0xFF; 70 * 1024], "big.jpg")
        .await
        .assert_error(413, 41300);
    upload(&app, &token, &png(10_000, 10_000), "huge.png")
        .await
        .assert_error(422, 42200);
    let no_file = app
        .send(
            app.client
                .post(app.url("/api/v1/files"))
                .bearer_auth(&token)
                .header("content-type", "multipart/form-data; boundary=b")
                .body(
                    "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nhello\r\n--b--\r\n",
                ),
        )
        .await;
    no_file.assert_error(400, 40000);
    app.send(
        app.client
            .post(app.url("/api/v1/files"))
            .bearer_auth(&token)
            .json(&json!({})),
    )
    .await
    .assert_error(415, 41500);
    upload(&app, "not-a-token", &png(1, 1), "a.png")
        .await
        .assert_error(401, 40101);

    // The same text twice within the window; then the posting rate limit.
    post(&app, &token, json!({"content": "hello world"}))
        .await
        .assert_ok(201);
    post(&app, &token, json!({"content": "Hello   World"}))
        .await
        .assert_error(409, 40950);
    // Every attempt counts toward the limit (the refused ones too): 3 so far.
    for i in 0..4 {
        post(&app, &token, json!({"content": format!("post {i}")}))
            .await
            .assert_ok(201);
    }
    let limited = post(&app, &token, json!({"content": "one too many"})).await;
    limited.assert_error(429, 42900);
    assert!(limited.header("retry-after").is_some());

    // Feed parameters.
    app.get("/api/v1/posts?limit=0")
        .await
        .assert_error(400, 40002);
    app.get("/api/v1/posts?limit=101")
        .await
        .assert_error(400, 40002);
    app.get("/api/v1/posts?limit=abc")
        .await
        .assert_error(400, 40002);
    app.get("/api/v1/posts?cursor=AAAA")
        .await
        .assert_error(400, 40003);
    app.get("/api/v1/posts?cursor=%25%25")
        .await
        .assert_error(400, 40003);
    app.get("/api/v1/posts/hot?cursor=MTIz")
        .await
        .assert_error(400, 40003);
    app.get("/api/v1/posts/999999")
        .await
        .assert_error(404, 40401);
    let not_an_id = app.get("/api/v1/posts/abc").await;
    not_an_id.assert_error(400, 40000);
    assert_eq!(not_an_id.json["message"], "id: 'abc' is not an integer");
    app.get("/api/v1/posts/0").await.assert_error(404, 40401);
    app.get("/api/v1/feed/following")
        .await
        .assert_error(401, 40100);
    app.send(
        app.client
            .post(app.url("/api/v1/posts"))
            .json(&json!({"content": "anon"})),
    )
    .await
    .assert_error(401, 40100);
}

async fn moderation_queue_reports_and_audit(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn_with(backend, test, configure).await else {
        return;
    };
    let (author, author_token) = login(&app, "m-author").await;
    let (_, reader_token) = login(&app, "m-reader").await;
    let moderator = moderator_token(&app).await;
    let mock = app.state.wechat.mock().unwrap().clone();

    // Text WeChat wants reviewed waits in the queue.
    let held = post(&app, &author_token, json!({"content": "a borderline joke"})).await;
    let held = held.assert_ok(201).clone();
    assert_eq!(held["status"], "pending");
    let queue = app
        .get_auth("/api/v1/admin/moderation/posts", &moderator)
        .await;
    assert_eq!(queue.assert_ok(200)["items"][0]["id"], held["id"]);
    app.get_auth("/api/v1/admin/moderation/posts", &reader_token)
        .await
        .assert_error(403, 40300);
    let approve = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/moderation/posts/{}/decision", held["id"]),
        &moderator,
        Some(json!({"approve": true})),
    )
    .await;
    approve.assert_ok(200);
    assert_eq!(
        app.get(&format!("/api/v1/posts/{}", held["id"]))
            .await
            .assert_ok(200)["status"],
        "published"
    );
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/moderation/posts/{}/decision", held["id"]),
        &moderator,
        Some(json!({"approve": true})),
    )
    .await
    .assert_error(409, 40900);

    // A risky image blocks its post.
    let file = upload(&app, &author_token, &png(8, 8), "x.png").await;
    let image_post = post(
        &app,
        &author_token,
        json!({"content": "pic", "images": [file.assert_ok(201)["id"]]}),
    )
    .await;
    let image_post = image_post.assert_ok(201)["id"].as_i64().unwrap();
    until("image check submitted", || async {
        media_jobs_done(&app).await
    })
    .await;
    let trace = mock.media_checks().last().unwrap().trace_id.clone();
    mock.deliver_media_callback(&trace, &app.url("/api/v1/wechat/callback"), true)
        .await
        .unwrap();
    // A repeated callback changes nothing.
    mock.deliver_media_callback(&trace, &app.url("/api/v1/wechat/callback"), false)
        .await
        .unwrap();
    let blocked = app
        .get_auth(&format!("/api/v1/posts/{image_post}"), &author_token)
        .await;
    assert_eq!(blocked.assert_ok(200)["status"], "blocked");
    app.get(&format!("/api/v1/posts/{image_post}"))
        .await
        .assert_error(404, 40401);

    // A report, a removal with a ban, and the audit log.
    let reported = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/reports",
        &reader_token,
        Some(json!({"target_type": "post", "target_id": held["id"], "reason": "spam"})),
    )
    .await;
    let report_id = reported.assert_ok(201)["id"].as_i64().unwrap();
    let again = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/reports",
        &reader_token,
        Some(json!({"target_type": "post", "target_id": held["id"], "reason": "spam!"})),
    )
    .await;
    assert_eq!(
        again.assert_ok(201)["id"],
        report_id,
        "one open report per reporter and target"
    );
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/reports",
        &reader_token,
        Some(json!({"target_type": "post", "target_id": 999999, "reason": "x"})),
    )
    .await
    .assert_error(404, 40401);
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/reports",
        &reader_token,
        Some(json!({"target_type": "user", "target_id": 1, "reason": "x"})),
    )
    .await
    .assert_error(422, 42200);
    let open = app
        .get_auth("/api/v1/admin/moderation/reports", &moderator)
        .await;
    assert_eq!(open.assert_ok(200)["items"][0]["id"], report_id);
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/moderation/posts/{}/decision", held["id"]),
        &moderator,
        Some(json!({"approve": false})),
    )
    .await
    .assert_error(422, 42200);
    let removed = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/moderation/posts/{}/decision", held["id"]),
        &moderator,
        Some(json!({"approve": false, "reason": "spam", "ban_author": true})),
    )
    .await;
    removed.assert_ok(200);
    app.get(&format!("/api/v1/posts/{}", held["id"]))
        .await
        .assert_error(404, 40401);
    app.get_auth("/api/v1/users/me", &author_token)
        .await
        .assert_error(401, 40104);
    app.post_json("/api/v1/auth/login", &json!({"code": "m-author:2"}))
        .await
        .assert_error(403, 40301);
    let resolved = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/moderation/reports/{report_id}/resolve"),
        &moderator,
        Some(json!({"resolution": "removed"})),
    )
    .await;
    assert_eq!(resolved.assert_ok(200)["status"], "resolved");
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/moderation/reports/{report_id}/resolve"),
        &moderator,
        Some(json!({"resolution": "again"})),
    )
    .await
    .assert_error(409, 40900);

    let audit = app
        .get_auth("/api/v1/admin/moderation/audit?limit=50", &moderator)
        .await;
    let actions: Vec<(String, String)> = audit.assert_ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["actor"].as_str().unwrap().to_string(),
                a["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in ["review", "approve", "block", "remove", "ban", "resolve"] {
        assert!(
            actions.iter().any(|(_, a)| a == expected),
            "{expected} in {actions:?}"
        );
    }
    assert!(actions
        .iter()
        .any(|(actor, a)| actor == "wechat" && a == "block"));
    let on_post = app
        .get_auth(
            &format!(
                "/api/v1/admin/moderation/audit?target_type=post&target_id={}",
                held["id"]
            ),
            &moderator,
        )
        .await;
    assert_eq!(
        on_post.assert_ok(200)["items"].as_array().unwrap().len(),
        3,
        "review, approve, remove"
    );
    let _ = author;
}

async fn concurrent_likes_count_exactly(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn_with(backend, test, configure).await else {
        return;
    };
    let (_, author) = login(&app, "like-author").await;
    let id = post(&app, &author, json!({"content": "like me"}))
        .await
        .assert_ok(201)["id"]
        .as_i64()
        .unwrap();
    let mut tokens = Vec::new();
    for i in 0..20 {
        tokens.push(login(&app, &format!("liker-{i}")).await.1);
    }
    // Everyone likes twice at once, and half take it back at once.
    let path = format!("/api/v1/posts/{id}/like");
    let likes = tokens
        .iter()
        .chain(tokens.iter())
        .map(|t| send(&app, reqwest::Method::POST, &path, t, None));
    for reply in futures::future::join_all(likes).await {
        reply.assert_ok(200);
    }
    assert_eq!(
        app.get(&format!("/api/v1/posts/{id}")).await.assert_ok(200)["like_count"],
        20
    );
    let unlikes = tokens
        .iter()
        .take(10)
        .map(|t| send(&app, reqwest::Method::DELETE, &path, t, None));
    for reply in futures::future::join_all(unlikes).await {
        reply.assert_ok(200);
    }
    assert_eq!(
        app.get(&format!("/api/v1/posts/{id}")).await.assert_ok(200)["like_count"],
        10
    );
    let notes = app
        .get_auth("/api/v1/notifications/unread-count", &author)
        .await;
    assert_eq!(
        notes.assert_ok(200)["unread"],
        20,
        "one like notification per user, not per request"
    );
}

on_every_backend!(
    concurrent_likes_count_exactly,
    publish_browse_like_comment_follow,
    bad_input_is_refused_and_writes_nothing,
    moderation_queue_reports_and_audit,
);

#[tokio::test]
async fn a_feed_page_costs_the_same_queries_whatever_its_length() {
    let app = TestApp::spawn_with(Backend::Sqlite, "feed_query_count", |raw| {
        configure(raw);
        raw.jobs_concurrency = 0;
    })
    .await
    .unwrap();
    let mut tokens = Vec::new();
    for i in 0..6 {
        tokens.push(login(&app, &format!("q-author-{i}")).await.1);
    }
    for i in 0..30 {
        post(
            &app,
            &tokens[i % 6],
            json!({"content": format!("post number {i}")}),
        )
        .await
        .assert_ok(201);
    }
    let viewer = &tokens[0];
    send(
        &app,
        reqwest::Method::POST,
        "/api/v1/posts/1/like",
        viewer,
        None,
    )
    .await
    .assert_ok(200);
    // Warm the session cache so only the page's own queries are counted.
    app.get_auth("/api/v1/posts?limit=1", viewer)
        .await
        .assert_ok(200);
    let mut counts = Vec::new();
    for limit in [2, 10, 30] {
        let before = app.state.queries.get();
        let page = app
            .get_auth(&format!("/api/v1/posts?limit={limit}"), viewer)
            .await;
        assert_eq!(
            page.assert_ok(200)["items"].as_array().unwrap().len(),
            limit
        );
        counts.push(app.state.queries.get() - before);
    }
    assert!(
        counts.iter().all(|c| *c == counts[0]),
        "queries per page by length 2/10/30: {counts:?}"
    );
    assert_eq!(
        counts[0], 1,
        "the page from the cache, the reader's likes from the database"
    );
    let before = app.state.queries.get();
    let cached = app.get("/api/v1/posts?limit=30").await;
    assert_eq!(cached.assert_ok(200)["items"].as_array().unwrap().len(), 30);
    assert_eq!(
        app.state.queries.get(),
        before,
        "anonymous: the first page comes from the cache"
    );

    // A later page: one query for its posts and authors on the first read, then from the cache;
    // the reader's likes are read each time.
    let first = app.get_auth("/api/v1/posts?limit=10", viewer).await;
    let cursor = first.assert_ok(200)["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let later = format!("/api/v1/posts?limit=20&cursor={cursor}");
    let before = app.state.queries.get();
    let page = app.get_auth(&later, viewer).await;
    let items = page.assert_ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 20);
    assert_eq!(
        app.state.queries.get() - before,
        2,
        "posts with authors, likes"
    );
    let oldest = items.last().unwrap();
    assert_eq!(
        (oldest["id"].as_i64(), oldest["liked_by_me"].as_bool()),
        (Some(1), Some(true))
    );
    let before = app.state.queries.get();
    app.get_auth(&later, viewer).await.assert_ok(200);
    assert_eq!(app.state.queries.get() - before, 1, "likes only");
    let before = app.state.queries.get();
    let anonymous = app.get(&later).await;
    assert_eq!(anonymous.assert_ok(200)["items"][19]["liked_by_me"], false);
    assert_eq!(app.state.queries.get(), before, "anonymous: nothing");
}

/// The cached anonymous first page of the latest feed never shows what changed.
#[tokio::test]
async fn the_cached_anonymous_feed_follows_every_change() {
    let app = TestApp::spawn_with(Backend::Sqlite, "feed_cache", configure)
        .await
        .unwrap();
    let (_, alice) = login(&app, "fc-alice").await;
    let (_, bob) = login(&app, "fc-bob").await;
    let first_page = || async {
        let reply = app.get("/api/v1/posts?limit=2").await;
        reply.assert_ok(200).clone()
    };
    assert_eq!(first_page().await["items"], json!([]));

    let mut ids = Vec::new();
    for i in 0..3 {
        let created = post(&app, &alice, json!({"content": format!("cached post {i}")})).await;
        ids.push(created.assert_ok(201)["id"].as_i64().unwrap());
        assert_eq!(
            first_page().await["items"][0]["id"],
            ids[i],
            "a new post is on the first page at once"
        );
    }
    let page = first_page().await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next_cursor"].as_str().expect("a cursor").to_string();
    let next = app
        .get(&format!("/api/v1/posts?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(next.assert_ok(200)["items"][0]["id"], ids[0]);
    assert_eq!(next.json["data"]["next_cursor"], Value::Null);

    let newest = ids[2];
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{newest}/like"),
        &bob,
        None,
    )
    .await
    .assert_ok(200);
    assert_eq!(first_page().await["items"][0]["like_count"], 1, "likes");
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{newest}/comments"),
        &bob,
        Some(json!({"content": "nice"})),
    )
    .await
    .assert_ok(201);
    assert_eq!(
        first_page().await["items"][0]["comment_count"],
        1,
        "comments"
    );
    app.send(
        app.client
            .patch(app.url("/api/v1/users/me"))
            .bearer_auth(&alice)
            .json(&json!({"nickname": "Alice Renamed"})),
    )
    .await
    .assert_ok(200);
    assert_eq!(
        first_page().await["items"][0]["author"]["nickname"],
        "Alice Renamed",
        "authors' profiles"
    );
    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{newest}"),
        &alice,
        None,
    )
    .await
    .assert_ok(200);
    assert_eq!(first_page().await["items"][0]["id"], ids[1], "deletions");
}

/// Later pages of the latest feed are cached as well: an edit, a deletion, a moderator's removal
/// and an author's new profile leave every page at once, and each reader sees their own likes.
#[tokio::test]
async fn cached_later_feed_pages_drop_what_changed_at_once() {
    let app = TestApp::spawn_with(Backend::Sqlite, "feed_cache_later", configure)
        .await
        .unwrap();
    let (_, alice) = login(&app, "fl-alice").await;
    let (_, bob) = login(&app, "fl-bob").await;
    let moderator = moderator_token(&app).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let created = post(&app, &alice, json!({"content": format!("older post {i}")})).await;
        ids.push(created.assert_ok(201)["id"].as_i64().unwrap());
    }
    let first = app.get("/api/v1/posts?limit=2").await;
    let cursor = first.assert_ok(200)["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let later_path = format!("/api/v1/posts?limit=3&cursor={cursor}");
    let later = |token: Option<String>| {
        let path = later_path.clone();
        let app = &app;
        async move {
            let reply = match token {
                Some(token) => app.get_auth(&path, &token).await,
                None => app.get(&path).await,
            };
            reply.assert_ok(200)["items"].as_array().unwrap().clone()
        }
    };
    let ids_of = |items: &[Value]| {
        items
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids_of(&later(None).await), vec![ids[2], ids[1], ids[0]]);

    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/posts/{}/like", ids[1]),
        &bob,
        None,
    )
    .await
    .assert_ok(200);
    let seen_by_bob = later(Some(bob.clone())).await;
    assert_eq!(
        seen_by_bob[1]["liked_by_me"], true,
        "the reader's own like, at once"
    );
    assert_eq!(
        later(Some(alice.clone())).await[1]["liked_by_me"],
        false,
        "not another's"
    );

    send(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/posts/{}", ids[2]),
        &alice,
        Some(json!({"content": "edited text"})),
    )
    .await
    .assert_ok(200);
    assert_eq!(later(None).await[0]["content"], "edited text", "edits");

    app.send(
        app.client
            .patch(app.url("/api/v1/users/me"))
            .bearer_auth(&alice)
            .json(&json!({"nickname": "Alice Later"})),
    )
    .await
    .assert_ok(200);
    assert_eq!(
        later(None).await[0]["author"]["nickname"],
        "Alice Later",
        "profiles"
    );

    send(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/posts/{}", ids[1]),
        &alice,
        None,
    )
    .await
    .assert_ok(200);
    assert_eq!(
        ids_of(&later(None).await),
        vec![ids[2], ids[0]],
        "deletions"
    );

    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/moderation/posts/{}/decision", ids[0]),
        &moderator,
        Some(json!({"approve": false, "reason": "spam"})),
    )
    .await
    .assert_ok(200);
    assert_eq!(
        ids_of(&later(Some(bob)).await),
        vec![ids[2]],
        "removals by moderators"
    );
}

#[tokio::test]
async fn when_wechat_is_unreachable_the_fallback_policy_decides() {
    for (policy, expected) in [("hold", "checking"), ("publish", "published")] {
        let app = TestApp::spawn_with(Backend::Sqlite, "moderation_fallback", |raw| {
            configure(raw);
            raw.community.moderation_fallback = policy.into();
            // WeChat at a closed port: every content check fails to connect.
            raw.wechat_appid = Some("wx-unreachable".into());
            raw.wechat_secret = Some("secret".into());
            raw.wechat_api_base = "http://127.0.0.1:9".into();
            raw.wechat_timeout_secs = 1;
        })
        .await
        .unwrap();
        // Login needs WeChat too, so the user and token are made directly.
        let user = minibase::users::service::upsert_login(
            &app.state.db,
            "fallback-openid",
            None,
            "c2Vzc2lvbmtleTEyMzQ1Ng==",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let keys = &app.state.config.jwt.keys;
        let claims = keys.new_claims(
            minibase::auth::jwt::SubjectKind::User,
            user.id,
            "user",
            0,
            None,
            Duration::from_secs(600),
        );
        let token = keys.sign(&claims).unwrap();
        let created = post(&app, &token, json!({"content": "while WeChat is down"})).await;
        assert_eq!(
            created.assert_ok(201)["status"],
            expected,
            "policy {policy}"
        );
        let jobs = minibase::store::jobs::repo::by_kind(
            &app.state.db,
            minibase::community::safety::RECHECK_JOB,
        )
        .await
        .unwrap();
        assert_eq!(
            jobs.len(),
            usize::from(policy == "publish"),
            "a recheck is queued only when publishing unchecked text"
        );
    }
}

#[tokio::test]
async fn two_nodes_sharing_redis_refuse_one_duplicate_and_count_one_limit() {
    let test = "two_nodes_sharing_redis_refuse_one_duplicate_and_count_one_limit";
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
        raw.community.posts_per_minute = 3;
        TestApp::start(raw, Backend::Postgres, Some(db), |routes| routes)
    };
    let a = node(db.clone()).await;
    let b = node(db.clone()).await;
    let (user, token_a) = login(&a, "shared-poster").await;
    let (same_user, token_b) = login(&b, "shared-poster").await;
    assert_eq!(user, same_user);
    // A fresh database starts its ids at 1: clear this user's counters from earlier runs.
    let mut redis = a.state.redis.as_ref().unwrap().conn();
    let stale: Vec<String> = redis::cmd("KEYS")
        .arg(format!("mb:rl:posts:{user}:*"))
        .query_async(&mut redis)
        .await
        .unwrap();
    for key in stale {
        let _: () = redis::cmd("DEL")
            .arg(key)
            .query_async(&mut redis)
            .await
            .unwrap();
    }

    let text = format!("said once, on either node {}", uuid::Uuid::new_v4());
    post(&a, &token_a, json!({ "content": text }))
        .await
        .assert_ok(201);
    post(&b, &token_b, json!({ "content": text.to_uppercase() }))
        .await
        .assert_error(409, 40950);
    // Three hits so far across the two nodes; the limit is three a minute.
    post(
        &b,
        &token_b,
        json!({ "content": format!("another {text}") }),
    )
    .await
    .assert_ok(201);
    post(
        &a,
        &token_a,
        json!({ "content": format!("a third {text}") }),
    )
    .await
    .assert_error(429, 42900);
    assert_eq!(
        a.state.limiter.local_counters() + b.state.limiter.local_counters(),
        0,
        "with Redis up, nothing is counted on the nodes"
    );
}

/// PostgreSQL reads the latest feed through the index of published posts: posts not published
/// yet (waiting for their check, held for moderation) sit at the top of the primary key, and a
/// walk down it would pass every one of them on every page.
#[tokio::test]
async fn postgres_reads_the_latest_feed_through_the_index_of_published_posts() {
    let test = "feed_published_index";
    let Some(app) = TestApp::spawn_with(Backend::Postgres, test, |raw| {
        configure(raw);
        raw.cache_enabled = false;
    })
    .await
    else {
        return;
    };
    let (_, alice) = login(&app, "fi-alice").await;
    for i in 0..25 {
        post(
            &app,
            &alice,
            json!({"content": format!("indexed post {i}")}),
        )
        .await
        .assert_ok(201);
    }
    let scans = || async {
        use sea_orm::ConnectionTrait;
        let row = app
            .state
            .db
            .query_one(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT idx_scan AS n FROM pg_stat_user_indexes \
                 WHERE indexrelname = 'ix_posts_published_id'",
            ))
            .await
            .unwrap()
            .expect("the index of published posts exists");
        row.try_get::<i64>("", "n").unwrap()
    };
    let before = scans().await;
    let first = app.get("/api/v1/posts?limit=10").await;
    let cursor = first.assert_ok(200)["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..8 {
        let page = app
            .get(&format!("/api/v1/posts?limit=10&cursor={cursor}"))
            .await;
        assert_eq!(page.assert_ok(200)["items"].as_array().unwrap().len(), 10);
    }
    // The statistics collector reports a backend's counts at its next idle moment.
    until(
        "9 scans of ix_posts_published_id for 9 feed pages",
        || async { scans().await >= before + 9 },
    )
    .await;
}
