//! One WebSocket connection: subscribe/unsubscribe frames in, events out through the connection's
//! bounded queue, heartbeats, and the closes (slow, idle, session ended, shutdown).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use tokio::time::Instant;

use super::hub::{CloseReason, Next, Slot};
use super::metrics::{self, Transport};
use super::model::{Channel, ClientFrame, EventId, ServerFrame};
use super::service::{self, Realtime};
use crate::auth::guard::Principal;
use crate::auth::jwt::Claims;
use crate::error::ErrorCode;
use crate::state::AppState;

pub struct Session {
    pub state: AppState,
    pub principal: Principal,
    pub claims: Claims,
    pub slot: Slot,
}

/// Frames go out on the socket itself: one task reads and writes, so the socket is not split
/// (which would put it behind a lock of its own).
type Sink = WebSocket;

/// Why the loop ended without a close from the server.
enum Gone {
    /// The client closed or the connection broke.
    Client,
}

pub async fn run(mut sink: WebSocket, mut session: Session) {
    // Only the durations, not a copy of the whole settings (which owns strings).
    let Some(settings) = Timings::of(&session.state) else {
        tracing::error!("realtime: no state registered at start-up");
        return;
    };
    metrics::connection(Transport::Ws, 1.0);
    // Per subscribed channel, the last id already sent (by replay): live copies up to it are
    // skipped, so nothing arrives twice.
    let mut floors: Vec<(Arc<str>, EventId)> = Vec::new();
    let outbox = session.slot.outbox.clone();
    let mut heartbeat =
        tokio::time::interval_at(Instant::now() + settings.heartbeat, settings.heartbeat);
    let mut last_heard = Instant::now();
    let welcome = ServerFrame::Welcome {
        connection_id: session.slot.id,
        heartbeat_secs: settings.heartbeat.as_secs(),
        idle_timeout_secs: settings.idle_timeout.as_secs(),
    };
    let mut outcome: Result<(), Gone> =
        send(&mut sink, welcome.to_json().into(), settings.write_timeout).await;
    while outcome.is_ok() {
        // A kick goes first, even before frames the client keeps sending.
        if let Some(reason) = outbox.reason() {
            Box::pin(close(&mut sink, reason)).await;
            break;
        }
        tokio::select! {
            biased;
            incoming = sink.recv() => {
                let Some(Ok(message)) = incoming else { break };
                last_heard = Instant::now();
                outcome = match message {
                    Message::Text(text) => {
                        metrics::message_in();
                        // Boxed, like the session check below: a task's future is as large as its
                        // largest state for its whole life, and these (log reads, database
                        // queries) are rare; inline they would cost every idle connection.
                        Box::pin(on_frame(&mut session, &mut sink, &mut floors, text.as_str())).await
                    }
                    Message::Binary(_) => {
                        metrics::message_in();
                        let frame = ServerFrame::Error {
                            code: ErrorCode::BadRequest.as_u32(),
                            message: "frames are JSON text",
                            channel: None,
                        };
                        send(&mut sink, frame.to_json().into(), settings.write_timeout).await
                    }
                    Message::Close(_) => Err(Gone::Client),
                    Message::Ping(_) | Message::Pong(_) => Ok(()),
                };
            }
            next = outbox.next() => {
                let delivery = match next {
                    Next::Close(reason) => {
                        Box::pin(close(&mut sink, reason)).await;
                        break;
                    }
                    Next::Deliver(delivery) => delivery,
                };
                let stale = floors
                    .iter()
                    .find(|(channel, _)| *channel == delivery.channel)
                    .is_some_and(|(_, floor)| delivery.id <= *floor);
                if !stale {
                    outcome = send(&mut sink, delivery.frame.clone(), settings.write_timeout).await;
                    if outcome.is_ok() {
                        metrics::message_out(Transport::Ws);
                    }
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() >= settings.idle_timeout {
                    Box::pin(close(&mut sink, CloseReason::IdleTimeout)).await;
                    break;
                }
                if !Box::pin(service::still_valid(&session.state, &session.claims)).await {
                    Box::pin(close(&mut sink, CloseReason::SessionEnded)).await;
                    break;
                }
                let ping = Message::Ping(axum::body::Bytes::from_static(b"hb"));
                outcome = timed(&mut sink, ping, settings.write_timeout).await;
            }
        }
    }
    metrics::connection(Transport::Ws, -1.0);
}

#[derive(Clone, Copy)]
struct Timings {
    heartbeat: Duration,
    idle_timeout: Duration,
    write_timeout: Duration,
}

impl Timings {
    fn of(state: &AppState) -> Option<Self> {
        let settings = &state.feature::<Realtime>().ok()?.settings;
        Some(Self {
            heartbeat: settings.heartbeat,
            idle_timeout: settings.idle_timeout,
            write_timeout: settings.write_timeout,
        })
    }
}

async fn on_frame(
    session: &mut Session,
    sink: &mut Sink,
    floors: &mut Vec<(Arc<str>, EventId)>,
    text: &str,
) -> Result<(), Gone> {
    let realtime = session
        .state
        .feature::<Realtime>()
        .map_err(|_| Gone::Client)?;
    let timeout = realtime.settings.write_timeout;
    let frame = match serde_json::from_str::<ClientFrame>(text) {
        Ok(frame) => frame,
        Err(err) => {
            let message = format!("not a frame this server knows: {err}");
            return refuse(sink, ErrorCode::BadRequest, &message, None, timeout).await;
        }
    };
    match frame {
        ClientFrame::Ping => send(sink, ServerFrame::Pong.to_json().into(), timeout).await,
        ClientFrame::Unsubscribe { channel } => {
            session.slot.unsubscribe(&channel);
            floors.retain(|(c, _)| **c != *channel);
            let frame = ServerFrame::Unsubscribed { channel: &channel };
            send(sink, frame.to_json().into(), timeout).await
        }
        ClientFrame::Subscribe { channel, since } => {
            subscribe(session, sink, floors, &channel, since.as_deref()).await
        }
    }
}

async fn subscribe(
    session: &mut Session,
    sink: &mut Sink,
    floors: &mut Vec<(Arc<str>, EventId)>,
    name: &str,
    since: Option<&str>,
) -> Result<(), Gone> {
    let realtime = session
        .state
        .feature::<Realtime>()
        .map_err(|_| Gone::Client)?;
    let timeout = realtime.settings.write_timeout;
    let channel = match name.parse::<Channel>() {
        Ok(channel) => channel,
        Err(problem) => {
            return refuse(sink, ErrorCode::BadRequest, &problem, Some(name), timeout).await
        }
    };
    if let Err(problem) = service::authorize(&session.principal, &channel) {
        return refuse(sink, ErrorCode::Forbidden, problem, Some(name), timeout).await;
    }
    let viewer = match service::viewer_for(&session.state, &session.principal, &channel).await {
        Ok(viewer) => viewer,
        Err(err) => {
            return refuse(sink, err.code(), err.message(), Some(name), timeout).await;
        }
    };
    let since = match since.map(str::parse::<EventId>).transpose() {
        Ok(since) => since,
        Err(problem) => {
            return refuse(sink, ErrorCode::BadRequest, &problem, Some(name), timeout).await
        }
    };
    if session.slot.is_subscribed(name) {
        let message = "already subscribed to this channel";
        return refuse(sink, ErrorCode::Conflict, message, Some(name), timeout).await;
    }
    if session.slot.subscription_count() >= realtime.hub.caps().subscriptions {
        let message = "too many subscriptions on this connection";
        return refuse(sink, ErrorCode::RateLimited, message, Some(name), timeout).await;
    }
    // Subscribe first, then read the log: every event after the position read arrives live.
    session.slot.subscribe_as(name, viewer);
    let position = match since {
        None => realtime.position().await,
        Some(since) => match realtime.replay(&[name], since).await {
            Ok(replay) if replay.complete => {
                for (_, _, frame) in replay.events {
                    send(sink, frame.into(), timeout).await?;
                    metrics::message_out(Transport::Ws);
                }
                Ok(replay.position)
            }
            Ok(replay) => {
                let reload = ServerFrame::Reload {
                    channel: name,
                    reason: "the events since your last id are no longer kept",
                };
                send(sink, reload.to_json().into(), timeout).await?;
                Ok(replay.position)
            }
            Err(err) => Err(err),
        },
    };
    let position = match position {
        Ok(position) => position,
        Err(err) => {
            session.slot.unsubscribe(name);
            tracing::warn!(error = ?err, "realtime: subscription failed");
            let message = "the event log is unavailable for a moment; subscribe again";
            return refuse(sink, ErrorCode::Unavailable, message, Some(name), timeout).await;
        }
    };
    let name_shared = session
        .slot
        .subscription(name)
        .unwrap_or_else(|| Arc::from(name));
    floors.push((name_shared, position));
    let frame = ServerFrame::Subscribed {
        channel: name,
        position: position.to_string(),
    };
    send(sink, frame.to_json().into(), timeout).await
}

async fn refuse(
    sink: &mut Sink,
    code: ErrorCode,
    message: &str,
    channel: Option<&str>,
    timeout: Duration,
) -> Result<(), Gone> {
    let frame = ServerFrame::Error {
        code: code.as_u32(),
        message,
        channel,
    };
    send(sink, frame.to_json().into(), timeout).await
}

async fn send(sink: &mut Sink, text: Utf8Bytes, timeout: Duration) -> Result<(), Gone> {
    timed(sink, Message::Text(text), timeout).await
}

/// A client that cannot take a frame within the write timeout is gone.
async fn timed(sink: &mut Sink, message: Message, timeout: Duration) -> Result<(), Gone> {
    match tokio::time::timeout(timeout, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Gone::Client),
        Err(_) => {
            metrics::dropped("write_timeout");
            Err(Gone::Client)
        }
    }
}

/// Say why, then close with the reason's code. A client too slow to take even this is dropped.
async fn close(sink: &mut Sink, reason: CloseReason) {
    let frame = ServerFrame::Closing {
        reason: reason.text(),
        reconnect: reason.reconnect(),
    };
    let quick = Duration::from_secs(1);
    if reason != CloseReason::SlowConsumer {
        let _ = timed(sink, Message::Text(frame.to_json().into()), quick).await;
    }
    let close = Message::Close(Some(CloseFrame {
        code: reason.code(),
        reason: reason.text().into(),
    }));
    let _ = timed(sink, close, quick).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output_size<A, B, F>(_: impl FnOnce(A, B) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// A connection's task is as large as the largest state of its future, for its whole life,
    /// idle or not: rare states (frames in, closes, session checks) are boxed so that they do
    /// not cost every idle connection. docs/benchmarks.md has the breakdown this bound keeps.
    #[test]
    fn the_connection_task_future_stays_small() {
        let size = output_size(run);
        eprintln!("socket::run future: {size} bytes");
        assert!(size <= 2560, "socket::run's future grew to {size} bytes");
    }
}
