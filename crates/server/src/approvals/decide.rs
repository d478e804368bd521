//! What approvers and applicants do to a pending request: approve, reject, transfer, withdraw,
//! and comment (any time). Each is one change (see `change`): locked, decided, saved, committed.

use serde_json::json;

use super::audit;
use super::change::{
    begin_change, blank_to_none, my_pending_task, not_blank, not_pending, step_label,
};
use super::definition::StepMode;
use super::model::{
    task, ApproveBody, CommentBody, RejectBody, RequestStatus, RequestView, TaskStatus,
    TimelineView, TransferBody, WithdrawBody,
};
use super::repo;
use super::views::{timeline, view};
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub async fn approve(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &ApproveBody,
) -> AppResult<RequestView> {
    let comment = blank_to_none(body.comment.as_deref());
    let (mut change, tasks) = begin_change(state, id, user.id).await?;
    let task = my_pending_task(&change.request, &change.snapshot, &tasks, user.id)?.clone();
    change
        .decide_task(&task, TaskStatus::Approved, comment, None)
        .await?;
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
        .filter(|t| t.step_index == index && t.status == TaskStatus::Pending && t.id != task.id)
        .cloned()
        .collect();
    let complete = match step.mode {
        StepMode::All => others.is_empty(),
        StepMode::Single | StepMode::Any => true,
    };
    if complete {
        change.cancel_pending(&others, Some(index)).await?;
        change.advance(index as usize + 1, Some(user.id)).await?;
        if change.request.status == RequestStatus::Pending {
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
    let id = change.commit().await?;
    view(state, id, Some(user.id)).await
}

pub async fn reject(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &RejectBody,
) -> AppResult<RequestView> {
    let reason = not_blank("reason", &body.reason)?;
    let (mut change, tasks) = begin_change(state, id, user.id).await?;
    let task = my_pending_task(&change.request, &change.snapshot, &tasks, user.id)?.clone();
    change
        .decide_task(&task, TaskStatus::Rejected, Some(reason), None)
        .await?;
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
    change.finish_as(RequestStatus::Rejected);
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
    let id = change.commit().await?;
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
    let (mut change, tasks) = begin_change(state, id, user.id).await?;
    let task = my_pending_task(&change.request, &change.snapshot, &tasks, user.id)?.clone();
    if target == change.request.applicant_id {
        return Err(AppError::validation(
            "to_user_id",
            "the applicant cannot approve their own request",
        ));
    }
    if tasks.iter().any(|t| {
        t.step_index == task.step_index
            && t.approver_id == target
            && t.status == TaskStatus::Pending
    }) {
        return Err(AppError::validation(
            "to_user_id",
            "is already an approver of this step",
        ));
    }
    change
        .decide_task(&task, TaskStatus::Transferred, comment, Some(target))
        .await?;
    let new_task = repo::insert_task(&change.txn, id, task.step_index, target, change.now).await?;
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
    let id = change.commit().await?;
    view(state, id, Some(user.id)).await
}

pub async fn withdraw(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &WithdrawBody,
) -> AppResult<RequestView> {
    let reason = blank_to_none(body.reason.as_deref());
    let (mut change, tasks) = begin_change(state, id, user.id).await?;
    if change.request.applicant_id != user.id {
        return Err(AppError::forbidden(
            "only the applicant can withdraw a request",
        ));
    }
    if change.request.status != RequestStatus::Pending {
        return Err(not_pending(&change.request));
    }
    let step = change.request.current_step;
    let cancelled = change.cancel_pending(&tasks, None).await?;
    change
        .event(Some(user.id), audit::WITHDRAW, step, reason, json!({}))
        .await?;
    change.finish_as(RequestStatus::Withdrawn);
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
    let id = change.commit().await?;
    view(state, id, Some(user.id)).await
}

pub async fn comment(
    state: &AppState,
    user: &Principal,
    id: i64,
    body: &CommentBody,
) -> AppResult<TimelineView> {
    let text = not_blank("text", &body.text)?;
    let (mut change, tasks) = begin_change(state, id, user.id).await?;
    let step = change.request.current_step;
    change
        .event(Some(user.id), audit::COMMENT, step, Some(text), json!({}))
        .await?;
    // The applicant and whoever must decide now hear of it (not the author).
    let mut told = vec![change.request.applicant_id];
    told.extend(
        tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Pending)
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
    let id = change.commit().await?;
    timeline(state, id, Some(user.id)).await
}
