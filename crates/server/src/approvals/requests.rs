//! Requests and their state machine.
//!
//! A request is `pending` until it is `approved` (its last applicable step completed),
//! `rejected` (any approver rejected) or `withdrawn` (by its applicant); those three are final.
//! Each active step has one task per approver: `pending`, then `approved`, `rejected`,
//! `transferred` (handed to someone else, who gets a new task) or `cancelled` (the step or the
//! request ended without them).
//!
//! Every change runs in one transaction whose first statement bumps the request's version
//! (`repo::lock_request`): changes of one request are serialised on every backend, and each
//! re-reads the request and its tasks under that lock before deciding anything, so two
//! approvers of an any-of step, or one approver clicking twice, resolve exactly once. The task
//! itself moves with a conditional update (`... WHERE status = 'pending'`) as well.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use validator::Validate;

use super::audit::{self, Chain, NewEvent};
use super::definition::{self, Condition, StepMode, TemplateSnapshot};
use super::model::{request, task};
use super::org::{self, Resolved};
use super::repo;
use super::templates::parse_definition;
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::notifications::service::{notify, Notice};
use crate::notifications::subscribe::{self, SendRequest};
use crate::realtime::{self, Channel};
use crate::state::AppState;
use crate::users::service::UserSummary;

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const WITHDRAWN: &str = "withdrawn";

pub const TASK_PENDING: &str = "pending";
pub const TASK_APPROVED: &str = "approved";
pub const TASK_REJECTED: &str = "rejected";
pub const TASK_TRANSFERRED: &str = "transferred";
pub const TASK_CANCELLED: &str = "cancelled";

/// Subject type of the in-app notifications about requests.
pub const SUBJECT: &str = "approval_request";
const MAX_FORM_BYTES: usize = 32 * 1024;

// ---- what clients send ----

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    pub template_id: i64,
    /// Shown in lists and messages; defaults to the template's name.
    #[validate(length(max = 128))]
    #[schema(max_length = 128)]
    pub title: Option<String>,
    /// The values, by field key, as the template's fields define them.
    #[schema(value_type = Object)]
    pub form: Value,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why; the applicant sees it.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// Who takes over your task at this step.
    pub to_user_id: i64,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub text: String,
}

// ---- what clients get ----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestSummary {
    pub id: i64,
    pub template_id: i64,
    pub template_name: String,
    pub title: String,
    pub applicant: UserSummary,
    /// pending, approved, rejected or withdrawn.
    pub status: String,
    /// Index (from 0) of the step waiting for approval; null once finished.
    pub current_step: Option<i32>,
    pub current_step_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: i64,
    pub approver: UserSummary,
    /// pending, approved, rejected, transferred or cancelled.
    pub status: String,
    /// The approval comment or rejection reason.
    pub comment: Option<String>,
    /// For a transferred task: who took it over.
    pub transferred_to: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    pub index: i32,
    pub name: String,
    pub mode: StepMode,
    /// waiting (not reached yet), active, approved, rejected, skipped (its condition did not
    /// hold, or the applicant was its only approver), cancelled (withdrawn while active) or
    /// not_reached (the request ended before it).
    pub status: String,
    pub condition: Option<Condition>,
    /// The approvers' tasks, once the step was reached.
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    #[serde(flatten)]
    pub summary: RequestSummary,
    pub template_version: i32,
    /// The values as stored (money as "1234.50").
    #[schema(value_type = Object)]
    pub form: Value,
    /// The template as it was when the request was submitted (labels for the form).
    pub template: TemplateSnapshot,
    pub steps: Vec<StepView>,
    /// Grows with every change of the request.
    pub version: i32,
    /// What the caller may do now: approve, reject, transfer, withdraw, comment.
    pub actions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyTaskView {
    pub task_id: i64,
    /// pending, approved, rejected or transferred.
    pub status: String,
    pub step_index: i32,
    pub step_name: String,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub request: RequestSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub seq: i32,
    /// submit, step_started, step_skipped, approve, reject, transfer, withdraw, comment,
    /// approved, rejected.
    pub action: String,
    /// Who acted; null for what the workflow did by itself.
    pub actor: Option<UserSummary>,
    pub step_index: Option<i32>,
    pub comment: Option<String>,
    #[schema(value_type = Object)]
    pub detail: Value,
    /// SHA-256 of the form as submitted.
    pub form_sha256: String,
    pub prev_hash: String,
    pub hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    pub request_id: i64,
    /// Every hash recomputed and every link checked, against the head the request records.
    pub chain_valid: bool,
    /// The first event that fails verification.
    pub broken_at_seq: Option<i32>,
    pub problem: Option<String>,
    /// The last event's hash: keep it as a receipt of the history so far.
    pub head_hash: String,
    pub events: Vec<EventView>,
}

// ---- helpers ----

fn not_found() -> AppError {
    AppError::not_found("approval request")
}

pub fn snapshot_of(row: &request::Model) -> AppResult<TemplateSnapshot> {
    serde_json::from_str(&row.template_snapshot).map_err(AppError::internal)
}

fn form_of(row: &request::Model) -> AppResult<Map<String, Value>> {
    serde_json::from_str(&row.form).map_err(AppError::internal)
}

fn step_label(snapshot: &TemplateSnapshot, index: i32) -> String {
    snapshot
        .steps
        .get(index as usize)
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

fn blank_to_none(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// First `n` characters (WeChat's `thing` values take at most 20).
fn cut(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// Everything one change does besides the request row: events, notices, messages.
struct Change<'a> {
    state: &'a AppState,
    txn: &'a DatabaseTransaction,
    request: request::Model,
    snapshot: TemplateSnapshot,
    form: Map<String, Value>,
    chain: Chain,
    now: DateTime<Utc>,
    /// A subscribe message was queued: ring the worker after the commit.
    queued: bool,
    /// Notices recorded (user, kind, body): announced on the users' realtime channels after the
    /// commit.
    notices: Vec<(i64, String, Value)>,
}

/// A saved change, to commit.
struct Saved {
    id: i64,
    queued: bool,
    notices: Vec<(i64, String, Value)>,
}

impl<'a> Change<'a> {
    fn new(
        state: &'a AppState,
        txn: &'a DatabaseTransaction,
        request: request::Model,
        now: DateTime<Utc>,
    ) -> AppResult<Self> {
        Ok(Self {
            snapshot: snapshot_of(&request)?,
            form: form_of(&request)?,
            chain: Chain::of(&request),
            state,
            txn,
            request,
            now,
            queued: false,
            notices: Vec::new(),
        })
    }

    async fn event(
        &mut self,
        actor_id: Option<i64>,
        action: &str,
        step_index: Option<i32>,
        comment: Option<&str>,
        detail: Value,
    ) -> AppResult<()> {
        self.chain
            .append(
                self.txn,
                NewEvent {
                    actor_id,
                    action,
                    step_index,
                    comment,
                    detail,
                },
                self.now,
            )
            .await
    }

    async fn notice(
        &mut self,
        user_id: i64,
        kind: &str,
        actor_id: Option<i64>,
        extra: Value,
    ) -> AppResult<()> {
        let mut body = json!({
            "request_id": self.request.id,
            "title": self.request.title,
            "template": self.snapshot.name,
            "status": self.request.status,
        });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        if actor_id != Some(user_id) {
            self.notices.push((user_id, kind.to_string(), body.clone()));
        }
        notify(
            self.txn,
            Notice {
                user_id,
                kind,
                actor_id,
                subject_type: SUBJECT,
                subject_id: self.request.id,
                body,
            },
        )
        .await
    }

    /// Queue a WeChat subscribe message when a template is configured; it is sent by a job,
    /// only if the user accepted the template, and never holds up the change.
    async fn message(&mut self, user_id: i64, phrase: &str) -> AppResult<()> {
        let config = &self.state.config.approvals;
        let Some(template_id) = config.subscribe_template_id.clone() else {
            return Ok(());
        };
        let request = SendRequest {
            user_id,
            template_id,
            page: Some(format!("{}?id={}", config.subscribe_page, self.request.id)),
            data: json!({
                "thing1": {"value": cut(&self.request.title, 20)},
                "thing2": {"value": cut(&self.snapshot.name, 20)},
                "phrase3": {"value": phrase},
            }),
        };
        subscribe::enqueue(self.txn, &request).await?;
        self.queued = true;
        Ok(())
    }

    /// Make the first applicable step at or after `from` active: skip steps whose condition does
    /// not hold or whose only approver is the applicant; create the tasks of the step found and
    /// tell its approvers. With no step left, the request is approved.
    async fn advance(&mut self, from: usize, actor_id: Option<i64>) -> AppResult<()> {
        let applicant = self.request.applicant_id;
        for index in from..self.snapshot.steps.len() {
            let step = self.snapshot.steps[index].clone();
            let at = Some(index as i32);
            if let Some(condition) = &step.condition {
                if !definition::condition_met(condition, &self.snapshot.fields, &self.form) {
                    self.event(
                        None,
                        audit::STEP_SKIPPED,
                        at,
                        None,
                        json!({"step": step.name, "reason": "condition_not_met", "condition": condition}),
                    )
                    .await?;
                    continue;
                }
            }
            match org::resolve_step(self.txn, &step, index, applicant).await? {
                Resolved::OnlyApplicant => {
                    self.event(
                        None,
                        audit::STEP_SKIPPED,
                        at,
                        None,
                        json!({"step": step.name, "reason": "applicant_is_only_approver"}),
                    )
                    .await?;
                }
                Resolved::Approvers(approvers) => {
                    let mut task_ids = Vec::new();
                    for approver in &approvers {
                        task_ids.push(
                            repo::insert_task(
                                self.txn,
                                self.request.id,
                                index as i32,
                                *approver,
                                self.now,
                            )
                            .await?,
                        );
                    }
                    self.request.current_step = at;
                    self.event(
                        None,
                        audit::STEP_STARTED,
                        at,
                        None,
                        json!({"step": step.name, "mode": step.mode, "approvers": approvers, "tasks": task_ids}),
                    )
                    .await?;
                    for approver in approvers {
                        self.notice(
                            approver,
                            "approval_pending",
                            Some(applicant),
                            json!({"step": step.name}),
                        )
                        .await?;
                        self.message(approver, "待审批").await?;
                    }
                    return Ok(());
                }
            }
        }
        self.request.status = APPROVED.into();
        self.request.current_step = None;
        self.request.finished_at = Some(self.now);
        self.event(None, audit::APPROVED, None, None, json!({}))
            .await?;
        self.notice(applicant, "approval_approved", actor_id, json!({}))
            .await?;
        self.message(applicant, "已通过").await?;
        Ok(())
    }

    /// Cancel every pending task (of one step, or all), returning whose they were.
    async fn cancel_pending(
        &mut self,
        tasks: &[task::Model],
        step: Option<i32>,
    ) -> AppResult<Vec<i64>> {
        let mut cancelled = Vec::new();
        for t in tasks
            .iter()
            .filter(|t| t.status == TASK_PENDING && step.is_none_or(|s| s == t.step_index))
        {
            if repo::decide_task(self.txn, t.id, TASK_CANCELLED, None, None, self.now).await? {
                cancelled.push(t.approver_id);
            }
        }
        Ok(cancelled)
    }

    /// Save the request row with the new chain head; returns the request id and whether a
    /// message was queued. The caller commits.
    async fn save(mut self) -> AppResult<Saved> {
        self.chain.finish(&mut self.request);
        self.request.updated_at = self.now;
        if !repo::save_request_state(self.txn, &self.request).await? {
            return Err(AppError::internal(anyhow::anyhow!(
                "approval request {} changed while locked",
                self.request.id
            )));
        }
        Ok(Saved {
            id: self.request.id,
            queued: self.queued,
            notices: self.notices,
        })
    }
}

/// Steps after the current one that apply, resolved against the organisation as it is now:
/// their approvers may see the request coming (and are told it is not their turn yet).
async fn future_approver(
    db: &impl ConnectionTrait,
    row: &request::Model,
    snapshot: &TemplateSnapshot,
    form: &Map<String, Value>,
    user_id: i64,
) -> AppResult<bool> {
    let (PENDING, Some(current)) = (row.status.as_str(), row.current_step) else {
        return Ok(false);
    };
    for (index, step) in snapshot.steps.iter().enumerate().skip(current as usize + 1) {
        if let Some(condition) = &step.condition {
            if !definition::condition_met(condition, &snapshot.fields, form) {
                continue;
            }
        }
        if let Ok(Resolved::Approvers(ids)) =
            org::resolve_step(db, step, index, row.applicant_id).await
        {
            if ids.contains(&user_id) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Who may see a request: its applicant, anyone who has (or had) a task on it, and the
/// approvers of its later steps. Everyone else gets a 404, as if it did not exist.
async fn can_see(
    db: &impl ConnectionTrait,
    row: &request::Model,
    tasks: &[task::Model],
    user_id: i64,
) -> AppResult<bool> {
    if row.applicant_id == user_id || tasks.iter().any(|t| t.approver_id == user_id) {
        return Ok(true);
    }
    future_approver(db, row, &snapshot_of(row)?, &form_of(row)?, user_id).await
}

/// The caller's pending task at the current step, or the 409 that says why there is none.
fn my_pending_task<'t>(
    row: &request::Model,
    snapshot: &TemplateSnapshot,
    tasks: &'t [task::Model],
    user_id: i64,
) -> AppResult<&'t task::Model> {
    if row.status == PENDING {
        if let Some(task) = tasks.iter().find(|t| {
            t.approver_id == user_id
                && t.status == TASK_PENDING
                && Some(t.step_index) == row.current_step
        }) {
            return Ok(task);
        }
    }
    let latest = tasks
        .iter()
        .filter(|t| t.approver_id == user_id)
        .max_by_key(|t| t.id);
    if let Some(task) = latest {
        let step = step_label(snapshot, task.step_index);
        if matches!(
            task.status.as_str(),
            TASK_APPROVED | TASK_REJECTED | TASK_TRANSFERRED
        ) {
            return Err(AppError::new(
                ErrorCode::AlreadyDecided,
                format!("you already {} step '{step}' of this request", task.status),
            ));
        }
        if row.status != WITHDRAWN && task.status == TASK_CANCELLED {
            return Err(AppError::new(
                ErrorCode::StepCompleted,
                format!(
                    "another approver completed step '{step}' first; the request is {}",
                    row.status
                ),
            ));
        }
    }
    if row.status != PENDING {
        return Err(AppError::new(
            ErrorCode::RequestNotPending,
            format!("the request was already {}", row.status),
        ));
    }
    let waiting = row
        .current_step
        .map(|s| step_label(snapshot, s))
        .unwrap_or_default();
    Err(AppError::new(
        ErrorCode::NotYourTurn,
        format!("the request is waiting on step '{waiting}', which is not yours to decide"),
    ))
}

/// Open the transaction of a change: lock the request (first statement), re-read it and its
/// tasks, and check the caller may see it.
async fn begin_change<'a>(
    state: &'a AppState,
    txn: &'a DatabaseTransaction,
    id: i64,
    user_id: i64,
) -> AppResult<(Change<'a>, Vec<task::Model>)> {
    let now = audit::now();
    if !repo::lock_request(txn, id, now).await? {
        return Err(not_found());
    }
    let row = repo::find_request(txn, id).await?.ok_or_else(not_found)?;
    let tasks = repo::tasks_of_request(txn, id).await?;
    if !can_see(txn, &row, &tasks, user_id).await? {
        return Err(not_found());
    }
    Ok((Change::new(state, txn, row, now)?, tasks))
}

/// Commit a change saved with `Change::save`, and ring the job worker when a message waits.
/// Then tell the users concerned over realtime (a task assigned, a request decided).
async fn commit(state: &AppState, txn: DatabaseTransaction, saved: Saved) -> AppResult<i64> {
    txn.commit().await?;
    if saved.queued {
        state.jobs.wake();
    }
    for (user_id, kind, body) in saved.notices {
        // approval_pending -> approval.pending (a task assigned), approval_approved, ...
        let event = kind.replacen('_', ".", 1);
        realtime::publish(state, Channel::User(user_id), &event, &body);
        crate::notifications::announce(state, user_id, &kind).await;
    }
    Ok(saved.id)
}

// ---- the operations ----

pub async fn submit(
    state: &AppState,
    user: &Principal,
    body: &SubmitBody,
) -> AppResult<RequestView> {
    let template = repo::find_template(&state.db, body.template_id)
        .await?
        .ok_or_else(|| AppError::not_found("template"))?;
    if !template.enabled {
        return Err(AppError::new(
            ErrorCode::TemplateDisabled,
            format!("template '{}' is disabled", template.name),
        ));
    }
    let definition = parse_definition(&template.definition)?;
    let form = definition::check_form(&definition.fields, &body.form)?;
    let form_text = serde_json::to_string(&form).map_err(AppError::internal)?;
    if form_text.len() > MAX_FORM_BYTES {
        return Err(AppError::validation(
            "form",
            format!("is too large (at most {MAX_FORM_BYTES} bytes of JSON)"),
        ));
    }
    let title = blank_to_none(body.title.as_deref())
        .unwrap_or(template.name.as_str())
        .to_string();
    let snapshot = TemplateSnapshot {
        id: template.id,
        version: template.version,
        name: template.name.clone(),
        fields: definition.fields,
        steps: definition.steps,
    };
    // Every step that will apply must have an approver today, or nothing is submitted.
    for (index, step) in snapshot.steps.iter().enumerate() {
        if let Some(condition) = &step.condition {
            if !definition::condition_met(condition, &snapshot.fields, &form) {
                continue;
            }
        }
        org::resolve_step(&state.db, step, index, user.id).await?;
    }

    let now = audit::now();
    let mut row = request::Model {
        id: 0,
        template_id: template.id,
        template_version: template.version,
        template_snapshot: serde_json::to_string(&snapshot).map_err(AppError::internal)?,
        applicant_id: user.id,
        title,
        form_sha256: audit::sha256_hex(form_text.as_bytes()),
        form: form_text,
        status: PENDING.into(),
        current_step: None,
        version: 1,
        event_count: 0,
        head_hash: audit::GENESIS.into(),
        created_at: now,
        updated_at: now,
        finished_at: None,
    };
    let txn = state.db.begin().await?;
    row.id = repo::insert_request(&txn, to_active(&row)).await?;
    let mut change = Change::new(state, &txn, row, now)?;
    let detail = json!({
        "template_id": template.id,
        "template_version": template.version,
        "title": change.request.title,
        "form": change.form,
    });
    change
        .event(Some(user.id), audit::SUBMIT, None, None, detail)
        .await?;
    change.advance(0, Some(user.id)).await?;
    let saved = change.save().await?;
    let id = commit(state, txn, saved).await?;
    tracing::info!(
        request = id,
        template = template.id,
        user = user.id,
        "approval request submitted"
    );
    view(state, id, Some(user.id)).await
}

fn to_active(row: &request::Model) -> request::ActiveModel {
    use sea_orm::ActiveValue::Set;
    request::ActiveModel {
        template_id: Set(row.template_id),
        template_version: Set(row.template_version),
        template_snapshot: Set(row.template_snapshot.clone()),
        applicant_id: Set(row.applicant_id),
        title: Set(row.title.clone()),
        form: Set(row.form.clone()),
        form_sha256: Set(row.form_sha256.clone()),
        status: Set(row.status.clone()),
        current_step: Set(row.current_step),
        version: Set(row.version),
        event_count: Set(row.event_count),
        head_hash: Set(row.head_hash.clone()),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
        finished_at: Set(row.finished_at),
        ..Default::default()
    }
}

pub async fn approve(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &ApproveBody,
) -> AppResult<RequestView> {
    let comment = blank_to_none(body.comment.as_deref());
    let txn = state.db.begin().await?;
    let (mut change, tasks) = begin_change(state, &txn, id, user.id).await?;
    let task = my_pending_task(&change.request, &change.snapshot, &tasks, user.id)?.clone();
    if !repo::decide_task(&txn, task.id, TASK_APPROVED, comment, None, change.now).await? {
        return Err(AppError::new(
            ErrorCode::AlreadyDecided,
            "your task was decided meanwhile",
        ));
    }
    let index = task.step_index;
    let step = change.snapshot.steps[index as usize].clone();
    change
        .event(
            Some(user.id),
            audit::APPROVE,
            Some(index),
            comment,
            json!({"step": step.name, "task_id": task.id}),
        )
        .await?;
    let others: Vec<task::Model> = tasks
        .iter()
        .filter(|t| t.step_index == index && t.status == TASK_PENDING && t.id != task.id)
        .cloned()
        .collect();
    let complete = match step.mode {
        StepMode::All => others.is_empty(),
        StepMode::Single | StepMode::Any => true,
    };
    if complete {
        change.cancel_pending(&others, Some(index)).await?;
        change.advance(index as usize + 1, Some(user.id)).await?;
        if change.request.status == PENDING {
            let next = change
                .request
                .current_step
                .map(|s| step_label(&change.snapshot, s));
            change
                .notice(
                    change.request.applicant_id,
                    "approval_progress",
                    Some(user.id),
                    json!({"step": step.name, "next_step": next}),
                )
                .await?;
        }
    }
    let saved = change.save().await?;
    let id = commit(state, txn, saved).await?;
    view(state, id, Some(user.id)).await
}

pub async fn reject(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &RejectBody,
) -> AppResult<RequestView> {
    let Some(reason) = blank_to_none(Some(&body.reason)) else {
        return Err(AppError::validation("reason", "must not be blank"));
    };
    let txn = state.db.begin().await?;
    let (mut change, tasks) = begin_change(state, &txn, id, user.id).await?;
    let task = my_pending_task(&change.request, &change.snapshot, &tasks, user.id)?.clone();
    if !repo::decide_task(&txn, task.id, TASK_REJECTED, Some(reason), None, change.now).await? {
        return Err(AppError::new(
            ErrorCode::AlreadyDecided,
            "your task was decided meanwhile",
        ));
    }
    let others: Vec<task::Model> = tasks.iter().filter(|t| t.id != task.id).cloned().collect();
    change.cancel_pending(&others, None).await?;
    let index = task.step_index;
    let step_name = step_label(&change.snapshot, index);
    change
        .event(
            Some(user.id),
            audit::REJECT,
            Some(index),
            Some(reason),
            json!({"step": step_name, "task_id": task.id}),
        )
        .await?;
    change.request.status = REJECTED.into();
    change.request.current_step = None;
    change.request.finished_at = Some(change.now);
    change
        .event(None, audit::REJECTED, Some(index), None, json!({}))
        .await?;
    let applicant = change.request.applicant_id;
    change
        .notice(
            applicant,
            "approval_rejected",
            Some(user.id),
            json!({"step": step_name, "reason": reason}),
        )
        .await?;
    change.message(applicant, "已驳回").await?;
    let saved = change.save().await?;
    let id = commit(state, txn, saved).await?;
    view(state, id, Some(user.id)).await
}

pub async fn transfer(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &TransferBody,
) -> AppResult<RequestView> {
    let comment = blank_to_none(body.comment.as_deref());
    let target = body.to_user_id;
    if target == user.id {
        return Err(AppError::validation(
            "to_user_id",
            "you cannot transfer a task to yourself",
        ));
    }
    match repo::find_user(&state.db, target).await? {
        Some(u) if !u.banned => {}
        Some(_) => return Err(AppError::validation("to_user_id", "that user is banned")),
        None => {
            return Err(AppError::validation(
                "to_user_id",
                format!("no user {target}"),
            ))
        }
    }
    let txn = state.db.begin().await?;
    let (mut change, tasks) = begin_change(state, &txn, id, user.id).await?;
    let task = my_pending_task(&change.request, &change.snapshot, &tasks, user.id)?.clone();
    if target == change.request.applicant_id {
        return Err(AppError::validation(
            "to_user_id",
            "the applicant cannot approve their own request",
        ));
    }
    if tasks.iter().any(|t| {
        t.step_index == task.step_index && t.approver_id == target && t.status == TASK_PENDING
    }) {
        return Err(AppError::validation(
            "to_user_id",
            "is already an approver of this step",
        ));
    }
    if !repo::decide_task(
        &txn,
        task.id,
        TASK_TRANSFERRED,
        comment,
        Some(target),
        change.now,
    )
    .await?
    {
        return Err(AppError::new(
            ErrorCode::AlreadyDecided,
            "your task was decided meanwhile",
        ));
    }
    let new_task = repo::insert_task(&txn, id, task.step_index, target, change.now).await?;
    let step_name = step_label(&change.snapshot, task.step_index);
    change
        .event(
            Some(user.id),
            audit::TRANSFER,
            Some(task.step_index),
            comment,
            json!({"step": step_name, "task_id": task.id, "to_user_id": target, "new_task_id": new_task}),
        )
        .await?;
    change
        .notice(
            target,
            "approval_pending",
            Some(user.id),
            json!({"step": step_name, "transferred_by": user.id}),
        )
        .await?;
    change.message(target, "待审批").await?;
    let applicant = change.request.applicant_id;
    change
        .notice(
            applicant,
            "approval_transferred",
            Some(user.id),
            json!({"step": step_name, "to_user_id": target}),
        )
        .await?;
    let saved = change.save().await?;
    let id = commit(state, txn, saved).await?;
    view(state, id, Some(user.id)).await
}

pub async fn withdraw(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &WithdrawBody,
) -> AppResult<RequestView> {
    let reason = blank_to_none(body.reason.as_deref());
    let txn = state.db.begin().await?;
    let (mut change, tasks) = begin_change(state, &txn, id, user.id).await?;
    if change.request.applicant_id != user.id {
        return Err(AppError::forbidden(
            "only the applicant can withdraw a request",
        ));
    }
    if change.request.status != PENDING {
        return Err(AppError::new(
            ErrorCode::RequestNotPending,
            format!("the request was already {}", change.request.status),
        ));
    }
    let step = change.request.current_step;
    let cancelled = change.cancel_pending(&tasks, None).await?;
    change
        .event(Some(user.id), audit::WITHDRAW, step, reason, json!({}))
        .await?;
    change.request.status = WITHDRAWN.into();
    change.request.current_step = None;
    change.request.finished_at = Some(change.now);
    for approver in cancelled {
        change
            .notice(
                approver,
                "approval_withdrawn",
                Some(user.id),
                json!({"reason": reason}),
            )
            .await?;
    }
    let saved = change.save().await?;
    let id = commit(state, txn, saved).await?;
    view(state, id, Some(user.id)).await
}

pub async fn comment(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &CommentBody,
) -> AppResult<TimelineView> {
    let Some(text) = blank_to_none(Some(&body.text)) else {
        return Err(AppError::validation("text", "must not be blank"));
    };
    let txn = state.db.begin().await?;
    let (mut change, tasks) = begin_change(state, &txn, id, user.id).await?;
    let step = change.request.current_step;
    change
        .event(Some(user.id), audit::COMMENT, step, Some(text), json!({}))
        .await?;
    // The applicant and whoever must decide now hear of it (not the author).
    let mut told = vec![change.request.applicant_id];
    told.extend(
        tasks
            .iter()
            .filter(|t| t.status == TASK_PENDING)
            .map(|t| t.approver_id),
    );
    told.sort_unstable();
    told.dedup();
    for who in told {
        change
            .notice(
                who,
                "approval_comment",
                Some(user.id),
                json!({"comment": text}),
            )
            .await?;
    }
    let saved = change.save().await?;
    let id = commit(state, txn, saved).await?;
    timeline(state, id, Some(user.id)).await
}

// ---- reading ----

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
        status: row.status.clone(),
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
        if tasks.iter().any(|t| t.status == TASK_REJECTED) {
            return "rejected";
        }
        if tasks.iter().any(|t| t.status == TASK_APPROVED) {
            return "approved";
        }
        return "cancelled";
    }
    match (row.status.as_str(), row.current_step) {
        (PENDING, Some(current)) if index < current => "skipped",
        (PENDING, _) => "waiting",
        (APPROVED, _) => "skipped",
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
                        status: t.status.clone(),
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
        if row.status == PENDING {
            if tasks.iter().any(|t| {
                t.approver_id == viewer
                    && t.status == TASK_PENDING
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
        form: serde_json::from_str(&row.form).map_err(AppError::internal)?,
        template: snapshot,
        steps,
        version: row.version,
        actions,
    })
}

/// One request, for a user who may see it (else 404) or for an admin (`viewer` None).
pub async fn view(state: &AppState, id: i64, viewer: Option<i64>) -> AppResult<RequestView> {
    let row = repo::find_request(&state.db, id)
        .await?
        .ok_or_else(not_found)?;
    if let Some(user) = viewer {
        let tasks = repo::tasks_of_request(&state.db, id).await?;
        if !can_see(&state.db, &row, &tasks, user).await? {
            return Err(not_found());
        }
    }
    build_view(state, row, viewer).await
}

/// The audit trail with its verification, for a user who may see the request or an admin.
pub async fn timeline(state: &AppState, id: i64, viewer: Option<i64>) -> AppResult<TimelineView> {
    let row = repo::find_request(&state.db, id)
        .await?
        .ok_or_else(not_found)?;
    if let Some(user) = viewer {
        let tasks = repo::tasks_of_request(&state.db, id).await?;
        if !can_see(&state.db, &row, &tasks, user).await? {
            return Err(not_found());
        }
    }
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
    filter: &repo::RequestFilter,
    page: &PageQuery,
) -> AppResult<Page<RequestSummary>> {
    if let Some(status) = &filter.status {
        if ![PENDING, APPROVED, REJECTED, WITHDRAWN].contains(&status.as_str()) {
            return Err(AppError::new(
                ErrorCode::InvalidQuery,
                "status: must be one of pending, approved, rejected, withdrawn",
            ));
        }
    }
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
            status: t.status,
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
