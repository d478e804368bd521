//! Versioned schema migrations, written once with SeaQuery so they run on SQLite, PostgreSQL and
//! MySQL alike. Applied at start and by `minibase migrate`. Never edit a released migration:
//! add a new one.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

mod m20261121_000001_users;
mod m20261121_000002_auth;
mod m20261121_000003_config_center;
mod m20261121_000004_jobs;
mod m20261121_000005_notifications;
mod m20261121_000010_community;
mod m20261121_000100_flash_sale;
mod m20261121_000200_approvals;
mod m20261121_000300_refresh_on_session;
mod m20261121_000400_flash_sale_reservations;
mod m20261123_000400_session_refresh_key;
mod m20261207_000500_admin_audit;
mod m20261207_000500_collections;
mod m20261207_000600_payments;
mod m20261208_000400_personal_data;
mod m20261209_000100_published_posts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_users::Migration),
            Box::new(m20261121_000002_auth::Migration),
            Box::new(m20261121_000003_config_center::Migration),
            Box::new(m20261121_000004_jobs::Migration),
            Box::new(m20261121_000005_notifications::Migration),
            Box::new(m20261121_000010_community::Migration),
            Box::new(m20261121_000200_approvals::Migration),
            Box::new(m20261121_000100_flash_sale::Migration),
            Box::new(m20261121_000300_refresh_on_session::Migration),
            Box::new(m20261121_000400_flash_sale_reservations::Migration),
            Box::new(m20261123_000400_session_refresh_key::Migration),
            Box::new(m20261207_000500_admin_audit::Migration),
            Box::new(m20261207_000500_collections::Migration),
            Box::new(m20261207_000600_payments::Migration),
            Box::new(m20261208_000400_personal_data::Migration),
            Box::new(m20261209_000100_published_posts::Migration),
        ]
    }
}

/// A UTC timestamp column. MySQL's TIMESTAMP ends in 2038 and has auto-update quirks, so MySQL
/// gets DATETIME(6) holding UTC; PostgreSQL gets TIMESTAMPTZ; SQLite stores RFC 3339 text.
pub(crate) fn utc_timestamp(backend: DatabaseBackend, name: impl IntoIden) -> ColumnDef {
    let mut col = timestamp_column(backend, name);
    col.not_null();
    col
}

/// A nullable UTC timestamp column (see [`utc_timestamp`]).
pub(crate) fn utc_timestamp_null(backend: DatabaseBackend, name: impl IntoIden) -> ColumnDef {
    let mut col = timestamp_column(backend, name);
    col.null();
    col
}

fn timestamp_column(backend: DatabaseBackend, name: impl IntoIden) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    match backend {
        DatabaseBackend::MySql => col.custom(Alias::new("DATETIME(6)")),
        _ => col.timestamp_with_time_zone(),
    };
    col
}

/// A 64-bit auto-increment primary key (SQLite makes it its INTEGER rowid).
pub(crate) fn id_column(name: impl IntoIden) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    col.big_integer().not_null().auto_increment().primary_key();
    col
}
