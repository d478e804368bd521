//! In-app notifications (replies, likes, follows, approvals), with the WeChat subscribe-message
//! job that delivers them outside the app.

pub mod model;
mod repo;
mod routes;
pub mod service;
pub mod subscribe;

pub use routes::routes;
pub use service::announce;
pub use subscribe::jobs;
