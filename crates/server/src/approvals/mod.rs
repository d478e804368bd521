//! The approval workflow (审批): an organisation of departments and members, admin-defined
//! templates (a typed form and an ordered flow of steps: one approver, countersign or any-of,
//! optionally conditional on form values), requests that move through an explicit state machine,
//! a hash-chained audit trail, and in-app and WeChat notifications. See docs/approvals.md.

pub mod audit;
pub mod definition;
pub mod model;
pub mod org;
mod repo;
pub mod requests;
mod routes;
pub mod settings;
pub mod templates;

pub use routes::routes;
