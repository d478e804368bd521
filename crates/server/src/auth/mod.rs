//! Identity: WeChat login, JWT access tokens, rotating refresh tokens, roles, admin accounts.

pub mod jwt;
pub mod model;
