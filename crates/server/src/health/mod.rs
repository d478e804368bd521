//! Liveness, readiness and metrics endpoints for probes and scrapers.

mod routes;
mod service;
pub mod settings;

pub use routes::routes;
