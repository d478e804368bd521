//! Collections over HTTP on every backend: defining and changing them (tables migrated, data
//! loss confirmed), access rules allowing and refusing each action, the query language (filters,
//! JSON conditions, sorts, keyset pages, field selection, expansion), bad input and injection
//! attempts.

mod common;

use common::{Backend, Reply, TestApp};
use minibase::users::model::Role;
use serde_json::{json, Value};

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

async fn call(
    app: &TestApp,
    method: &str,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    app.send(request).await
}

fn enc(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn todos_spec() -> Value {
    json!({
        "name": "todos",
        "fields": [
            {"name": "title", "type": "text", "required": true, "max_length": 100},
            {"name": "done", "type": "bool", "required": true, "default": false},
            {"name": "price", "type": "number"},
            {"name": "due", "type": "date"},
            {"name": "meta", "type": "json"},
            {"name": "owner", "type": "relation", "target": "users"},
            {"name": "category", "type": "relation", "target": "categories"},
            {"name": "cover", "type": "file"},
            {"name": "code", "type": "text", "unique": true, "max_length": 20}
        ],
        "indexes": [{"fields": ["done", "price"]}],
        "owner_field": "owner",
        "rules": {
            "list": "record.owner == auth.id",
            "view": "record.owner == auth.id",
            "create": "auth.id != null",
            "update": "record.owner == auth.id",
            "delete": "record.owner == auth.id"
        }
    })
}

fn categories_spec() -> Value {
    json!({
        "name": "categories",
        "fields": [
            {"name": "label", "type": "text", "required": true},
            {"name": "hidden", "type": "bool", "required": true, "default": false}
        ],
        "rules": {"list": "", "view": "record.hidden == false"}
    })
}

async fn define(app: &TestApp, admin: &str, spec: Value) -> Value {
    let reply = call(
        app,
        "POST",
        Some(admin),
        "/api/v1/admin/collections",
        Some(spec),
    )
    .await;
    reply.assert_ok(201).clone()
}

async fn defining_and_changing(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let admin = common::staff_token(&app, Role::Admin).await;
    let moderator = common::staff_token(&app, Role::Moderator).await;
    let (_, user) = login(&app, "define-user").await;

    // Only admins define collections.
    call(
        &app,
        "POST",
        Some(&user),
        "/api/v1/admin/collections",
        Some(categories_spec()),
    )
    .await
    .assert_error(403, 40300);
    call(
        &app,
        "POST",
        Some(&moderator),
        "/api/v1/admin/collections",
        Some(categories_spec()),
    )
    .await
    .assert_error(403, 40300);

    // A relation to a collection that does not exist yet is refused, naming the field.
    let reply = call(
        &app,
        "POST",
        Some(&admin),
        "/api/v1/admin/collections",
        Some(todos_spec()),
    )
    .await;
    reply.assert_error(422, 42200);
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .starts_with("fields[6].target"),
        "{}",
        reply.text
    );

    define(&app, &admin, categories_spec()).await;
    let todos = define(&app, &admin, todos_spec()).await;
    assert_eq!(todos["name"], "todos");
    assert_eq!(todos["fields"].as_array().unwrap().len(), 9);
    call(
        &app,
        "POST",
        Some(&admin),
        "/api/v1/admin/collections",
        Some(categories_spec()),
    )
    .await
    .assert_error(409, 40900);
    let list = call(&app, "GET", Some(&admin), "/api/v1/admin/collections", None).await;
    let names: Vec<&str> = list
        .assert_ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["categories", "todos"]);

    // Bad definitions: names, reserved words, types, rules (with the column of the error).
    let bad = [
        (json!({"name": "Bad-Name", "fields": []}), 42200, "name"),
        (json!({"name": "users", "fields": []}), 42200, "name"),
        (
            json!({"name": "x\"; DROP TABLE users; --", "fields": []}),
            42200,
            "name",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "id", "type": "text"}]}),
            42200,
            "fields[0].name",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a b", "type": "text"}]}),
            42200,
            "fields[0].name",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "money"}]}),
            42200,
            "fields[0].type",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "number", "default": "x"}]}),
            42200,
            "fields[0].default",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "json", "unique": true}]}),
            42200,
            "fields[0].unique",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "text"}], "indexes": [{"fields": ["b"]}]}),
            42200,
            "indexes[0].fields",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "text"}], "owner_field": "a"}),
            42200,
            "owner_field",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "text"}], "rules": {"list": "record.a == "}}),
            42220,
            "rules.list: at column 13",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "text"}], "rules": {"view": "record.b == 'x'"}}),
            42220,
            "rules.view: at column 10: unknown field 'b'",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "text"}], "rules": {"delete": "record.a == 1"}}),
            42220,
            "rules.delete: at column 10: cannot compare",
        ),
        (
            json!({"name": "t1", "fields": [{"name": "a", "type": "text"}], "rules": {"update": "a == 'x'"}}),
            42220,
            "rules.update: at column 1",
        ),
    ];
    for (spec, code, prefix) in bad {
        let reply = call(
            &app,
            "POST",
            Some(&admin),
            "/api/v1/admin/collections",
            Some(spec.clone()),
        )
        .await;
        reply.assert_error(
            if code == 42220 || code == 42200 {
                422
            } else {
                400
            },
            code,
        );
        let message = reply.json["message"].as_str().unwrap();
        assert!(message.starts_with(prefix), "{spec}: {message}");
    }
    // Nothing of the refused definitions was created.
    let list = call(&app, "GET", Some(&admin), "/api/v1/admin/collections", None).await;
    assert_eq!(list.assert_ok(200).as_array().unwrap().len(), 2);

    // Records to migrate.
    for (i, title) in ["a", "b", "c"].iter().enumerate() {
        call(
            &app,
            "POST",
            Some(&user),
            "/api/v1/collections/todos/records",
            Some(json!({"title": title, "price": i, "code": format!("c{i}")})),
        )
        .await
        .assert_ok(201);
    }

    // Adding fields (one with a default given to existing records) and relaxing a constraint
    // just work.
    let mut spec = todos_spec();
    spec["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "note", "type": "text", "max_length": 1000}));
    spec["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "priority", "type": "number", "required": true, "default": 3}));
    spec["fields"][0]["required"] = json!(false);
    spec["indexes"] = json!([{"fields": ["done", "price"]}, {"fields": ["priority"]}]);
    let changed = call(
        &app,
        "PUT",
        Some(&admin),
        "/api/v1/admin/collections/todos",
        Some(spec.clone()),
    )
    .await;
    changed.assert_ok(200);
    let page = call(
        &app,
        "GET",
        Some(&user),
        "/api/v1/collections/todos/records",
        None,
    )
    .await;
    let items = page.assert_ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|r| r["priority"] == 3 && r["note"].is_null()),
        "{items:?}"
    );
    // Title is optional now.
    call(
        &app,
        "POST",
        Some(&user),
        "/api/v1/collections/todos/records",
        Some(json!({"price": 9})),
    )
    .await
    .assert_ok(201);

    // A required field without a default cannot be added over existing records.
    let mut needs_default = spec.clone();
    needs_default["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "size", "type": "number", "required": true}));
    let reply = call(
        &app,
        "PUT",
        Some(&admin),
        "/api/v1/admin/collections/todos",
        Some(needs_default),
    )
    .await;
    reply.assert_error(409, 40900);
    assert!(reply.text.contains("'size'"), "{}", reply.text);

    // Making `title` unique while two records share a value is refused.
    call(
        &app,
        "POST",
        Some(&user),
        "/api/v1/collections/todos/records",
        Some(json!({"title": "a"})),
    )
    .await
    .assert_ok(201);
    let mut unique_title = spec.clone();
    unique_title["fields"][0]["unique"] = json!(true);
    let reply = call(
        &app,
        "PUT",
        Some(&admin),
        "/api/v1/admin/collections/todos",
        Some(unique_title),
    )
    .await;
    reply.assert_error(409, 40900);
    assert!(reply.text.contains("'title'"), "{}", reply.text);

    // Dropping a field and retyping another lose data: refused without the confirm flag,
    // naming what would be lost; nothing changes.
    let mut lossy = spec.clone();
    let fields = lossy["fields"].as_array_mut().unwrap();
    fields.retain(|f| f["name"] != "meta");
    for f in fields.iter_mut() {
        if f["name"] == "price" {
            f["type"] = json!("text");
        }
    }
    lossy["indexes"] = json!([{"fields": ["priority"]}]);
    let reply = call(
        &app,
        "PUT",
        Some(&admin),
        "/api/v1/admin/collections/todos",
        Some(lossy.clone()),
    )
    .await;
    reply.assert_error(409, 40940);
    let message = reply.json["message"].as_str().unwrap();
    assert!(message.contains("dropping field 'meta'"), "{message}");
    assert!(
        message
            .contains("changing field 'price' from number to text deletes its values in 4 records"),
        "{message}"
    );
    let still = call(
        &app,
        "GET",
        Some(&admin),
        "/api/v1/admin/collections/todos",
        None,
    )
    .await;
    assert!(still.assert_ok(200)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "meta"));
    let confirmed = call(
        &app,
        "PUT",
        Some(&admin),
        "/api/v1/admin/collections/todos?confirm_data_loss=true",
        Some(lossy),
    )
    .await;
    confirmed.assert_ok(200);
    let page = call(
        &app,
        "GET",
        Some(&user),
        "/api/v1/collections/todos/records",
        None,
    )
    .await;
    let items = page.assert_ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 5);
    assert!(
        items
            .iter()
            .all(|r| r.get("meta").is_none() && r["price"].is_null()),
        "{items:?}"
    );
    call(
        &app,
        "POST",
        Some(&user),
        "/api/v1/collections/todos/records",
        Some(json!({"price": "cheap"})),
    )
    .await
    .assert_ok(201);

    // Deleting: refused while another collection relates to it, and unless confirmed.
    call(
        &app,
        "DELETE",
        Some(&admin),
        "/api/v1/admin/collections/categories?confirm=true",
        None,
    )
    .await
    .assert_error(409, 40900);
    let reply = call(
        &app,
        "DELETE",
        Some(&admin),
        "/api/v1/admin/collections/todos",
        None,
    )
    .await;
    reply.assert_error(409, 40940);
    assert!(reply.text.contains("6 records"), "{}", reply.text);
    call(
        &app,
        "DELETE",
        Some(&admin),
        "/api/v1/admin/collections/todos?confirm=true",
        None,
    )
    .await
    .assert_ok(200);
    call(
        &app,
        "GET",
        Some(&user),
        "/api/v1/collections/todos/records",
        None,
    )
    .await
    .assert_error(404, 40401);
    // The name can be used again, with an empty table.
    define(&app, &admin, todos_spec()).await;
    let page = call(
        &app,
        "GET",
        Some(&user),
        "/api/v1/collections/todos/records",
        None,
    )
    .await;
    assert_eq!(page.assert_ok(200)["items"].as_array().unwrap().len(), 0);
}

async fn rules_allow_and_refuse(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let admin = common::staff_token(&app, Role::Admin).await;
    define(
        &app,
        &admin,
        json!({
            "name": "notes",
            "fields": [
                {"name": "text", "type": "text", "required": true},
                {"name": "public", "type": "bool", "required": true, "default": false},
                {"name": "locked", "type": "bool"},
                {"name": "owner", "type": "relation", "target": "users"}
            ],
            "owner_field": "owner",
            "rules": {
                "list": "record.owner == auth.id || record.public == true",
                "view": "record.owner == auth.id || record.public",
                "create": "auth.id != null && @request.body.text !~ 'spam'",
                "update": "record.owner == auth.id",
                "delete": "record.owner == auth.id && record.locked != true"
            }
        }),
    )
    .await;
    let (alice_id, alice) = login(&app, "rules-alice").await;
    let (bob_id, bob) = login(&app, "rules-bob").await;
    let notes = "/api/v1/collections/notes/records";

    // Create: anonymous refused; the rule sees the body; the owner comes from the caller and
    // cannot be forged.
    call(&app, "POST", None, notes, Some(json!({"text": "hi"})))
        .await
        .assert_error(403, 40300);
    call(
        &app,
        "POST",
        Some(&alice),
        notes,
        Some(json!({"text": "buy SPAM now"})),
    )
    .await
    .assert_error(403, 40300);
    let reply = call(
        &app,
        "POST",
        Some(&bob),
        notes,
        Some(json!({"text": "mine", "owner": alice_id})),
    )
    .await;
    reply.assert_error(422, 42200);
    assert!(
        reply.json["message"].as_str().unwrap().starts_with("owner"),
        "{}",
        reply.text
    );
    let a_private = call(
        &app,
        "POST",
        Some(&alice),
        notes,
        Some(json!({"text": "a private"})),
    )
    .await;
    let a_private = a_private.assert_ok(201).clone();
    assert_eq!(a_private["owner"], alice_id);
    assert_eq!(a_private["public"], false);
    let a_public = call(
        &app,
        "POST",
        Some(&alice),
        notes,
        Some(json!({"text": "a public", "public": true})),
    )
    .await
    .assert_ok(201)
    .clone();
    let a_locked = call(
        &app,
        "POST",
        Some(&alice),
        notes,
        Some(json!({"text": "a locked", "locked": true})),
    )
    .await
    .assert_ok(201)
    .clone();
    let b_private = call(
        &app,
        "POST",
        Some(&bob),
        notes,
        Some(json!({"text": "b private"})),
    )
    .await
    .assert_ok(201)
    .clone();
    assert_eq!(b_private["owner"], bob_id);

    // List: a filter, not all-or-nothing.
    let texts = |reply: &Reply| -> Vec<String> {
        let mut t: Vec<String> = reply.assert_ok(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["text"].as_str().unwrap().to_string())
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        texts(&call(&app, "GET", Some(&alice), notes, None).await),
        ["a locked", "a private", "a public"]
    );
    assert_eq!(
        texts(&call(&app, "GET", Some(&bob), notes, None).await),
        ["a public", "b private"]
    );
    assert_eq!(
        texts(&call(&app, "GET", None, notes, None).await),
        ["a public"]
    );
    // A filter cannot widen the rule.
    let reply = call(
        &app,
        "GET",
        Some(&bob),
        &format!("{notes}?filter={}", enc("owner == 1 || owner != 1 || true")),
        None,
    )
    .await;
    assert_eq!(texts(&reply), ["a public", "b private"]);
    // Admins see everything.
    assert_eq!(
        texts(&call(&app, "GET", Some(&admin), notes, None).await).len(),
        4
    );

    // View: another user's private record does not exist for Bob.
    let path = |r: &Value| format!("{notes}/{}", r["id"]);
    call(&app, "GET", Some(&bob), &path(&a_private), None)
        .await
        .assert_error(404, 40401);
    call(&app, "GET", Some(&bob), &path(&a_public), None)
        .await
        .assert_ok(200);
    call(&app, "GET", Some(&alice), &path(&a_private), None)
        .await
        .assert_ok(200);
    call(&app, "GET", None, &path(&b_private), None)
        .await
        .assert_error(404, 40401);
    // A record id that is not a number is a 400 naming the parameter.
    let not_an_id = call(&app, "GET", Some(&bob), &format!("{notes}/abc"), None).await;
    not_an_id.assert_error(400, 40000);
    assert_eq!(not_an_id.json["message"], "id: 'abc' is not an integer");

    // Update: visible but not Bob's -> 403; invisible -> 404; own -> 200; the owner stays.
    call(
        &app,
        "PATCH",
        Some(&bob),
        &path(&a_public),
        Some(json!({"text": "hacked"})),
    )
    .await
    .assert_error(403, 40300);
    call(
        &app,
        "PATCH",
        Some(&bob),
        &path(&a_private),
        Some(json!({"text": "hacked"})),
    )
    .await
    .assert_error(404, 40401);
    let updated = call(
        &app,
        "PATCH",
        Some(&alice),
        &path(&a_private),
        Some(json!({"text": "edited"})),
    )
    .await;
    assert_eq!(updated.assert_ok(200)["text"], "edited");
    assert_eq!(
        updated.data()["public"],
        false,
        "fields not sent keep their values"
    );
    call(
        &app,
        "PATCH",
        Some(&alice),
        &path(&a_private),
        Some(json!({"owner": bob_id})),
    )
    .await
    .assert_error(422, 42200);
    // wx.request has no PATCH: the override header works.
    let overridden = app
        .send(
            app.client
                .post(app.url(&path(&a_private)))
                .bearer_auth(&alice)
                .header("X-HTTP-Method-Override", "PATCH")
                .json(&json!({"text": "via override"})),
        )
        .await;
    assert_eq!(overridden.assert_ok(200)["text"], "via override");
    let check = call(&app, "GET", Some(&admin), &path(&a_public), None).await;
    assert_eq!(check.assert_ok(200)["text"], "a public");

    // Delete: Bob cannot delete Alice's; Alice cannot delete her locked note; she can delete
    // the others.
    call(&app, "DELETE", Some(&bob), &path(&a_public), None)
        .await
        .assert_error(403, 40300);
    call(&app, "DELETE", Some(&alice), &path(&a_locked), None)
        .await
        .assert_error(403, 40300);
    call(&app, "DELETE", Some(&alice), &path(&a_private), None)
        .await
        .assert_ok(200);
    call(&app, "GET", Some(&alice), &path(&a_private), None)
        .await
        .assert_error(404, 40401);
    call(&app, "DELETE", Some(&alice), &path(&a_private), None)
        .await
        .assert_error(404, 40401);

    // Default deny: a collection without rules is closed to users, open to admins.
    define(
        &app,
        &admin,
        json!({"name": "secrets", "fields": [{"name": "v", "type": "text"}]}),
    )
    .await;
    let secrets = "/api/v1/collections/secrets/records";
    call(&app, "GET", Some(&alice), secrets, None)
        .await
        .assert_error(403, 40300);
    call(&app, "GET", None, secrets, None)
        .await
        .assert_error(403, 40300);
    call(&app, "POST", Some(&alice), secrets, Some(json!({"v": "x"})))
        .await
        .assert_error(403, 40300);
    let made = call(&app, "POST", Some(&admin), secrets, Some(json!({"v": "x"})))
        .await
        .assert_ok(201)
        .clone();
    call(
        &app,
        "GET",
        Some(&alice),
        &format!("{secrets}/{}", made["id"]),
        None,
    )
    .await
    .assert_error(403, 40300);
    call(
        &app,
        "PATCH",
        Some(&alice),
        &format!("{secrets}/{}", made["id"]),
        Some(json!({"v": "y"})),
    )
    .await
    .assert_error(403, 40300);
    call(
        &app,
        "DELETE",
        Some(&alice),
        &format!("{secrets}/{}", made["id"]),
        None,
    )
    .await
    .assert_error(403, 40300);

    // A rule on the caller's role.
    define(
        &app,
        &admin,
        json!({
            "name": "board",
            "fields": [{"name": "v", "type": "text"}],
            "rules": {"list": "", "create": "auth.role == 'moderator'"}
        }),
    )
    .await;
    let moderator = common::staff_token(&app, Role::Moderator).await;
    call(
        &app,
        "POST",
        Some(&alice),
        "/api/v1/collections/board/records",
        Some(json!({"v": "x"})),
    )
    .await
    .assert_error(403, 40300);
    call(
        &app,
        "POST",
        Some(&moderator),
        "/api/v1/collections/board/records",
        Some(json!({"v": "x"})),
    )
    .await
    .assert_ok(201);
    assert_eq!(
        texts_of(
            &call(&app, "GET", None, "/api/v1/collections/board/records", None).await,
            "v"
        ),
        ["x"]
    );
}

fn texts_of(reply: &Reply, field: &str) -> Vec<String> {
    reply.assert_ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap_or("").to_string())
        .collect()
}

async fn queries(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let admin = common::staff_token(&app, Role::Admin).await;
    define(&app, &admin, categories_spec()).await;
    let mut spec = todos_spec();
    spec["rules"]["list"] = json!("");
    spec["rules"]["view"] = json!("");
    spec["scan_limit"] = json!(6);
    define(&app, &admin, spec).await;
    let (me, token) = login(&app, "query-user").await;
    let fruit = call(
        &app,
        "POST",
        Some(&admin),
        "/api/v1/collections/categories/records",
        Some(json!({"label": "fruit"})),
    )
    .await
    .assert_ok(201)["id"]
        .clone();
    let hidden = call(
        &app,
        "POST",
        Some(&admin),
        "/api/v1/collections/categories/records",
        Some(json!({"label": "secret", "hidden": true})),
    )
    .await
    .assert_ok(201)["id"]
        .clone();
    let rows = [
        ("Milk", 3.5, false, "2026-01-02T00:00:00Z", &fruit),
        ("Oat milk", 4.0, true, "2026-01-03T00:00:00Z", &fruit),
        ("Bread", 2.0, false, "2026-02-01T00:00:00Z", &hidden),
        (
            "Apples 50%_off",
            6.25,
            false,
            "2026-03-01T08:00:00+08:00",
            &Value::Null,
        ),
        ("Eggs", 4.0, true, "2026-01-15T00:00:00Z", &Value::Null),
        ("Cheese", 9.0, false, "2026-01-20T00:00:00Z", &Value::Null),
    ];
    let mut ids = Vec::new();
    for (title, price, done, due, category) in rows {
        let reply = call(&app, "POST", Some(&token), "/api/v1/collections/todos/records",
            Some(json!({"title": title, "price": price, "done": done, "due": due, "category": category, "meta": {"tags": [title]}}))).await;
        ids.push(reply.assert_ok(201)["id"].as_i64().unwrap());
    }
    let list = |query: String| {
        let app = &app;
        let token = token.clone();
        async move {
            call(
                app,
                "GET",
                Some(&token),
                &format!("/api/v1/collections/todos/records?{query}"),
                None,
            )
            .await
        }
    };
    let titles = |reply: &Reply| texts_of(reply, "title");

    // Expressions: contains is case-insensitive and treats % and _ literally; numbers, bools,
    // dates, null checks, negation, parentheses.
    assert_eq!(
        titles(&list(format!("filter={}&sort=title", enc("title ~ 'MILK'"))).await),
        ["Milk", "Oat milk"]
    );
    assert_eq!(
        titles(&list(format!("filter={}", enc("title ~ '50%_'"))).await),
        ["Apples 50%_off"]
    );
    assert_eq!(
        titles(&list(format!("filter={}", enc("title ~ '5%0'"))).await),
        Vec::<String>::new()
    );
    assert_eq!(
        titles(
            &list(format!(
                "filter={}&sort=title",
                enc("price >= 4 && !(done == true)")
            ))
            .await
        ),
        ["Apples 50%_off", "Cheese"]
    );
    assert_eq!(
        titles(
            &list(format!(
                "filter={}&sort=title",
                enc("(price < 3 || price > 8) && category != null")
            ))
            .await
        ),
        ["Bread"]
    );
    assert_eq!(
        titles(&list(format!("filter={}&sort=title", enc("category == null"))).await),
        ["Apples 50%_off", "Cheese", "Eggs"]
    );
    assert_eq!(
        titles(
            &list(format!(
                "filter={}&sort=title",
                enc("due < '2026-01-16T00:00:00Z' && owner == auth.id")
            ))
            .await
        ),
        ["Eggs", "Milk", "Oat milk"]
    );
    // 2026-03-01T08:00:00+08:00 is midnight UTC.
    assert_eq!(
        titles(&list(format!("filter={}", enc("due == '2026-03-01T00:00:00Z'"))).await),
        ["Apples 50%_off"]
    );
    assert_eq!(
        titles(&list(format!("filter={}&sort=title", enc("category != 999"))).await).len(),
        6,
        "!= keeps records without a value"
    );

    // CloudBase-style JSON conditions.
    let where_ = |w: Value| format!("where={}&sort=title", enc(&w.to_string()));
    assert_eq!(
        titles(
            &list(where_(
                json!({"price": {"$gt": 3, "$lte": 6.25}, "done": false})
            ))
            .await
        ),
        ["Apples 50%_off", "Milk"]
    );
    assert_eq!(
        titles(&list(where_(json!({"title": {"$in": ["Eggs", "Bread", "nope"]}}))).await),
        ["Bread", "Eggs"]
    );
    assert_eq!(
        titles(
            &list(where_(
                json!({"title": {"$nin": ["Eggs", "Bread"]}, "category": {"$exists": true}})
            ))
            .await
        ),
        ["Milk", "Oat milk"]
    );
    assert_eq!(
        titles(&list(where_(json!({"$or": [{"price": 9}, {"done": true}]}))).await),
        ["Cheese", "Eggs", "Oat milk"]
    );
    assert_eq!(
        titles(
            &list(where_(
                json!({"due": {"$gte": {"$date": "2026-02-01T00:00:00Z"}}})
            ))
            .await
        ),
        ["Apples 50%_off", "Bread"]
    );
    // filter and where together are ANDed.
    assert_eq!(
        titles(
            &list(format!(
                "filter={}&{}",
                enc("done == true"),
                where_(json!({"price": 4}))
            ))
            .await
        ),
        ["Eggs", "Oat milk"]
    );

    // Keyset pages over a sort with ties: every record once, in order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("sort=-done,title&limit=4&cursor={c}"),
            None => "sort=-done,title&limit=4".into(),
        };
        // done is required (it has a default), so it can be sorted on.
        let reply = list(query).await;
        let data = reply.assert_ok(200).clone();
        seen.extend(titles(&reply));
        match data["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "Eggs",
            "Oat milk",
            "Apples 50%_off",
            "Bread",
            "Cheese",
            "Milk"
        ]
    );
    let mut by_id = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=2&cursor={c}"),
            None => "limit=2".into(),
        };
        let reply = list(query).await;
        by_id.extend(
            reply.assert_ok(200)["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap()),
        );
        match reply.data()["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(by_id, expected, "default sort: newest id first");
    // A cursor from another sort, or forged, is a 400.
    let first = list("sort=title&limit=1".into()).await;
    let cursor = first.data()["next_cursor"].as_str().unwrap().to_string();
    list(format!("sort=-done,title&cursor={cursor}"))
        .await
        .assert_error(400, 40003);
    list("cursor=bm90LWEtY3Vyc29y".into())
        .await
        .assert_error(400, 40003);

    // Field selection and expansion (one query per relation; the target's view rule applies:
    // the hidden category does not expand).
    let reply = list(format!(
        "fields=title&expand=category,owner&sort=title&filter={}",
        enc("category != null")
    ))
    .await;
    let items = reply.assert_ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    let bread = &items[0];
    assert_eq!(bread["title"], "Bread");
    assert!(bread.get("price").is_none(), "not selected: {bread}");
    assert!(
        bread["expand"]["category"].is_null(),
        "hidden category: {bread}"
    );
    assert_eq!(bread["expand"]["owner"]["id"], me);
    assert_eq!(items[1]["expand"]["category"]["label"], "fruit");
    let one = call(
        &app,
        "GET",
        Some(&token),
        &format!(
            "/api/v1/collections/todos/records/{}?expand=category&fields=title",
            ids[0]
        ),
        None,
    )
    .await;
    assert_eq!(one.assert_ok(200)["expand"]["category"]["label"], "fruit");
    assert_eq!(one.data()["meta"], Value::Null, "not selected");
    let full = call(
        &app,
        "GET",
        Some(&token),
        &format!("/api/v1/collections/todos/records/{}", ids[0]),
        None,
    )
    .await;
    assert_eq!(full.assert_ok(200)["meta"], json!({"tags": ["Milk"]}));
    assert_eq!(full.data()["due"], "2026-01-02T00:00:00Z");
    assert_eq!(full.data()["price"], 3.5);

    // Bad queries: each a 400 saying what is wrong.
    let bad = [
        (
            format!("filter={}", enc("title ==")),
            40040,
            "filter: at column 9",
        ),
        (
            format!("filter={}", enc("nope == 1")),
            40040,
            "unknown field 'nope'",
        ),
        (
            format!("filter={}", enc("price == 'x'")),
            40040,
            "cannot compare",
        ),
        (format!("filter={}", enc("meta == 1")), 40040, "json"),
        (
            format!("filter={}", enc("title == 'x'; DROP TABLE users")),
            40040,
            "filter: at column 13",
        ),
        (
            format!("filter={}", enc(&vec!["price == 1"; 21].join(" || "))),
            40040,
            "21 conditions",
        ),
        (
            format!("where={}", enc("{\"price\": {\"$where\": 1}}")),
            40040,
            "unknown operator",
        ),
        (
            format!("where={}", enc("[1]")),
            40040,
            "where: expected an object",
        ),
        (format!("where={}", enc("{nope")), 40040, "not JSON"),
        ("sort=price".to_string(), 40040, "not a required field"),
        (
            format!("sort={}", enc("title;drop table users")),
            40040,
            "unknown field",
        ),
        (
            format!("fields={}", enc("title,\"x\"")),
            40040,
            "unknown field",
        ),
        ("expand=title".to_string(), 40040, "not a relation"),
        ("limit=0".to_string(), 40002, "limit"),
        ("limit=101".to_string(), 40002, "limit"),
    ];
    for (query, code, needle) in bad {
        let reply = list(query.clone()).await;
        reply.assert_error(400, code);
        assert!(
            reply.json["message"].as_str().unwrap().contains(needle),
            "{query}: {}",
            reply.text
        );
    }
    // Values are bound, never pasted: a quote in a value is just a character.
    assert_eq!(
        titles(&list(format!("filter={}", enc("title == \"x' OR '1'='1\""))).await),
        Vec::<String>::new()
    );
    assert_eq!(
        titles(
            &list(format!(
                "where={}",
                enc(&json!({"title": "x' OR 1=1 --"}).to_string())
            ))
            .await
        ),
        Vec::<String>::new()
    );
    // Names outside the pattern never reach SQL.
    call(
        &app,
        "GET",
        Some(&token),
        "/api/v1/collections/todos%3Bdrop/records",
        None,
    )
    .await
    .assert_error(404, 40401);
    call(
        &app,
        "GET",
        Some(&token),
        "/api/v1/collections/users/records",
        None,
    )
    .await
    .assert_error(404, 40401);
    call(
        &app,
        "GET",
        Some(&token),
        "/api/v1/collections/c_todos/records",
        None,
    )
    .await
    .assert_error(404, 40401);

    // Unindexed filters: fine in a small collection, refused past the scan limit (6 here);
    // indexed fields (done starts an index; code is unique) stay allowed.
    call(
        &app,
        "POST",
        Some(&token),
        "/api/v1/collections/todos/records",
        Some(json!({"title": "one more"})),
    )
    .await
    .assert_ok(201);
    let reply = list(format!("filter={}", enc("title == 'Milk'"))).await;
    reply.assert_error(400, 40041);
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .contains("'title' is not indexed"),
        "{}",
        reply.text
    );
    list("sort=title".into()).await.assert_error(400, 40041);
    assert_eq!(
        titles(&list(format!("filter={}&sort=-done", enc("done == true"))).await).len(),
        2
    );
    assert_eq!(
        titles(&list(format!("filter={}", enc("code == 'none'"))).await).len(),
        0
    );
}

async fn bad_records(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let admin = common::staff_token(&app, Role::Admin).await;
    define(&app, &admin, categories_spec()).await;
    let mut spec = todos_spec();
    spec["rules"]["create"] = json!("");
    define(&app, &admin, spec).await;
    let (_, token) = login(&app, "bad-records").await;
    let todos = "/api/v1/collections/todos/records";
    let bad = [
        (json!({"title": 5}), "title: must be a string"),
        (
            json!({"title": "x".repeat(101)}),
            "title: is longer than 100",
        ),
        (json!({}), "title: is required"),
        (json!({"title": null}), "title: is required"),
        (
            json!({"title": "t", "price": "3"}),
            "price: must be a number",
        ),
        (
            json!({"title": "t", "done": "yes"}),
            "done: must be true or false",
        ),
        (
            json!({"title": "t", "due": "tomorrow"}),
            "due: must be an RFC 3339",
        ),
        (
            json!({"title": "t", "category": 999}),
            "category: no record in 'categories' has id 999",
        ),
        (
            json!({"title": "t", "category": "1"}),
            "category: must be the id",
        ),
        (
            json!({"title": "t", "cover": "../../etc/passwd"}),
            "cover: must be the key",
        ),
        (
            json!({"title": "t", "cover": "20260101-nothing.png"}),
            "cover: no stored file",
        ),
        (json!({"title": "t", "nope": 1}), "nope: is not a field"),
        (json!({"title": "t", "id": 1}), "id: is set by the server"),
        (
            json!({"title": "t", "created_at": "2026-01-01T00:00:00Z"}),
            "created_at: is set by the server",
        ),
    ];
    for (body, message) in bad {
        let reply = call(&app, "POST", Some(&token), todos, Some(body.clone())).await;
        reply.assert_error(422, 42200);
        assert!(
            reply.json["message"].as_str().unwrap().starts_with(message),
            "{body}: {}",
            reply.text
        );
    }
    call(&app, "POST", Some(&token), todos, Some(json!([1])))
        .await
        .assert_error(422, 42200);
    let page = call(&app, "GET", Some(&token), todos, None).await;
    assert_eq!(
        page.assert_ok(200)["items"].as_array().unwrap().len(),
        0,
        "nothing half-written"
    );

    // Unique values: the second is a 409 naming the field.
    let first = call(
        &app,
        "POST",
        Some(&token),
        todos,
        Some(json!({"title": "a", "code": "X1"})),
    )
    .await
    .assert_ok(201)
    .clone();
    let reply = call(
        &app,
        "POST",
        Some(&token),
        todos,
        Some(json!({"title": "b", "code": "X1"})),
    )
    .await;
    reply.assert_error(409, 40900);
    assert!(
        reply.json["message"].as_str().unwrap().starts_with("code:"),
        "{}",
        reply.text
    );
    let second = call(
        &app,
        "POST",
        Some(&token),
        todos,
        Some(json!({"title": "b", "code": "X2"})),
    )
    .await
    .assert_ok(201)
    .clone();
    let reply = call(
        &app,
        "PATCH",
        Some(&token),
        &format!("{todos}/{}", second["id"]),
        Some(json!({"code": "X1"})),
    )
    .await;
    reply.assert_error(409, 40900);

    // Batch: all or nothing, errors name the operation.
    let reply = call(
        &app,
        "POST",
        Some(&token),
        &format!("{todos}/batch"),
        Some(json!({"requests": [
            {"action": "create", "data": {"title": "batch 1"}},
            {"action": "update", "id": first["id"], "data": {"title": "renamed"}},
            {"action": "create", "data": {"title": 7}}
        ]})),
    )
    .await;
    reply.assert_error(422, 42200);
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .starts_with("requests[2].data.title"),
        "{}",
        reply.text
    );
    let page = call(
        &app,
        "GET",
        Some(&token),
        &format!("{todos}?sort=title"),
        None,
    )
    .await;
    assert_eq!(
        texts_of(&page, "title"),
        ["a", "b"],
        "the failed batch wrote nothing"
    );
    let reply = call(
        &app,
        "POST",
        Some(&token),
        &format!("{todos}/batch"),
        Some(json!({"requests": [
            {"action": "create", "data": {"title": "batch 1"}},
            {"action": "update", "id": first["id"], "data": {"title": "renamed"}},
            {"action": "delete", "id": second["id"]}
        ]})),
    )
    .await;
    let results = reply.assert_ok(200).as_array().unwrap().clone();
    assert_eq!(results[0]["title"], "batch 1");
    assert_eq!(results[1]["title"], "renamed");
    assert_eq!(results[2], json!({"id": second["id"], "deleted": true}));
    let page = call(
        &app,
        "GET",
        Some(&token),
        &format!("{todos}?sort=title"),
        None,
    )
    .await;
    assert_eq!(texts_of(&page, "title"), ["batch 1", "renamed"]);
    call(
        &app,
        "POST",
        Some(&token),
        &format!("{todos}/batch"),
        Some(json!({"requests": []})),
    )
    .await
    .assert_error(422, 42200);
    call(
        &app,
        "POST",
        Some(&token),
        &format!("{todos}/batch"),
        Some(json!({"requests": [{"action": "drop"}]})),
    )
    .await
    .assert_error(422, 42200);

    // Unknown collection and record; a non-numeric id.
    call(
        &app,
        "GET",
        Some(&token),
        "/api/v1/collections/nope/records",
        None,
    )
    .await
    .assert_error(404, 40401);
    call(&app, "GET", Some(&token), &format!("{todos}/999999"), None)
        .await
        .assert_error(404, 40401);
    let reply = call(&app, "GET", Some(&token), &format!("{todos}/abc"), None).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
}

on_every_backend!(
    defining_and_changing,
    rules_allow_and_refuse,
    queries,
    bad_records
);
