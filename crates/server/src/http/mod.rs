//! HTTP plumbing shared by every feature: the envelope, extractors and middleware.

pub mod envelope;
pub mod extract;
pub mod middleware;
pub mod request_id;

pub use envelope::{ApiJson, Envelope};
pub use extract::{ValidJson, ValidQuery};
