//! One change of a request, from lock to commit.
//!
//! Every change runs in one transaction whose first statement bumps the request's version
//! (`repo::lock_request`): changes of one request are serialised on every backend, and each
//! re-reads the request and its tasks under that lock before deciding anything, so two
//! approvers of an any-of step, or one approver clicking twice, resolve exactly once. The task
//! itself moves with a conditional update (`... WHERE status = 'pending'`) as well.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseTransaction, TransactionTrait};
use serde_json::{json, Map, Value};

use super::audit::{self, Chain, NewEvent};
use super::definition::{self, TemplateSnapshot};
use super::model::{request, task, RequestStatus, TaskStatus};
use super::org::{self, Resolved};
use super::repo;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notifications::service::{notify, Notice};
use crate::notifications::subscribe::{self, SendRequest};
use crate::realtime::{self, Channel};
use crate::state::AppState;

/// Subject type of the in-app notifications about requests.
const SUBJECT: &str = "approval_request";

pub(super) fn not_found() -> AppError {
    AppError::not_found("approval request")
}

pub(super) fn snapshot_of(row: &request::Model) -> AppResult<TemplateSnapshot> {
    crate::store::json::decode(
        "approval_requests.template_snapshot",
        row.id,
        &row.template_snapshot,
    )
}

pub(super) fn form_of(row: &request::Model) -> AppResult<Map<String, Value>> {
    crate::store::json::decode("approval_requests.form", row.id, &row.form)
}

pub(super) fn step_label(snapshot: &TemplateSnapshot, index: i32) -> String {
    snapshot
        .steps
        .get(index as usize)
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

pub(super) fn blank_to_none(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// The trimmed text, which must not be blank.
pub(super) fn not_blank<'t>(field: &str, text: &'t str) -> AppResult<&'t str> {
    blank_to_none(Some(text)).ok_or_else(|| AppError::validation(field, "must not be blank"))
}

/// First `n` characters (WeChat's `thing` values take at most 20).
fn cut(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// One change of a request inside its transaction: the row as it becomes, and the events,
/// notices and messages that go with it.
pub(super) struct Change<'a> {
    state: &'a AppState,
    pub txn: DatabaseTransaction,
    pub request: request::Model,
    pub snapshot: TemplateSnapshot,
    pub form: Map<String, Value>,
    chain: Chain,
    pub now: DateTime<Utc>,
    /// A subscribe message was queued: ring the worker after the commit.
    queued: bool,
    /// Notices recorded (user, kind, body): announced on the users' realtime channels after the
    /// commit.
    notices: Vec<(i64, String, Value)>,
}

impl<'a> Change<'a> {
    pub fn new(
        state: &'a AppState,
        txn: DatabaseTransaction,
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

    pub async fn event(
        &mut self,
        actor_id: Option<i64>,
        action: &str,
        step_index: Option<i32>,
        comment: Option<&str>,
        detail: Value,
    ) -> AppResult<()> {
        self.chain
            .append(
                &self.txn,
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

    pub async fn notice(
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
            "status": self.request.status.to_value(),
        });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        if actor_id != Some(user_id) {
            self.notices.push((user_id, kind.to_string(), body.clone()));
        }
        notify(
            &self.txn,
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
    pub async fn message(&mut self, user_id: i64, phrase: &str) -> AppResult<()> {
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
        subscribe::enqueue(&self.txn, &request).await?;
        self.queued = true;
        Ok(())
    }

    /// Make the first applicable step at or after `from` active: skip steps whose condition does
    /// not hold or whose only approver is the applicant; create the tasks of the step found and
    /// tell its approvers. With no step left, the request is approved.
    pub async fn advance(&mut self, from: usize, actor_id: Option<i64>) -> AppResult<()> {
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
            match org::resolve_step(&self.txn, &step, index, applicant).await? {
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
                                &self.txn,
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
        self.finish_as(RequestStatus::Approved);
        self.event(None, audit::APPROVED, None, None, json!({}))
            .await?;
        self.notice(applicant, "approval_approved", actor_id, json!({}))
            .await?;
        self.message(applicant, "已通过").await?;
        Ok(())
    }

    /// Cancel every pending task (of one step, or all), returning whose they were.
    pub async fn cancel_pending(
        &mut self,
        tasks: &[task::Model],
        step: Option<i32>,
    ) -> AppResult<Vec<i64>> {
        let mut cancelled = Vec::new();
        for t in tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Pending && step.is_none_or(|s| s == t.step_index))
        {
            let cancelled_task = TaskStatus::Cancelled;
            if repo::decide_task(&self.txn, t.id, cancelled_task, None, None, self.now).await? {
                cancelled.push(t.approver_id);
            }
        }
        Ok(cancelled)
    }

    /// End the request in a final status.
    pub fn finish_as(&mut self, status: RequestStatus) {
        self.request.status = status;
        self.request.current_step = None;
        self.request.finished_at = Some(self.now);
    }

    /// Move the caller's task out of pending; the 409 when it was decided meanwhile.
    pub async fn decide_task(
        &self,
        task: &task::Model,
        status: TaskStatus,
        comment: Option<&str>,
        transferred_to: Option<i64>,
    ) -> AppResult<()> {
        if !repo::decide_task(
            &self.txn,
            task.id,
            status,
            comment,
            transferred_to,
            self.now,
        )
        .await?
        {
            return Err(AppError::new(
                ErrorCode::AlreadyDecided,
                "your task was decided meanwhile",
            ));
        }
        Ok(())
    }

    /// Save the request row with the new chain head and commit; then ring the job worker when
    /// a message waits, and tell the users concerned over realtime (a task assigned, a request
    /// decided). Returns the request's id.
    pub async fn commit(mut self) -> AppResult<i64> {
        self.chain.finish(&mut self.request);
        self.request.updated_at = self.now;
        if !repo::save_request_state(&self.txn, &self.request).await? {
            return Err(AppError::internal(anyhow::anyhow!(
                "approval request {} changed while locked",
                self.request.id
            )));
        }
        self.txn.commit().await?;
        if self.queued {
            self.state.jobs.wake();
        }
        for (user_id, kind, body) in self.notices {
            // approval_pending -> approval.pending (a task assigned), approval_approved, ...
            let event = kind.replacen('_', ".", 1);
            realtime::publish(self.state, Channel::User(user_id), &event, &body);
            crate::notifications::announce(self.state, user_id, &kind).await;
        }
        Ok(self.request.id)
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
    let (RequestStatus::Pending, Some(current)) = (row.status, row.current_step) else {
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
pub(super) async fn can_see(
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
pub(super) fn my_pending_task<'t>(
    row: &request::Model,
    snapshot: &TemplateSnapshot,
    tasks: &'t [task::Model],
    user_id: i64,
) -> AppResult<&'t task::Model> {
    if row.status == RequestStatus::Pending {
        if let Some(task) = tasks.iter().find(|t| {
            t.approver_id == user_id
                && t.status == TaskStatus::Pending
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
            task.status,
            TaskStatus::Approved | TaskStatus::Rejected | TaskStatus::Transferred
        ) {
            return Err(AppError::new(
                ErrorCode::AlreadyDecided,
                format!(
                    "you already {} step '{step}' of this request",
                    task.status.to_value()
                ),
            ));
        }
        if row.status != RequestStatus::Withdrawn && task.status == TaskStatus::Cancelled {
            return Err(AppError::new(
                ErrorCode::StepCompleted,
                format!(
                    "another approver completed step '{step}' first; the request is {}",
                    row.status.to_value()
                ),
            ));
        }
    }
    if row.status != RequestStatus::Pending {
        return Err(not_pending(row));
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

/// The 409 for a request that is no longer pending.
pub(super) fn not_pending(row: &request::Model) -> AppError {
    AppError::new(
        ErrorCode::RequestNotPending,
        format!("the request was already {}", row.status.to_value()),
    )
}

/// Open the transaction of a change: lock the request (first statement), re-read it and its
/// tasks, and check the caller may see it.
pub(super) async fn begin_change(
    state: &AppState,
    id: i64,
    user_id: i64,
) -> AppResult<(Change<'_>, Vec<task::Model>)> {
    let txn = state.db.begin().await?;
    let now = audit::now();
    if !repo::lock_request(&txn, id, now).await? {
        return Err(not_found());
    }
    let row = repo::find_request(&txn, id).await?.ok_or_else(not_found)?;
    let tasks = repo::tasks_of_request(&txn, id).await?;
    if !can_see(&txn, &row, &tasks, user_id).await? {
        return Err(not_found());
    }
    Ok((Change::new(state, txn, row, now)?, tasks))
}
