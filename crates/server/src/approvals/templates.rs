//! Templates: admins define a form and a flow; every change is a new version, kept in
//! `approval_template_versions`. Requests copy the version they were submitted under, so a
//! later change never alters a request already under way.

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::definition::{self, ApproverSpec, Definition, FieldDef, StepDef};
use super::model::{template, template_version};
use super::repo::{self, TemplateRow};
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;

/// The largest definition (fields and steps as JSON) a template may have.
const MAX_DEFINITION_BYTES: usize = 48 * 1024;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    #[validate(length(max = 512))]
    #[schema(max_length = 512)]
    pub description: Option<String>,
    /// Disabled templates accept no new requests (requests under way go on). Default true on
    /// create; unchanged when absent on update.
    pub enabled: Option<bool>,
    pub fields: Vec<FieldDef>,
    pub steps: Vec<StepDef>,
    /// Update only: the version the change was based on; another current version is a 409.
    pub expected_version: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    /// Grows with every change; requests record the version they were submitted under.
    pub version: i32,
    pub fields: Vec<FieldDef>,
    pub steps: Vec<StepDef>,
    pub updated_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateVersionView {
    pub version: i32,
    pub name: String,
    pub description: String,
    pub fields: Vec<FieldDef>,
    pub steps: Vec<StepDef>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub fn parse_definition(text: &str) -> AppResult<Definition> {
    serde_json::from_str(text).map_err(AppError::internal)
}

fn view(row: template::Model) -> AppResult<TemplateView> {
    let definition = parse_definition(&row.definition)?;
    Ok(TemplateView {
        id: row.id,
        name: row.name,
        description: row.description,
        enabled: row.enabled,
        version: row.version,
        fields: definition.fields,
        steps: definition.steps,
        updated_by: row.updated_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn version_view(row: template_version::Model) -> AppResult<TemplateVersionView> {
    let definition = parse_definition(&row.definition)?;
    Ok(TemplateVersionView {
        version: row.version,
        name: row.name,
        description: row.description,
        fields: definition.fields,
        steps: definition.steps,
        created_by: row.created_by,
        created_at: row.created_at,
    })
}

pub fn actor_name(actor: &Principal) -> String {
    match actor.kind {
        SubjectKind::Admin => format!("admin:{}", actor.id),
        SubjectKind::User => format!("user:{}", actor.id),
    }
}

/// The definition of a body, checked, as the JSON text to store.
async fn checked_definition(state: &AppState, body: &TemplateBody) -> AppResult<String> {
    if body.name.trim().is_empty() {
        return Err(AppError::validation("name", "must not be blank"));
    }
    let definition = Definition {
        fields: body.fields.clone(),
        steps: body.steps.clone(),
    };
    definition::check_definition(&definition)?;
    for (i, step) in definition.steps.iter().enumerate() {
        for (j, approver) in step.approvers.iter().enumerate() {
            let missing = match approver {
                ApproverSpec::User { user_id } => repo::find_user(&state.db, *user_id)
                    .await?
                    .is_none()
                    .then(|| ("user_id", format!("no user {user_id}"))),
                ApproverSpec::DepartmentHead {
                    department_id: Some(id),
                } => repo::find_department(&state.db, *id)
                    .await?
                    .is_none()
                    .then(|| ("department_id", format!("no department {id}"))),
                _ => None,
            };
            if let Some((field, problem)) = missing {
                return Err(AppError::validation(
                    &format!("steps[{i}].approvers[{j}].{field}"),
                    problem,
                ));
            }
        }
    }
    let text = serde_json::to_string(&definition).map_err(AppError::internal)?;
    if text.len() > MAX_DEFINITION_BYTES {
        return Err(AppError::validation(
            "fields",
            format!("the template is too large (at most {MAX_DEFINITION_BYTES} bytes of JSON)"),
        ));
    }
    Ok(text)
}

pub async fn create(
    state: &AppState,
    actor: &Principal,
    body: &TemplateBody,
) -> AppResult<TemplateView> {
    if body.expected_version.is_some() {
        return Err(AppError::validation(
            "expected_version",
            "is for updates only",
        ));
    }
    let definition = checked_definition(state, body).await?;
    let actor = actor_name(actor);
    let row = TemplateRow {
        name: body.name.trim(),
        description: body.description.as_deref().unwrap_or(""),
        enabled: body.enabled.unwrap_or(true),
        definition: &definition,
        actor: &actor,
    };
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let id = repo::insert_template(&txn, &row, now).await?;
    repo::insert_template_version(&txn, id, 1, &row, now).await?;
    txn.commit().await?;
    tracing::info!(template = id, actor, "approval template created");
    get(state, id).await
}

fn changed_elsewhere() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "the template was changed by someone else; reload and retry",
    )
}

/// Save a new version of the template.
pub async fn update(
    state: &AppState,
    actor: &Principal,
    id: i64,
    body: &TemplateBody,
) -> AppResult<TemplateView> {
    let current = repo::find_template(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("template"))?;
    if body.expected_version.is_some_and(|v| v != current.version) {
        return Err(changed_elsewhere());
    }
    let definition = checked_definition(state, body).await?;
    let actor = actor_name(actor);
    let row = TemplateRow {
        name: body.name.trim(),
        description: body
            .description
            .as_deref()
            .unwrap_or(current.description.as_str()),
        enabled: body.enabled.unwrap_or(current.enabled),
        definition: &definition,
        actor: &actor,
    };
    let now = Utc::now();
    let txn = state.db.begin().await?;
    // The conditional update goes first: it takes the write lock and decides a race between two
    // admins saving the same version.
    if !repo::update_template(&txn, id, current.version, &row, now).await? {
        return Err(changed_elsewhere());
    }
    repo::insert_template_version(&txn, id, current.version + 1, &row, now).await?;
    txn.commit().await?;
    tracing::info!(
        template = id,
        version = current.version + 1,
        actor,
        "approval template changed"
    );
    get(state, id).await
}

/// Disable a template: no new requests; requests under way go on. `PUT` with `"enabled": true`
/// enables it again.
pub async fn disable(state: &AppState, actor: &Principal, id: i64) -> AppResult<TemplateView> {
    if !repo::set_template_enabled(&state.db, id, false, &actor_name(actor), Utc::now()).await? {
        return Err(AppError::not_found("template"));
    }
    get(state, id).await
}

pub async fn get(state: &AppState, id: i64) -> AppResult<TemplateView> {
    let row = repo::find_template(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("template"))?;
    view(row)
}

pub async fn list(state: &AppState, enabled_only: bool) -> AppResult<Vec<TemplateView>> {
    repo::list_templates(&state.db, enabled_only)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

pub async fn versions(state: &AppState, id: i64) -> AppResult<Vec<TemplateVersionView>> {
    let rows = repo::template_versions(&state.db, id).await?;
    if rows.is_empty() {
        return Err(AppError::not_found("template"));
    }
    rows.into_iter().map(version_view).collect()
}

/// A template as users see it: enabled ones only.
pub async fn get_enabled(state: &AppState, id: i64) -> AppResult<TemplateView> {
    match repo::find_template(&state.db, id).await? {
        Some(row) if row.enabled => view(row),
        _ => Err(AppError::not_found("template")),
    }
}
