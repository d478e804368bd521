//! Requests as their readers see them: one request with its steps and what the caller may do,
//! its verified audit trail, lists of requests, and an approver's inbox of tasks.

use std::collections::HashMap;

use sea_orm::ActiveEnum;
use serde_json::Value;

use super::audit;
use super::change::{can_see, not_found, snapshot_of, step_label};
use super::definition::TemplateSnapshot;
use super::model::{
    request, task, EventView, MyTaskView, RequestFilter, RequestStatus, RequestSummary,
    RequestView, StepView, TaskStatus, TaskView, TimelineView,
};
use super::repo;
use crate::auth::guard::Principal;
use crate::error::AppResult;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;
use crate::users::service::UserSummary;

async fn summaries(state: &AppState, rows: Vec<request::Model>) -> AppResult<Vec<RequestSummary>> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.applicant_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let users = user_map(state, &ids).await?;
    rows.into_iter()
        .map(|row| {
            let snapshot = snapshot_of(&row)?;
            Ok(summary(&row, &snapshot, &users))
        })
        .collect()
}

fn unknown_user(id: i64) -> UserSummary {
    UserSummary {
        id,
        nickname: String::new(),
        avatar_url: String::new(),
    }
}

fn summary(
    row: &request::Model,
    snapshot: &TemplateSnapshot,
    users: &HashMap<i64, UserSummary>,
) -> RequestSummary {
    RequestSummary {
        id: row.id,
        template_id: row.template_id,
        template_name: snapshot.name.clone(),
        title: row.title.clone(),
        applicant: users
            .get(&row.applicant_id)
            .cloned()
            .unwrap_or_else(|| unknown_user(row.applicant_id)),
        status: row.status.to_value(),
        current_step: row.current_step,
        current_step_name: row.current_step.map(|s| step_label(snapshot, s)),
        created_at: row.created_at,
        updated_at: row.updated_at,
        finished_at: row.finished_at,
    }
}

async fn user_map(state: &AppState, ids: &[i64]) -> AppResult<HashMap<i64, UserSummary>> {
    Ok(repo::users_by_ids(&state.db, ids)
        .await?
        .iter()
        .map(|u| (u.id, UserSummary::from(u)))
        .collect())
}

fn step_status(
    row: &request::Model,
    index: i32,
    tasks: &[&task::Model],
    last_reached: Option<i32>,
) -> &'static str {
    if !tasks.is_empty() {
        if row.current_step == Some(index) {
            return "active";
        }
        if tasks.iter().any(|t| t.status == TaskStatus::Rejected) {
            return "rejected";
        }
        if tasks.iter().any(|t| t.status == TaskStatus::Approved) {
            return "approved";
        }
        return "cancelled";
    }
    match (row.status, row.current_step) {
        (RequestStatus::Pending, Some(current)) if index < current => "skipped",
        (RequestStatus::Pending, _) => "waiting",
        (RequestStatus::Approved, _) => "skipped",
        _ if last_reached.is_some_and(|last| index < last) => "skipped",
        _ => "not_reached",
    }
}

/// A request as `viewer` sees it (None: an admin). Visibility is the caller's to check.
async fn build_view(
    state: &AppState,
    row: request::Model,
    viewer: Option<i64>,
) -> AppResult<RequestView> {
    let snapshot = snapshot_of(&row)?;
    let tasks = repo::tasks_of_request(&state.db, row.id).await?;
    let mut ids: Vec<i64> = tasks.iter().map(|t| t.approver_id).collect();
    ids.push(row.applicant_id);
    ids.sort_unstable();
    ids.dedup();
    let users = user_map(state, &ids).await?;
    let last_reached = tasks.iter().map(|t| t.step_index).max();
    let steps = snapshot
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let index = i as i32;
            let mine: Vec<&task::Model> = tasks.iter().filter(|t| t.step_index == index).collect();
            StepView {
                index,
                name: step.name.clone(),
                mode: step.mode,
                status: step_status(&row, index, &mine, last_reached).to_string(),
                condition: step.condition.clone(),
                tasks: mine
                    .iter()
                    .map(|t| TaskView {
                        id: t.id,
                        approver: users
                            .get(&t.approver_id)
                            .cloned()
                            .unwrap_or_else(|| unknown_user(t.approver_id)),
                        status: t.status.to_value(),
                        comment: t.comment.clone(),
                        transferred_to: t.transferred_to,
                        created_at: t.created_at,
                        decided_at: t.decided_at,
                    })
                    .collect(),
            }
        })
        .collect();
    let mut actions = Vec::new();
    if let Some(viewer) = viewer {
        if row.status == RequestStatus::Pending {
            if tasks.iter().any(|t| {
                t.approver_id == viewer
                    && t.status == TaskStatus::Pending
                    && Some(t.step_index) == row.current_step
            }) {
                actions.extend(["approve", "reject", "transfer"].map(String::from));
            }
            if row.applicant_id == viewer {
                actions.push("withdraw".into());
            }
        }
        actions.push("comment".into());
    }
    Ok(RequestView {
        summary: summary(&row, &snapshot, &users),
        template_version: row.template_version,
        form: crate::store::json::decode("approval_requests.form", row.id, &row.form)?,
        template: snapshot,
        steps,
        version: row.version,
        actions,
    })
}

/// The request, if `viewer` may see it (else 404); admins (`viewer` None) see every one.
async fn visible_request(
    state: &AppState,
    id: i64,
    viewer: Option<i64>,
) -> AppResult<request::Model> {
    let row = repo::find_request(&state.db, id)
        .await?
        .ok_or_else(not_found)?;
    if let Some(user) = viewer {
        let tasks = repo::tasks_of_request(&state.db, id).await?;
        if !can_see(&state.db, &row, &tasks, user).await? {
            return Err(not_found());
        }
    }
    Ok(row)
}

/// One request, for a user who may see it (else 404) or for an admin (`viewer` None).
pub async fn view(state: &AppState, id: i64, viewer: Option<i64>) -> AppResult<RequestView> {
    let row = visible_request(state, id, viewer).await?;
    build_view(state, row, viewer).await
}

/// The audit trail with its verification, for a user who may see the request or an admin.
pub async fn timeline(state: &AppState, id: i64, viewer: Option<i64>) -> AppResult<TimelineView> {
    let row = visible_request(state, id, viewer).await?;
    let events = repo::events_of_request(&state.db, id).await?;
    let verification = audit::verify(&row, &events);
    if !verification.valid {
        tracing::error!(request = id, seq = ?verification.broken_at_seq, problem = ?verification.problem, "approval audit trail does not verify");
    }
    let mut ids: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let users = user_map(state, &ids).await?;
    Ok(TimelineView {
        request_id: id,
        chain_valid: verification.valid,
        broken_at_seq: verification.broken_at_seq,
        problem: verification.problem,
        head_hash: row.head_hash.clone(),
        events: events
            .into_iter()
            .map(|e| EventView {
                seq: e.seq,
                actor: e
                    .actor_id
                    .map(|a| users.get(&a).cloned().unwrap_or_else(|| unknown_user(a))),
                action: e.action,
                step_index: e.step_index,
                comment: e.comment,
                // A detail that does not decode shows as null, so that the timeline still
                // answers, with its verification, for rows someone tampered with.
                detail: serde_json::from_str(&e.detail).unwrap_or(Value::Null),
                form_sha256: e.form_sha256,
                prev_hash: e.prev_hash,
                hash: e.hash,
                created_at: e.created_at,
            })
            .collect(),
    })
}

/// Requests, newest first: the caller's own (`filter.applicant_id`), or any (admins).
pub async fn list(
    state: &AppState,
    filter: &RequestFilter,
    page: &PageQuery,
) -> AppResult<Page<RequestSummary>> {
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let rows = repo::list_requests(&state.db, filter, before, u64::from(limit) + 1).await?;
    let page = Page::from_rows(rows, limit, |r| r.id);
    let items = summaries(state, page.items).await?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The caller's tasks, newest first: `pending` ones (their to-do list) or `done` ones.
pub async fn my_tasks(
    state: &AppState,
    user: &Principal,
    pending: bool,
    page: &PageQuery,
) -> AppResult<Page<MyTaskView>> {
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let rows =
        repo::tasks_of_approver(&state.db, user.id, pending, before, u64::from(limit) + 1).await?;
    let page = Page::from_rows(rows, limit, |t| t.id);
    let mut request_ids: Vec<i64> = page.items.iter().map(|t| t.request_id).collect();
    request_ids.sort_unstable();
    request_ids.dedup();
    let requests = repo::requests_by_ids(&state.db, &request_ids).await?;
    let step_names: HashMap<i64, Vec<String>> = requests
        .iter()
        .map(|r| {
            Ok((
                r.id,
                snapshot_of(r)?.steps.into_iter().map(|s| s.name).collect(),
            ))
        })
        .collect::<AppResult<_>>()?;
    let by_id: HashMap<i64, RequestSummary> = summaries(state, requests)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut items = Vec::new();
    for t in page.items {
        let Some(request) = by_id.get(&t.request_id).cloned() else {
            continue;
        };
        let step_name = step_names
            .get(&t.request_id)
            .and_then(|names| names.get(t.step_index as usize))
            .cloned()
            .unwrap_or_default();
        items.push(MyTaskView {
            task_id: t.id,
            status: t.status.to_value(),
            step_index: t.step_index,
            step_name,
            comment: t.comment,
            created_at: t.created_at,
            decided_at: t.decided_at,
            request,
        });
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}
