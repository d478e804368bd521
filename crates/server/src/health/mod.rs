//! Liveness, readiness and metrics endpoints for probes and scrapers.

mod routes;
mod service;

pub use routes::routes;
