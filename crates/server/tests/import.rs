//! `minibase import` on export samples built from LeanCloud's and CloudBase's published formats
//! (tests/fixtures/leancloud, tests/fixtures/cloudbase), on every backend: a dry run writes
//! nothing and reports every record it cannot map; an import brings users (who then log in as
//! themselves through WeChat), collections, records, relations and files; a rerun duplicates
//! nothing; a .zip export works like a folder.

mod common;

use std::io::Write;
use std::path::PathBuf;

use common::{Backend, TestApp};
use minibase::collections::import::{self, Platform, Report};
use minibase::users::model::Role;
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

async fn run(app: &TestApp, platform: Platform, path: &std::path::Path, dry_run: bool) -> Report {
    import::run(&app.state.db, &app.state.files, platform, path, dry_run)
        .await
        .expect("import")
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

async fn records(app: &TestApp, token: &str, collection: &str, query: &str) -> Vec<Value> {
    let reply = app
        .get_auth(
            &format!("/api/v1/collections/{collection}/records?limit=100&{query}"),
            token,
        )
        .await;
    reply.assert_ok(200)["items"].as_array().unwrap().clone()
}

fn has_problem(report: &Report, needle: &str) {
    assert!(
        report.problems.iter().any(|p| p.contains(needle)),
        "no problem mentions {needle:?}:\n{}",
        report.render()
    );
}

async fn leancloud(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let admin = common::staff_token(&app, Role::Admin).await;
    let path = fixture("leancloud");

    // Dry run: the plan, every unmappable record, and nothing written.
    let dry = run(&app, Platform::LeanCloud, &path, true).await;
    let text = dry.render();
    assert!(text.starts_with("Dry run"), "{text}");
    let created: Vec<&str> = dry
        .collections_created
        .iter()
        .map(|c| c.split(' ').next().unwrap())
        .collect();
    assert_eq!(created, ["category", "todo"], "{text}");
    assert!(
        dry.collections_created[1].contains("category relation to category"),
        "{text}"
    );
    assert!(
        dry.collections_created[1].contains("due_date date"),
        "{text}"
    );
    assert!(
        dry.collections_created[1].contains("owner relation to users"),
        "{text}"
    );
    assert_eq!((dry.users_created, dry.users_existing), (2, 0));
    assert_eq!((dry.files_copied, dry.files_existing), (1, 0));
    assert_eq!((dry.records_created, dry.records_updated), (6, 0));
    has_problem(&dry, "_User/u3: no WeChat mini-program identity");
    has_problem(&dry, "file f2 (report.pdf): bytes not found");
    has_problem(&dry, "Todo/t3: owner: points at user u3");
    has_problem(&dry, "Todo/t3: category: points at Category/gone");
    has_problem(
        &dry,
        "Todo/t4: subtasks: LeanCloud Relation fields are not imported",
    );
    has_problem(&dry, "Todo row 5: no objectId");
    assert!(dry.notes.iter().any(|n| n.contains("_Role")), "{text}");
    let list = app.get_auth("/api/v1/admin/collections", &admin).await;
    assert_eq!(
        list.assert_ok(200).as_array().unwrap().len(),
        0,
        "a dry run writes nothing"
    );
    login(&app, "lcbo").await; // creates Bo through WeChat login: the import must reuse him

    // The import.
    let report = run(&app, Platform::LeanCloud, &path, false).await;
    assert_eq!(
        (report.users_created, report.users_existing),
        (1, 1),
        "{}",
        report.render()
    );
    assert_eq!((report.records_created, report.records_updated), (6, 0));
    assert_eq!(
        report.problems.len(),
        dry.problems.len(),
        "{}",
        report.render()
    );

    // Users log in through WeChat as the same users.
    let (ann, _) = login(&app, "lcann").await;
    let (bo, _) = login(&app, "lcbo").await;
    let me = app
        .get_auth("/api/v1/users/me", &login(&app, "lcann").await.1)
        .await;
    assert_eq!(me.assert_ok(200)["nickname"], "Ann");

    let categories = records(&app, &admin, "category", "sort=created_at").await;
    assert_eq!(categories.len(), 2);
    assert_eq!(categories[0]["name"], "Home");
    assert_eq!(
        categories[0]["created_at"], "2024-01-01T00:00:00Z",
        "source timestamps kept"
    );
    assert_eq!(
        categories[1]["parent"], categories[0]["id"],
        "a relation within the class"
    );
    let todos = records(
        &app,
        &admin,
        "todo",
        "sort=created_at&expand=owner,category",
    )
    .await;
    assert_eq!(todos.len(), 4);
    let milk = &todos[0];
    assert_eq!(milk["title"], "Buy milk");
    assert_eq!(milk["done"], false);
    assert_eq!(milk["priority"], 2);
    assert_eq!(milk["due_date"], "2024-04-01T10:00:00Z");
    assert_eq!(milk["tags"], json!(["shop", "home"]));
    assert_eq!(milk["owner"], ann);
    assert_eq!(milk["expand"]["owner"]["nickname"], "Ann");
    assert_eq!(milk["expand"]["category"]["name"], "Home");
    assert_eq!(todos[1]["owner"], bo);
    assert_eq!(todos[1]["priority"], 1.5);
    assert!(
        todos[2]["owner"].is_null() && todos[2]["category"].is_null(),
        "{}",
        todos[2]
    );
    // The file was copied into the file store and is served.
    let url = milk["image"].as_str().unwrap();
    let path_part = url.split("/files/").nth(1).unwrap();
    let served = app
        .client
        .get(app.url(&format!("/files/{path_part}")))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    let expected = std::fs::read(fixture("leancloud/files/abc123.png")).unwrap();
    assert_eq!(served.bytes().await.unwrap().to_vec(), expected);
    // Rules were not carried: users are refused until an admin writes them.
    let ann_token = login(&app, "lcann").await.1;
    app.get_auth("/api/v1/collections/todo/records", &ann_token)
        .await
        .assert_error(403, 40300);

    // A rerun updates and duplicates nothing.
    let again = run(&app, Platform::LeanCloud, &path, false).await;
    assert_eq!(
        (again.users_created, again.users_existing),
        (0, 2),
        "{}",
        again.render()
    );
    assert_eq!((again.files_copied, again.files_existing), (0, 1));
    assert_eq!((again.records_created, again.records_updated), (0, 6));
    assert!(again.collections_created.is_empty() && again.collections_extended.is_empty());
    assert_eq!(records(&app, &admin, "todo", "").await.len(), 4);
    assert_eq!(records(&app, &admin, "category", "").await.len(), 2);
    let todos_again = records(&app, &admin, "todo", "sort=created_at").await;
    assert_eq!(todos_again[0]["id"], milk["id"]);
    assert_eq!(todos_again[0]["image"], milk["image"]);
}

async fn cloudbase_zip(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    let admin = common::staff_token(&app, Role::Admin).await;
    // The export as a .zip with a top folder, as the console downloads it.
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("export.zip");
    {
        let file = std::fs::File::create(&zip_path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for name in ["todos.json", "users.json", "files/images/plant.png"] {
            zip.start_file(format!("cloudbase-export/{name}"), options)
                .unwrap();
            zip.write_all(&std::fs::read(fixture("cloudbase").join(name)).unwrap())
                .unwrap();
        }
        zip.finish().unwrap();
    }

    let dry = run(&app, Platform::CloudBase, &zip_path, true).await;
    let created: Vec<&str> = dry
        .collections_created
        .iter()
        .map(|c| c.split(' ').next().unwrap())
        .collect();
    assert_eq!(created, ["todos", "users_data"], "{}", dry.render());
    assert_eq!(
        (dry.users_created, dry.files_copied, dry.records_created),
        (2, 1, 4)
    );
    has_problem(&dry, "images/missing.png (missing.png): bytes not found");
    has_problem(&dry, "todos line 4: no _id");
    assert!(
        dry.notes
            .iter()
            .any(|n| n.contains("users becomes collection users_data")),
        "{}",
        dry.render()
    );

    let report = run(&app, Platform::CloudBase, &zip_path, false).await;
    assert_eq!(
        (report.users_created, report.records_created),
        (2, 4),
        "{}",
        report.render()
    );

    // `_openid` made the owner, and the collection got CloudBase's "creator only" rules.
    let (bob, bob_token) = login(&app, "cbbob").await;
    let (_, carol_token) = login(&app, "cbcarol").await;
    let (_, dave_token) = login(&app, "cbdave").await;
    let mine = records(&app, &bob_token, "todos", "sort=id").await;
    let titles: Vec<&str> = mine.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Water plants", "Call mum"]);
    assert!(mine.iter().all(|r| r["owner"] == bob));
    let water = &mine[0];
    assert_eq!(water["due"], "2026-01-05T00:00:00Z");
    assert_eq!(water["count"], 3);
    assert_eq!(mine[1]["count"], 7);
    assert_eq!(
        mine[1]["due"], "2026-01-05T00:00:00Z",
        "$date in milliseconds"
    );
    assert_eq!(
        water["location"],
        json!({"type": "Point", "coordinates": [116.39, 39.9]})
    );
    assert!(
        water["photo"].as_str().unwrap().contains("/files/import-"),
        "{water}"
    );
    assert_eq!(records(&app, &carol_token, "todos", "").await.len(), 1);
    assert_eq!(records(&app, &dave_token, "todos", "").await.len(), 0);
    let profile = records(&app, &admin, "users_data", "").await;
    assert_eq!(profile[0]["nick_name"], "Bob");
    assert_eq!(profile[0]["created_at_src"], "2025-12-01T00:00:00Z");
    // Bob can keep using his records from the client.
    let created = app
        .send(
            app.client
                .post(app.url("/api/v1/collections/todos/records"))
                .bearer_auth(&bob_token)
                .json(&json!({"title": "New", "done": false})),
        )
        .await;
    assert_eq!(created.assert_ok(201)["owner"], bob);

    let again = run(&app, Platform::CloudBase, &zip_path, false).await;
    assert_eq!(
        (
            again.users_created,
            again.users_existing,
            again.records_created,
            again.records_updated
        ),
        (0, 2, 0, 4),
        "{}",
        again.render()
    );
    assert_eq!(
        records(&app, &admin, "todos", "").await.len(),
        4,
        "3 imported + 1 new"
    );
}

on_every_backend!(leancloud, cloudbase_zip);
