//! Realtime: a WebSocket and an SSE endpoint, channels with per-channel rules, fan-out across
//! nodes through Redis with replay after a reconnect, and the one call features publish with
//! (`realtime::publish(&state, Channel::Post(id), "post.liked", data)`). docs/realtime.md has
//! the protocol.

mod bus;
pub mod gate;
mod hub;
mod metrics;
pub mod model;
mod routes;
pub mod service;
pub mod settings;
mod socket;
mod sse;
mod ticket;
mod upgrade;

pub use model::Channel;
pub use routes::routes;
pub use service::{disconnect, publish, Realtime};
