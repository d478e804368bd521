//! Storage: the database pool and migrations, Redis, and (later) cache, bus and jobs.

pub mod cache;
pub mod db;
pub mod jobs;
pub mod json;
pub mod keyset;
pub mod migrations;
pub mod ratelimit;
pub mod redis;
pub mod redis_trace;
pub mod replica;

pub use db::Db;
