//! The floor: hyper 1 and tokio with nothing on top, answering `GET /ping` with
//! `{"message":"pong"}` and 404 otherwise. Whatever Minibase spends beyond this on /ping is
//! framework overhead (routing, middleware, request ids, metrics).
//!
//! `LISTEN` (default 127.0.0.1:8083) is the address to serve on.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

async fn answer(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() == Method::GET && req.uri().path() == "/ping" {
        let mut res = Response::new(Full::new(Bytes::from_static(br#"{"message":"pong"}"#)));
        res.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(res)
    } else {
        let mut res = Response::new(Full::new(Bytes::new()));
        *res.status_mut() = StatusCode::NOT_FOUND;
        Ok(res)
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:8083".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("hyper floor listening on {addr}");
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}
