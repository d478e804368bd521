//! Server-sent events: the channels are named in the query, the resume point comes as
//! `Last-Event-ID` (which `EventSource` sends by itself on reconnect), and every frame is the
//! `data` of an SSE message, with the event id as the SSE `id`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::Event;
use futures::Stream;

use super::hub::{CloseReason, Next, Outbox, Slot};
use super::metrics::{self, Transport};
use super::model::{EventId, ServerFrame};
use super::service::{self, Realtime};
use crate::auth::jwt::Claims;
use crate::error::AppResult;
use crate::state::AppState;

pub struct Opening {
    pub state: AppState,
    pub claims: Claims,
    pub slot: Slot,
    /// Already parsed and authorized.
    pub channels: Vec<String>,
    /// Per channel, the caller a collection channel's view rule is checked for.
    pub viewers: Vec<Option<Arc<crate::collections::query::Caller>>>,
    pub since: Option<EventId>,
}

struct Open {
    state: AppState,
    claims: Claims,
    _slot: Slot,
    outbox: Arc<Outbox>,
    pending: VecDeque<Event>,
    floor: EventId,
    done: bool,
}

impl Drop for Open {
    fn drop(&mut self) {
        metrics::connection(Transport::Sse, -1.0);
    }
}

fn frame(json: String) -> Event {
    Event::default().data(json)
}

/// Subscribe, replay what was missed, and return the stream of SSE messages.
pub async fn open(
    opening: Opening,
) -> AppResult<impl Stream<Item = Result<Event, Infallible>> + Send + 'static> {
    let Opening {
        state,
        claims,
        mut slot,
        channels,
        viewers,
        since,
    } = opening;
    let realtime = state.feature::<Realtime>()?;
    let settings = realtime.settings.clone();
    for (channel, viewer) in channels.iter().zip(viewers) {
        slot.subscribe_as(channel, viewer);
    }
    let mut pending = VecDeque::new();
    let names: Vec<&str> = channels.iter().map(String::as_str).collect();
    let mut replayed = Vec::new();
    let position = match since {
        None => realtime.position().await?,
        Some(since) => {
            let replay = realtime.replay(&names, since).await?;
            if replay.complete {
                replayed = replay.events;
            } else {
                for channel in &names {
                    let reload = ServerFrame::Reload {
                        channel,
                        reason: "the events since your last id are no longer kept",
                    };
                    replayed.push((EventId::default(), String::new(), reload.to_json()));
                }
            }
            replay.position
        }
    };
    // The welcome carries the position as its id, so `EventSource` resumes from there even if
    // no event comes before a reconnect.
    let welcome = ServerFrame::Welcome {
        connection_id: slot.id,
        heartbeat_secs: settings.heartbeat.as_secs(),
        idle_timeout_secs: settings.idle_timeout.as_secs(),
    };
    pending.push_back(frame(welcome.to_json()).id(position.to_string()));
    for (id, _, json) in replayed {
        let event = frame(json);
        pending.push_back(if id == EventId::default() {
            event
        } else {
            event.id(id.to_string())
        });
    }
    for channel in &names {
        let subscribed = ServerFrame::Subscribed {
            channel,
            position: position.to_string(),
        };
        pending.push_back(frame(subscribed.to_json()));
    }
    metrics::connection(Transport::Sse, 1.0);
    let open = Open {
        state,
        claims,
        outbox: slot.outbox.clone(),
        _slot: slot,
        pending,
        floor: position,
        done: false,
    };
    Ok(futures::stream::unfold(open, next))
}

async fn next(mut open: Open) -> Option<(Result<Event, Infallible>, Open)> {
    loop {
        if let Some(event) = open.pending.pop_front() {
            return Some((Ok(event), open));
        }
        if open.done {
            return None;
        }
        match open.outbox.next().await {
            Next::Close(reason) => {
                open.done = true;
                if reason != CloseReason::SlowConsumer {
                    let closing = ServerFrame::Closing {
                        reason: reason.text(),
                        reconnect: reason.reconnect(),
                    };
                    open.pending.push_back(frame(closing.to_json()));
                }
            }
            // The node's heartbeat task asks each connection in turn: the session check.
            Next::Heartbeat => {
                if !Box::pin(service::still_valid(&open.state, &open.claims)).await {
                    open.outbox.kick(CloseReason::SessionEnded);
                }
            }
            Next::Deliver(delivery) => {
                if delivery.id > open.floor {
                    metrics::message_out(Transport::Sse);
                    let event = frame(delivery.frame.as_str().to_string());
                    open.pending.push_back(if delivery.id == EventId::MAX {
                        event
                    } else {
                        event.id(delivery.id.to_string())
                    });
                }
            }
        }
    }
}
