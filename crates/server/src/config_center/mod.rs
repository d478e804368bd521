//! The config center: hot configuration values and feature flags, served to clients and changed
//! by admins, with history and rollback.

pub mod model;
mod repo;
mod routes;
pub mod service;

pub use routes::routes;
