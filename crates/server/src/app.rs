//! The router every feature adds its routes to, and the server's life cycle (bind, serve,
//! graceful shutdown).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::response::IntoResponse;
use axum::Router;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::{Config, CorsOrigins};
use crate::error::{AppError, ErrorCode};
use crate::http::middleware::{
    guard_path, panic_response, request_context, OpsPolicy, RequestContext,
};
use crate::openapi::ApiDoc;
use crate::state::AppState;

/// Every feature's routes, with their OpenAPI description.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::health::routes())
        .merge(crate::auth::routes())
        .merge(crate::users::routes())
        .merge(crate::config_center::routes())
        .merge(crate::notifications::routes())
        .merge(crate::files::routes())
        .merge(crate::community::routes())
        .merge(crate::approvals::routes())
        .merge(crate::flash_sale::routes())
        .merge(crate::console::routes())
        .merge(crate::realtime::routes())
        .merge(crate::collections::routes())
        .merge(crate::payments::routes())
        .merge(crate::privacy::routes())
}

/// The router with every route and the shared middleware stack.
pub fn router(state: AppState) -> Router {
    with_middleware(routes(), state)
}

/// The router of the operators' own listener (`ops_listen`): metrics, API docs and the health
/// probes, nothing else.
pub fn ops_router(state: AppState) -> Router {
    let policy = OpsPolicy {
        serve_ops: true,
        serve_api: false,
        token: state.config.ops.token.clone().map(Arc::from),
    };
    stack(routes(), state, policy)
}

/// Every route, plus the spec at `/openapi.json` and its UI at `/docs`, without middleware.
pub fn routes() -> Router<AppState> {
    let (routes, mut api) = api_router().split_for_parts();
    crate::openapi::complete(&mut api);
    // Served as the JSON made once here: the document itself, maps of maps, would stay in memory
    // for the life of the node at several times the size of its 160 KB of JSON.
    let spec = match spec_json(&api) {
        Ok(json) => Ok(bytes::Bytes::from(json)),
        Err(err) => Err(format!("the OpenAPI document does not serialize: {err}")),
    };
    drop(api);
    let openapi_json = move || {
        let spec = spec.clone();
        async move {
            match spec {
                Ok(json) => Ok(([(header::CONTENT_TYPE, "application/json")], json)),
                Err(message) => Err(AppError::internal(anyhow::anyhow!(message))),
            }
        }
    };
    routes
        .route("/openapi.json", axum::routing::get(openapi_json))
        .merge(SwaggerUi::new("/docs").config(utoipa_swagger_ui::Config::new(["/openapi.json"])))
}

/// The OpenAPI document exactly as `GET /openapi.json` serves it, made from the same router but
/// without a database or a listening socket (`minibase openapi`; the SDK's types are generated
/// from it).
pub fn openapi_json() -> serde_json::Result<Vec<u8>> {
    let (_, mut api) = api_router().split_for_parts();
    crate::openapi::complete(&mut api);
    spec_json(&api)
}

fn spec_json(api: &utoipa::openapi::OpenApi) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(api)
}

/// Wrap routes in the middleware stack every request goes through. Public so that tests can
/// put test-only routes (a panic, a slow handler) behind exactly the same stack.
pub fn with_middleware(routes: Router<AppState>, state: AppState) -> Router {
    let routes = if state.config.console.on_main_listener() {
        routes.merge(crate::console::assets::routes())
    } else {
        routes
    };
    let policy = public_ops_policy(&state);
    stack(routes, state, policy)
}

/// The router the console's own listener serves (`console_listen`): the console and the API
/// it calls, behind the same middleware.
pub fn console_router(state: AppState) -> Router {
    let policy = public_ops_policy(&state);
    stack(
        routes().merge(crate::console::assets::routes()),
        state,
        policy,
    )
}

/// What the public listeners (`listen`, `console_listen`) serve of the operators' endpoints.
fn public_ops_policy(state: &AppState) -> OpsPolicy {
    let ops = &state.config.ops;
    OpsPolicy {
        serve_ops: ops.public,
        serve_api: true,
        token: ops.token.clone().map(Arc::from),
    }
}

fn stack(routes: Router<AppState>, state: AppState, policy: OpsPolicy) -> Router {
    let config = &state.config;
    // The recorder must exist before the first request is counted.
    crate::observability::metrics_handle();
    let context = Arc::new(RequestContext {
        request_timeout: config.http.request_timeout,
    });
    // Layers run outside-in from the last one added: compression wraps everything; the request
    // context (id, log, metrics, timeout, envelopes) sees CORS answers; panics become 500s
    // inside the request's scope, so they carry its id.
    routes
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::console::audit::audit_admin_actions,
        ))
        .layer(DefaultBodyLimit::max(config.http.body_limit))
        .layer(axum::middleware::from_fn_with_state(policy, guard_path))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(cors_layer(&config.http.cors_origins))
        .layer(axum::middleware::from_fn_with_state(
            context,
            request_context,
        ))
        .layer(CompressionLayer::new())
        .with_state(state)
}

async fn route_not_found() -> impl IntoResponse {
    AppError::new(ErrorCode::RouteNotFound, "no route for this path")
}

async fn method_not_allowed() -> impl IntoResponse {
    AppError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed for this path",
    )
}

fn cors_layer(origins: &CorsOrigins) -> CorsLayer {
    let allow_origin = match origins {
        CorsOrigins::None => return CorsLayer::new(),
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(
            list.iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        ),
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            header::ETAG,
            header::RETRY_AFTER,
        ])
}

/// A bound, ready-to-run server. Tests build it on port 0 and read the port back.
pub struct Application {
    listener: TcpListener,
    /// The console's own listener (`console_listen`), when it has one.
    console_listener: Option<TcpListener>,
    /// The operators' own listener (`ops_listen`), when they have one.
    ops_listener: Option<TcpListener>,
    state: AppState,
}

impl Application {
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        let listen = config.http.listen;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen} (MINIBASE_LISTEN)"))?;
        config.set_bound_addr(listener.local_addr()?);
        let console_listener = match config.console.listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr} (MINIBASE_CONSOLE_LISTEN)"))?,
            ),
            None => None,
        };
        let ops_listener = match config.ops.listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr} (MINIBASE_OPS_LISTEN)"))?,
            ),
            None => None,
        };
        let state = AppState::connect(config).await?;
        Ok(Self {
            listener,
            console_listener,
            ops_listener,
            state,
        })
    }

    /// Where the console is served when it has a listener of its own.
    pub fn console_addr(&self) -> anyhow::Result<Option<SocketAddr>> {
        Ok(match &self.console_listener {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        })
    }

    /// Where metrics and API docs are served when they have a listener of their own.
    pub fn ops_addr(&self) -> anyhow::Result<Option<SocketAddr>> {
        Ok(match &self.ops_listener {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` resolves (see [`serve`]). The console's and the operators' own
    /// listeners stop accepting when the main one does.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = router(self.state.clone());
        let mut side = Vec::new();
        if let Some(listener) = self.console_listener {
            side.push(tokio::spawn(crate::http::server::serve_http1(
                listener,
                console_router(self.state.clone()),
                self.state.closed(),
            )));
        }
        if let Some(listener) = self.ops_listener {
            side.push(tokio::spawn(crate::http::server::serve_http1(
                listener,
                ops_router(self.state.clone()),
                self.state.closed(),
            )));
        }
        let result = serve(self.listener, app, self.state, shutdown).await;
        for task in side {
            task.abort();
        }
        result
    }
}

/// Serve `app` until `shutdown` resolves; then answer `/readyz` with 503 for the configured
/// shutdown delay while still serving (load balancers take the node out), stop accepting, give
/// in-flight requests up to the configured shutdown timeout, and close the pools.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let grace = state.config.http.shutdown_timeout;
    let delay = state.config.http.shutdown_delay;
    let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
    let worker = match state.config.jobs_concurrency {
        0 => None,
        n => Some(tokio::spawn(crate::store::jobs::run_worker(
            state.clone(),
            n as usize,
            stopping_rx.clone(),
        ))),
    };
    if worker.is_some() {
        // Posts left in `checking` by a node that stopped before its check job was queued.
        crate::community::safety::schedule_text_checks(&state).await;
    }
    let reconciler = tokio::spawn(crate::flash_sale::run_reconciler(
        state.clone(),
        stopping_rx.clone(),
    ));
    // Background work, like jobs: a node with `jobs_concurrency = 0` serves HTTP only.
    let sweeper = (state.config.jobs_concurrency > 0).then(|| {
        tokio::spawn(crate::privacy::run_sweeper(
            state.clone(),
            stopping_rx.clone(),
        ))
    });
    let gate = crate::realtime::gate::start(state.clone());
    let lifecycle = state.clone();
    let server = crate::http::server::serve_http1(listener, app, async move {
        shutdown.await;
        lifecycle
            .stopping
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if !delay.is_zero() {
            tracing::info!(
                delay_secs = delay.as_secs(),
                "stopping: /readyz answers 503; still serving until the delay ends"
            );
            tokio::time::sleep(delay).await;
        }
        tracing::info!("shutting down: no new connections; finishing in-flight requests");
        lifecycle.closing.send_replace(true);
        let _ = stopping_tx.send(true);
        // Realtime connections outlive any request: tell them to reconnect elsewhere now (SSE
        // streams end, so the HTTP server's own drain can finish).
        if let Ok(realtime) = lifecycle.feature::<crate::realtime::Realtime>() {
            realtime.begin_shutdown();
        }
    });
    let deadline = async move {
        let _ = stopping_rx.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        () = server => {}
        () = deadline => tracing::warn!(
            grace_secs = grace.as_secs(),
            "in-flight requests did not finish within the shutdown timeout; closing anyway"
        ),
    }
    // WebSockets left the HTTP server at their upgrade: give their close frames time to go.
    if let Ok(realtime) = state.feature::<crate::realtime::Realtime>() {
        realtime.wait_closed(grace).await;
    }
    reconciler.abort();
    if let Some(sweeper) = sweeper {
        sweeper.abort();
    }
    gate.abort();
    if let Some(worker) = worker {
        // Running jobs get a grace period; unfinished ones run again later (at least once).
        let _ = tokio::time::timeout(grace, worker).await;
    }
    state
        .db
        .close_by_ref()
        .await
        .context("closing the database pool")?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
