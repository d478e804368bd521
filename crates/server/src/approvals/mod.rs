//! The approval workflow (审批): an organisation of departments and members, admin-defined
//! templates (a typed form and an ordered flow of steps: one approver, countersign or any-of,
//! optionally conditional on form values), requests that move through an explicit state machine,
//! a hash-chained audit trail, and in-app and WeChat notifications. See docs/approvals.md.

mod audit;
mod change;
mod decide;
mod definition;
pub mod model;
mod org;
mod repo;
mod routes;
pub mod settings;
mod submit;
mod templates;
mod views;

pub use routes::routes;
