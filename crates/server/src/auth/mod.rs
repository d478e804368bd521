//! Identity: WeChat login, JWT access tokens, rotating refresh tokens, roles, admin accounts.

pub mod admins;
pub mod cookie;
pub mod extract;
pub mod guard;
pub mod jwt;
pub mod model;
pub mod refresh;
mod repo;
mod routes;
pub mod service;
pub mod sessions;
pub mod settings;

pub use routes::routes;
