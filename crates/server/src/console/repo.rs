//! Queries of the console feature: the admin audit log.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::model::{admin_audit, AuditRecord};
use crate::store::keyset::newest_first;

pub async fn insert_audit(
    db: &impl ConnectionTrait,
    record: &AuditRecord,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let clip = |text: &str, max: usize| text.chars().take(max).collect::<String>();
    admin_audit::Entity::insert(admin_audit::ActiveModel {
        actor_kind: Set(record.actor_kind.to_string()),
        actor_id: Set(record.actor_id),
        actor_role: Set(record.actor_role.to_string()),
        method: Set(clip(&record.method, 8)),
        route: Set(clip(&record.route, 255)),
        path: Set(clip(&record.path, 512)),
        status: Set(i32::from(record.status)),
        client_ip: Set(clip(&record.client_ip, 64)),
        request_id: Set(clip(&record.request_id, 128)),
        note: Set(record.note.clone()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Newest first, `limit + 1` rows after the cursor's id; optionally one admin account's.
pub async fn list_audit(
    db: &impl ConnectionTrait,
    admin_id: Option<i64>,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<admin_audit::Model>, DbErr> {
    let mut query = admin_audit::Entity::find();
    if let Some(admin_id) = admin_id {
        query = query
            .filter(admin_audit::Column::ActorKind.eq("admin"))
            .filter(admin_audit::Column::ActorId.eq(admin_id));
    }
    newest_first(
        query,
        admin_audit::Column::Id,
        before_id,
        u64::from(limit) + 1,
    )
    .all(db)
    .await
}

/// The dashboard's counts. They read other features' tables, read-only, in one place: the
/// dashboard is the one view across every feature.
pub struct Counts {
    pub users: u64,
    pub new_users: u64,
    pub posts: u64,
    pub orders: u64,
    pub approvals_pending: u64,
}

pub async fn counts(db: &impl ConnectionTrait, since: DateTime<Utc>) -> Result<Counts, DbErr> {
    use crate::approvals::model::request;
    use crate::community::model::post;
    use crate::flash_sale::model::order;
    use crate::users::model as users;
    use sea_orm::PaginatorTrait;
    Ok(Counts {
        users: users::Entity::find().count(db).await?,
        new_users: users::Entity::find()
            .filter(users::Column::CreatedAt.gte(since))
            .count(db)
            .await?,
        posts: post::Entity::find().count(db).await?,
        orders: order::Entity::find().count(db).await?,
        approvals_pending: request::Entity::find()
            .filter(request::Column::Status.eq("pending"))
            .count(db)
            .await?,
    })
}
