//! Collection events pass through here before they reach anyone. Each node checks an event once
//! for all of its own subscribers of that collection: the distinct callers among them (user id,
//! role) go into one SQL statement that evaluates the collection's `view` rule, as compiled for
//! the records API, against the record carried by the event. So a subscriber gets exactly the
//! records a `GET` of the record would show it, on every database, and the cost per event is
//! one query per node, whatever the number of subscribers. Events are checked one at a time, so
//! a channel's order holds.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::hub::Delivery;
use super::metrics;
use super::model::{collection_of, EventId, ServerFrame};
use super::service::Realtime;
use crate::collections::query::Caller;
use crate::state::AppState;

/// Collection events waiting for their check; beyond this, subscribers are told to reload.
const GATE_QUEUE: usize = 4096;

/// Route this node's collection events through the gate, and run it.
pub fn start(state: AppState) -> tokio::task::JoinHandle<()> {
    let (tx, rx) = mpsc::channel(GATE_QUEUE);
    match state.feature::<Realtime>() {
        Ok(realtime) => realtime.hub.set_gate(tx),
        Err(err) => tracing::error!(error = ?err, "realtime: no state; record events go nowhere"),
    }
    tokio::spawn(run(state, rx))
}

#[derive(Deserialize)]
struct Frame {
    data: Map<String, Value>,
}

async fn run(state: AppState, mut incoming: mpsc::Receiver<Delivery>) {
    while let Some(delivery) = incoming.recv().await {
        let Some(collection) = collection_of(&delivery.channel) else {
            continue;
        };
        let Ok(realtime) = state.feature::<Realtime>() else {
            return;
        };
        let hub = &realtime.hub;
        let viewers: Vec<Arc<Caller>> = hub
            .viewers(&delivery.channel)
            .into_iter()
            .flatten()
            .collect();
        if viewers.is_empty() {
            continue;
        }
        let checked = match serde_json::from_str::<Frame>(&delivery.frame) {
            Ok(frame) => {
                let callers: Vec<&Caller> = viewers.iter().map(|v| &**v).collect();
                crate::collections::visible_to(&state, collection, &frame.data, &callers)
                    .await
                    .map_err(|err| anyhow::anyhow!("{err:?}"))
            }
            Err(err) => Err(err.into()),
        };
        match checked {
            Ok(visible) => {
                let allowed: Vec<&Caller> = viewers
                    .iter()
                    .zip(visible)
                    .filter(|(_, yes)| *yes)
                    .map(|(v, _)| &**v)
                    .collect();
                if !allowed.is_empty() {
                    hub.deliver_where(&delivery, |viewer| {
                        viewer.is_some_and(|v| allowed.contains(&v))
                    });
                }
            }
            Err(err) => {
                // Nobody gets a record that was not checked; the subscribers re-read instead.
                tracing::warn!(error = %err, channel = %delivery.channel, "realtime: a record event could not be checked");
                metrics::dropped("rule_check_failed");
                let reload = ServerFrame::Reload {
                    channel: &delivery.channel,
                    reason: "a record event could not be checked; read the records again",
                };
                hub.deliver_where(
                    &Delivery::new(
                        delivery.channel.clone(),
                        EventId::MAX,
                        Utf8Bytes::from(reload.to_json()),
                    ),
                    |_| true,
                );
            }
        }
    }
}
