//! One WebSocket connection: subscribe/unsubscribe frames in, events out through the connection's
//! bounded queue, heartbeats, and the closes (slow, idle, session ended, shutdown).

use std::future::Future;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Bytes, Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use super::hub::{CloseReason, Next, Slot};
use super::metrics::{self, Transport};
use super::model::{Channel, ClientFrame, EventId, ServerFrame};
use super::service::{self, Realtime};
use crate::auth::guard::Principal;
use crate::auth::jwt::Claims;
use crate::error::ErrorCode;
use crate::http::linger::LingeringIo;
use crate::state::AppState;

/// Largest frame a client may send (subscribe frames are tiny).
const MAX_CLIENT_FRAME: usize = 16 * 1024;

/// The socket as the HTTP server accepted it (see `http::server`): what hyper's upgrade is
/// downcast to, so the WebSocket runs on the stream itself rather than on a boxed copy.
type Accepted = LingeringIo<TcpStream>;

pub struct Session {
    pub state: AppState,
    pub principal: Principal,
    pub claims: Claims,
    pub slot: Slot,
}

/// Small buffers: client frames are tiny (a subscribe frame is under 128 bytes, larger ones are
/// read in several steps), and the read buffer is held for the connection's life (the default
/// is 128 KiB). No write buffer: each frame goes out as it is written.
fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(128)
        .write_buffer_size(0)
        .max_message_size(Some(MAX_CLIENT_FRAME))
        .max_frame_size(Some(MAX_CLIENT_FRAME))
}

/// Start the connection's task; it waits for hyper to hand the connection over after the 101.
///
/// The task's future is the connection's largest per-socket cost (it is as large as its largest
/// state, for its whole life), so it is laid out with care: the connection's state is captured
/// once and used in place (an `async fn` taking it by value would keep a second slot for the
/// moved argument), and every rare step (frames in, sends, closes, session checks) runs boxed,
/// so that only the wait for the next wake-up is inline.
pub fn spawn(on_upgrade: OnUpgrade, session: Session) {
    tokio::spawn(task(on_upgrade, session));
}

fn task(on_upgrade: OnUpgrade, session: Session) -> impl Future<Output = ()> + Send {
    let mut conn = Conn::new(session);
    async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(err) => {
                tracing::debug!(error = %err, "realtime: the upgrade did not complete");
                return;
            }
        };
        match upgraded.downcast::<TokioIo<Accepted>>() {
            Ok(hyper::upgrade::Parts { io, read_buf, .. }) => {
                let io = io.into_inner();
                // Bytes a client sent right behind its upgrade request are the first frames.
                // Even empty, `read_buf` shares hyper's whole read buffer (8 KiB): taken apart
                // here so it is freed now, not held (as a field of `parts`) for the socket's life.
                let part = if read_buf.is_empty() {
                    drop(read_buf);
                    Vec::new()
                } else {
                    // A copy, the size of what was read (the buffer itself could be reused).
                    let part = read_buf.to_vec();
                    drop(read_buf);
                    part
                };
                let mut ws = if part.is_empty() {
                    WebSocketStream::from_raw_socket(io, Role::Server, Some(config())).await
                } else {
                    WebSocketStream::from_partially_read(io, part, Role::Server, Some(config()))
                        .await
                };
                conn.serve(&mut ws).await;
            }
            // Another server in front (not `http::server`): the same, on hyper's wrapper.
            Err(upgraded) => {
                let io = TokioIo::new(upgraded);
                let mut ws =
                    WebSocketStream::from_raw_socket(io, Role::Server, Some(config())).await;
                conn.serve(&mut ws).await;
            }
        }
    }
}

/// Why the loop ended without a close from the server.
enum Gone {
    /// The client closed or the connection broke.
    Client,
}

/// What woke the connection.
enum Woke {
    /// A frame from the client; None when it closed or the connection broke.
    Frame(Option<Message>),
    Next(Next),
}

/// A connection's own state, beside its socket.
struct Conn {
    session: Session,
    last_heard: Instant,
}

impl Conn {
    fn new(mut session: Session) -> Self {
        // The heartbeat's session check reads the subject, its token version and the login
        // session; the rest of the claims would only be held.
        session.claims.role = String::new();
        session.claims.iss = String::new();
        session.claims.jti = String::new();
        // The hub holds the login session for kicks; channel rules read the principal's subject
        // and role only.
        session.principal.session_id = None;
        Self {
            session,
            last_heard: Instant::now(),
        }
    }

    async fn serve<S: AsyncRead + AsyncWrite + Unpin>(&mut self, sink: &mut WebSocketStream<S>) {
        metrics::connection(Transport::Ws, 1.0);
        let mut open = Box::pin(self.welcome(sink)).await.is_ok();
        while open {
            // A kick goes first, even before frames the client keeps sending.
            if let Some(reason) = self.session.slot.outbox.reason() {
                Box::pin(close(sink, reason)).await;
                break;
            }
            let woke = self.wait(sink).await;
            open = Box::pin(self.on_wake(sink, woke)).await;
        }
        metrics::connection(Transport::Ws, -1.0);
    }

    /// The one state an idle connection sits in.
    async fn wait<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        sink: &mut WebSocketStream<S>,
    ) -> Woke {
        let outbox = &self.session.slot.outbox;
        tokio::select! {
            biased;
            frame = sink.next() => Woke::Frame(frame.and_then(Result::ok)),
            next = outbox.next() => Woke::Next(next),
        }
    }

    async fn welcome<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        sink: &mut WebSocketStream<S>,
    ) -> Result<(), Gone> {
        let timings = self.session.slot.caps();
        let welcome = ServerFrame::Welcome {
            connection_id: self.session.slot.id,
            heartbeat_secs: timings.heartbeat.as_secs(),
            idle_timeout_secs: timings.idle_timeout.as_secs(),
        };
        send(sink, welcome.to_json().into(), timings.write_timeout).await
    }

    /// Handle one wake-up; false when the connection is over.
    async fn on_wake<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        sink: &mut WebSocketStream<S>,
        woke: Woke,
    ) -> bool {
        let timings = self.session.slot.caps();
        let outcome = match woke {
            Woke::Frame(None) => return false,
            Woke::Frame(Some(message)) => {
                self.last_heard = Instant::now();
                match message {
                    Message::Text(text) => {
                        metrics::message_in();
                        // Boxed apart (log reads, database queries): this future is allocated
                        // at every wake-up, events included, and should stay small for them.
                        Box::pin(on_frame(&mut self.session, sink, text.as_str())).await
                    }
                    Message::Binary(_) => {
                        metrics::message_in();
                        let frame = ServerFrame::Error {
                            code: ErrorCode::BadRequest.as_u32(),
                            message: "frames are JSON text",
                            channel: None,
                        };
                        send(sink, frame.to_json().into(), timings.write_timeout).await
                    }
                    Message::Close(_) => Err(Gone::Client),
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Ok(()),
                }
            }
            Woke::Next(Next::Close(reason)) => {
                close(sink, reason).await;
                return false;
            }
            Woke::Next(Next::Deliver(delivery)) => {
                if self.session.slot.is_stale(&delivery.channel, delivery.id) {
                    return true;
                }
                let outcome = send(sink, delivery.frame.clone(), timings.write_timeout).await;
                if outcome.is_ok() {
                    metrics::message_out(Transport::Ws);
                }
                outcome
            }
            Woke::Next(Next::Heartbeat) => {
                if self.last_heard.elapsed() >= timings.idle_timeout {
                    close(sink, CloseReason::IdleTimeout).await;
                    return false;
                }
                let valid = service::still_valid(&self.session.state, &self.session.claims);
                if !Box::pin(valid).await {
                    close(sink, CloseReason::SessionEnded).await;
                    return false;
                }
                let ping = Message::Ping(Bytes::from_static(b"hb"));
                timed(sink, ping, timings.write_timeout).await
            }
        };
        outcome.is_ok()
    }
}

async fn on_frame<S: AsyncRead + AsyncWrite + Unpin>(
    session: &mut Session,
    sink: &mut WebSocketStream<S>,
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
            let frame = ServerFrame::Unsubscribed { channel: &channel };
            send(sink, frame.to_json().into(), timeout).await
        }
        ClientFrame::Subscribe { channel, since } => {
            subscribe(session, sink, &channel, since.as_deref()).await
        }
    }
}

async fn subscribe<S: AsyncRead + AsyncWrite + Unpin>(
    session: &mut Session,
    sink: &mut WebSocketStream<S>,
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
    session.slot.set_floor(name, position);
    let frame = ServerFrame::Subscribed {
        channel: name,
        position: position.to_string(),
    };
    send(sink, frame.to_json().into(), timeout).await
}

async fn refuse<S: AsyncRead + AsyncWrite + Unpin>(
    sink: &mut WebSocketStream<S>,
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

async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    sink: &mut WebSocketStream<S>,
    text: Utf8Bytes,
    timeout: Duration,
) -> Result<(), Gone> {
    timed(sink, Message::Text(text), timeout).await
}

/// A client that cannot take a frame within the write timeout is gone.
async fn timed<S: AsyncRead + AsyncWrite + Unpin>(
    sink: &mut WebSocketStream<S>,
    message: Message,
    timeout: Duration,
) -> Result<(), Gone> {
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
async fn close<S: AsyncRead + AsyncWrite + Unpin>(
    sink: &mut WebSocketStream<S>,
    reason: CloseReason,
) {
    let frame = ServerFrame::Closing {
        reason: reason.text(),
        reconnect: reason.reconnect(),
    };
    let quick = Duration::from_secs(1);
    if reason != CloseReason::SlowConsumer {
        let _ = timed(sink, Message::Text(frame.to_json().into()), quick).await;
    }
    let close = Message::Close(Some(CloseFrame {
        code: reason.code().into(),
        reason: Utf8Bytes::from_static(reason.text()),
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
    /// idle or not: rare states (frames in, sends, closes, session checks) are boxed so that
    /// they do not cost every idle connection. docs/realtime.md has the breakdown this bound
    /// keeps.
    #[test]
    fn the_connection_task_future_stays_small() {
        let size = output_size(task);
        eprintln!(
            "socket::task future: {size} bytes (the socket {} B, the connection's state {} B)",
            std::mem::size_of::<WebSocketStream<Accepted>>(),
            std::mem::size_of::<Conn>(),
        );
        // 1,680 bytes in the test build when this bound was set; it fails on real growth.
        assert!(size <= 1792, "socket::task's future grew to {size} bytes");
    }
}
