//! The organisation: a tree of departments, each with an optional head, and members (a user, their
//! department, optionally their direct manager). Approvers named in templates are resolved against
//! it when a step becomes active.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::definition::{ApproverSpec, StepDef};
use super::model::{department, member};
use super::repo;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::users::service::UserSummary;

/// At most this many approvers in one step (a role held by more people is refused).
pub const MAX_APPROVERS: usize = 100;
/// Walking up the tree stops after this many levels (a guard, trees are shallower).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentView {
    pub id: i64,
    pub name: String,
    /// The parent department; null for a top-level one.
    pub parent_id: Option<i64>,
    pub head_user_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<department::Model> for DepartmentView {
    fn from(row: department::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            parent_id: row.parent_id,
            head_user_id: row.head_user_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentBody {
    /// No control, bidirectional or zero-width characters; not blank.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    #[schema(
        pattern = "^\\s*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B\\u200E\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF][^\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B\\u200E\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF]*$"
    )]
    pub name: String,
    /// The parent department; absent or null for a top-level one.
    pub parent_id: Option<i64>,
    /// The user who heads the department.
    pub head_user_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user: UserSummary,
    pub department_id: i64,
    pub manager_user_id: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    pub department_id: i64,
    /// The member's direct manager (another user).
    pub manager_user_id: Option<i64>,
}

async fn check_user(state: &AppState, field: &str, id: i64) -> AppResult<()> {
    match repo::find_user(&state.db, id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::validation(field, format!("no user {id}"))),
    }
}

async fn check_department_body(state: &AppState, body: &DepartmentBody) -> AppResult<()> {
    crate::text::display_name("name", &body.name)?;
    if let Some(parent) = body.parent_id {
        if repo::find_department(&state.db, parent).await?.is_none() {
            return Err(AppError::validation(
                "parent_id",
                format!("no department {parent}"),
            ));
        }
    }
    if let Some(head) = body.head_user_id {
        check_user(state, "head_user_id", head).await?;
    }
    Ok(())
}

pub async fn list_departments(state: &AppState) -> AppResult<Vec<DepartmentView>> {
    Ok(repo::all_departments(&state.db)
        .await?
        .into_iter()
        .map(DepartmentView::from)
        .collect())
}

pub async fn get_department(state: &AppState, id: i64) -> AppResult<DepartmentView> {
    repo::find_department(&state.db, id)
        .await?
        .map(DepartmentView::from)
        .ok_or_else(|| AppError::not_found("department"))
}

pub async fn create_department(
    state: &AppState,
    body: &DepartmentBody,
) -> AppResult<DepartmentView> {
    check_department_body(state, body).await?;
    let id = repo::insert_department(
        &state.db,
        body.name.trim(),
        body.parent_id,
        body.head_user_id,
        Utc::now(),
    )
    .await?;
    get_department(state, id).await
}

pub async fn update_department(
    state: &AppState,
    id: i64,
    body: &DepartmentBody,
) -> AppResult<DepartmentView> {
    if repo::find_department(&state.db, id).await?.is_none() {
        return Err(AppError::not_found("department"));
    }
    check_department_body(state, body).await?;
    if let Some(parent) = body.parent_id {
        // The new parent must not be the department itself or below it.
        let parents: HashMap<i64, Option<i64>> = repo::all_departments(&state.db)
            .await?
            .into_iter()
            .map(|d| (d.id, d.parent_id))
            .collect();
        let mut at = Some(parent);
        let mut seen = HashSet::new();
        while let Some(current) = at {
            if current == id {
                return Err(AppError::validation(
                    "parent_id",
                    "a department cannot be placed under itself or one of its sub-departments",
                ));
            }
            if !seen.insert(current) {
                break;
            }
            at = parents.get(&current).copied().flatten();
        }
    }
    repo::update_department(
        &state.db,
        id,
        body.name.trim(),
        body.parent_id,
        body.head_user_id,
        Utc::now(),
    )
    .await?;
    get_department(state, id).await
}

pub async fn delete_department(state: &AppState, id: i64) -> AppResult<()> {
    if repo::find_department(&state.db, id).await?.is_none() {
        return Err(AppError::not_found("department"));
    }
    if repo::count_children(&state.db, id).await? > 0
        || repo::count_members(&state.db, id).await? > 0
    {
        return Err(AppError::new(
            ErrorCode::DepartmentNotEmpty,
            "the department still has sub-departments or members",
        ));
    }
    // A concurrent insert of a member or child fails this delete on the foreign key instead.
    repo::delete_department(&state.db, id)
        .await
        .map_err(|err| match err.sql_err() {
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => AppError::new(
                ErrorCode::DepartmentNotEmpty,
                "the department still has sub-departments or members",
            ),
            _ => AppError::from(err),
        })?;
    Ok(())
}

async fn member_views(state: &AppState, rows: Vec<member::Model>) -> AppResult<Vec<MemberView>> {
    let ids: Vec<i64> = rows.iter().map(|m| m.user_id).collect();
    let users: HashMap<i64, UserSummary> = repo::users_by_ids(&state.db, &ids)
        .await?
        .iter()
        .map(|u| (u.id, UserSummary::from(u)))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            Some(MemberView {
                user: users.get(&m.user_id)?.clone(),
                department_id: m.department_id,
                manager_user_id: m.manager_user_id,
                updated_at: m.updated_at,
            })
        })
        .collect())
}

pub async fn list_members(
    state: &AppState,
    department_id: Option<i64>,
) -> AppResult<Vec<MemberView>> {
    let rows = repo::list_members(&state.db, department_id).await?;
    member_views(state, rows).await
}

pub async fn get_member(state: &AppState, user_id: i64) -> AppResult<MemberView> {
    let row = repo::find_member(&state.db, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("member"))?;
    member_views(state, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("member"))
}

/// Put a user in a department (moving them if they were elsewhere), with their manager.
pub async fn put_member(
    state: &AppState,
    user_id: i64,
    body: &MemberBody,
) -> AppResult<MemberView> {
    if repo::find_user(&state.db, user_id).await?.is_none() {
        return Err(AppError::not_found("user"));
    }
    if repo::find_department(&state.db, body.department_id)
        .await?
        .is_none()
    {
        return Err(AppError::validation(
            "department_id",
            format!("no department {}", body.department_id),
        ));
    }
    if let Some(manager) = body.manager_user_id {
        if manager == user_id {
            return Err(AppError::validation(
                "manager_user_id",
                "a member cannot manage themselves",
            ));
        }
        check_user(state, "manager_user_id", manager).await?;
    }
    repo::upsert_member(
        &state.db,
        user_id,
        body.department_id,
        body.manager_user_id,
        Utc::now(),
    )
    .await?;
    get_member(state, user_id).await
}

pub async fn delete_member(state: &AppState, user_id: i64) -> AppResult<()> {
    if !repo::delete_member(&state.db, user_id).await? {
        return Err(AppError::not_found("member"));
    }
    Ok(())
}

// ---- resolving approvers ----

/// Who a step goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// These users (never the applicant), in template order.
    Approvers(Vec<i64>),
    /// The applicant is the step's only approver: the step is skipped (nobody approves their
    /// own request).
    OnlyApplicant,
}

async fn active_user(db: &impl ConnectionTrait, id: i64) -> AppResult<bool> {
    Ok(repo::find_user(db, id).await?.is_some_and(|u| !u.banned))
}

async fn department_head(
    db: &impl ConnectionTrait,
    department_id: i64,
) -> AppResult<Result<i64, String>> {
    let Some(dept) = repo::find_department(db, department_id).await? else {
        return Ok(Err(format!("department {department_id} does not exist")));
    };
    match dept.head_user_id {
        Some(head) if active_user(db, head).await? => Ok(Ok(head)),
        Some(_) => Ok(Err(format!(
            "the head of department '{}' is banned or gone",
            dept.name
        ))),
        None => Ok(Err(format!("department '{}' has no head", dept.name))),
    }
}

/// One approver spec: the users it names, or why it names nobody.
async fn resolve_spec(
    db: &impl ConnectionTrait,
    spec: &ApproverSpec,
    applicant_id: i64,
) -> AppResult<Result<Vec<i64>, String>> {
    match spec {
        ApproverSpec::User { user_id } => Ok(if active_user(db, *user_id).await? {
            Ok(vec![*user_id])
        } else {
            Err(format!("user {user_id} does not exist or is banned"))
        }),
        ApproverSpec::Role { role } => {
            let ids = repo::users_with_role(db, *role, MAX_APPROVERS as u64 + 1).await?;
            Ok(if ids.is_empty() {
                Err(format!("nobody holds the role {}", role.as_str()))
            } else if ids.len() > MAX_APPROVERS {
                Err(format!(
                    "more than {MAX_APPROVERS} people hold the role {}",
                    role.as_str()
                ))
            } else {
                Ok(ids)
            })
        }
        ApproverSpec::Manager => {
            let Some(member) = repo::find_member(db, applicant_id).await? else {
                return Ok(Err("the applicant is not in any department".into()));
            };
            if let Some(manager) = member.manager_user_id {
                if active_user(db, manager).await? {
                    return Ok(Ok(vec![manager]));
                }
            }
            // No direct manager: the head of their department, or of the nearest department
            // above whose head is someone else.
            let mut at = Some(member.department_id);
            let mut depth = 0;
            while let Some(id) = at {
                depth += 1;
                if depth > MAX_DEPTH {
                    break;
                }
                let Some(dept) = repo::find_department(db, id).await? else {
                    break;
                };
                if let Some(head) = dept.head_user_id {
                    if head != applicant_id && active_user(db, head).await? {
                        return Ok(Ok(vec![head]));
                    }
                }
                at = dept.parent_id;
            }
            Ok(Err(
                "the applicant has no manager and no department head above them".into(),
            ))
        }
        ApproverSpec::DepartmentHead {
            department_id: Some(id),
        } => Ok(department_head(db, *id).await?.map(|head| vec![head])),
        ApproverSpec::DepartmentHead {
            department_id: None,
        } => {
            let Some(member) = repo::find_member(db, applicant_id).await? else {
                return Ok(Err("the applicant is not in any department".into()));
            };
            Ok(department_head(db, member.department_id)
                .await?
                .map(|head| vec![head]))
        }
    }
}

/// Resolve a step's approvers against the organisation as it is now. Every approver spec must
/// name somebody, else 40030 naming the step and the reason.
pub async fn resolve_step(
    db: &impl ConnectionTrait,
    step: &StepDef,
    index: usize,
    applicant_id: i64,
) -> AppResult<Resolved> {
    let mut ids: Vec<i64> = Vec::new();
    for spec in &step.approvers {
        match resolve_spec(db, spec, applicant_id).await? {
            Ok(found) => {
                for id in found {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            Err(why) => {
                return Err(AppError::new(
                    ErrorCode::ApproverUnresolved,
                    format!("step {} '{}' has no approver: {why}", index + 1, step.name),
                ))
            }
        }
    }
    if ids.len() > MAX_APPROVERS {
        return Err(AppError::new(
            ErrorCode::ApproverUnresolved,
            format!(
                "step {} '{}' has more than {MAX_APPROVERS} approvers",
                index + 1,
                step.name
            ),
        ));
    }
    ids.retain(|id| *id != applicant_id);
    Ok(if ids.is_empty() {
        Resolved::OnlyApplicant
    } else {
        Resolved::Approvers(ids)
    })
}
