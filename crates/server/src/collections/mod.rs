//! Collections: data an admin defines (typed fields, indexes, access rules per action) and
//! clients use through the records API, without Rust. Each collection is a real table
//! (`c_<name>`) on SQLite, PostgreSQL or MySQL; rules are expressions compiled to SQL, so a list
//! returns only the rows its rule allows. `import` brings LeanCloud and CloudBase exports in.

mod access;
mod definitions;
pub mod expr;
pub mod import;
pub mod model;
pub mod query;
mod reads;
mod repo;
mod routes;
pub mod sql;
mod values;
mod watch;
mod writes;

pub use definitions::{owned_tables, OwnedTable};
pub use routes::routes;
pub use watch::{visible_to, watcher};
