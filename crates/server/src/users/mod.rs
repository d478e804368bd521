//! Users of the mini-program: profile, phone number, open data, and their administration.

pub mod model;
mod repo;
mod routes;
pub mod service;

pub use routes::routes;
pub use service::ProfileChanged;
