//! All SQL of collections: the `collections` table of definitions, the DDL that keeps each
//! collection's own table (`c_<name>`) in step with its definition, and the statements on records.
//! Names reach SQL only as checked [`Ident`]s; values are always bound.

use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use super::sql::{Ident, Sql};

mod definitions;
mod imports;
mod records;
mod tables;

pub use definitions::*;
pub use imports::*;
pub use records::*;
pub use tables::*;

/// The first row of a query, read through `query_all`. On SQLite, sqlx resets a statement that
/// `fetch_one` left unfinished later, on its worker thread, and until then the connection keeps
/// its read snapshot: the next request on it could read data from before a commit it already saw
/// answered (found here as a collection change whose filled values were not there yet).
async fn first(db: &impl ConnectionTrait, sql: Sql) -> Result<Option<QueryResult>, DbErr> {
    Ok(db.query_all(sql.statement()).await?.into_iter().next())
}

async fn run(db: &impl ConnectionTrait, sql: Sql) -> Result<(), DbErr> {
    db.execute(sql.statement()).await.map(|_| ())
}

async fn count(db: &impl ConnectionTrait, sql: Sql) -> Result<i64, DbErr> {
    let row = first(db, sql).await?;
    match row {
        Some(row) => row.try_get::<i64>("", "n"),
        None => Ok(0),
    }
}

/// Columns must be checked names; the caller validated the spec.
fn ident_of(name: &str) -> Result<Ident, DbErr> {
    Ident::column(name).ok_or_else(|| DbErr::Custom(format!("invalid column name {name:?}")))
}

pub fn table_of(collection: &str) -> Result<Ident, DbErr> {
    Ident::table(collection)
        .ok_or_else(|| DbErr::Custom(format!("invalid collection name {collection:?}")))
}
