//! The admin console: its built assets served at `/console` (assets), the cookie session it
//! signs in with (routes; the cookie and CSRF rules are in auth::cookie), the admin audit log
//! (audit), and the admin APIs it needs that no other feature owns.

pub mod assets;
pub mod audit;
pub mod model;
mod repo;
mod routes;
pub mod service;
pub mod settings;

pub use routes::routes;
