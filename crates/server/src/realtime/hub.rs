//! This node's connections: who is subscribed to what, the caps, and the one place events are
//! handed to connections (each through its own bounded queue).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::metrics;
use super::model::{collection_of, EventId, ServerFrame};
use crate::auth::jwt::SubjectKind;
use crate::collections::query::Caller;

/// One event on its way to connections: one allocation shared by every recipient, so a queue
/// slot is a pointer.
#[derive(Clone)]
pub struct Delivery(Arc<Event>);

pub struct Event {
    pub channel: Arc<str>,
    pub id: EventId,
    pub frame: Utf8Bytes,
}

impl Delivery {
    pub fn new(channel: Arc<str>, id: EventId, frame: Utf8Bytes) -> Self {
        Self(Arc::new(Event { channel, id, frame }))
    }
}

impl std::ops::Deref for Delivery {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.0
    }
}

/// Why the server ends a connection: the WebSocket close code and what the client should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The node is shutting down: reconnect (another node will take it).
    ShuttingDown,
    /// Logout, ban or revoked session: do not reconnect with this token.
    SessionEnded,
    /// The send queue overflowed: the client reads too slowly.
    SlowConsumer,
    /// Nothing heard from the client within the idle timeout.
    IdleTimeout,
}

impl CloseReason {
    pub fn code(self) -> u16 {
        match self {
            Self::ShuttingDown => 1012,
            Self::SessionEnded => 4001,
            Self::IdleTimeout => 4002,
            Self::SlowConsumer => 4008,
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Self::ShuttingDown => "server restarting; reconnect",
            Self::SessionEnded => "session ended",
            Self::IdleTimeout => "idle timeout",
            Self::SlowConsumer => "too slow: send queue full",
        }
    }

    pub fn reconnect(self) -> bool {
        self != Self::SessionEnded
    }
}

/// A connection's way in from the hub: its bounded send queue and the request to close (the
/// first reason wins), woken through one `Notify`. One small allocation per connection: the
/// queue's storage is taken on the first event and given back once a burst is drained, so an
/// idle connection holds none (a tokio mpsc channel allocates its first block of 32 slots, and
/// its cache-padded state, up front: 786 bytes per connection in a heap profile).
pub struct Outbox {
    capacity: usize,
    queue: Mutex<VecDeque<Delivery>>,
    reason: OnceLock<CloseReason>,
    /// A heartbeat is due (set by the hub's one heartbeat task, so no connection holds a timer).
    beat: AtomicBool,
    notify: Notify,
}

/// What a connection's task is woken for.
pub enum Next {
    Close(CloseReason),
    Heartbeat,
    Deliver(Delivery),
}

/// The send queue is full: the client reads too slowly.
#[derive(Debug)]
pub struct Full;

impl Outbox {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            queue: Mutex::default(),
            reason: OnceLock::new(),
            beat: AtomicBool::new(false),
            notify: Notify::new(),
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Delivery>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue an event for the connection; never waits.
    pub fn push(&self, delivery: Delivery) -> Result<(), Full> {
        let mut queue = self.queue();
        if queue.len() >= self.capacity {
            return Err(Full);
        }
        queue.push_back(delivery);
        drop(queue);
        self.notify.notify_one();
        Ok(())
    }

    fn pop(&self) -> Option<Delivery> {
        let mut queue = self.queue();
        let delivery = queue.pop_front();
        if queue.is_empty() && queue.capacity() > 0 {
            // Drained: give the storage back, so a burst is not held for the connection's life.
            *queue = VecDeque::new();
        }
        delivery
    }

    /// Slots allocated for the queue (0 while nothing waits).
    pub fn allocated(&self) -> usize {
        self.queue().capacity()
    }

    pub fn kick(&self, reason: CloseReason) {
        if self.reason.set(reason).is_ok() {
            self.notify.notify_one();
        }
    }

    pub fn reason(&self) -> Option<CloseReason> {
        self.reason.get().copied()
    }

    /// Ask for a heartbeat (ping, idle and session checks).
    pub fn beat(&self) {
        if !self.beat.swap(true, Ordering::Relaxed) {
            self.notify.notify_one();
        }
    }

    /// The next thing to do: close (a kick goes before queued events), a heartbeat, or send an
    /// event. Cancel-safe: nothing is taken until it is returned.
    pub async fn next(&self) -> Next {
        loop {
            if let Some(reason) = self.reason() {
                return Next::Close(reason);
            }
            if self.beat.swap(false, Ordering::Relaxed) {
                return Next::Heartbeat;
            }
            if let Some(delivery) = self.pop() {
                return Next::Deliver(delivery);
            }
            // A push or kick between the checks above and this wait leaves a permit, so the
            // wait ends at once.
            self.notify.notified().await;
        }
    }
}

#[derive(Clone)]
struct Recipient {
    conn: u64,
    outbox: Arc<Outbox>,
    /// Who is watching, on collection channels: their events pass the collection's view rule
    /// for this caller first.
    viewer: Option<Arc<Caller>>,
}

struct ConnEntry {
    subject: (SubjectKind, i64),
    session: Option<String>,
    outbox: Arc<Outbox>,
}

/// Limits and timings, from the configuration: kept once here, where every connection's slot
/// reaches them, rather than copied into each connection.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub per_node: usize,
    pub per_user: usize,
    pub subscriptions: usize,
    /// Events waiting for one connection before it counts as too slow.
    pub send_queue: usize,
    pub heartbeat: Duration,
    pub idle_timeout: Duration,
    pub write_timeout: Duration,
}

pub struct Hub {
    caps: Caps,
    next_id: AtomicU64,
    count: AtomicUsize,
    closing: AtomicBool,
    channels: RwLock<HashMap<Arc<str>, Vec<Recipient>>>,
    conns: Mutex<HashMap<u64, ConnEntry>>,
    per_subject: Mutex<HashMap<(SubjectKind, i64), usize>>,
    /// Where collection events go to be checked against each viewer's rule (`realtime::gate`).
    /// Until it is set, collection events reach nobody.
    gate: OnceLock<mpsc::Sender<Delivery>>,
}

/// Why a connection was not admitted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    NodeFull,
    UserFull,
    ShuttingDown,
}

/// A connection's place in the hub; dropping it removes the connection and its subscriptions.
pub struct Slot {
    hub: Arc<Hub>,
    pub id: u64,
    pub outbox: Arc<Outbox>,
    subject: (SubjectKind, i64),
    /// The channels subscribed to, each with its floor: the last event id already sent by
    /// replay, so that live copies up to it are skipped and nothing arrives twice. Grown one
    /// entry at a time: most connections hold one or two (a `Vec` would take room for four).
    subscriptions: Vec<(Arc<str>, EventId)>,
}

impl Hub {
    pub fn new(caps: Caps) -> Arc<Self> {
        Arc::new(Self {
            caps,
            next_id: AtomicU64::new(1),
            count: AtomicUsize::new(0),
            closing: AtomicBool::new(false),
            channels: RwLock::default(),
            conns: Mutex::default(),
            per_subject: Mutex::default(),
            gate: OnceLock::new(),
        })
    }

    pub fn caps(&self) -> Caps {
        self.caps
    }

    pub fn connections(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Take a place for a new connection of `subject`, within the caps.
    pub fn admit(
        self: &Arc<Self>,
        subject: (SubjectKind, i64),
        session: Option<String>,
    ) -> Result<Slot, Refused> {
        if self.closing.load(Ordering::Relaxed) {
            return Err(Refused::ShuttingDown);
        }
        {
            let mut per_subject = self
                .per_subject
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if self.count.load(Ordering::Relaxed) >= self.caps.per_node {
                return Err(Refused::NodeFull);
            }
            let mine = per_subject.entry(subject).or_insert(0);
            if *mine >= self.caps.per_user {
                return Err(Refused::UserFull);
            }
            *mine += 1;
            self.count.fetch_add(1, Ordering::Relaxed);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let outbox = Arc::new(Outbox::new(self.caps.send_queue));
        self.conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                id,
                ConnEntry {
                    subject,
                    session,
                    outbox: outbox.clone(),
                },
            );
        Ok(Slot {
            hub: self.clone(),
            id,
            outbox,
            subject,
            subscriptions: Vec::new(),
        })
    }

    /// Start the node's one heartbeat task: every `heartbeat`, each connection is asked for its
    /// heartbeat, in slices spread over the period (a timer per connection would cost each one
    /// its own `Sleep`). It ends when the hub is dropped.
    pub fn start_heartbeat(self: &Arc<Self>) {
        /// Connections are split by id into this many slices, one asked per tick, so a node's
        /// pings and session checks are spread over the period rather than all at once.
        const SLICES: u32 = 16;
        let hub = Arc::downgrade(self);
        let tick = (self.caps.heartbeat / SLICES).max(Duration::from_millis(1));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + tick, tick);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut slice = 0u64;
            loop {
                ticks.tick().await;
                let Some(hub) = hub.upgrade() else { return };
                let conns = hub.conns.lock().unwrap_or_else(PoisonError::into_inner);
                for (id, entry) in conns.iter() {
                    if id % u64::from(SLICES) == slice {
                        entry.outbox.beat();
                    }
                }
                slice = (slice + 1) % u64::from(SLICES);
            }
        });
    }

    /// Send collection events through `gate` from now on.
    pub fn set_gate(&self, gate: mpsc::Sender<Delivery>) {
        let _ = self.gate.set(gate);
    }

    /// Hand an event to every local subscriber of `channel`. A subscriber whose queue is full is
    /// kicked as a slow consumer (its queue, and so the node's memory, stays bounded). Events of
    /// collection channels go to the gate instead, which delivers each to the subscribers whose
    /// view rule allows the record.
    pub fn dispatch(&self, delivery: &Delivery) {
        if delivery.id != EventId::MAX && collection_of(&delivery.channel).is_some() {
            self.to_gate(delivery);
            return;
        }
        self.deliver_where(delivery, |_| true);
    }

    fn to_gate(&self, delivery: &Delivery) {
        if !self
            .channels
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&delivery.channel)
        {
            return;
        }
        let Some(gate) = self.gate.get() else {
            metrics::dropped("no_gate");
            return;
        };
        if gate.try_send(delivery.clone()).is_err() {
            // The rule checks fell behind: this event is skipped, so say so (a reload carries
            // no record, so it needs no check).
            metrics::dropped("gate_full");
            let reload = ServerFrame::Reload {
                channel: &delivery.channel,
                reason: "record events came faster than they could be checked",
            };
            self.deliver_where(
                &Delivery::new(
                    delivery.channel.clone(),
                    EventId::MAX,
                    Utf8Bytes::from(reload.to_json()),
                ),
                |_| true,
            );
        }
    }

    /// The distinct viewers subscribed to `channel` on this node (None: a subscription without
    /// one, which the gate never delivers to).
    pub fn viewers(&self, channel: &str) -> Vec<Option<Arc<Caller>>> {
        let channels = self.channels.read().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<Option<Arc<Caller>>> = Vec::new();
        for recipient in channels.get(channel).into_iter().flatten() {
            let seen = out.iter().any(|v| match (v, &recipient.viewer) {
                (Some(a), Some(b)) => **a == **b,
                (None, None) => true,
                _ => false,
            });
            if !seen {
                out.push(recipient.viewer.clone());
            }
        }
        out
    }

    /// Hand an event to the local subscribers of its channel that `allowed` accepts.
    pub fn deliver_where(&self, delivery: &Delivery, allowed: impl Fn(Option<&Caller>) -> bool) {
        let channels = self.channels.read().unwrap_or_else(PoisonError::into_inner);
        let Some(recipients) = channels.get(&delivery.channel) else {
            return;
        };
        for recipient in recipients {
            if !allowed(recipient.viewer.as_deref()) {
                continue;
            }
            if recipient.outbox.push(delivery.clone()).is_err() {
                if recipient.outbox.reason().is_none() {
                    metrics::dropped("slow_consumer");
                    tracing::info!(
                        connection = recipient.conn,
                        "realtime: send queue full; disconnecting a slow client"
                    );
                }
                recipient.outbox.kick(CloseReason::SlowConsumer);
            }
        }
    }

    /// Hand one frame to every local subscriber of every channel (a reload after the node lost
    /// events).
    pub fn dispatch_all(&self, frame_for: impl Fn(&str) -> String) {
        let channels: Vec<Arc<str>> = self
            .channels
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        for channel in channels {
            let frame = Utf8Bytes::from(frame_for(&channel));
            self.dispatch(&Delivery::new(channel, EventId::MAX, frame));
        }
    }

    /// Close the connections of a subject (all of them) or of one login session.
    pub fn kick_subject(&self, subject: (SubjectKind, i64), session: Option<&str>) -> usize {
        let conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        let mut kicked = 0;
        for entry in conns.values() {
            let matches = entry.subject == subject
                && session.is_none_or(|sid| entry.session.as_deref() == Some(sid));
            if matches {
                entry.outbox.kick(CloseReason::SessionEnded);
                kicked += 1;
            }
        }
        kicked
    }

    /// Refuse new connections and tell every open one to reconnect elsewhere.
    pub fn shut_down(&self) {
        self.closing.store(true, Ordering::Relaxed);
        let conns = self.conns.lock().unwrap_or_else(PoisonError::into_inner);
        for entry in conns.values() {
            entry.outbox.kick(CloseReason::ShuttingDown);
        }
    }
}

impl Slot {
    pub fn caps(&self) -> Caps {
        self.hub.caps
    }

    pub fn subject(&self) -> (SubjectKind, i64) {
        self.subject
    }

    pub fn is_subscribed(&self, channel: &str) -> bool {
        self.subscriptions.iter().any(|(c, _)| &**c == channel)
    }

    /// Skip live events of `channel` up to `floor` (they were sent by replay, or came before the
    /// subscription's position).
    pub fn set_floor(&mut self, channel: &str, floor: EventId) {
        if let Some((_, at)) = self.subscriptions.iter_mut().find(|(c, _)| &**c == channel) {
            *at = floor;
        }
    }

    /// Whether a live event was already sent (by replay) or predates the subscription.
    pub fn is_stale(&self, channel: &str, id: EventId) -> bool {
        self.subscriptions
            .iter()
            .find(|(c, _)| &**c == channel)
            .is_some_and(|(_, floor)| id <= *floor)
    }

    pub fn subscription_count(&self) -> usize {
        self.subscriptions.len()
    }

    /// Start receiving `channel`'s events in this connection's outbox. False when already
    /// subscribed.
    pub fn subscribe(&mut self, channel: &str) -> bool {
        self.subscribe_as(channel, None)
    }

    /// Subscribe as `viewer`: on a collection channel, only records its view rule allows come.
    pub fn subscribe_as(&mut self, channel: &str, viewer: Option<Arc<Caller>>) -> bool {
        if self.is_subscribed(channel) {
            return false;
        }
        let mut channels = self
            .hub
            .channels
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // One copy of the name per channel, shared by its subscribers.
        let name = match channels.get_key_value(channel) {
            Some((name, _)) => name.clone(),
            None => Arc::from(channel),
        };
        channels.entry(name.clone()).or_default().push(Recipient {
            conn: self.id,
            outbox: self.outbox.clone(),
            viewer,
        });
        drop(channels);
        self.subscriptions.reserve_exact(1);
        self.subscriptions.push((name, EventId::default()));
        metrics::subscriptions(1.0);
        true
    }

    pub fn unsubscribe(&mut self, channel: &str) -> bool {
        let Some(index) = self.subscriptions.iter().position(|(c, _)| &**c == channel) else {
            return false;
        };
        let (name, _) = self.subscriptions.swap_remove(index);
        self.hub.remove_recipient(&name, self.id);
        metrics::subscriptions(-1.0);
        true
    }
}

impl Hub {
    fn remove_recipient(&self, channel: &Arc<str>, conn: u64) {
        let mut channels = self
            .channels
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(recipients) = channels.get_mut(channel) {
            recipients.retain(|r| r.conn != conn);
            if recipients.is_empty() {
                channels.remove(channel);
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        for (channel, _) in std::mem::take(&mut self.subscriptions) {
            self.hub.remove_recipient(&channel, self.id);
            metrics::subscriptions(-1.0);
        }
        self.hub
            .conns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
        let mut per_subject = self
            .hub
            .per_subject
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = per_subject.get_mut(&self.subject) {
            *count -= 1;
            if *count == 0 {
                per_subject.remove(&self.subject);
            }
        }
        self.hub.count.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> Caps {
        Caps {
            per_node: 3,
            per_user: 2,
            subscriptions: 4,
            send_queue: 2,
            heartbeat: Duration::from_secs(25),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(10),
        }
    }

    #[test]
    fn caps_per_user_and_per_node_hold_and_free_on_drop() {
        let hub = Hub::new(caps());
        let a1 = hub.admit((SubjectKind::User, 1), None).unwrap();
        let _a2 = hub.admit((SubjectKind::User, 1), None).unwrap();
        assert_eq!(
            hub.admit((SubjectKind::User, 1), None).err(),
            Some(Refused::UserFull)
        );
        let _b = hub.admit((SubjectKind::User, 2), None).unwrap();
        assert_eq!(
            hub.admit((SubjectKind::User, 3), None).err(),
            Some(Refused::NodeFull)
        );
        drop(a1);
        assert!(hub.admit((SubjectKind::User, 3), None).is_ok());
    }

    #[tokio::test]
    async fn a_full_queue_kicks_only_the_slow_connection() {
        let hub = Hub::new(caps());
        let mut slow = hub.admit((SubjectKind::User, 1), None).unwrap();
        let mut fast = hub.admit((SubjectKind::User, 2), None).unwrap();
        slow.subscribe("post:1");
        fast.subscribe("post:1");
        for seq in 0..3 {
            hub.dispatch(&Delivery::new(
                Arc::from("post:1"),
                EventId { ms: 1, seq },
                Utf8Bytes::from_static("{}"),
            ));
            assert!(matches!(fast.outbox.next().await, Next::Deliver(_)));
        }
        assert_eq!(slow.outbox.reason(), Some(CloseReason::SlowConsumer));
        assert_eq!(fast.outbox.reason(), None);
        assert!(matches!(
            slow.outbox.next().await,
            Next::Close(CloseReason::SlowConsumer)
        ));
    }

    #[test]
    fn kicking_a_session_leaves_the_users_other_sessions() {
        let hub = Hub::new(caps());
        let one = hub
            .admit((SubjectKind::User, 1), Some("s1".into()))
            .unwrap();
        let two = hub
            .admit((SubjectKind::User, 1), Some("s2".into()))
            .unwrap();
        assert_eq!(hub.kick_subject((SubjectKind::User, 1), Some("s1")), 1);
        assert_eq!(one.outbox.reason(), Some(CloseReason::SessionEnded));
        assert_eq!(two.outbox.reason(), None);
        assert_eq!(hub.kick_subject((SubjectKind::User, 1), None), 2);
        assert_eq!(two.outbox.reason(), Some(CloseReason::SessionEnded));
    }

    /// No connection holds a timer: the hub's one heartbeat task asks each of them, within a
    /// period, for its heartbeat.
    #[tokio::test]
    async fn the_heartbeat_task_reaches_every_connection_within_a_period() {
        let hub = Hub::new(Caps {
            per_node: 40,
            per_user: 40,
            heartbeat: Duration::from_millis(320),
            ..caps()
        });
        hub.start_heartbeat();
        let slots: Vec<Slot> = (0..20)
            .map(|_| hub.admit((SubjectKind::User, 1), None).unwrap())
            .collect();
        tokio::time::sleep(Duration::from_millis(400)).await;
        for slot in &slots {
            let next = tokio::time::timeout(Duration::from_millis(1), slot.outbox.next()).await;
            assert!(
                matches!(next, Ok(Next::Heartbeat)),
                "connection {} missed",
                slot.id
            );
        }
    }

    /// The footprint rule for idle connections: the send queue holds no storage before the
    /// first event, and gives back what a burst took once the burst is drained.
    #[tokio::test]
    async fn an_idle_outbox_holds_no_queue_storage() {
        let hub = Hub::new(Caps {
            send_queue: 64,
            ..caps()
        });
        let mut slot = hub.admit((SubjectKind::User, 1), None).unwrap();
        slot.subscribe("post:1");
        assert_eq!(slot.outbox.allocated(), 0, "allocated before any event");
        for seq in 0..50 {
            hub.dispatch(&Delivery::new(
                Arc::from("post:1"),
                EventId { ms: 1, seq },
                Utf8Bytes::from_static("{}"),
            ));
        }
        assert!(slot.outbox.allocated() >= 50);
        for _ in 0..50 {
            assert!(matches!(slot.outbox.next().await, Next::Deliver(_)));
        }
        assert_eq!(slot.outbox.allocated(), 0, "a drained burst is still held");
        assert_eq!(slot.outbox.reason(), None);
    }
}
