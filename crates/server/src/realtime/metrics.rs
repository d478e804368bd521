//! Realtime metrics in the node's `/metrics`: open connections and subscriptions (gauges),
//! frames in and out, and what was dropped and why (counters). Handles are taken once, so counting
//! a frame is an atomic add.

use std::sync::OnceLock;

struct Handles {
    connections_ws: metrics::Gauge,
    connections_sse: metrics::Gauge,
    subscriptions: metrics::Gauge,
    messages_in: metrics::Counter,
    messages_out_ws: metrics::Counter,
    messages_out_sse: metrics::Counter,
    published: metrics::Counter,
}

fn handles() -> &'static Handles {
    static HANDLES: OnceLock<Handles> = OnceLock::new();
    HANDLES.get_or_init(|| {
        // Handles taken before the recorder exists would count nowhere.
        crate::observability::metrics_handle();
        Handles {
            connections_ws: metrics::gauge!("realtime_connections", "transport" => "ws"),
            connections_sse: metrics::gauge!("realtime_connections", "transport" => "sse"),
            subscriptions: metrics::gauge!("realtime_subscriptions"),
            messages_in: metrics::counter!("realtime_messages_in_total"),
            messages_out_ws: metrics::counter!("realtime_messages_out_total", "transport" => "ws"),
            messages_out_sse: metrics::counter!("realtime_messages_out_total", "transport" => "sse"),
            published: metrics::counter!("realtime_published_total"),
        }
    })
}

#[derive(Clone, Copy)]
pub enum Transport {
    Ws,
    Sse,
}

pub fn connection(transport: Transport, delta: f64) {
    match transport {
        Transport::Ws => handles().connections_ws.increment(delta),
        Transport::Sse => handles().connections_sse.increment(delta),
    }
}

pub fn subscriptions(delta: f64) {
    handles().subscriptions.increment(delta);
}

pub fn message_in() {
    handles().messages_in.increment(1);
}

pub fn message_out(transport: Transport) {
    match transport {
        Transport::Ws => handles().messages_out_ws.increment(1),
        Transport::Sse => handles().messages_out_sse.increment(1),
    }
}

pub fn published(count: u64) {
    handles().published.increment(count);
}

/// `realtime_dropped_total{reason}`: slow_consumer (a client disconnected for its full queue),
/// publish_queue_full, bus_unavailable (Redis down when publishing), write_timeout.
pub fn dropped(reason: &'static str) {
    metrics::counter!("realtime_dropped_total", "reason" => reason).increment(1);
}
