//! Files and the community: posts, comments, likes, follows, image checks, reports and the
//! moderation audit log.

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp, utc_timestamp_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
    OwnerId,
    StorageKey,
    ContentType,
    Size,
    Width,
    Height,
    Sha256,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    AuthorId,
    Content,
    Images,
    Topics,
    Status,
    LikeCount,
    CommentCount,
    HotRank,
    PendingChecks,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum PostTopics {
    Table,
    Topic,
    PostId,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    PostId,
    AuthorId,
    ParentId,
    ReplyToUserId,
    Content,
    Status,
    LikeCount,
    CreatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Likes {
    Table,
    UserId,
    TargetType,
    TargetId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Follows {
    Table,
    FollowerId,
    FolloweeId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MediaChecks {
    Table,
    TraceId,
    PostId,
    FileId,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    ReporterId,
    TargetType,
    TargetId,
    Reason,
    Status,
    Resolution,
    ResolvedBy,
    CreatedAt,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum ModerationActions {
    Table,
    Id,
    Actor,
    Action,
    TargetType,
    TargetId,
    Reason,
    CreatedAt,
}

fn fk(
    name: &str,
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Files::Table)
                    .if_not_exists()
                    .col(id_column(Files::Id))
                    .col(ColumnDef::new(Files::OwnerId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Files::StorageKey)
                            .string_len(191)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Files::ContentType).string_len(64).not_null())
                    .col(ColumnDef::new(Files::Size).big_integer().not_null())
                    .col(ColumnDef::new(Files::Width).integer().not_null())
                    .col(ColumnDef::new(Files::Height).integer().not_null())
                    .col(ColumnDef::new(Files::Sha256).string_len(64).not_null())
                    .col(utc_timestamp(b, Files::CreatedAt))
                    .foreign_key(&mut fk("fk_files_owner", Files::Table, Files::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Posts::Table)
                    .if_not_exists()
                    .col(id_column(Posts::Id))
                    .col(ColumnDef::new(Posts::AuthorId).big_integer().not_null())
                    .col(ColumnDef::new(Posts::Content).text().not_null())
                    .col(ColumnDef::new(Posts::Images).text().not_null())
                    .col(ColumnDef::new(Posts::Topics).string_len(255).not_null())
                    .col(ColumnDef::new(Posts::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Posts::LikeCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Posts::CommentCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Posts::HotRank)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Posts::PendingChecks)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(utc_timestamp(b, Posts::CreatedAt))
                    .col(utc_timestamp(b, Posts::UpdatedAt))
                    .col(utc_timestamp_null(b, Posts::DeletedAt))
                    .foreign_key(&mut fk("fk_posts_author", Posts::Table, Posts::AuthorId))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("ix_posts_status_id", vec![Posts::Status, Posts::Id]),
            ("ix_posts_author_id", vec![Posts::AuthorId, Posts::Id]),
            (
                "ix_posts_status_hot",
                vec![Posts::Status, Posts::HotRank, Posts::Id],
            ),
        ] {
            let mut index = Index::create().name(name).table(Posts::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PostTopics::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(PostTopics::Topic).string_len(32).not_null())
                    .col(ColumnDef::new(PostTopics::PostId).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(PostTopics::Topic)
                            .col(PostTopics::PostId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_post_topics_post")
                            .from(PostTopics::Table, PostTopics::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .if_not_exists()
                    .col(id_column(Comments::Id))
                    .col(ColumnDef::new(Comments::PostId).big_integer().not_null())
                    .col(ColumnDef::new(Comments::AuthorId).big_integer().not_null())
                    .col(ColumnDef::new(Comments::ParentId).big_integer().null())
                    .col(ColumnDef::new(Comments::ReplyToUserId).big_integer().null())
                    .col(ColumnDef::new(Comments::Content).text().not_null())
                    .col(ColumnDef::new(Comments::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Comments::LikeCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(utc_timestamp(b, Comments::CreatedAt))
                    .col(utc_timestamp_null(b, Comments::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_post")
                            .from(Comments::Table, Comments::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "fk_comments_author",
                        Comments::Table,
                        Comments::AuthorId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_post")
                    .table(Comments::Table)
                    .col(Comments::PostId)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_parent")
                    .table(Comments::Table)
                    .col(Comments::ParentId)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Likes::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Likes::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Likes::TargetType).string_len(16).not_null())
                    .col(ColumnDef::new(Likes::TargetId).big_integer().not_null())
                    .col(utc_timestamp(b, Likes::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Likes::UserId)
                            .col(Likes::TargetType)
                            .col(Likes::TargetId),
                    )
                    .foreign_key(&mut fk("fk_likes_user", Likes::Table, Likes::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Follows::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Follows::FollowerId).big_integer().not_null())
                    .col(ColumnDef::new(Follows::FolloweeId).big_integer().not_null())
                    .col(utc_timestamp(b, Follows::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Follows::FollowerId)
                            .col(Follows::FolloweeId),
                    )
                    .foreign_key(&mut fk(
                        "fk_follows_follower",
                        Follows::Table,
                        Follows::FollowerId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_follows_followee")
                            .from(Follows::Table, Follows::FolloweeId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_follows_followee")
                    .table(Follows::Table)
                    .col(Follows::FolloweeId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MediaChecks::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(MediaChecks::TraceId)
                            .string_len(128)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(MediaChecks::PostId).big_integer().not_null())
                    .col(ColumnDef::new(MediaChecks::FileId).big_integer().not_null())
                    .col(
                        ColumnDef::new(MediaChecks::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(utc_timestamp(b, MediaChecks::CreatedAt))
                    .col(utc_timestamp(b, MediaChecks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .if_not_exists()
                    .col(id_column(Reports::Id))
                    .col(ColumnDef::new(Reports::ReporterId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Reports::TargetType)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Reports::TargetId).big_integer().not_null())
                    .col(ColumnDef::new(Reports::Reason).string_len(512).not_null())
                    .col(ColumnDef::new(Reports::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Reports::Resolution).string_len(512).null())
                    .col(ColumnDef::new(Reports::ResolvedBy).string_len(64).null())
                    .col(utc_timestamp(b, Reports::CreatedAt))
                    .col(utc_timestamp_null(b, Reports::ResolvedAt))
                    .foreign_key(&mut fk(
                        "fk_reports_reporter",
                        Reports::Table,
                        Reports::ReporterId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reports_status")
                    .table(Reports::Table)
                    .col(Reports::Status)
                    .col(Reports::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ModerationActions::Table)
                    .if_not_exists()
                    .col(id_column(ModerationActions::Id))
                    .col(
                        ColumnDef::new(ModerationActions::Actor)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ModerationActions::Action)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ModerationActions::TargetType)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ModerationActions::TargetId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ModerationActions::Reason).text().not_null())
                    .col(utc_timestamp(b, ModerationActions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ModerationActions::Table.into_iden(),
            Reports::Table.into_iden(),
            MediaChecks::Table.into_iden(),
            Follows::Table.into_iden(),
            Likes::Table.into_iden(),
            Comments::Table.into_iden(),
            PostTopics::Table.into_iden(),
            Posts::Table.into_iden(),
            Files::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
