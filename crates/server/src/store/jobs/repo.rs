//! Queries of the job queue. Claiming is a conditional update, portable to SQLite, PostgreSQL,
//! MySQL and TiDB (which ignores SKIP LOCKED): of several workers, one wins each job.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::model::{self as jobs, Column, Status};
use crate::store::keyset::newest_first;

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: String,
    pub dedupe_key: Option<&'a str>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: i32,
}

/// Insert a job; with a dedupe key already present, nothing happens.
pub async fn insert(
    db: &impl ConnectionTrait,
    job: NewJob<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let model = jobs::ActiveModel {
        kind: Set(job.kind.to_string()),
        payload: Set(job.payload),
        dedupe_key: Set(job.dedupe_key.map(String::from)),
        status: Set(Status::Pending),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts),
        run_at: Set(job.run_at),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let insert = jobs::Entity::insert(model);
    if job.dedupe_key.is_some() {
        insert
            .on_conflict(
                OnConflict::column(Column::DedupeKey)
                    // Plain DO NOTHING is not valid MySQL; this is a no-op update there.
                    .do_nothing_on([Column::DedupeKey])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .map(|_| ())
    } else {
        insert.exec_without_returning(db).await.map(|_| ())
    }
}

fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Pending))
                .add(Column::RunAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Running))
                .add(Column::LockedUntil.lt(now)),
        )
}

pub async fn due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<i64>, DbErr> {
    jobs::Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(claimable(now))
        .order_by_asc(Column::RunAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Take a job for `lease`; None when another worker took it first.
pub async fn claim(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
    locked_until: DateTime<Utc>,
) -> Result<Option<jobs::Model>, DbErr> {
    let result = jobs::Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Running))
        .col_expr(Column::LockedUntil, Expr::value(locked_until))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(claimable(now))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    jobs::Entity::find_by_id(id).one(db).await
}

/// Record the outcome, unless the lease was lost to another worker meanwhile.
pub async fn finish(
    db: &impl ConnectionTrait,
    job: &jobs::Model,
    status: Status,
    run_at: DateTime<Utc>,
    error: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    jobs::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::RunAt, Expr::value(run_at))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value(error))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(job.id))
        .filter(Column::Status.eq(Status::Running))
        .filter(Column::LockedUntil.eq(job.locked_until))
        .exec(db)
        .await
        .map(|_| ())
}

/// Forget finished jobs older than `before`.
pub async fn purge_done(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    jobs::Entity::delete_many()
        .filter(Column::Status.eq(Status::Done))
        .filter(Column::UpdatedAt.lt(before))
        .exec(db)
        .await
        .map(|r| r.rows_affected)
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<jobs::Model>, DbErr> {
    jobs::Entity::find_by_id(id).one(db).await
}

pub async fn by_kind(db: &impl ConnectionTrait, kind: &str) -> Result<Vec<jobs::Model>, DbErr> {
    jobs::Entity::find()
        .filter(Column::Kind.eq(kind))
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Jobs in `status` (the console lists failed and pending ones), newest first: `limit + 1` rows
/// with ids below `before_id`.
pub async fn list_by_status(
    db: &impl ConnectionTrait,
    status: Status,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<jobs::Model>, DbErr> {
    let query = jobs::Entity::find().filter(Column::Status.eq(status));
    newest_first(query, Column::Id, before_id, u64::from(limit) + 1)
        .all(db)
        .await
}

/// Run a failed or pending job again now, with a fresh set of attempts. A running job is left
/// alone (its worker holds it). False when there is no such job in those states.
pub async fn retry(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let result = jobs::Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Pending))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::RunAt, Expr::value(now))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_in([Status::Failed, Status::Pending]))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Drop a failed or pending job for good. False when there is no such job in those states.
pub async fn discard(db: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    let result = jobs::Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_in([Status::Failed, Status::Pending]))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// How many jobs are in `status`.
pub async fn count_by_status(db: &impl ConnectionTrait, status: Status) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    jobs::Entity::find()
        .filter(Column::Status.eq(status))
        .count(db)
        .await
}

/// The queue as monitoring sees it (read at each `/metrics` scrape).
pub struct QueueStats {
    /// Jobs due now and not taken by a worker (a lapsed lease counts: it waits for a taker).
    pub due: u64,
    /// When the longest-waiting of them fell due.
    pub oldest_due: Option<DateTime<Utc>>,
    /// Jobs that failed for good, waiting for an operator to retry or discard them.
    pub failed: u64,
}

pub async fn queue_stats(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<QueueStats, DbErr> {
    use sea_orm::PaginatorTrait;
    let due = jobs::Entity::find()
        .filter(claimable(now))
        .count(db)
        .await?;
    let oldest_due = jobs::Entity::find()
        .select_only()
        .column(Column::RunAt)
        .filter(claimable(now))
        .order_by_asc(Column::RunAt)
        .limit(1)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?;
    let failed = count_by_status(db, Status::Failed).await?;
    Ok(QueueStats {
        due,
        oldest_due,
        failed,
    })
}
