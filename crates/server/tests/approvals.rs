//! The approval workflow over HTTP on every backend: a leave template (manager, then department
//! head), an expense template (any-of review by role, countersigned finance step when the amount
//! is over 5,000), rejection, withdrawal, transfer, out-of-turn and concurrent actions,
//! permissions, form and template validation, the hash-chained timeline (and a row tampered
//! with in the database), in-app notifications and WeChat subscribe messages.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, Reply, TestApp};
use minibase::notifications::subscribe;
use minibase::store::jobs::repo as jobs;
use minibase::users::model::Role;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

struct User {
    id: i64,
    token: String,
}

/// An organisation: Company (head: ceo) > Engineering (head: carol). Alice works in Engineering
/// and reports to Bob; Bob reports to Carol. Frank and Grace are moderators (the review role),
/// Dave and Erin are finance, Henry is a colleague Bob can hand work to, Mallory is a stranger.
struct World {
    app: TestApp,
    admin: String,
    alice: User,
    bob: User,
    carol: User,
    ceo: User,
    dave: User,
    erin: User,
    frank: User,
    grace: User,
    henry: User,
    mallory: User,
    engineering: i64,
    leave: i64,
    expense: i64,
}

async fn login(app: &TestApp, code: &str) -> User {
    let reply = app
        .post_json("/api/v1/auth/login", &json!({ "code": code }))
        .await;
    let data = reply.assert_ok(200);
    User {
        id: data["user"]["id"].as_i64().unwrap(),
        token: data["token"].as_str().unwrap().to_string(),
    }
}

async fn admin_token(app: &TestApp) -> String {
    minibase::auth::service::create_admin(
        &app.state.db,
        "approvals-admin",
        "correct horse battery",
        Role::Admin,
    )
    .await
    .unwrap();
    let reply = app
        .post_json(
            "/api/v1/admin/auth/login",
            &json!({"username": "approvals-admin", "password": "correct horse battery"}),
        )
        .await;
    reply.assert_ok(200)["token"].as_str().unwrap().to_string()
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Reply {
    app.send(
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> Reply {
    app.send(app.client.put(app.url(path)).bearer_auth(token).json(&body))
        .await
}

async fn delete(app: &TestApp, token: &str, path: &str) -> Reply {
    app.send(app.client.delete(app.url(path)).bearer_auth(token))
        .await
}

fn leave_template() -> Value {
    json!({
        "name": "Leave",
        "description": "年假、病假、事假",
        "fields": [
            {"key": "kind", "label": "类型", "type": "choice", "required": true, "options": ["annual", "sick", "personal"]},
            {"key": "period", "label": "日期", "type": "date_range", "required": true},
            {"key": "days", "label": "天数", "type": "number", "required": true, "min": 0.5, "max": 30},
            {"key": "reason", "label": "事由", "type": "text", "max": 200}
        ],
        "steps": [
            {"name": "Manager", "mode": "single", "approvers": [{"type": "manager"}]},
            {"name": "Department head", "mode": "single", "approvers": [{"type": "department_head"}]}
        ]
    })
}

fn expense_template(finance: [i64; 2]) -> Value {
    json!({
        "name": "Expense",
        "fields": [
            {"key": "amount", "label": "金额", "type": "money", "required": true, "min": "0.01"},
            {"key": "category", "label": "类别", "type": "choice", "required": true, "options": ["travel", "office", "meal"]},
            {"key": "receipts", "label": "票据", "type": "attachments", "max": 5},
            {"key": "note", "label": "说明", "type": "text"}
        ],
        "steps": [
            {"name": "Manager", "mode": "single", "approvers": [{"type": "manager"}]},
            {"name": "Review", "mode": "any", "approvers": [{"type": "role", "role": "moderator"}]},
            {"name": "Finance", "mode": "all",
             "approvers": [{"type": "user", "user_id": finance[0]}, {"type": "user", "user_id": finance[1]}],
             "condition": {"field": "amount", "op": ">", "value": 5000}}
        ]
    })
}

fn leave_form() -> Value {
    json!({"kind": "annual", "period": {"start": "2026-12-01", "end": "2026-12-03"}, "days": 3, "reason": "回家"})
}

async fn world(backend: Backend, test: &str) -> Option<World> {
    world_with(backend, test, |_| {}).await
}

async fn world_with(
    backend: Backend,
    test: &str,
    configure: impl FnOnce(&mut minibase::config::RawConfig),
) -> Option<World> {
    let app = TestApp::spawn_with(backend, test, configure).await?;
    let admin = admin_token(&app).await;
    let alice = login(&app, "alice").await;
    let bob = login(&app, "bob").await;
    let carol = login(&app, "carol").await;
    let ceo = login(&app, "ceo").await;
    let dave = login(&app, "dave").await;
    let erin = login(&app, "erin").await;
    let frank = login(&app, "frank").await;
    let grace = login(&app, "grace").await;
    let henry = login(&app, "henry").await;
    let mallory = login(&app, "mallory").await;
    for user in [&frank, &grace] {
        put(
            &app,
            &admin,
            &format!("/api/v1/admin/users/{}/role", user.id),
            json!({"role": "moderator"}),
        )
        .await
        .assert_ok(200);
    }
    let company = post(
        &app,
        &admin,
        "/api/v1/admin/approvals/departments",
        json!({"name": "Company", "head_user_id": ceo.id}),
    )
    .await;
    let company = company.assert_ok(201)["id"].as_i64().unwrap();
    let engineering = post(
        &app,
        &admin,
        "/api/v1/admin/approvals/departments",
        json!({"name": "Engineering", "parent_id": company, "head_user_id": carol.id}),
    )
    .await;
    let engineering = engineering.assert_ok(201)["id"].as_i64().unwrap();
    for (user, manager) in [
        (&alice, Some(bob.id)),
        (&bob, Some(carol.id)),
        (&carol, None),
        (&henry, Some(carol.id)),
    ] {
        put(
            &app,
            &admin,
            &format!("/api/v1/admin/approvals/members/{}", user.id),
            json!({"department_id": engineering, "manager_user_id": manager}),
        )
        .await
        .assert_ok(200);
    }
    let leave = post(
        &app,
        &admin,
        "/api/v1/admin/approvals/templates",
        leave_template(),
    )
    .await;
    let leave = leave.assert_ok(201).clone();
    assert_eq!(leave["version"], 1);
    let expense = post(
        &app,
        &admin,
        "/api/v1/admin/approvals/templates",
        expense_template([dave.id, erin.id]),
    )
    .await;
    let expense = expense.assert_ok(201).clone();
    Some(World {
        leave: leave["id"].as_i64().unwrap(),
        expense: expense["id"].as_i64().unwrap(),
        app,
        admin,
        alice,
        bob,
        carol,
        ceo,
        dave,
        erin,
        frank,
        grace,
        henry,
        mallory,
        engineering,
    })
}

impl World {
    async fn submit(&self, who: &User, template: i64, form: Value) -> Reply {
        post(
            &self.app,
            &who.token,
            "/api/v1/approvals/requests",
            json!({"template_id": template, "title": "Trip to Shenzhen", "form": form}),
        )
        .await
    }

    async fn submit_ok(&self, who: &User, template: i64, form: Value) -> Value {
        self.submit(who, template, form)
            .await
            .assert_ok(201)
            .clone()
    }

    async fn act(&self, who: &User, id: i64, action: &str, body: Value) -> Reply {
        post(
            &self.app,
            &who.token,
            &format!("/api/v1/approvals/requests/{id}/{action}"),
            body,
        )
        .await
    }

    async fn approve(&self, who: &User, id: i64) -> Reply {
        self.act(who, id, "approve", json!({})).await
    }

    async fn view(&self, who: &User, id: i64) -> Reply {
        self.app
            .get_auth(&format!("/api/v1/approvals/requests/{id}"), &who.token)
            .await
    }

    async fn timeline(&self, who: &User, id: i64) -> Reply {
        self.app
            .get_auth(
                &format!("/api/v1/approvals/requests/{id}/timeline"),
                &who.token,
            )
            .await
    }

    async fn notifications(&self, who: &User) -> Vec<Value> {
        let reply = self
            .app
            .get_auth("/api/v1/notifications?limit=100", &who.token)
            .await;
        reply.assert_ok(200)["items"].as_array().unwrap().clone()
    }

    async fn pending_tasks(&self, who: &User) -> Vec<Value> {
        let reply = self
            .app
            .get_auth("/api/v1/approvals/tasks", &who.token)
            .await;
        reply.assert_ok(200)["items"].as_array().unwrap().clone()
    }
}

fn actions(timeline: &Value) -> Vec<String> {
    timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

fn step_statuses(view: &Value) -> Vec<String> {
    view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_string())
        .collect()
}

fn has_notice(items: &[Value], kind: &str, request: i64) -> bool {
    items.iter().any(|n| {
        n["kind"] == kind && n["subject_type"] == "approval_request" && n["subject_id"] == request
    })
}

async fn leave_runs_manager_then_department_head(backend: Backend, test: &str) {
    let Some(w) = world(backend, test).await else {
        return;
    };
    // Users see the enabled templates with their forms.
    let listed = w
        .app
        .get_auth("/api/v1/approvals/templates", &w.alice.token)
        .await;
    assert_eq!(listed.assert_ok(200).as_array().unwrap().len(), 2);

    let request = w.submit_ok(&w.alice, w.leave, leave_form()).await;
    let id = request["id"].as_i64().unwrap();
    assert_eq!(request["status"], "pending");
    assert_eq!(request["current_step"], 0);
    assert_eq!(request["current_step_name"], "Manager");
    assert_eq!(request["template_version"], 1);
    assert_eq!(request["applicant"]["id"], w.alice.id);
    assert_eq!(request["form"]["period"]["end"], "2026-12-03");
    assert_eq!(step_statuses(&request), ["active", "waiting"]);
    assert_eq!(request["steps"][0]["tasks"][0]["approver"]["id"], w.bob.id);
    assert_eq!(request["actions"], json!(["withdraw", "comment"]));

    // Bob has it in his to-do list and was told in-app.
    let todo = w.pending_tasks(&w.bob).await;
    assert_eq!(todo.len(), 1);
    assert_eq!(todo[0]["request"]["id"], id);
    assert_eq!(todo[0]["step_name"], "Manager");
    assert!(has_notice(
        &w.notifications(&w.bob).await,
        "approval_pending",
        id
    ));
    assert!(w.pending_tasks(&w.carol).await.is_empty());

    // Nobody else may see or act on it; the head of department may look but it is not her turn;
    // the applicant cannot approve her own request.
    w.view(&w.mallory, id).await.assert_error(404, 40401);
    w.timeline(&w.mallory, id).await.assert_error(404, 40401);
    w.approve(&w.mallory, id).await.assert_error(404, 40401);
    w.act(&w.mallory, id, "comments", json!({"text": "hi"}))
        .await
        .assert_error(404, 40401);
    w.view(&w.carol, id).await.assert_ok(200);
    w.approve(&w.carol, id).await.assert_error(409, 40932);
    w.approve(&w.alice, id).await.assert_error(409, 40932);
    w.app
        .get_auth(
            &format!("/api/v1/approvals/requests/{}", id + 1000),
            &w.alice.token,
        )
        .await
        .assert_error(404, 40401);

    // The manager approves: the department head's step starts.
    let viewed = w.view(&w.bob, id).await;
    assert_eq!(
        viewed.assert_ok(200)["actions"],
        json!(["approve", "reject", "transfer", "comment"])
    );
    let after = w
        .act(&w.bob, id, "approve", json!({"comment": "enjoy"}))
        .await;
    let after = after.assert_ok(200).clone();
    assert_eq!(after["current_step"], 1);
    assert_eq!(step_statuses(&after), ["approved", "active"]);
    assert_eq!(after["steps"][0]["tasks"][0]["comment"], "enjoy");
    assert_eq!(after["steps"][1]["tasks"][0]["approver"]["id"], w.carol.id);
    // Approving twice is a 409 of its own.
    w.approve(&w.bob, id).await.assert_error(409, 40931);
    assert!(has_notice(
        &w.notifications(&w.carol).await,
        "approval_pending",
        id
    ));
    assert!(has_notice(
        &w.notifications(&w.alice).await,
        "approval_progress",
        id
    ));

    // A comment from the applicant; then the head approves and the request is approved.
    w.act(&w.alice, id, "comments", json!({"text": "thanks!"}))
        .await
        .assert_ok(201);
    let done = w.approve(&w.carol, id).await;
    let done = done.assert_ok(200).clone();
    assert_eq!(done["status"], "approved");
    assert!(done["current_step"].is_null());
    assert!(done["finished_at"].is_string());
    assert_eq!(step_statuses(&done), ["approved", "approved"]);
    w.approve(&w.carol, id).await.assert_error(409, 40931);
    w.act(&w.alice, id, "withdraw", json!({}))
        .await
        .assert_error(409, 40930);
    assert!(has_notice(
        &w.notifications(&w.alice).await,
        "approval_approved",
        id
    ));
    let mine = w
        .app
        .get_auth("/api/v1/approvals/requests?status=approved", &w.alice.token)
        .await;
    assert_eq!(mine.assert_ok(200)["items"][0]["id"], id);
    let done_tasks = w
        .app
        .get_auth("/api/v1/approvals/tasks?status=done", &w.bob.token)
        .await;
    assert_eq!(done_tasks.assert_ok(200)["items"][0]["status"], "approved");
    w.app
        .get_auth("/api/v1/approvals/tasks?status=maybe", &w.bob.token)
        .await
        .assert_error(400, 40002);

    // The timeline: who, when, what, chained.
    let timeline = w.timeline(&w.alice, id).await;
    let timeline = timeline.assert_ok(200).clone();
    assert_eq!(timeline["chain_valid"], true, "{timeline}");
    assert_eq!(
        actions(&timeline),
        [
            "submit",
            "step_started",
            "approve",
            "step_started",
            "comment",
            "approve",
            "approved"
        ]
    );
    let events = timeline["events"].as_array().unwrap();
    assert_eq!(events[0]["actor"]["id"], w.alice.id);
    assert_eq!(events[0]["detail"]["form"]["kind"], "annual");
    assert_eq!(events[2]["actor"]["id"], w.bob.id);
    assert_eq!(events[2]["comment"], "enjoy");
    assert!(events[1]["actor"].is_null(), "the workflow's own events");
    for pair in events.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    assert_eq!(timeline["head_hash"], events.last().unwrap()["hash"]);
    // Approvers see it too; admins through the console.
    assert_eq!(
        w.timeline(&w.bob, id).await.assert_ok(200)["chain_valid"],
        true
    );
    let admin_view = w
        .app
        .get_auth(&format!("/api/v1/admin/approvals/requests/{id}"), &w.admin)
        .await;
    assert_eq!(admin_view.assert_ok(200)["status"], "approved");
    let all = w
        .app
        .get_auth("/api/v1/admin/approvals/requests?status=approved", &w.admin)
        .await;
    assert_eq!(all.assert_ok(200)["items"].as_array().unwrap().len(), 1);
    w.app
        .get_auth(
            &format!("/api/v1/admin/approvals/requests/{id}"),
            &w.alice.token,
        )
        .await
        .assert_error(403, 40300);

    // Someone edits a recorded event directly in the database: the chain says so.
    w.app
        .state
        .db
        .execute_unprepared(&format!(
            "UPDATE approval_events SET comment = 'no comment' WHERE request_id = {id} AND seq = 3"
        ))
        .await
        .unwrap();
    let tampered = w
        .app
        .get_auth(
            &format!("/api/v1/admin/approvals/requests/{id}/timeline"),
            &w.admin,
        )
        .await;
    let tampered = tampered.assert_ok(200);
    assert_eq!(tampered["chain_valid"], false);
    assert_eq!(tampered["broken_at_seq"], 3);
}

async fn expense_adds_countersigned_finance_over_5000(backend: Backend, test: &str) {
    let Some(w) = world(backend, test).await else {
        return;
    };
    // 1,200.00: manager, then any one reviewer; finance is skipped.
    let small = w
        .submit_ok(
            &w.alice,
            w.expense,
            json!({"amount": "1200", "category": "office", "receipts": ["f_1", "https://files.example.com/r.pdf"]}),
        )
        .await;
    let small_id = small["id"].as_i64().unwrap();
    assert_eq!(small["form"]["amount"], "1200.00");
    w.approve(&w.bob, small_id).await.assert_ok(200);
    let review = w.view(&w.frank, small_id).await;
    let review = review.assert_ok(200).clone();
    let reviewers: Vec<i64> = review["steps"][1]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["approver"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(reviewers, [w.frank.id, w.grace.id]);
    assert_eq!(w.pending_tasks(&w.grace).await.len(), 1);
    let done = w.approve(&w.frank, small_id).await;
    let done = done.assert_ok(200).clone();
    assert_eq!(done["status"], "approved");
    assert_eq!(step_statuses(&done), ["approved", "approved", "skipped"]);
    let grace_task = &done["steps"][1]["tasks"][1];
    assert_eq!(grace_task["status"], "cancelled");
    w.approve(&w.grace, small_id).await.assert_error(409, 40933);
    assert!(w.pending_tasks(&w.grace).await.is_empty());
    let timeline = w.timeline(&w.alice, small_id).await;
    let timeline = timeline.assert_ok(200).clone();
    assert_eq!(
        actions(&timeline),
        [
            "submit",
            "step_started",
            "approve",
            "step_started",
            "approve",
            "step_skipped",
            "approved"
        ]
    );
    assert_eq!(
        timeline["events"][5]["detail"]["reason"],
        "condition_not_met"
    );
    assert_eq!(timeline["chain_valid"], true);

    // 6,000.50: finance must countersign, both of them.
    let big = w
        .submit_ok(
            &w.alice,
            w.expense,
            json!({"amount": "6000.5", "category": "travel"}),
        )
        .await;
    let big_id = big["id"].as_i64().unwrap();
    assert_eq!(big["form"]["amount"], "6000.50");
    w.approve(&w.bob, big_id).await.assert_ok(200);
    let finance = w.approve(&w.grace, big_id).await;
    let finance = finance.assert_ok(200).clone();
    assert_eq!(finance["current_step_name"], "Finance");
    assert_eq!(step_statuses(&finance), ["approved", "approved", "active"]);
    w.approve(&w.frank, big_id).await.assert_error(409, 40933);
    let half = w.approve(&w.dave, big_id).await;
    let half = half.assert_ok(200).clone();
    assert_eq!(half["status"], "pending", "countersign waits for everyone");
    assert_eq!(half["current_step"], 2);
    w.approve(&w.dave, big_id).await.assert_error(409, 40931);
    let all = w.approve(&w.erin, big_id).await;
    let all = all.assert_ok(200).clone();
    assert_eq!(all["status"], "approved");
    assert_eq!(step_statuses(&all), ["approved", "approved", "approved"]);
    let timeline = w.timeline(&w.alice, big_id).await;
    let timeline = timeline.assert_ok(200).clone();
    assert_eq!(timeline["chain_valid"], true);
    assert_eq!(
        actions(&timeline)
            .iter()
            .filter(|a| *a == "approve")
            .count(),
        4
    );

    // Exactly 5,000.00 is not over 5,000.
    let edge = w
        .submit_ok(
            &w.alice,
            w.expense,
            json!({"amount": "5000.00", "category": "meal"}),
        )
        .await;
    let edge_id = edge["id"].as_i64().unwrap();
    w.approve(&w.bob, edge_id).await.assert_ok(200);
    let edge = w.approve(&w.grace, edge_id).await;
    assert_eq!(edge.assert_ok(200)["status"], "approved");
}

async fn reject_withdraw_and_transfer(backend: Backend, test: &str) {
    let Some(w) = world(backend, test).await else {
        return;
    };
    // Rejection needs a reason, ends the request, and tells the applicant why.
    let request = w.submit_ok(&w.alice, w.leave, leave_form()).await;
    let id = request["id"].as_i64().unwrap();
    let no_reason = w.act(&w.bob, id, "reject", json!({})).await;
    no_reason.assert_error(422, 42200);
    assert!(no_reason.json["message"]
        .as_str()
        .unwrap()
        .starts_with("reason"));
    w.act(&w.bob, id, "reject", json!({"reason": "  "}))
        .await
        .assert_error(422, 42200);
    let rejected = w
        .act(&w.bob, id, "reject", json!({"reason": "project deadline"}))
        .await;
    let rejected = rejected.assert_ok(200).clone();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(step_statuses(&rejected), ["rejected", "not_reached"]);
    assert_eq!(
        rejected["steps"][0]["tasks"][0]["comment"],
        "project deadline"
    );
    w.approve(&w.bob, id).await.assert_error(409, 40931);
    w.approve(&w.carol, id).await.assert_error(404, 40401);
    let notices = w.notifications(&w.alice).await;
    let notice = notices
        .iter()
        .find(|n| n["kind"] == "approval_rejected")
        .expect("rejection notice");
    assert_eq!(notice["body"]["reason"], "project deadline");
    assert_eq!(notice["actor_id"], w.bob.id);
    let timeline = w.timeline(&w.alice, id).await;
    assert_eq!(
        actions(timeline.assert_ok(200)),
        ["submit", "step_started", "reject", "rejected"]
    );

    // Withdrawal: only the applicant, only while pending; the approver's task is cancelled.
    let request = w.submit_ok(&w.alice, w.leave, leave_form()).await;
    let id = request["id"].as_i64().unwrap();
    w.act(&w.mallory, id, "withdraw", json!({}))
        .await
        .assert_error(404, 40401);
    w.act(&w.bob, id, "withdraw", json!({}))
        .await
        .assert_error(403, 40300);
    let withdrawn = w
        .act(&w.alice, id, "withdraw", json!({"reason": "plans changed"}))
        .await;
    let withdrawn = withdrawn.assert_ok(200).clone();
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(step_statuses(&withdrawn), ["cancelled", "not_reached"]);
    w.approve(&w.bob, id).await.assert_error(409, 40930);
    w.act(&w.bob, id, "reject", json!({"reason": "x"}))
        .await
        .assert_error(409, 40930);
    w.act(&w.alice, id, "withdraw", json!({}))
        .await
        .assert_error(409, 40930);
    assert!(w.pending_tasks(&w.bob).await.is_empty());
    assert!(has_notice(
        &w.notifications(&w.bob).await,
        "approval_withdrawn",
        id
    ));
    // Removing the last event is noticed too: the request row remembers the chain's head.
    let timeline = w.timeline(&w.alice, id).await;
    let events = timeline.assert_ok(200)["events"].as_array().unwrap().len();
    w.app
        .state
        .db
        .execute_unprepared(&format!(
            "DELETE FROM approval_events WHERE request_id = {id} AND seq = {events}"
        ))
        .await
        .unwrap();
    let truncated = w.timeline(&w.alice, id).await;
    assert_eq!(truncated.assert_ok(200)["chain_valid"], false);

    // Transfer: Bob hands his task to Henry, who then decides.
    let request = w
        .submit_ok(
            &w.alice,
            w.expense,
            json!({"amount": "88.00", "category": "meal"}),
        )
        .await;
    let id = request["id"].as_i64().unwrap();
    for (to, field_problem) in [
        (w.bob.id, "yourself"),
        (w.alice.id, "applicant"),
        (999_999, "no user"),
    ] {
        let bad = w
            .act(&w.bob, id, "transfer", json!({"to_user_id": to}))
            .await;
        bad.assert_error(422, 42200);
        let message = bad.json["message"].as_str().unwrap();
        assert!(
            message.starts_with("to_user_id") && message.contains(field_problem),
            "{message}"
        );
    }
    w.act(&w.henry, id, "transfer", json!({"to_user_id": w.carol.id}))
        .await
        .assert_error(404, 40401);
    let moved = w
        .act(
            &w.bob,
            id,
            "transfer",
            json!({"to_user_id": w.henry.id, "comment": "Henry knows this project"}),
        )
        .await;
    let moved = moved.assert_ok(200).clone();
    let tasks = moved["steps"][0]["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0]["status"], "transferred");
    assert_eq!(tasks[0]["transferred_to"], w.henry.id);
    assert_eq!(tasks[1]["approver"]["id"], w.henry.id);
    assert_eq!(tasks[1]["status"], "pending");
    w.approve(&w.bob, id).await.assert_error(409, 40931);
    assert!(has_notice(
        &w.notifications(&w.henry).await,
        "approval_pending",
        id
    ));
    assert!(has_notice(
        &w.notifications(&w.alice).await,
        "approval_transferred",
        id
    ));
    let next = w.approve(&w.henry, id).await;
    assert_eq!(next.assert_ok(200)["current_step_name"], "Review");
    let timeline = w.timeline(&w.alice, id).await;
    let timeline = timeline.assert_ok(200).clone();
    assert_eq!(timeline["chain_valid"], true);
    let transfer = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "transfer")
        .unwrap()
        .clone();
    assert_eq!(transfer["actor"]["id"], w.bob.id);
    assert_eq!(transfer["detail"]["to_user_id"], w.henry.id);
    assert_eq!(transfer["comment"], "Henry knows this project");
}

async fn concurrent_approvals_resolve_exactly_once(backend: Backend, test: &str) {
    let Some(w) = world(backend, test).await else {
        return;
    };
    // Two reviewers of an any-of step click at the same moment: one wins, one gets a 409.
    for round in 0..3 {
        let request = w
            .submit_ok(
                &w.alice,
                w.expense,
                json!({"amount": "10", "category": "office"}),
            )
            .await;
        let id = request["id"].as_i64().unwrap();
        w.approve(&w.bob, id).await.assert_ok(200);
        let (a, b) = tokio::join!(w.approve(&w.frank, id), w.approve(&w.grace, id));
        let wins = [&a, &b].iter().filter(|r| r.status == 200).count();
        assert_eq!(wins, 1, "round {round}: {} / {}", a.text, b.text);
        let loser = if a.status == 200 { &b } else { &a };
        loser.assert_error(409, 40933);
        let timeline = w.timeline(&w.alice, id).await;
        let timeline = timeline.assert_ok(200).clone();
        assert_eq!(timeline["chain_valid"], true);
        assert_eq!(
            actions(&timeline)
                .iter()
                .filter(|a| *a == "approve")
                .count(),
            2
        );
        assert_eq!(actions(&timeline).last().unwrap(), "approved");
    }

    // One approver sends the same approval six times at once: it counts once.
    let request = w.submit_ok(&w.alice, w.leave, leave_form()).await;
    let id = request["id"].as_i64().unwrap();
    let replies = futures::future::join_all((0..6).map(|_| w.approve(&w.bob, id))).await;
    let wins = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        wins,
        1,
        "{:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    for reply in replies.iter().filter(|r| r.status != 200) {
        reply.assert_error(409, 40931);
    }
    let view = w.view(&w.alice, id).await;
    let view = view.assert_ok(200).clone();
    assert_eq!(view["current_step"], 1);
    assert_eq!(
        view["steps"][1]["tasks"].as_array().unwrap().len(),
        1,
        "one task for the next step"
    );
    let timeline = w.timeline(&w.alice, id).await;
    let timeline = timeline.assert_ok(200).clone();
    assert_eq!(timeline["chain_valid"], true);
    assert_eq!(
        actions(&timeline),
        ["submit", "step_started", "approve", "step_started"]
    );

    // An approval racing the applicant's withdrawal: whichever is second sees the first.
    let request = w.submit_ok(&w.alice, w.leave, leave_form()).await;
    let id = request["id"].as_i64().unwrap();
    let (approved, withdrawn) = tokio::join!(
        w.approve(&w.bob, id),
        w.act(&w.alice, id, "withdraw", json!({}))
    );
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.text);
    if approved.status != 200 {
        approved.assert_error(409, 40930);
    }
    let timeline = w.timeline(&w.alice, id).await;
    let timeline = timeline.assert_ok(200).clone();
    assert_eq!(timeline["chain_valid"], true);
    assert_eq!(actions(&timeline).last().unwrap(), "withdraw");
}

async fn forms_templates_org_and_permissions(backend: Backend, test: &str) {
    let Some(w) = world(backend, test).await else {
        return;
    };
    let app = &w.app;
    // A bad form is a 422 naming the field.
    let cases = [
        (json!({"category": "travel"}), "form.amount: is required"),
        (json!({"amount": 12, "category": "travel"}), "form.amount:"),
        (
            json!({"amount": "12.345", "category": "travel"}),
            "form.amount:",
        ),
        (
            json!({"amount": "0", "category": "travel"}),
            "form.amount: must be at least 0.01",
        ),
        (
            json!({"amount": "12", "category": "boat"}),
            "form.category:",
        ),
        (
            json!({"amount": "12", "category": "meal", "receipts": "f1"}),
            "form.receipts:",
        ),
        (
            json!({"amount": "12", "category": "meal", "tip": 1}),
            "form.tip:",
        ),
    ];
    for (form, expected) in cases {
        let reply = w.submit(&w.alice, w.expense, form.clone()).await;
        reply.assert_error(422, 42200);
        let message = reply.json["message"].as_str().unwrap();
        assert!(message.starts_with(expected), "{form}: {message}");
    }
    let reversed = w
        .submit(
            &w.alice,
            w.leave,
            json!({"kind": "sick", "period": {"start": "2026-12-05", "end": "2026-12-01"}, "days": 1}),
        )
        .await;
    reversed.assert_error(422, 42200);
    assert!(reversed.json["message"]
        .as_str()
        .unwrap()
        .starts_with("form.period.end"));
    w.submit(&w.alice, 999_999, leave_form())
        .await
        .assert_error(404, 40401);
    post(
        app,
        &w.alice.token,
        "/api/v1/approvals/requests",
        json!({"template_id": w.leave}),
    )
    .await
    .assert_error(422, 42200);

    // Somebody outside the organisation has no manager: 40030, nothing is created.
    let unresolved = w.submit(&w.mallory, w.leave, leave_form()).await;
    unresolved.assert_error(400, 40030);
    assert!(unresolved.json["message"]
        .as_str()
        .unwrap()
        .contains("Manager"));
    let mine = app
        .get_auth("/api/v1/approvals/requests", &w.mallory.token)
        .await;
    assert!(mine.assert_ok(200)["items"].as_array().unwrap().is_empty());

    // Carol heads Engineering and has no manager: her manager is the head above her (the CEO),
    // and the department-head step, which would be herself, is skipped.
    let carols = w.submit_ok(&w.carol, w.leave, leave_form()).await;
    let carols_id = carols["id"].as_i64().unwrap();
    assert_eq!(carols["steps"][0]["tasks"][0]["approver"]["id"], w.ceo.id);
    let done = w.approve(&w.ceo, carols_id).await;
    let done = done.assert_ok(200).clone();
    assert_eq!(done["status"], "approved");
    assert_eq!(step_statuses(&done), ["approved", "skipped"]);

    // Templates are checked on the way in, with the problem named.
    let mut bad = leave_template();
    bad["steps"][1]["condition"] = json!({"field": "nope", "op": ">", "value": 1});
    let reply = post(app, &w.admin, "/api/v1/admin/approvals/templates", bad).await;
    reply.assert_error(422, 42200);
    assert!(reply.json["message"]
        .as_str()
        .unwrap()
        .starts_with("steps[1].condition.field"));
    let mut bad = leave_template();
    bad["steps"][0]["approvers"] = json!([{"type": "role", "role": "moderator"}]);
    let reply = post(app, &w.admin, "/api/v1/admin/approvals/templates", bad).await;
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .starts_with("steps[0].approvers[0]"),
        "{}",
        reply.text
    );
    let bad = expense_template([w.dave.id, 999_999]);
    let reply = post(app, &w.admin, "/api/v1/admin/approvals/templates", bad).await;
    reply.assert_error(422, 42200);
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .starts_with("steps[2].approvers[1].user_id"),
        "{}",
        reply.text
    );
    let mut bad = leave_template();
    bad["steps"][0]["mode"] = json!("majority");
    let reply = post(app, &w.admin, "/api/v1/admin/approvals/templates", bad).await;
    reply.assert_error(422, 42200);
    assert!(
        reply.json["message"]
            .as_str()
            .unwrap()
            .starts_with("steps[0].mode"),
        "{}",
        reply.text
    );
    let mut bad = leave_template();
    bad["fields"][0]["type"] = json!("colour");
    post(app, &w.admin, "/api/v1/admin/approvals/templates", bad)
        .await
        .assert_error(422, 42200);

    // Only admins manage templates and the organisation.
    post(
        app,
        &w.alice.token,
        "/api/v1/admin/approvals/templates",
        leave_template(),
    )
    .await
    .assert_error(403, 40300);
    app.get("/api/v1/admin/approvals/departments")
        .await
        .assert_error(401, 40100);
    app.get_auth("/api/v1/approvals/templates", &w.admin)
        .await
        .assert_error(403, 40300);

    // A new version: requests already submitted keep the one they were submitted under.
    let pending = w.submit_ok(&w.alice, w.leave, leave_form()).await;
    let pending_id = pending["id"].as_i64().unwrap();
    let mut v2 = leave_template();
    v2["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "handover", "label": "交接人", "type": "text", "required": true}));
    v2["expected_version"] = json!(1);
    let updated = put(
        app,
        &w.admin,
        &format!("/api/v1/admin/approvals/templates/{}", w.leave),
        v2.clone(),
    )
    .await;
    assert_eq!(updated.assert_ok(200)["version"], 2);
    put(
        app,
        &w.admin,
        &format!("/api/v1/admin/approvals/templates/{}", w.leave),
        v2,
    )
    .await
    .assert_error(409, 40900);
    let old = w.view(&w.alice, pending_id).await;
    let old = old.assert_ok(200).clone();
    assert_eq!(old["template_version"], 1);
    assert_eq!(old["template"]["fields"].as_array().unwrap().len(), 4);
    let needs_handover = w.submit(&w.alice, w.leave, leave_form()).await;
    needs_handover.assert_error(422, 42200);
    assert!(needs_handover.json["message"]
        .as_str()
        .unwrap()
        .starts_with("form.handover"));
    let versions = app
        .get_auth(
            &format!("/api/v1/admin/approvals/templates/{}/versions", w.leave),
            &w.admin,
        )
        .await;
    assert_eq!(versions.assert_ok(200).as_array().unwrap().len(), 2);
    // The old request still completes on its own definition.
    w.approve(&w.bob, pending_id).await.assert_ok(200);

    // Disabled templates take no new requests and vanish from the users' list.
    delete(
        app,
        &w.admin,
        &format!("/api/v1/admin/approvals/templates/{}", w.expense),
    )
    .await
    .assert_ok(200);
    w.submit(
        &w.alice,
        w.expense,
        json!({"amount": "1", "category": "meal"}),
    )
    .await
    .assert_error(400, 40031);
    let listed = app
        .get_auth("/api/v1/approvals/templates", &w.alice.token)
        .await;
    assert_eq!(listed.assert_ok(200).as_array().unwrap().len(), 1);

    // The organisation: no cycles, no deleting a department with people in it.
    let departments = app
        .get_auth("/api/v1/admin/approvals/departments", &w.admin)
        .await;
    let departments = departments.assert_ok(200).clone();
    let company = departments
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Company")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let cycle = put(
        app,
        &w.admin,
        &format!("/api/v1/admin/approvals/departments/{company}"),
        json!({"name": "Company", "parent_id": w.engineering}),
    )
    .await;
    cycle.assert_error(422, 42200);
    assert!(cycle.json["message"]
        .as_str()
        .unwrap()
        .starts_with("parent_id"));
    delete(
        app,
        &w.admin,
        &format!("/api/v1/admin/approvals/departments/{}", w.engineering),
    )
    .await
    .assert_error(409, 40934);
    let members = app
        .get_auth(
            &format!(
                "/api/v1/admin/approvals/members?department_id={}",
                w.engineering
            ),
            &w.admin,
        )
        .await;
    assert_eq!(members.assert_ok(200).as_array().unwrap().len(), 4);
    put(
        app,
        &w.admin,
        &format!("/api/v1/admin/approvals/members/{}", w.alice.id),
        json!({"department_id": w.engineering, "manager_user_id": w.alice.id}),
    )
    .await
    .assert_error(422, 42200);

    // A step nobody can approve stops the approval that would reach it; nothing changes until an
    // admin fixes the organisation.
    let mut form = leave_form();
    form["handover"] = json!("Henry");
    let stuck = w.submit_ok(&w.alice, w.leave, form).await;
    let stuck_id = stuck["id"].as_i64().unwrap();
    let engineering =
        |head: Value| json!({"name": "Engineering", "parent_id": company, "head_user_id": head});
    let path = format!("/api/v1/admin/approvals/departments/{}", w.engineering);
    put(app, &w.admin, &path, engineering(Value::Null))
        .await
        .assert_ok(200);
    let refused = w.approve(&w.bob, stuck_id).await;
    refused.assert_error(400, 40030);
    assert!(refused.json["message"]
        .as_str()
        .unwrap()
        .contains("Department head"));
    let unchanged = w.view(&w.alice, stuck_id).await;
    let unchanged = unchanged.assert_ok(200).clone();
    assert_eq!(unchanged["current_step"], 0);
    assert_eq!(unchanged["steps"][0]["tasks"][0]["status"], "pending");
    put(app, &w.admin, &path, engineering(json!(w.carol.id)))
        .await
        .assert_ok(200);
    assert_eq!(
        w.approve(&w.bob, stuck_id).await.assert_ok(200)["current_step"],
        1
    );
    assert_eq!(
        w.timeline(&w.alice, stuck_id).await.assert_ok(200)["chain_valid"],
        true
    );

    let spare = post(
        app,
        &w.admin,
        "/api/v1/admin/approvals/departments",
        json!({"name": "Spare", "parent_id": company}),
    )
    .await;
    let spare = spare.assert_ok(201)["id"].as_i64().unwrap();
    delete(
        app,
        &w.admin,
        &format!("/api/v1/admin/approvals/departments/{spare}"),
    )
    .await
    .assert_ok(200);
}

async fn wait_until<F: std::future::Future<Output = bool>>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> F,
) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn subscribe_messages_reach_approvers_who_accepted(backend: Backend, test: &str) {
    let Some(w) = world_with(backend, test, |raw| {
        raw.approvals.approvals_subscribe_template_id = Some("tpl-approval".into());
    })
    .await
    else {
        return;
    };
    let mock = w.app.state.wechat.mock().expect("dev mode mock").clone();
    // Bob accepted one message of the template in the mini-program; Alice accepted one too.
    for user in [&w.bob, &w.alice] {
        post(
            &w.app,
            &user.token,
            "/api/v1/notifications/subscriptions",
            json!({"template_ids": ["tpl-approval"]}),
        )
        .await
        .assert_ok(200);
    }
    let request = w.submit_ok(&w.alice, w.leave, leave_form()).await;
    let id = request["id"].as_i64().unwrap();
    wait_until("the message to Bob", Duration::from_secs(10), || async {
        mock.sent_messages().len() == 1
    })
    .await;
    let sent = &mock.sent_messages()[0];
    assert_eq!(sent.touser, minibase_wechat::mock::openid_for_code("bob"));
    assert_eq!(sent.template_id, "tpl-approval");
    assert_eq!(
        sent.page.as_deref(),
        Some(format!("pages/approvals/detail?id={id}").as_str())
    );
    assert_eq!(sent.data["thing1"]["value"], "Trip to Shenzhen");
    assert_eq!(sent.data["thing2"]["value"], "Leave");
    assert_eq!(sent.data["phrase3"]["value"], "待审批");

    // Carol never accepted: her task is still created and she is told in-app, with no message.
    w.approve(&w.bob, id).await.assert_ok(200);
    assert!(has_notice(
        &w.notifications(&w.carol).await,
        "approval_pending",
        id
    ));
    // The applicant accepted: she hears the result.
    let done = w.approve(&w.carol, id).await;
    assert_eq!(done.assert_ok(200)["status"], "approved");
    wait_until("the result to Alice", Duration::from_secs(10), || async {
        mock.sent_messages().len() == 2
    })
    .await;
    wait_until("every send job done", Duration::from_secs(10), || async {
        jobs::by_kind(&w.app.state.db, subscribe::SEND_JOB)
            .await
            .unwrap()
            .iter()
            .all(|j| j.status == "done")
    })
    .await;
    let sent = mock.sent_messages();
    assert_eq!(sent.len(), 2, "nothing for Carol: {sent:?}");
    assert_eq!(
        sent[1].touser,
        minibase_wechat::mock::openid_for_code("alice")
    );
    assert_eq!(sent[1].data["phrase3"]["value"], "已通过");
}

on_every_backend!(
    leave_runs_manager_then_department_head,
    expense_adds_countersigned_finance_over_5000,
    reject_withdraw_and_transfer,
    concurrent_approvals_resolve_exactly_once,
    forms_templates_org_and_permissions,
    subscribe_messages_reach_approvers_who_accepted,
);

/// A send WeChat refuses (an unknown template) is logged and dropped; the approval goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_send_never_blocks_the_approval() {
    let Some(w) = world_with(Backend::Sqlite, "failed_send", |raw| {
        raw.approvals.approvals_subscribe_template_id = Some("invalid".into());
    })
    .await
    else {
        return;
    };
    post(
        &w.app,
        &w.bob.token,
        "/api/v1/notifications/subscriptions",
        json!({"template_ids": ["invalid"]}),
    )
    .await
    .assert_ok(200);
    let request = w.submit_ok(&w.alice, w.leave, leave_form()).await;
    let id = request["id"].as_i64().unwrap();
    wait_until("the send job finished", Duration::from_secs(10), || async {
        let rows = jobs::by_kind(&w.app.state.db, subscribe::SEND_JOB)
            .await
            .unwrap();
        !rows.is_empty() && rows.iter().all(|j| j.status == "done")
    })
    .await;
    assert!(w
        .app
        .state
        .wechat
        .mock()
        .unwrap()
        .sent_messages()
        .is_empty());
    assert_eq!(
        w.approve(&w.bob, id).await.assert_ok(200)["current_step"],
        1
    );
}
