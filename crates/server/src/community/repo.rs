//! Queries of the community. Every list is keyset-paginated on an indexed column, so a page costs
//! the same at any table size.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction,
    DbErr, EntityTrait, FromQueryResult, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationDef, Select,
};

use crate::store::db::insert_unless_duplicate;
use crate::store::keyset::newest_first;
use crate::users::model as users;

use super::model::{
    comment, follow, like, media_check, moderation_action, post, post_topic, report, ContentStatus,
    MediaCheckStatus, ReportStatus,
};

const PUBLISHED: ContentStatus = ContentStatus::Published;

// ---- posts ----

pub async fn insert_post(db: &impl ConnectionTrait, row: post::ActiveModel) -> Result<i64, DbErr> {
    Ok(post::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn find_post(db: &impl ConnectionTrait, id: i64) -> Result<Option<post::Model>, DbErr> {
    post::Entity::find_by_id(id).one(db).await
}

/// Topic rows exist only while a post is published, so a topic feed reads them alone.
pub async fn set_topics(
    db: &impl ConnectionTrait,
    post_id: i64,
    topics: &[String],
) -> Result<(), DbErr> {
    post_topic::Entity::delete_many()
        .filter(post_topic::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    if topics.is_empty() {
        return Ok(());
    }
    post_topic::Entity::insert_many(topics.iter().map(|t| post_topic::ActiveModel {
        topic: Set(t.clone()),
        post_id: Set(post_id),
    }))
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// A post of a feed page with its author's public profile, read in the page's own statement:
/// a page is then one query (two with the reader's likes) rather than one more for the authors.
/// The author columns are empty for an author who is gone.
#[derive(Debug, FromQueryResult)]
pub struct AuthoredPost {
    #[sea_orm(nested)]
    pub post: post::Model,
    pub author_nickname: Option<String>,
    pub author_avatar_url: Option<String>,
}

fn author_of_post() -> RelationDef {
    post::Entity::belongs_to(users::Entity)
        .from(post::Column::AuthorId)
        .to(users::Column::Id)
        .into()
}

/// `query` with the author's nickname and avatar joined in.
fn with_author(query: Select<post::Entity>) -> Select<post::Entity> {
    query
        .column_as(
            Expr::col((users::Entity, users::Column::Nickname)),
            "author_nickname",
        )
        .column_as(
            Expr::col((users::Entity, users::Column::AvatarUrl)),
            "author_avatar_url",
        )
        .join(JoinType::LeftJoin, author_of_post())
}

/// Run a feed page's query with its LIMIT written into the SQL rather than bound. A prepared
/// statement whose LIMIT is a parameter is costed by PostgreSQL as if it returned a third of the
/// table, so its generic plan never wins and the join is planned again on every page: measured
/// with pgbench on 100k posts, 290-330 us of backend CPU per page against 100-115 us with the
/// limit in the text, which lets PostgreSQL keep one plan. Page sizes are few (1..=101), so
/// each is one cached statement.
async fn authored_rows(
    db: &impl ConnectionTrait,
    mut query: Select<post::Entity>,
    limit: u64,
) -> Result<Vec<AuthoredPost>, DbErr> {
    QueryTrait::query(&mut query).reset_limit();
    let mut statement = query.build(db.get_database_backend());
    statement.sql = format!("{} LIMIT {limit}", statement.sql);
    AuthoredPost::find_by_statement(statement).all(db).await
}

pub async fn latest(
    db: &impl ConnectionTrait,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<AuthoredPost>, DbErr> {
    // The status as a literal in the statement's text, like the limit: a bound one would leave
    // PostgreSQL's plan unable to use the index of published posts (its generic plan walked the
    // primary key past every newer post not yet published, see the migration).
    let published = Expr::col((post::Entity, post::Column::Status))
        .eq(Expr::cust(format!("'{}'", PUBLISHED.to_value())));
    let query = newest_first(
        with_author(post::Entity::find().filter(published)),
        post::Column::Id,
        before_id,
        limit,
    );
    authored_rows(db, query, limit).await
}

/// The given posts with their authors (a topic page, by the ids its index gave).
pub async fn find_authored_posts(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<AuthoredPost>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    with_author(post::Entity::find().filter(post::Column::Id.is_in(ids.iter().copied())))
        .into_model()
        .all(db)
        .await
}

/// An author's posts: published ones, or (for the author) every one not deleted.
pub async fn by_author(
    db: &impl ConnectionTrait,
    author_id: i64,
    all_statuses: bool,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<AuthoredPost>, DbErr> {
    let query = post::Entity::find().filter(post::Column::AuthorId.eq(author_id));
    let query = if all_statuses {
        query.filter(post::Column::Status.ne(ContentStatus::Deleted))
    } else {
        query.filter(post::Column::Status.eq(PUBLISHED))
    };
    let query = newest_first(with_author(query), post::Column::Id, before_id, limit);
    authored_rows(db, query, limit).await
}

pub async fn topic_post_ids(
    db: &impl ConnectionTrait,
    topic: &str,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<i64>, DbErr> {
    let query = post_topic::Entity::find()
        .select_only()
        .column(post_topic::Column::PostId)
        .filter(post_topic::Column::Topic.eq(topic));
    newest_first(query, post_topic::Column::PostId, before_id, limit)
        .into_tuple()
        .all(db)
        .await
}

pub async fn following(
    db: &impl ConnectionTrait,
    follower_id: i64,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<AuthoredPost>, DbErr> {
    let followees = Query::select()
        .column(follow::Column::FolloweeId)
        .from(follow::Entity)
        .and_where(Expr::col(follow::Column::FollowerId).eq(follower_id))
        .to_owned();
    let query = newest_first(
        with_author(
            post::Entity::find()
                .filter(post::Column::Status.eq(PUBLISHED))
                .filter(post::Column::AuthorId.in_subquery(followees)),
        ),
        post::Column::Id,
        before_id,
        limit,
    );
    authored_rows(db, query, limit).await
}

/// Hottest first; the cursor is the last (rank, id).
pub async fn hot(
    db: &impl ConnectionTrait,
    after: Option<(i64, i64)>,
    limit: u64,
) -> Result<Vec<AuthoredPost>, DbErr> {
    let mut query = with_author(post::Entity::find().filter(post::Column::Status.eq(PUBLISHED)));
    if let Some((rank, id)) = after {
        query = query.filter(
            Condition::any().add(post::Column::HotRank.lt(rank)).add(
                Condition::all()
                    .add(post::Column::HotRank.eq(rank))
                    .add(post::Column::Id.lt(id)),
            ),
        );
    }
    let query = query
        .order_by_desc(post::Column::HotRank)
        .order_by_desc(post::Column::Id);
    authored_rows(db, query, limit).await
}

pub async fn by_status(
    db: &impl ConnectionTrait,
    status: ContentStatus,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<post::Model>, DbErr> {
    newest_first(
        post::Entity::find().filter(post::Column::Status.eq(status)),
        post::Column::Id,
        before_id,
        limit,
    )
    .all(db)
    .await
}

/// The oldest posts in `status`, up to `limit` (the background text check takes them in order).
///
/// The status and the limit are written into the statement's text, not bound. Bound, they let
/// PostgreSQL settle on a generic plan that walks `posts_pkey` from the oldest post and filters on
/// the status: on the benchmark's data every batch read all 129,737 posts (54 ms) to find none.
/// With the literal it reads the rare status from `ix_posts_status_id` (about 1 ms). Both values
/// come from this code (an enum's word and an integer), never from a request.
pub async fn oldest_in_status(
    db: &impl ConnectionTrait,
    status: ContentStatus,
    limit: u64,
) -> Result<Vec<post::Model>, DbErr> {
    let word = Expr::cust(format!("'{}'", status.to_value()));
    let query = post::Entity::find()
        .filter(Expr::col((post::Entity, post::Column::Status)).eq(word))
        .order_by_asc(post::Column::Id);
    let mut statement = query.build(db.get_database_backend());
    statement.sql = format!("{} LIMIT {limit}", statement.sql);
    post::Model::find_by_statement(statement).all(db).await
}

/// The posts of `ids` still in `status`, locked until the transaction ends (SQLite has one
/// writer at a time and needs no lock).
pub async fn lock_in_status(
    txn: &DatabaseTransaction,
    ids: &[i64],
    status: ContentStatus,
) -> Result<Vec<post::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = post::Entity::find()
        .filter(post::Column::Id.is_in(ids.iter().copied()))
        .filter(post::Column::Status.eq(status));
    match txn.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => query.all(txn).await,
        _ => query.lock_exclusive().all(txn).await,
    }
}

/// Move the posts of `ids` that are in `from` to `to` in one statement, adding `add_checks` to
/// their pending checks; the number moved.
pub async fn move_posts(
    db: &impl ConnectionTrait,
    ids: &[i64],
    from: ContentStatus,
    to: ContentStatus,
    add_checks: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut update = post::Entity::update_many()
        .col_expr(post::Column::Status, Expr::value(to))
        .col_expr(post::Column::UpdatedAt, Expr::value(now))
        .filter(post::Column::Id.is_in(ids.iter().copied()))
        .filter(post::Column::Status.eq(from));
    if add_checks != 0 {
        update = update.col_expr(
            post::Column::PendingChecks,
            Expr::col(post::Column::PendingChecks).add(add_checks),
        );
    }
    Ok(update.exec(db).await?.rows_affected)
}

/// Topic rows of posts just published (they have none yet), in one statement.
pub async fn add_topics(db: &impl ConnectionTrait, rows: &[(i64, String)]) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    post_topic::Entity::insert_many(rows.iter().map(|(post_id, topic)| post_topic::ActiveModel {
        topic: Set(topic.clone()),
        post_id: Set(*post_id),
    }))
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Move a post from one of `from` to `to`; false when it was in none of them.
pub async fn set_post_status(
    db: &impl ConnectionTrait,
    id: i64,
    from: &[ContentStatus],
    to: ContentStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = post::Entity::update_many()
        .col_expr(post::Column::Status, Expr::value(to))
        .col_expr(post::Column::UpdatedAt, Expr::value(now))
        .filter(post::Column::Id.eq(id))
        .filter(post::Column::Status.is_in(from.iter().copied()));
    if to == ContentStatus::Published {
        update = update.col_expr(post::Column::PendingChecks, Expr::value(0));
    }
    if to == ContentStatus::Deleted {
        update = update.col_expr(post::Column::DeletedAt, Expr::value(now));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// One check passed; true when it was the last one (the caller publishes).
pub async fn pass_check(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    post::Entity::update_many()
        .col_expr(
            post::Column::PendingChecks,
            Expr::col(post::Column::PendingChecks).sub(1),
        )
        .col_expr(post::Column::UpdatedAt, Expr::value(now))
        .filter(post::Column::Id.eq(id))
        // A post whose text is still being checked counts its images' checks too.
        .filter(post::Column::Status.is_in([ContentStatus::Pending, ContentStatus::Checking]))
        .filter(post::Column::PendingChecks.gt(0))
        .exec(db)
        .await?;
    let remaining: Option<i32> = post::Entity::find_by_id(id)
        .select_only()
        .column(post::Column::PendingChecks)
        .into_tuple()
        .one(db)
        .await?;
    Ok(remaining == Some(0))
}

/// Change a published post's like or comment count; false when the post is not published.
pub async fn add_post_count(
    db: &impl ConnectionTrait,
    id: i64,
    column: post::Column,
    delta: i32,
) -> Result<bool, DbErr> {
    let result = post::Entity::update_many()
        .col_expr(column, Expr::col(column).add(delta))
        .filter(post::Column::Id.eq(id))
        .filter(post::Column::Status.eq(PUBLISHED))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn set_hot_rank(db: &impl ConnectionTrait, id: i64, rank: i64) -> Result<(), DbErr> {
    post::Entity::update_many()
        .col_expr(post::Column::HotRank, Expr::value(rank))
        .filter(post::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn update_post_text(
    db: &impl ConnectionTrait,
    id: i64,
    content: &str,
    topics: &str,
    status: ContentStatus,
    pending_checks: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = post::Entity::update_many()
        .col_expr(post::Column::Content, Expr::value(content))
        .col_expr(post::Column::Topics, Expr::value(topics))
        .col_expr(post::Column::Status, Expr::value(status))
        .col_expr(post::Column::PendingChecks, Expr::value(pending_checks))
        .col_expr(post::Column::UpdatedAt, Expr::value(now))
        .filter(post::Column::Id.eq(id))
        .filter(post::Column::Status.is_in([
            PUBLISHED,
            ContentStatus::Pending,
            ContentStatus::Checking,
        ]))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn count_published_by(db: &impl ConnectionTrait, author_id: i64) -> Result<u64, DbErr> {
    post::Entity::find()
        .filter(post::Column::AuthorId.eq(author_id))
        .filter(post::Column::Status.eq(PUBLISHED))
        .count(db)
        .await
}

// ---- comments ----

pub async fn insert_comment(
    db: &impl ConnectionTrait,
    row: comment::ActiveModel,
) -> Result<i64, DbErr> {
    Ok(comment::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn find_comment(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<comment::Model>, DbErr> {
    comment::Entity::find_by_id(id).one(db).await
}

/// Published comments of a post (roots) or of a thread (replies), oldest first.
pub async fn comments(
    db: &impl ConnectionTrait,
    post_id: i64,
    parent_id: Option<i64>,
    after_id: Option<i64>,
    limit: u64,
) -> Result<Vec<comment::Model>, DbErr> {
    let mut query = comment::Entity::find()
        .filter(comment::Column::PostId.eq(post_id))
        .filter(comment::Column::Status.eq(PUBLISHED));
    query = match parent_id {
        Some(parent) => query.filter(comment::Column::ParentId.eq(parent)),
        None => query.filter(comment::Column::ParentId.is_null()),
    };
    if let Some(after) = after_id {
        query = query.filter(comment::Column::Id.gt(after));
    }
    query
        .order_by_asc(comment::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn comments_by_status(
    db: &impl ConnectionTrait,
    status: ContentStatus,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<comment::Model>, DbErr> {
    newest_first(
        comment::Entity::find().filter(comment::Column::Status.eq(status)),
        comment::Column::Id,
        before_id,
        limit,
    )
    .all(db)
    .await
}

pub async fn set_comment_status(
    db: &impl ConnectionTrait,
    id: i64,
    from: &[ContentStatus],
    to: ContentStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = comment::Entity::update_many()
        .col_expr(comment::Column::Status, Expr::value(to))
        .filter(comment::Column::Id.eq(id))
        .filter(comment::Column::Status.is_in(from.iter().copied()));
    if to == ContentStatus::Deleted {
        update = update.col_expr(comment::Column::DeletedAt, Expr::value(now));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

pub async fn add_comment_likes(
    db: &impl ConnectionTrait,
    id: i64,
    delta: i32,
) -> Result<bool, DbErr> {
    let result = comment::Entity::update_many()
        .col_expr(
            comment::Column::LikeCount,
            Expr::col(comment::Column::LikeCount).add(delta),
        )
        .filter(comment::Column::Id.eq(id))
        .filter(comment::Column::Status.eq(PUBLISHED))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

// ---- likes ----

/// True when the like is new.
pub async fn insert_like(
    txn: &DatabaseTransaction,
    user_id: i64,
    target_type: &str,
    target_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let insert = like::Entity::insert(like::ActiveModel {
        user_id: Set(user_id),
        target_type: Set(target_type.into()),
        target_id: Set(target_id),
        created_at: Set(now),
    });
    insert_unless_duplicate(txn, insert).await
}

/// True when there was a like to remove.
pub async fn delete_like(
    db: &impl ConnectionTrait,
    user_id: i64,
    target_type: &str,
    target_id: i64,
) -> Result<bool, DbErr> {
    let result = like::Entity::delete_many()
        .filter(like::Column::UserId.eq(user_id))
        .filter(like::Column::TargetType.eq(target_type))
        .filter(like::Column::TargetId.eq(target_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Which of `ids` the user liked, in one query.
pub async fn liked(
    db: &impl ConnectionTrait,
    user_id: i64,
    target_type: &str,
    ids: &[i64],
) -> Result<Vec<i64>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    like::Entity::find()
        .select_only()
        .column(like::Column::TargetId)
        .filter(like::Column::UserId.eq(user_id))
        .filter(like::Column::TargetType.eq(target_type))
        .filter(like::Column::TargetId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

// ---- follows ----

pub async fn insert_follow(
    txn: &DatabaseTransaction,
    follower_id: i64,
    followee_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let insert = follow::Entity::insert(follow::ActiveModel {
        follower_id: Set(follower_id),
        followee_id: Set(followee_id),
        created_at: Set(now),
    });
    insert_unless_duplicate(txn, insert).await
}

pub async fn delete_follow(
    db: &impl ConnectionTrait,
    follower_id: i64,
    followee_id: i64,
) -> Result<bool, DbErr> {
    let result = follow::Entity::delete_many()
        .filter(follow::Column::FollowerId.eq(follower_id))
        .filter(follow::Column::FolloweeId.eq(followee_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn is_following(
    db: &impl ConnectionTrait,
    follower_id: i64,
    followee_id: i64,
) -> Result<bool, DbErr> {
    Ok(follow::Entity::find_by_id((follower_id, followee_id))
        .one(db)
        .await?
        .is_some())
}

pub async fn count_followers(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    follow::Entity::find()
        .filter(follow::Column::FolloweeId.eq(user_id))
        .count(db)
        .await
}

pub async fn count_following(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    follow::Entity::find()
        .filter(follow::Column::FollowerId.eq(user_id))
        .count(db)
        .await
}

/// Ids of a user's followers (or of whom the user follows), highest id first.
pub async fn follow_ids(
    db: &impl ConnectionTrait,
    user_id: i64,
    followers: bool,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<i64>, DbErr> {
    let (mine, other) = if followers {
        (follow::Column::FolloweeId, follow::Column::FollowerId)
    } else {
        (follow::Column::FollowerId, follow::Column::FolloweeId)
    };
    let query = follow::Entity::find()
        .select_only()
        .column(other)
        .filter(mine.eq(user_id));
    newest_first(query, other, before_id, limit)
        .into_tuple()
        .all(db)
        .await
}

// ---- image checks ----

pub async fn insert_media_check(
    db: &impl ConnectionTrait,
    trace_id: &str,
    post_id: i64,
    file_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if find_media_check(db, trace_id).await?.is_some() {
        return Ok(());
    }
    media_check::Entity::insert(media_check::ActiveModel {
        trace_id: Set(trace_id.into()),
        post_id: Set(post_id),
        file_id: Set(file_id),
        status: Set(MediaCheckStatus::Waiting),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

pub async fn media_checks_of(
    db: &impl ConnectionTrait,
    post_id: i64,
) -> Result<Vec<media_check::Model>, DbErr> {
    media_check::Entity::find()
        .filter(media_check::Column::PostId.eq(post_id))
        .all(db)
        .await
}

pub async fn find_media_check(
    db: &impl ConnectionTrait,
    trace_id: &str,
) -> Result<Option<media_check::Model>, DbErr> {
    media_check::Entity::find_by_id(trace_id.to_string())
        .one(db)
        .await
}

/// Record a waiting check's result once; false when it was already settled (a repeated callback).
pub async fn settle_media_check(
    db: &impl ConnectionTrait,
    trace_id: &str,
    status: MediaCheckStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = media_check::Entity::update_many()
        .col_expr(media_check::Column::Status, Expr::value(status))
        .col_expr(media_check::Column::UpdatedAt, Expr::value(now))
        .filter(media_check::Column::TraceId.eq(trace_id))
        .filter(media_check::Column::Status.eq(MediaCheckStatus::Waiting))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

// ---- reports and the audit log ----

pub async fn insert_report(
    db: &impl ConnectionTrait,
    row: report::ActiveModel,
) -> Result<i64, DbErr> {
    Ok(report::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn open_report_by(
    db: &impl ConnectionTrait,
    reporter_id: i64,
    target_type: &str,
    target_id: i64,
) -> Result<Option<report::Model>, DbErr> {
    report::Entity::find()
        .filter(report::Column::ReporterId.eq(reporter_id))
        .filter(report::Column::TargetType.eq(target_type))
        .filter(report::Column::TargetId.eq(target_id))
        .filter(report::Column::Status.eq(ReportStatus::Open))
        .one(db)
        .await
}

pub async fn find_report(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<report::Model>, DbErr> {
    report::Entity::find_by_id(id).one(db).await
}

pub async fn reports(
    db: &impl ConnectionTrait,
    status: ReportStatus,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<report::Model>, DbErr> {
    newest_first(
        report::Entity::find().filter(report::Column::Status.eq(status)),
        report::Column::Id,
        before_id,
        limit,
    )
    .all(db)
    .await
}

pub async fn resolve_report(
    db: &impl ConnectionTrait,
    id: i64,
    resolution: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = report::Entity::update_many()
        .col_expr(report::Column::Status, Expr::value(ReportStatus::Resolved))
        .col_expr(report::Column::Resolution, Expr::value(resolution))
        .col_expr(report::Column::ResolvedBy, Expr::value(actor))
        .col_expr(report::Column::ResolvedAt, Expr::value(now))
        .filter(report::Column::Id.eq(id))
        .filter(report::Column::Status.eq(ReportStatus::Open))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn record_action(
    db: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    target_type: &str,
    target_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    moderation_action::Entity::insert(moderation_action::ActiveModel {
        actor: Set(actor.into()),
        action: Set(action.into()),
        target_type: Set(target_type.into()),
        target_id: Set(target_id),
        reason: Set(reason.into()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

pub async fn actions(
    db: &impl ConnectionTrait,
    target: Option<(&str, i64)>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<moderation_action::Model>, DbErr> {
    let mut query = moderation_action::Entity::find();
    if let Some((target_type, target_id)) = target {
        query = query
            .filter(moderation_action::Column::TargetType.eq(target_type))
            .filter(moderation_action::Column::TargetId.eq(target_id));
    }
    newest_first(query, moderation_action::Column::Id, before_id, limit)
        .all(db)
        .await
}
