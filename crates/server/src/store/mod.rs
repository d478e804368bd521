//! Storage every feature shares: the database pool and migrations, Redis, the cache, jobs, rate
//! limits and the object store for file bytes.

pub mod cache;
pub mod db;
pub mod jobs;
pub mod json;
pub mod keyset;
pub mod migrations;
pub mod objects;
pub mod ratelimit;
pub mod redis;
pub mod redis_trace;
pub mod replica;

pub use db::Db;
