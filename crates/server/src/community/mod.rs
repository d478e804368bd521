//! The UGC community: posts with images and topics, comments and replies, likes, follows, feeds
//! (latest, topic, author, following, hot), content safety through WeChat, reports and a
//! moderation queue with an audit log.

mod comments;
mod feed;
pub mod model;
mod moderation;
mod posts;
mod repo;
mod routes;
pub mod safety;
pub mod settings;
mod social;
mod views;

pub use comments::unpublish_comment;
pub use feed::{latest_changed, FeedChange};
pub use routes::routes;

/// The job handlers of this feature.
pub fn jobs() -> Vec<(&'static str, crate::store::jobs::Handler)> {
    safety::jobs()
}
