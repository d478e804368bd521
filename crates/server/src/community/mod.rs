//! The UGC community: posts with images and topics, comments and replies, likes, follows, feeds
//! (latest, topic, author, following, hot), content safety through WeChat, reports and a
//! moderation queue with an audit log.

pub mod model;
pub mod moderation;
mod repo;
mod routes;
pub mod safety;
pub mod service;
pub mod settings;

pub use routes::routes;

/// The job handlers of this feature.
pub fn jobs() -> Vec<(&'static str, crate::store::jobs::Handler)> {
    safety::jobs()
}
