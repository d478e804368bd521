//! Queries of the approval workflow. Events are only ever inserted and read: there is no update
//! or delete of `approval_events` here, on purpose.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::model::{
    department, event, member, request, task, template, template_version, RequestFilter, TaskStatus,
};
use crate::store::keyset::newest_first;
use crate::users::model::{self as users, Role};

// ---- organisation ----

pub async fn insert_department(
    db: &impl ConnectionTrait,
    name: &str,
    parent_id: Option<i64>,
    head_user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let result = department::Entity::insert(department::ActiveModel {
        name: Set(name.to_string()),
        parent_id: Set(parent_id),
        head_user_id: Set(head_user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(result.last_insert_id)
}

pub async fn find_department(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<department::Model>, DbErr> {
    department::Entity::find_by_id(id).one(db).await
}

pub async fn all_departments(db: &impl ConnectionTrait) -> Result<Vec<department::Model>, DbErr> {
    department::Entity::find()
        .order_by_asc(department::Column::Id)
        .limit(10_000)
        .all(db)
        .await
}

pub async fn update_department(
    db: &impl ConnectionTrait,
    id: i64,
    name: &str,
    parent_id: Option<i64>,
    head_user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = department::Entity::update_many()
        .col_expr(department::Column::Name, Expr::value(name))
        .col_expr(department::Column::ParentId, Expr::value(parent_id))
        .col_expr(department::Column::HeadUserId, Expr::value(head_user_id))
        .col_expr(department::Column::UpdatedAt, Expr::value(now))
        .filter(department::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

pub async fn delete_department(db: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    let result = department::Entity::delete_many()
        .filter(department::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

pub async fn count_children(db: &impl ConnectionTrait, id: i64) -> Result<u64, DbErr> {
    department::Entity::find()
        .filter(department::Column::ParentId.eq(id))
        .count(db)
        .await
}

pub async fn count_members(db: &impl ConnectionTrait, department_id: i64) -> Result<u64, DbErr> {
    member::Entity::find()
        .filter(member::Column::DepartmentId.eq(department_id))
        .count(db)
        .await
}

pub async fn upsert_member(
    db: &impl ConnectionTrait,
    user_id: i64,
    department_id: i64,
    manager_user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    member::Entity::insert(member::ActiveModel {
        user_id: Set(user_id),
        department_id: Set(department_id),
        manager_user_id: Set(manager_user_id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(member::Column::UserId)
            .update_columns([
                member::Column::DepartmentId,
                member::Column::ManagerUserId,
                member::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

pub async fn find_member(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<member::Model>, DbErr> {
    member::Entity::find_by_id(user_id).one(db).await
}

pub async fn list_members(
    db: &impl ConnectionTrait,
    department_id: Option<i64>,
) -> Result<Vec<member::Model>, DbErr> {
    let mut query = member::Entity::find();
    if let Some(department_id) = department_id {
        query = query.filter(member::Column::DepartmentId.eq(department_id));
    }
    query
        .order_by_asc(member::Column::UserId)
        .limit(10_000)
        .all(db)
        .await
}

pub async fn delete_member(db: &impl ConnectionTrait, user_id: i64) -> Result<bool, DbErr> {
    let result = member::Entity::delete_many()
        .filter(member::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Users (not banned) holding exactly `role`, lowest id first, at most `limit`.
pub async fn users_with_role(
    db: &impl ConnectionTrait,
    role: Role,
    limit: u64,
) -> Result<Vec<i64>, DbErr> {
    users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Role.eq(role.as_str()))
        .filter(users::Column::Banned.eq(false))
        .order_by_asc(users::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

pub async fn find_user(db: &impl ConnectionTrait, id: i64) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find_by_id(id).one(db).await
}

pub async fn users_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<users::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::Entity::find()
        .filter(users::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

// ---- templates ----

pub struct TemplateRow<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub enabled: bool,
    pub definition: &'a str,
    pub actor: &'a str,
}

pub async fn insert_template(
    db: &impl ConnectionTrait,
    row: &TemplateRow<'_>,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let result = template::Entity::insert(template::ActiveModel {
        name: Set(row.name.to_string()),
        description: Set(row.description.to_string()),
        enabled: Set(row.enabled),
        version: Set(1),
        definition: Set(row.definition.to_string()),
        updated_by: Set(row.actor.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(result.last_insert_id)
}

/// Replace the template with `version + 1` if it is still at `version`.
pub async fn update_template(
    db: &impl ConnectionTrait,
    id: i64,
    version: i32,
    row: &TemplateRow<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = template::Entity::update_many()
        .col_expr(template::Column::Name, Expr::value(row.name))
        .col_expr(template::Column::Description, Expr::value(row.description))
        .col_expr(template::Column::Enabled, Expr::value(row.enabled))
        .col_expr(template::Column::Definition, Expr::value(row.definition))
        .col_expr(template::Column::UpdatedBy, Expr::value(row.actor))
        .col_expr(template::Column::UpdatedAt, Expr::value(now))
        .col_expr(template::Column::Version, Expr::value(version + 1))
        .filter(template::Column::Id.eq(id))
        .filter(template::Column::Version.eq(version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn set_template_enabled(
    db: &impl ConnectionTrait,
    id: i64,
    enabled: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = template::Entity::update_many()
        .col_expr(template::Column::Enabled, Expr::value(enabled))
        .col_expr(template::Column::UpdatedBy, Expr::value(actor))
        .col_expr(template::Column::UpdatedAt, Expr::value(now))
        .filter(template::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

pub async fn insert_template_version(
    db: &impl ConnectionTrait,
    template_id: i64,
    version: i32,
    row: &TemplateRow<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    template_version::Entity::insert(template_version::ActiveModel {
        template_id: Set(template_id),
        version: Set(version),
        name: Set(row.name.to_string()),
        description: Set(row.description.to_string()),
        definition: Set(row.definition.to_string()),
        created_by: Set(row.actor.to_string()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

pub async fn find_template(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<template::Model>, DbErr> {
    template::Entity::find_by_id(id).one(db).await
}

pub async fn list_templates(
    db: &impl ConnectionTrait,
    enabled_only: bool,
) -> Result<Vec<template::Model>, DbErr> {
    let mut query = template::Entity::find();
    if enabled_only {
        query = query.filter(template::Column::Enabled.eq(true));
    }
    query
        .order_by_asc(template::Column::Id)
        .limit(1000)
        .all(db)
        .await
}

/// Newest first.
pub async fn template_versions(
    db: &impl ConnectionTrait,
    template_id: i64,
) -> Result<Vec<template_version::Model>, DbErr> {
    template_version::Entity::find()
        .filter(template_version::Column::TemplateId.eq(template_id))
        .order_by_desc(template_version::Column::Version)
        .limit(1000)
        .all(db)
        .await
}

// ---- requests ----

pub async fn insert_request(
    db: &impl ConnectionTrait,
    row: request::ActiveModel,
) -> Result<i64, DbErr> {
    Ok(request::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn find_request(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<request::Model>, DbErr> {
    request::Entity::find_by_id(id).one(db).await
}

/// Take the request's write lock by bumping its version: the first statement of every
/// transaction that changes a request, so that changes of one request run one at a time on every
/// database (a row lock on PostgreSQL and MySQL, the write lock on SQLite, taken before anything
/// is read so SQLite never has to upgrade a read transaction). False when there is no such
/// request.
pub async fn lock_request(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = request::Entity::update_many()
        .col_expr(
            request::Column::Version,
            Expr::col(request::Column::Version).add(1),
        )
        .col_expr(request::Column::UpdatedAt, Expr::value(now))
        .filter(request::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Record where the request stands after a change, if it is still at `version` (it is: the
/// caller holds the lock; the check is a second line of defence).
pub async fn save_request_state(
    db: &impl ConnectionTrait,
    row: &request::Model,
) -> Result<bool, DbErr> {
    let result = request::Entity::update_many()
        .col_expr(request::Column::Status, Expr::value(row.status))
        .col_expr(request::Column::CurrentStep, Expr::value(row.current_step))
        .col_expr(request::Column::EventCount, Expr::value(row.event_count))
        .col_expr(
            request::Column::HeadHash,
            Expr::value(row.head_hash.clone()),
        )
        .col_expr(request::Column::FinishedAt, Expr::value(row.finished_at))
        .col_expr(request::Column::UpdatedAt, Expr::value(row.updated_at))
        .filter(request::Column::Id.eq(row.id))
        .filter(request::Column::Version.eq(row.version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Newest first, keyset by id.
pub async fn list_requests(
    db: &impl ConnectionTrait,
    filter: &RequestFilter,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<request::Model>, DbErr> {
    let mut query = request::Entity::find();
    if let Some(applicant) = filter.applicant_id {
        query = query.filter(request::Column::ApplicantId.eq(applicant));
    }
    if let Some(status) = filter.status {
        query = query.filter(request::Column::Status.eq(status));
    }
    if let Some(template) = filter.template_id {
        query = query.filter(request::Column::TemplateId.eq(template));
    }
    newest_first(query, request::Column::Id, before_id, limit)
        .all(db)
        .await
}

pub async fn requests_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<request::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    request::Entity::find()
        .filter(request::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

// ---- tasks ----

pub async fn insert_task(
    db: &impl ConnectionTrait,
    request_id: i64,
    step_index: i32,
    approver_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let result = task::Entity::insert(task::ActiveModel {
        request_id: Set(request_id),
        step_index: Set(step_index),
        approver_id: Set(approver_id),
        status: Set(TaskStatus::Pending),
        comment: Set(None),
        transferred_to: Set(None),
        created_at: Set(now),
        decided_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(result.last_insert_id)
}

/// Oldest first.
pub async fn tasks_of_request(
    db: &impl ConnectionTrait,
    request_id: i64,
) -> Result<Vec<task::Model>, DbErr> {
    task::Entity::find()
        .filter(task::Column::RequestId.eq(request_id))
        .order_by_asc(task::Column::Id)
        .all(db)
        .await
}

/// Move a task out of pending; false when it was not pending any more (someone else, or the
/// same approver in another request, got there first).
pub async fn decide_task(
    db: &impl ConnectionTrait,
    id: i64,
    status: TaskStatus,
    comment: Option<&str>,
    transferred_to: Option<i64>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(status))
        .col_expr(
            task::Column::Comment,
            Expr::value(comment.map(String::from)),
        )
        .col_expr(task::Column::TransferredTo, Expr::value(transferred_to))
        .col_expr(task::Column::DecidedAt, Expr::value(Some(now)))
        .filter(task::Column::Id.eq(id))
        .filter(task::Column::Status.eq(TaskStatus::Pending))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// An approver's tasks, newest first, keyset by id: pending ones, or the ones they decided.
pub async fn tasks_of_approver(
    db: &impl ConnectionTrait,
    approver_id: i64,
    pending: bool,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<task::Model>, DbErr> {
    let query = task::Entity::find().filter(task::Column::ApproverId.eq(approver_id));
    let query = if pending {
        query.filter(task::Column::Status.eq(TaskStatus::Pending))
    } else {
        query.filter(task::Column::Status.is_in([
            TaskStatus::Approved,
            TaskStatus::Rejected,
            TaskStatus::Transferred,
        ]))
    };
    newest_first(query, task::Column::Id, before_id, limit)
        .all(db)
        .await
}

// ---- events (insert and read only) ----

pub async fn insert_event(db: &impl ConnectionTrait, row: event::Model) -> Result<(), DbErr> {
    event::Entity::insert(event::ActiveModel {
        request_id: Set(row.request_id),
        seq: Set(row.seq),
        actor_id: Set(row.actor_id),
        action: Set(row.action),
        step_index: Set(row.step_index),
        comment: Set(row.comment),
        detail: Set(row.detail),
        form_sha256: Set(row.form_sha256),
        prev_hash: Set(row.prev_hash),
        hash: Set(row.hash),
        created_at: Set(row.created_at),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// In chain order.
pub async fn events_of_request(
    db: &impl ConnectionTrait,
    request_id: i64,
) -> Result<Vec<event::Model>, DbErr> {
    event::Entity::find()
        .filter(event::Column::RequestId.eq(request_id))
        .order_by_asc(event::Column::Seq)
        .all(db)
        .await
}
