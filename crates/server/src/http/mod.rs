//! HTTP plumbing shared by every feature: the envelope, extractors and middleware.

pub mod client_ip;
pub mod envelope;
pub mod extract;
pub mod linger;
pub mod middleware;
pub mod pagination;
pub mod request_id;
pub mod server;

pub use envelope::{ApiJson, Envelope};
pub use extract::{Id, OptionalJson, ValidJson, ValidQuery};
