//! Files: image uploads as `wx.uploadFile` sends them, stored locally or in S3-compatible
//! object storage, served with their content type and caching headers.

pub mod model;
mod repo;
mod routes;
pub mod service;
pub mod settings;

pub use routes::routes;
