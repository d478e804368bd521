//! The HTTP/1.1 connection loop. Mini-programs (`wx.request`) and the reverse proxies in front of
//! a node speak HTTP/1.1 to it, so each connection is served by hyper's HTTP/1 server directly:
//! no protocol sniffing, a smaller per-connection footprint than a dual-protocol server (measured
//! in docs/benchmarks.md).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tower::ServiceExt;

use crate::http::linger::{LingeringIo, TrackedBody, UnreadBody};

/// How long a client may take to send a request's headers before its connection is closed.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Accept connections until `shutdown` resolves; then stop accepting, let every connection finish
/// the request it is serving (idle keep-alive connections close at once) and return.
pub async fn serve_http1(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    // Each connection's task watches `stopping` and holds a clone of `alive`; once every clone is
    // gone, every connection has finished. (hyper-util's `GracefulShutdown` does not take the
    // upgradeable connections the realtime WebSocket needs.)
    let (stopping_tx, stopping) = watch::channel(false);
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    accept_error(err).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses go out in one write; do not let Nagle hold the last segment back.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "cannot set TCP_NODELAY");
        }
        let app = app.clone();
        // Shared by the connection's requests and its socket: a close after a request whose
        // body was left unread lingers (see `linger`), so the client reads the answer.
        let unread = UnreadBody::default();
        let io = TokioIo::new(LingeringIo::new(stream, unread.clone()));
        // The routed future is boxed: it is large, and hyper moves it into the connection's
        // slot, so an unboxed one would be copied there.
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let app = app.clone();
            let request = request.map(|body| unread.track(body));
            Box::pin(async move { Ok::<_, Infallible>(route(app, peer, request).await) })
        });
        // With upgrades: the realtime WebSocket endpoint takes the connection over (after which
        // this future ends and the socket lives in its own task).
        let connection = builder.serve_connection(io, service).with_upgrades();
        let mut stopping = stopping.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            let _alive = alive;
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = async { let _ = stopping.wait_for(|stopping| *stopping).await; } => {
                    // Finish the request in progress; an idle keep-alive connection closes now.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = result {
                tracing::debug!(error = %err, %peer, "connection closed with an error");
            }
        });
    }
    drop(listener);
    let _ = stopping_tx.send(true);
    drop(alive);
    let _ = all_done.recv().await;
}

/// Errors from `accept` that concern one connection are skipped; running out of file
/// descriptors (or memory) is waited out rather than spun on.
async fn accept_error(err: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "accepting a connection failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn route(app: Router, peer: SocketAddr, mut request: Request<TrackedBody>) -> Response<Body> {
    request.extensions_mut().insert(ConnectInfo(peer));
    apply_method_override(&mut request);
    // The request-context middleware runs the handler in a task of its own, so hanging up here
    // (dropping this future) does not cancel it.
    match app.oneshot(request).await {
        Ok(response) => response,
        Err(infallible) => match infallible {},
    }
}

/// The header a client sends to have a `POST` routed as a `PATCH`.
pub const METHOD_OVERRIDE: &str = "x-http-method-override";

/// `wx.request` cannot send `PATCH` (it knows GET, HEAD, OPTIONS, POST, PUT, DELETE, TRACE and
/// CONNECT), so a mini-program sends `POST` with `X-HTTP-Method-Override: PATCH` instead. Only
/// that pair is honoured, and before routing, so the request meets the `PATCH` route, its
/// middleware and its logs as if it had been sent as one.
fn apply_method_override<B>(request: &mut Request<B>) {
    if request.method() == Method::POST
        && request
            .headers()
            .get(METHOD_OVERRIDE)
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"PATCH"))
    {
        *request.method_mut() = Method::PATCH;
    }
}
