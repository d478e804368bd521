//! Redis commands as client spans (`redis GET`, `redis EVALSHA`, `redis PIPELINE`) while traces
//! are exported; without tracing, the wrapper only forwards (one atomic load per command).

use redis::aio::ConnectionLike;
use redis::{Arg, Cmd, Pipeline, RedisFuture, Value};
use tracing::Instrument;

/// A Redis connection whose commands are traced. Cheap to clone when `C` is.
#[derive(Clone)]
pub struct Traced<C>(C);

impl<C> Traced<C> {
    pub fn new(conn: C) -> Self {
        Self(conn)
    }

    /// The connection itself, for code that needs its own type (the WeChat token store).
    pub fn into_inner(self) -> C {
        self.0
    }
}

fn command_span(operation: &str) -> tracing::Span {
    tracing::info_span!(
        "redis",
        otel.name = %format_args!("redis {operation}"),
        otel.kind = "client",
        db.system.name = "redis",
        db.operation.name = %operation,
    )
}

/// The command's name (its first argument), e.g. `GET`.
fn command_name(cmd: &Cmd) -> String {
    match cmd.args_iter().next() {
        Some(Arg::Simple(name)) => String::from_utf8_lossy(name).to_ascii_uppercase(),
        _ => "COMMAND".to_string(),
    }
}

impl<C: ConnectionLike + Send> ConnectionLike for Traced<C> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        if !crate::telemetry::enabled() {
            return self.0.req_packed_command(cmd);
        }
        let span = command_span(&command_name(cmd));
        Box::pin(self.0.req_packed_command(cmd).instrument(span))
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        if !crate::telemetry::enabled() {
            return self.0.req_packed_commands(pipeline, offset, count);
        }
        let span = command_span("PIPELINE");
        Box::pin(
            self.0
                .req_packed_commands(pipeline, offset, count)
                .instrument(span),
        )
    }

    fn get_db(&self) -> i64 {
        self.0.get_db()
    }
}
