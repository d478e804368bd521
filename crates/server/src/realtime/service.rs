//! What the rest of the server calls: `publish` (one line per feature event), `disconnect`
//! (logout, ban, revoked sessions), and the rules for connecting and subscribing.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::bus::{Bus, Replay};
use super::hub::{Caps, Hub, Refused, Slot};
use super::model::{Channel, EventId};
use super::ticket::Tickets;
use crate::auth::guard::Principal;
use crate::auth::jwt::{Claims, SubjectKind};
use crate::collections::query::Caller;
use crate::config::RealtimeConfig;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::store::redis::Redis;
use crate::users::model::Role;

/// The node's realtime state: its connections, the bus and the tickets.
pub struct Realtime {
    pub(super) hub: Arc<Hub>,
    pub(super) bus: Bus,
    pub(super) tickets: Tickets,
    pub(super) settings: RealtimeConfig,
}

impl Realtime {
    pub fn new(settings: &RealtimeConfig, redis: Option<Redis>) -> Self {
        let hub = Hub::new(Caps {
            per_node: settings.max_connections,
            per_user: settings.max_connections_per_user,
            subscriptions: settings.max_subscriptions,
            send_queue: settings.send_queue,
            heartbeat: settings.heartbeat,
            idle_timeout: settings.idle_timeout,
            write_timeout: settings.write_timeout,
        });
        // Outside a runtime (unit tests of the settings) there is nothing to ping.
        if tokio::runtime::Handle::try_current().is_ok() {
            hub.start_heartbeat();
        }
        Self {
            bus: Bus::new(
                redis.clone(),
                hub.clone(),
                settings.replay_window,
                super::bus::Keys::new(&settings.redis_prefix),
            ),
            tickets: Tickets::new(redis, &settings.redis_prefix),
            hub,
            settings: settings.clone(),
        }
    }

    /// True while this node hears events published on other nodes (always, without Redis).
    pub fn is_live(&self) -> bool {
        self.bus.is_live()
    }

    /// Open connections on this node.
    pub fn connections(&self) -> usize {
        self.hub.connections()
    }

    /// Refuse new connections and tell the open ones to reconnect elsewhere (1012; SSE streams
    /// end), without waiting.
    pub fn begin_shutdown(&self) {
        self.hub.shut_down();
    }

    /// Wait until every realtime connection is gone, at most `grace`.
    pub async fn wait_closed(&self, grace: Duration) {
        let deadline = tokio::time::Instant::now() + grace;
        while self.hub.connections() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub(super) async fn position(&self) -> AppResult<EventId> {
        self.bus
            .position()
            .await
            .map_err(|err| AppError::unavailable("the realtime event log", err))
    }

    pub(super) async fn replay(&self, channels: &[&str], since: EventId) -> AppResult<Replay> {
        if channels
            .iter()
            .any(|c| super::model::collection_of(c).is_some())
        {
            // The log holds record events unchecked (each subscriber's view rule is applied as
            // they are delivered), so they are never replayed: the client reads the records
            // again instead.
            return Ok(Replay {
                complete: false,
                position: self.position().await?,
                events: Vec::new(),
            });
        }
        self.bus
            .replay(channels, since)
            .await
            .map_err(|err| AppError::unavailable("the realtime event log", err))
    }

    pub(super) fn admit(&self, principal: &Principal) -> AppResult<Slot> {
        self.hub
            .admit((principal.kind, principal.id), principal.session_id.clone())
            .map_err(|refused| match refused {
                Refused::NodeFull => AppError::new(
                    ErrorCode::TooManyConnections,
                    "this node holds as many realtime connections as it may; retry later",
                ),
                Refused::UserFull => AppError::new(
                    ErrorCode::TooManyConnections,
                    "you have as many realtime connections open as allowed; close one",
                ),
                Refused::ShuttingDown => AppError::new(
                    ErrorCode::Unavailable,
                    "this node is shutting down; reconnect",
                ),
            })
    }
}

/// Tell `channel`'s subscribers, on every node, that `event` happened. Never fails and never
/// waits: realtime is a hint on top of the HTTP API, which stays the source of truth (a client
/// that missed events is told to reload).
pub fn publish(state: &AppState, channel: Channel, event: &str, data: impl Serialize) {
    let data = match serde_json::to_value(data) {
        Ok(data) => data,
        Err(err) => {
            tracing::error!(error = %err, event, "realtime: event data does not serialise");
            return;
        }
    };
    let Some(realtime) = registered(state) else {
        return;
    };
    let body = super::model::render_body(event, &data);
    realtime
        .bus
        .publish(&realtime.hub, channel.to_string(), body);
}

/// Close every realtime connection of a subject (ban, revoked sessions), or of one login session
/// (logout), on every node.
pub async fn disconnect(state: &AppState, kind: SubjectKind, id: i64, session: Option<&str>) {
    let Some(realtime) = registered(state) else {
        return;
    };
    realtime
        .bus
        .disconnect(&realtime.hub, (kind, id), session)
        .await;
}

/// This node's realtime state for the calls that never fail (the error is logged: it is a
/// start-up mistake, not the caller's).
fn registered(state: &AppState) -> Option<&Realtime> {
    state
        .feature::<Realtime>()
        .inspect_err(|err| tracing::error!(error = ?err, "realtime: no state"))
        .ok()
}

/// A ticket for one connection, standing for the caller's token.
pub async fn issue_ticket(state: &AppState, claims: &Claims) -> AppResult<(String, u64)> {
    let realtime = state.feature::<Realtime>()?;
    let ttl = realtime.settings.ticket_ttl;
    let ticket = realtime.tickets.issue(claims, ttl).await?;
    Ok((ticket, ttl.as_secs()))
}

/// Who is connecting: from the bearer token, else from a ticket (used up here). Neither is a
/// 401, so no unauthenticated connection is ever upgraded.
pub async fn authenticate(
    state: &AppState,
    bearer: Option<&str>,
    ticket: Option<&str>,
) -> AppResult<(Principal, Claims)> {
    let claims = match (bearer, ticket) {
        (Some(token), _) => state.config.jwt.keys.verify(token)?,
        (None, Some(ticket)) => state
            .feature::<Realtime>()?
            .tickets
            .redeem(ticket)
            .await?
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::TicketInvalid,
                    "the realtime ticket is unknown, expired or already used",
                )
            })?,
        (None, None) => return Err(AppError::new(
            ErrorCode::Unauthenticated,
            "send Authorization: Bearer <token>, or ?ticket= from POST /api/v1/realtime/tickets",
        )),
    };
    let principal = crate::auth::guard::authenticate(state, &claims).await?;
    Ok((principal, claims))
}

/// An authenticated connection that took its place within the caps.
pub struct Admitted {
    pub principal: Principal,
    pub claims: Claims,
    pub slot: Slot,
}

/// Authenticate and admit a connection (both before any upgrade).
pub async fn connect(
    state: &AppState,
    bearer: Option<&str>,
    ticket: Option<&str>,
) -> AppResult<Admitted> {
    let (principal, claims) = authenticate(state, bearer, ticket).await?;
    let slot = state.feature::<Realtime>()?.admit(&principal)?;
    Ok(Admitted {
        principal,
        claims,
        slot,
    })
}

/// An SSE connection: authenticated, its channels checked, subscribed and replayed.
pub async fn open_sse(
    state: &AppState,
    bearer: Option<&str>,
    ticket: Option<&str>,
    channels: &str,
    last_event_id: Option<&str>,
) -> AppResult<
    impl futures::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
> {
    let since = last_event_id
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::parse::<EventId>)
        .transpose()
        .map_err(|problem| {
            AppError::new(ErrorCode::InvalidQuery, format!("last_event_id: {problem}"))
        })?;
    let mut names: Vec<String> = Vec::new();
    let mut parsed = Vec::new();
    for name in channels.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let channel = name.parse::<Channel>().map_err(|problem| {
            AppError::new(ErrorCode::InvalidQuery, format!("channels: {problem}"))
        })?;
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
            parsed.push(channel);
        }
    }
    if names.is_empty() {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            "channels: name at least one channel, comma-separated",
        ));
    }
    if names.len() > state.feature::<Realtime>()?.settings.max_subscriptions {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            "channels: more than realtime_max_subscriptions",
        ));
    }
    let admitted = connect(state, bearer, ticket).await?;
    let mut viewers = Vec::with_capacity(parsed.len());
    for channel in &parsed {
        authorize(&admitted.principal, channel)
            .map_err(|problem| AppError::forbidden(format!("{channel}: {problem}")))?;
        viewers.push(
            viewer_for(state, &admitted.principal, channel)
                .await
                .map_err(|err| {
                    AppError::new(err.code(), format!("{channel}: {}", err.message()))
                })?,
        );
    }
    super::sse::open(super::sse::Opening {
        state: state.clone(),
        claims: admitted.claims,
        slot: admitted.slot,
        channels: names,
        viewers,
        since,
    })
    .await
}

/// Whether `principal` may subscribe to `channel`.
pub fn authorize(principal: &Principal, channel: &Channel) -> Result<(), &'static str> {
    match channel {
        Channel::User(id) => {
            if principal.kind == SubjectKind::User && principal.id == *id {
                Ok(())
            } else {
                Err("you can only subscribe to your own user channel")
            }
        }
        Channel::Admin => {
            if principal.role >= Role::Admin {
                Ok(())
            } else {
                Err("the admin channel is for admins")
            }
        }
        Channel::Post(_) | Channel::FlashSale(_) | Channel::Config => Ok(()),
        // Checked against the collection by `viewer_for`, and per record by the gate.
        Channel::Collection(_) => Ok(()),
    }
}

/// On a collection channel, the caller whose view rule each record event is checked for;
/// refused when the collection does not exist or its view rule allows nobody but admins.
pub async fn viewer_for(
    state: &AppState,
    principal: &Principal,
    channel: &Channel,
) -> AppResult<Option<Arc<Caller>>> {
    let Channel::Collection(name) = channel else {
        return Ok(None);
    };
    let caller = crate::collections::watcher(state, principal, name).await?;
    Ok(Some(Arc::new(caller)))
}

/// Whether the connection's session still stands (checked at every heartbeat, so a socket ends
/// even if a disconnect broadcast was missed). Only a definite "no" counts: a database hiccup
/// does not close sockets.
pub async fn still_valid(state: &AppState, claims: &Claims) -> bool {
    match crate::auth::guard::authenticate(state, claims).await {
        Ok(_) => true,
        Err(err) => !matches!(
            err.code(),
            ErrorCode::TokenRevoked | ErrorCode::UserBanned | ErrorCode::TokenInvalid
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(kind: SubjectKind, id: i64, role: Role) -> Principal {
        Principal {
            kind,
            id,
            role,
            session_id: None,
        }
    }

    #[test]
    fn channel_rules() {
        let user = principal(SubjectKind::User, 7, Role::User);
        assert!(authorize(&user, &Channel::User(7)).is_ok());
        assert!(authorize(&user, &Channel::User(8)).is_err());
        assert!(authorize(&user, &Channel::Admin).is_err());
        assert!(authorize(&user, &Channel::Post(1)).is_ok());
        assert!(authorize(&user, &Channel::FlashSale(1)).is_ok());
        assert!(authorize(&user, &Channel::Config).is_ok());
        let moderator = principal(SubjectKind::Admin, 7, Role::Moderator);
        assert!(authorize(&moderator, &Channel::Admin).is_err());
        // An admin account's id is not a mini-program user's.
        assert!(authorize(&moderator, &Channel::User(7)).is_err());
        let admin = principal(SubjectKind::Admin, 1, Role::Admin);
        assert!(authorize(&admin, &Channel::Admin).is_ok());
    }
}
