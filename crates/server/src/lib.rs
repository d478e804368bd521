//! Minibase: a self-hosted backend for WeChat mini-programs.
//!
//! Layout: `state` (what handlers reach), `startup` (connecting it), `app` (router, life cycle), `config`, `error`, `http` (envelope, extractors,
//! middleware), `store` (database, Redis), and one folder per feature, each with thin `routes`,
//! rules in `service` and SQL in `repo`.

pub mod allocator;
pub mod app;
pub mod approvals;
pub mod auth;
pub mod collections;
pub mod community;
pub mod config;
pub mod config_center;
pub mod console;
pub mod error;
pub mod files;
pub mod flash_sale;
pub mod health;
pub mod http;
pub mod notifications;
pub mod observability;
pub mod openapi;
pub mod payments;
pub mod privacy;
pub mod realtime;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod users;
pub mod wechat;
