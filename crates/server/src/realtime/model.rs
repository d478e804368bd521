//! The realtime protocol: channels, event ids and the JSON frames both transports carry
//! (docs/realtime.md).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a client can subscribe to. Each has its own rule of who may (see `service::authorize`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// One mini-program user's own events: notifications, approval tasks, order status.
    User(i64),
    /// A post's new comments and like count.
    Post(i64),
    /// A flash sale's stock, sold-out and start.
    FlashSale(i64),
    /// Public configuration and feature-flag changes.
    Config,
    /// Moderation queue and failed jobs; admins only.
    Admin,
    /// A collection's created, updated and deleted records; each subscriber gets only the
    /// records its `view` rule allows (`realtime::gate`).
    Collection(String),
}

/// How collection channels are named: `collection:<name>`.
pub const COLLECTION_PREFIX: &str = "collection:";

/// The collection a channel name is about, if it is a collection channel.
pub fn collection_of(channel: &str) -> Option<&str> {
    channel.strip_prefix(COLLECTION_PREFIX)
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::Post(id) => write!(f, "post:{id}"),
            Self::FlashSale(id) => write!(f, "flash-sale:{id}"),
            Self::Config => f.write_str("config"),
            Self::Admin => f.write_str("admin"),
            Self::Collection(name) => write!(f, "collection:{name}"),
        }
    }
}

impl FromStr for Channel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let id = |rest: &str| {
            rest.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| format!("'{text}': the id must be a positive integer"))
        };
        match text.split_once(':') {
            None if text == "config" => Ok(Self::Config),
            None if text == "admin" => Ok(Self::Admin),
            Some(("user", rest)) => id(rest).map(Self::User),
            Some(("post", rest)) => id(rest).map(Self::Post),
            Some(("flash-sale", rest)) => id(rest).map(Self::FlashSale),
            Some(("collection", name)) if crate::collections::sql::valid_name(name) => {
                Ok(Self::Collection(name.to_string()))
            }
            _ => Err(format!(
                "'{text}' is not a channel (user:<id>, post:<id>, flash-sale:<id>, config, admin, collection:<name>)"
            )),
        }
    }
}

/// An event's position: milliseconds and a sequence number, as Redis stream ids are written
/// (`1733551234567-0`). Ids grow across every channel of a deployment, so one id is a resume
/// point for all of a client's subscriptions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    pub ms: u64,
    pub seq: u64,
}

impl EventId {
    pub const MAX: EventId = EventId {
        ms: u64::MAX,
        seq: u64::MAX,
    };
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl FromStr for EventId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("'{text}' is not an event id (like 1733551234567-0)");
        let (ms, seq) = text.split_once('-').ok_or_else(bad)?;
        Ok(Self {
            ms: ms.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

/// A frame from the client (WebSocket only; SSE names its channels in the query).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Subscribe to a channel; with `since` (the last event id seen), first get what was missed.
    Subscribe {
        channel: String,
        #[serde(default)]
        since: Option<String>,
    },
    Unsubscribe {
        channel: String,
    },
    /// An application-level heartbeat, answered with `pong` (protocol pings work too).
    Ping,
}

/// A frame from the server, on either transport (SSE sends it as the `data` of a `message`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// The first frame of a connection.
    Welcome {
        connection_id: u64,
        /// The server pings this often; a connection silent for `idle_timeout_secs` is closed.
        heartbeat_secs: u64,
        idle_timeout_secs: u64,
    },
    /// A subscription took effect; `position` is the resume point if no event comes before a
    /// reconnect.
    Subscribed {
        channel: &'a str,
        position: String,
    },
    Unsubscribed {
        channel: &'a str,
    },
    /// Events since the client's last id could not all be replayed (outside the window, or the
    /// event store was reset): reload the channel's state over HTTP.
    Reload {
        channel: &'a str,
        reason: &'a str,
    },
    /// A frame was refused; the connection stays open.
    Error {
        /// A code from docs/error-codes.md (40000 bad frame, 40300 not allowed, 42900 too many
        /// subscriptions).
        code: u32,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        channel: Option<&'a str>,
    },
    Pong,
    /// Sent just before the server closes the connection.
    Closing {
        reason: &'a str,
        /// True: reconnect (with backoff, resuming from the last event id); false: do not
        /// (the session ended).
        reconnect: bool,
    },
}

impl ServerFrame<'_> {
    pub fn to_json(&self) -> String {
        // Plain enums of strings and numbers always serialise.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An event as published, documented for the OpenAPI description (`type` is always `event`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventFrame {
    /// Always "event".
    #[serde(rename = "type")]
    pub frame_type: String,
    /// Resume point: send it back as `since` (WebSocket) or `Last-Event-ID` (SSE).
    pub id: String,
    pub channel: String,
    /// What happened, such as `notification.created` or `flash_sale.stock` (docs/realtime.md).
    pub event: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When it was published (RFC 3339, UTC).
    pub at: String,
}

/// The part of an event frame after its id and channel, rendered once by the publisher:
/// `"event":...,"data":...,"at":...}`.
pub fn render_body(event: &str, data: &serde_json::Value) -> String {
    #[derive(Serialize)]
    struct Body<'a> {
        event: &'a str,
        data: &'a serde_json::Value,
        at: String,
    }
    let json = serde_json::to_string(&Body {
        event,
        data,
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
    .unwrap_or_else(|_| "{}".into());
    // Drop the opening brace: the frame's head supplies it.
    json[1..].to_string()
}

/// The whole event frame: `{"type":"event","id":...,"channel":...,` + body.
pub fn render_frame(id: EventId, channel: &str, body: &str) -> String {
    let channel = serde_json::to_string(channel).unwrap_or_default();
    format!(r#"{{"type":"event","id":"{id}","channel":{channel},{body}"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_round_trip_and_bad_ones_are_refused() {
        for text in [
            "user:7",
            "post:12",
            "flash-sale:3",
            "config",
            "admin",
            "collection:todos",
        ] {
            let channel: Channel = text.parse().unwrap();
            assert_eq!(channel.to_string(), text);
        }
        for bad in [
            "user:",
            "user:-1",
            "user:abc",
            "posts:1",
            "",
            "config:1",
            "admin:x",
            "collection:",
            "collection:Todos",
            "collection:a;drop",
        ] {
            assert!(bad.parse::<Channel>().is_err(), "{bad}");
        }
    }

    #[test]
    fn event_ids_order_numerically() {
        let a: EventId = "9-10".parse().unwrap();
        let b: EventId = "10-0".parse().unwrap();
        assert!(a < b);
        assert_eq!(b.to_string(), "10-0");
        assert!("10".parse::<EventId>().is_err());
    }

    #[test]
    fn a_rendered_frame_is_json_with_every_field() {
        let body = render_body("post.liked", &serde_json::json!({"like_count": 3}));
        let frame = render_frame(EventId { ms: 5, seq: 1 }, "post:9", &body);
        let value: serde_json::Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(value["type"], "event");
        assert_eq!(value["id"], "5-1");
        assert_eq!(value["channel"], "post:9");
        assert_eq!(value["event"], "post.liked");
        assert_eq!(value["data"]["like_count"], 3);
        assert!(value["at"].as_str().unwrap().ends_with('Z'));
    }
}
