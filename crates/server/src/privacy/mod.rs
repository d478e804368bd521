//! Personal data (PIPL): encryption at rest of session keys and phone numbers, masking, export,
//! account deletion with a grace period, and scheduled purges. See docs/privacy.md.

pub mod cipher;
mod repo;
pub mod routes;
pub mod service;
pub mod settings;

pub use routes::routes;
pub use service::{jobs, run_sweeper};
