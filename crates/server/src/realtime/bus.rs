//! Where events go between nodes, and where they are kept for replay.
//!
//! With Redis: one stream (`{mb:rt}:log`, trimmed to about `realtime_replay_window` entries) is
//! the log, and each event is also published on `mb:rt:events`; both happen in one Lua script, so the
//! pub/sub order is the stream order and ids grow on every channel. Every node subscribes once
//! and hands each event to its local subscribers. Without Redis, an in-process ring of the same
//! shape does both.
//!
//! Replay from a client's last id is complete when the log was already there at that id (a
//! marker entry is written when the stream is created, so a Redis that lost its data is noticed)
//! and nothing after it was trimmed (the publish script records the newest id it trims);
//! otherwise the client is told to reload.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::hub::{Delivery, Hub};
use super::metrics;
use super::model::{render_frame, EventId, ServerFrame};
use crate::auth::jwt::SubjectKind;
use crate::store::redis::{Redis, HEALTH_INTERVAL};

/// The Redis names, under `realtime_redis_prefix` (default `mb:rt`).
#[derive(Clone)]
pub struct Keys {
    /// The stream every event is appended to.
    stream: String,
    /// The newest id trimmed from the stream.
    floor: String,
    /// The pub/sub channel every event is published on.
    events: String,
    /// The pub/sub channel of disconnect orders.
    control: String,
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Self {
            // The scripts touch both keys: one hash tag keeps them in one Redis Cluster slot.
            // (Channels are no keys: a cluster delivers a PUBLISH to every node.)
            stream: format!("{{{prefix}}}:log"),
            floor: format!("{{{prefix}}}:trimmed"),
            events: format!("{prefix}:events"),
            control: format!("{prefix}:control"),
        }
    }
}
/// Events a node's publisher sends to Redis in one script call.
const BATCH: usize = 256;
/// Events waiting for the publisher; beyond this they are dropped (and counted).
const PUBLISH_QUEUE: usize = 65_536;

/// Create the stream (with its marker) when absent; append each (channel, body) and publish it;
/// then trim to the window, remembering the newest id trimmed (Redis's own
/// `max-deleted-entry-id` counts only XDEL, not trimming).
const PUBLISH_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('XADD', KEYS[1], '*', 'c', '', 'b', '') end
for i = 3, #ARGV, 2 do
  local id = redis.call('XADD', KEYS[1], '*', 'c', ARGV[i], 'b', ARGV[i + 1])
  redis.call('PUBLISH', ARGV[2], id .. '\n' .. ARGV[i] .. '\n' .. ARGV[i + 1])
end
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[1])
if excess > 0 then
  local gone = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
  redis.call('SET', KEYS[2], gone[#gone][1])
  redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[1])
end
return 1
";

/// The current end of the log (creating it when absent).
const POSITION_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('XADD', KEYS[1], '*', 'c', '', 'b', '') end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then return info[i + 1] end
end
return '0-0'
";

/// {last, newest trimmed, first id, first is marker, then id, channel, body for each entry after
/// ARGV[1] on the channels ARGV[3..] (all when none)}, or {} when the stream is absent.
const REPLAY_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local out = {'0-0', redis.call('GET', KEYS[2]) or '0-0', '', '0'}
for i = 1, #info, 2 do
  local k = info[i]
  if k == 'last-generated-id' then out[1] = info[i + 1]
  elseif k == 'first-entry' and info[i + 1] then
    out[3] = info[i + 1][1]
    if info[i + 1][2][2] == '' then out[4] = '1' end
  end
end
local wanted = {}
local filter = #ARGV > 2
for i = 3, #ARGV do wanted[ARGV[i]] = true end
local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
for _, e in ipairs(entries) do
  local c = e[2][2]
  if c ~= '' and (not filter or wanted[c]) then
    out[#out + 1] = e[1]
    out[#out + 1] = c
    out[#out + 1] = e[2][4]
  end
end
return out
";

/// What a client missed since its last id.
pub struct Replay {
    /// False: some events after `since` are gone; the client must reload.
    pub complete: bool,
    /// The end of the log when read: the resume point after these events.
    pub position: EventId,
    /// (id, channel, frame), oldest first.
    pub events: Vec<(EventId, String, String)>,
}

/// A user's sockets to close (on every node).
#[derive(serde::Serialize, serde::Deserialize)]
struct Control {
    kind: SubjectKind,
    id: i64,
    session: Option<String>,
}

pub enum Bus {
    Local(Mutex<LocalLog>),
    Redis(RedisBus),
}

impl Bus {
    pub fn new(redis: Option<Redis>, hub: Arc<Hub>, window: usize, keys: Keys) -> Self {
        match redis {
            None => Self::Local(Mutex::new(LocalLog::new(window))),
            Some(redis) => Self::Redis(RedisBus::start(redis, hub, window, keys)),
        }
    }

    pub fn publish(&self, hub: &Hub, channel: String, body: String) {
        match self {
            Self::Local(log) => {
                let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
                let id = log.append(&channel, &body);
                let frame = render_frame(id, &channel, &body);
                metrics::published(1);
                // Under the lock, so that deliveries leave in id order.
                hub.dispatch(&Delivery::new(
                    Arc::from(channel),
                    id,
                    Utf8Bytes::from(frame),
                ));
            }
            Self::Redis(bus) => {
                if bus.outgoing.try_send((channel, body)).is_err() {
                    metrics::dropped("publish_queue_full");
                }
            }
        }
    }

    pub async fn position(&self) -> anyhow::Result<EventId> {
        match self {
            Self::Local(log) => Ok(log.lock().unwrap_or_else(PoisonError::into_inner).last),
            Self::Redis(bus) => bus.position().await,
        }
    }

    /// Events after `since` on `channels` (all channels when empty).
    pub async fn replay(&self, channels: &[&str], since: EventId) -> anyhow::Result<Replay> {
        match self {
            Self::Local(log) => Ok(log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .replay(channels, since)),
            Self::Redis(bus) => {
                replay_from_redis(&bus.redis, &bus.keys, bus.window, channels, since).await
            }
        }
    }

    /// True while events from other nodes are heard (always, without Redis).
    pub fn is_live(&self) -> bool {
        match self {
            Self::Local(_) => true,
            Self::Redis(bus) => bus.live.load(Ordering::Relaxed),
        }
    }

    /// Close a subject's (or one session's) connections on every node.
    pub async fn disconnect(&self, hub: &Hub, subject: (SubjectKind, i64), session: Option<&str>) {
        hub.kick_subject(subject, session);
        let Self::Redis(bus) = self else { return };
        let control = Control {
            kind: subject.0,
            id: subject.1,
            session: session.map(str::to_string),
        };
        let Ok(payload) = serde_json::to_string(&control) else {
            return;
        };
        let mut conn = bus.redis.conn();
        let sent: redis::RedisResult<()> = redis::cmd("PUBLISH")
            .arg(&bus.keys.control)
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(err) = sent {
            // Other nodes still end these sockets at their next heartbeat, when they re-check
            // the session.
            tracing::warn!(error = %err, "realtime: could not broadcast a disconnect");
        }
    }
}

/// The in-process log: a ring of the last `window` events.
pub struct LocalLog {
    window: usize,
    /// The log began here: a client's id before it cannot be resumed.
    birth: EventId,
    last: EventId,
    /// The newest event that fell out of the ring.
    dropped: EventId,
    entries: VecDeque<(EventId, Arc<str>, Arc<str>)>,
}

impl LocalLog {
    fn new(window: usize) -> Self {
        let birth = EventId {
            ms: now_ms(),
            seq: 0,
        };
        Self {
            window,
            birth,
            last: birth,
            dropped: EventId::default(),
            entries: VecDeque::new(),
        }
    }

    fn append(&mut self, channel: &str, body: &str) -> EventId {
        let ms = now_ms();
        let id = if ms > self.last.ms {
            EventId { ms, seq: 0 }
        } else {
            EventId {
                ms: self.last.ms,
                seq: self.last.seq + 1,
            }
        };
        self.last = id;
        self.entries
            .push_back((id, Arc::from(channel), Arc::from(body)));
        while self.entries.len() > self.window {
            if let Some((gone, _, _)) = self.entries.pop_front() {
                self.dropped = gone;
            }
        }
        id
    }

    fn replay(&self, channels: &[&str], since: EventId) -> Replay {
        let complete = since >= self.birth && self.dropped <= since && since <= self.last;
        let events = if complete {
            self.entries
                .iter()
                .filter(|(id, channel, _)| {
                    *id > since && (channels.is_empty() || channels.contains(&&**channel))
                })
                .map(|(id, channel, body)| {
                    (*id, channel.to_string(), render_frame(*id, channel, body))
                })
                .collect()
        } else {
            Vec::new()
        };
        Replay {
            complete,
            position: self.last,
            events,
        }
    }
}

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

pub struct RedisBus {
    redis: Redis,
    keys: Keys,
    window: usize,
    outgoing: mpsc::Sender<(String, String)>,
    /// True while this node hears events.
    pub live: Arc<AtomicBool>,
}

impl RedisBus {
    fn start(redis: Redis, hub: Arc<Hub>, window: usize, keys: Keys) -> Self {
        let (outgoing, incoming) = mpsc::channel(PUBLISH_QUEUE);
        let live = Arc::new(AtomicBool::new(false));
        tokio::spawn(run_publisher(redis.clone(), keys.clone(), window, incoming));
        tokio::spawn(run_subscriber(
            redis.clone(),
            keys.clone(),
            hub,
            window,
            live.clone(),
        ));
        Self {
            redis,
            keys,
            window,
            outgoing,
            live,
        }
    }

    async fn position(&self) -> anyhow::Result<EventId> {
        position_in_redis(&self.redis, &self.keys).await
    }
}

async fn position_in_redis(redis: &Redis, keys: &Keys) -> anyhow::Result<EventId> {
    let mut conn = redis.conn();
    let id: String = redis::Script::new(POSITION_SCRIPT)
        .key(&keys.stream)
        .invoke_async(&mut conn)
        .await?;
    id.parse().map_err(anyhow::Error::msg)
}

async fn replay_from_redis(
    redis: &Redis,
    keys: &Keys,
    window: usize,
    channels: &[&str],
    since: EventId,
) -> anyhow::Result<Replay> {
    let mut conn = redis.conn();
    let replay = redis::Script::new(REPLAY_SCRIPT);
    let mut script = replay.prepare_invoke();
    script
        .key(&keys.stream)
        .key(&keys.floor)
        .arg(since.to_string())
        .arg(window + 1);
    for channel in channels {
        script.arg(*channel);
    }
    let out: Vec<String> = script.invoke_async(&mut conn).await?;
    let parse = |text: &str| text.parse::<EventId>().map_err(anyhow::Error::msg);
    if out.len() < 4 {
        // No stream at all: Redis lost it (or never had it); nothing can be resumed.
        return Ok(Replay {
            complete: false,
            position: EventId::default(),
            events: Vec::new(),
        });
    }
    let last = parse(&out[0])?;
    let trimmed = parse(&out[1])?;
    let born_after = out[3] == "1" && parse(&out[2])? > since;
    let mut events = Vec::with_capacity((out.len() - 4) / 3);
    for entry in out[4..].chunks_exact(3) {
        let id = parse(&entry[0])?;
        events.push((id, entry[1].clone(), render_frame(id, &entry[1], &entry[2])));
    }
    let complete = trimmed <= since && !born_after && since <= last && events.len() <= window;
    if !complete {
        events.clear();
    }
    Ok(Replay {
        complete,
        position: last,
        events,
    })
}

/// Send queued events to Redis in batches, in the order they were published on this node.
async fn run_publisher(
    redis: Redis,
    keys: Keys,
    window: usize,
    mut incoming: mpsc::Receiver<(String, String)>,
) {
    let script = redis::Script::new(PUBLISH_SCRIPT);
    let mut batch = Vec::with_capacity(BATCH);
    while incoming.recv_many(&mut batch, BATCH).await > 0 {
        if !redis.is_healthy() {
            for _ in batch.drain(..) {
                metrics::dropped("bus_unavailable");
            }
            continue;
        }
        let mut invocation = script.prepare_invoke();
        invocation
            .key(&keys.stream)
            .key(&keys.floor)
            .arg(window)
            .arg(&keys.events);
        for (channel, body) in &batch {
            invocation.arg(channel).arg(body);
        }
        let mut conn = redis.conn();
        let sent: redis::RedisResult<i64> = invocation.invoke_async(&mut conn).await;
        match sent {
            Ok(_) => metrics::published(batch.len() as u64),
            Err(err) => {
                tracing::warn!(error = %err, events = batch.len(), "realtime: events not published");
                redis.mark_unhealthy();
                for _ in 0..batch.len() {
                    metrics::dropped("bus_unavailable");
                }
            }
        }
        batch.clear();
    }
}

/// Hear every event and control message, and hand them to this node's connections; after a lost
/// subscription, catch up from the log (or tell every local subscriber to reload).
async fn run_subscriber(
    redis: Redis,
    keys: Keys,
    hub: Arc<Hub>,
    window: usize,
    live: Arc<AtomicBool>,
) {
    let mut last_seen: Option<EventId> = None;
    let mut backoff = Duration::from_millis(100);
    loop {
        if !redis.is_healthy() {
            tokio::time::sleep(HEALTH_INTERVAL).await;
            continue;
        }
        match redis.pubsub().await {
            Ok(mut pubsub) => {
                if pubsub
                    .subscribe(&[&keys.events, &keys.control])
                    .await
                    .is_ok()
                {
                    match catch_up(&redis, &keys, &hub, window, last_seen).await {
                        Ok(position) => {
                            last_seen = Some(last_seen.map_or(position, |seen| seen.max(position)));
                            live.store(true, Ordering::Relaxed);
                            backoff = Duration::from_millis(100);
                            listen(&mut pubsub, &redis, &keys, &hub, &mut last_seen).await;
                        }
                        Err(err) => {
                            tracing::debug!(error = %err, "realtime: cannot catch up yet");
                        }
                    }
                }
            }
            Err(err) => tracing::debug!(error = %err, "realtime: cannot subscribe yet"),
        }
        if live.swap(false, Ordering::Relaxed) {
            tracing::warn!("realtime: lost the event bus; resubscribing");
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

/// After (re)subscribing: deliver what this node missed since `last_seen`, or a reload to every
/// local subscriber when that is gone. Returns the log position caught up to.
async fn catch_up(
    redis: &Redis,
    keys: &Keys,
    hub: &Hub,
    window: usize,
    last_seen: Option<EventId>,
) -> anyhow::Result<EventId> {
    let Some(since) = last_seen else {
        // First subscription of this node: nothing was missed.
        return position_in_redis(redis, keys).await;
    };
    let replay = replay_from_redis(redis, keys, window, &[], since).await?;
    if replay.complete {
        for (id, channel, frame) in replay.events {
            hub.dispatch(&Delivery::new(
                Arc::from(channel),
                id,
                Utf8Bytes::from(frame),
            ));
        }
        Ok(replay.position.max(since))
    } else {
        tracing::warn!("realtime: events were lost while the bus was down; clients told to reload");
        hub.dispatch_all(|channel| {
            ServerFrame::Reload {
                channel,
                reason: "events were lost while the server was disconnected from its bus",
            }
            .to_json()
        });
        Ok(replay.position.max(since))
    }
}

async fn listen(
    pubsub: &mut redis::aio::PubSub,
    redis: &Redis,
    keys: &Keys,
    hub: &Hub,
    last_seen: &mut Option<EventId>,
) {
    let mut messages = pubsub.on_message();
    let mut health = tokio::time::interval(HEALTH_INTERVAL);
    loop {
        tokio::select! {
            message = messages.next() => {
                let Some(message) = message else { return };
                let Ok(payload) = message.get_payload::<String>() else { continue };
                if message.get_channel_name() == keys.control {
                    if let Ok(control) = serde_json::from_str::<Control>(&payload) {
                        hub.kick_subject((control.kind, control.id), control.session.as_deref());
                    }
                    continue;
                }
                let mut parts = payload.splitn(3, '\n');
                let (Some(id), Some(channel), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
                    continue;
                };
                let Ok(id) = id.parse::<EventId>() else { continue };
                // Events the catch-up already delivered come again on the channel: skip them.
                if last_seen.is_some_and(|seen| id <= seen) {
                    continue;
                }
                *last_seen = Some(id);
                let frame = Utf8Bytes::from(render_frame(id, channel, body));
                hub.dispatch(&Delivery::new(Arc::from(channel), id, frame));
            }
            _ = health.tick() => {
                // A silently dead connection never ends the stream.
                if !redis.is_healthy() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_log_replays_within_its_window_and_says_reload_beyond_it() {
        let mut log = LocalLog::new(3);
        let start = log.last;
        let a = log.append("post:1", r#""event":"a","data":{},"at":"x"}"#);
        let _b = log.append("post:2", r#""event":"b","data":{},"at":"x"}"#);
        let c = log.append("post:1", r#""event":"c","data":{},"at":"x"}"#);
        assert!(a < c);
        let replay = log.replay(&["post:1"], start);
        assert!(replay.complete);
        assert_eq!(
            replay.events.iter().map(|e| e.0).collect::<Vec<_>>(),
            vec![a, c]
        );
        assert_eq!(replay.position, c);
        // One more pushes `a` out: from `start`, `a` is lost; from `a`, nothing is.
        log.append("post:1", r#""event":"d","data":{},"at":"x"}"#);
        assert!(!log.replay(&["post:1"], start).complete);
        let from_a = log.replay(&["post:1"], a);
        assert!(from_a.complete);
        assert_eq!(from_a.events.len(), 2);
        // An id from before this log existed (another process) cannot be resumed.
        assert!(!log.replay(&[], EventId { ms: 1, seq: 0 }).complete);
        // Nor one from the future.
        assert!(!log.replay(&[], EventId::MAX).complete);
    }
}
