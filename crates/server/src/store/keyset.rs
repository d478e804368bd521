//! Keyset pagination in SQL: the one shape every newest-first listing shares. The cursor a client
//! holds is the id of the last row it saw (see `http::pagination`); a page is the rows below it.

use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

/// Rows whose `id_column` is below `before_id` (all rows when `None`), newest first, at most
/// `limit` of them. Ask for one row more than the page holds to learn whether there is a next.
pub fn newest_first<Q, C>(query: Q, id_column: C, before_id: Option<i64>, limit: u64) -> Q
where
    Q: QueryFilter + QueryOrder + QuerySelect,
    C: ColumnTrait,
{
    let query = match before_id {
        Some(before) => query.filter(id_column.lt(before)),
        None => query,
    };
    query.order_by_desc(id_column).limit(limit)
}
