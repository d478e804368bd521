//! The console's built assets (`console/dist`, made by `npm run build` and committed), compiled
//! into the binary so that a deployment stays one file and needs no Node.js.
//!
//! `/console/assets/*` are content-hashed by Vite, so they are cached for a year; every other
//! path under `/console` that is not a file is a client-side route and gets `index.html`, which
//! is never cached (it names the current hashes). Every answer carries a Content-Security-Policy
//! that lets the page load only its own scripts, styles, fonts and images and talk only to its
//! own origin.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;

use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "../../console/dist"]
struct Dist;

/// Scripts and styles from this origin only; Element Plus sets inline `style` attributes, hence
/// `'unsafe-inline'` for styles (never for scripts). `data:` images are the icons of its CSS.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const HASHED_PREFIX: &str = "assets/";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(index))
        .route("/console/{*path}", get(asset))
}

async fn index() -> Response {
    serve("index.html")
}

async fn asset(Path(path): Path<String>) -> Response {
    if Dist::get(&path).is_some() {
        return serve(&path);
    }
    // A client-side route (no extension) gets the app; a missing file stays a 404.
    let last = path.rsplit('/').next().unwrap_or_default();
    if path.starts_with(HASHED_PREFIX) || last.contains('.') {
        return with_security_headers(
            (StatusCode::NOT_FOUND, "not found").into_response(),
            "no-cache",
        );
    }
    serve("index.html")
}

fn serve(path: &str) -> Response {
    let Some(file) = Dist::get(path) else {
        return with_security_headers(
            (
                StatusCode::NOT_FOUND,
                "the console was not built into this binary",
            )
                .into_response(),
            "no-cache",
        );
    };
    let cache = if path.starts_with(HASHED_PREFIX) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let response = (
        [(header::CONTENT_TYPE, content_type(path))],
        file.data.into_owned(),
    )
        .into_response();
    with_security_headers(response, cache)
}

fn with_security_headers(mut response: Response, cache: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
