//! Submitting a request: the form checked against its template, every step that will apply
//! given an approver today, then the first step started.

use sea_orm::TransactionTrait;
use serde_json::json;

use super::audit;
use super::change::{blank_to_none, Change};
use super::definition::{self, TemplateSnapshot};
use super::model::{request, RequestStatus, RequestView, SubmitBody};
use super::org;
use super::repo;
use super::templates::parse_definition;
use super::views::view;
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;

const MAX_FORM_BYTES: usize = 32 * 1024;

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
        status: RequestStatus::Pending,
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
    let mut change = Change::new(state, txn, row, now)?;
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
    let id = change.commit().await?;
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
        status: Set(row.status),
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
