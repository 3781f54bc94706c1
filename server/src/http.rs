//! The accept loop: HTTP/1.1 connections with the limits a public server needs, which
//! `axum::serve` does not let us set. A slow or idle client holds a connection for a
//! bounded time, and many of them cannot starve the others.
//!
//! - **Header timeout**: hyper's `header_read_timeout`, counted from when the server
//!   starts waiting for a request head: on a new connection, and after each response on
//!   a keep-alive one. So it is the idle timeout too. On expiry the connection is closed.
//! - **Body timeout**: the whole body must arrive within it, else the connection is
//!   closed without an answer (to a client, a lost request it retries).
//! - **Early 413**: a declared `Content-Length` over the limit is refused before any of
//!   the body is read; the connection is then closed.
//! - **Connection limit**: at the limit the server stops accepting until a connection
//!   ends; new ones wait in the kernel's backlog.

use crate::error::ApiError;
use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use studio_core::limits::BODY_MAX_BYTES;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long a client may take, and how many may be connected at once.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
}

/// Why a request ends its connection without an answer.
#[derive(Debug, thiserror::Error)]
enum Dropped {
    #[error("the request body did not arrive within {0:?}")]
    BodyTimeout(Duration),
    #[error("the request body could not be read: {0}")]
    BodyRead(axum::Error),
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets the requests in
/// flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = accept(&listener, &slots) => accepted,
        };
        let Some((stream, slot)) = accepted else {
            continue;
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |req| handle(app.clone(), req, limits));
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Timeouts and resets end connections all the time: not worth a log line.
            let _ = conn.await;
            drop(slot);
        });
    }
    graceful.shutdown().await;
}

/// The next connection and the slot it holds; None after a failed accept (e.g. out of
/// file descriptors), after a short pause so the loop does not spin.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(tokio::net::TcpStream, tokio::sync::OwnedSemaphorePermit)> {
    let slot = slots.clone().acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, _)) => {
            let _ = stream.set_nodelay(true);
            Some((stream, slot))
        }
        Err(e) => {
            tracing::warn!("accept failed: {e}");
            tokio::time::sleep(Duration::from_millis(50)).await;
            None
        }
    }
}

/// One request: its body read within the limits, then the router.
async fn handle(
    app: Router,
    req: Request<Incoming>,
    limits: HttpLimits,
) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    if declared_length(&parts).is_some_and(|n| n > BODY_MAX_BYTES as u64) {
        return Ok(too_large(parts).await);
    }
    let read = axum::body::to_bytes(Body::new(body), BODY_MAX_BYTES);
    let bytes = match tokio::time::timeout(limits.body_timeout, read).await {
        Err(_) => return Err(Dropped::BodyTimeout(limits.body_timeout)),
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if is_length_limit(&e) => return Ok(too_large(parts).await),
        Ok(Err(e)) => return Err(Dropped::BodyRead(e)),
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    // The router's error type is Infallible.
    Ok(app.oneshot(req).await.unwrap_or_else(|e| match e {}))
}

/// The 413 for a body over the limit, refused before the router: through the API's CORS
/// policy all the same, or a page of another origin sees a failed fetch instead of it
/// (and cannot split what it sent).
async fn too_large(parts: axum::http::request::Parts) -> Response<Body> {
    let refuse = tower::service_fn(|_: Request<Body>| async {
        Ok::<_, std::convert::Infallible>(closing(ApiError::PayloadTooLarge.into_response()))
    });
    let req = Request::from_parts(parts, Body::empty());
    match tower::Layer::layer(&crate::routes::cors(), refuse)
        .oneshot(req)
        .await
    {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

fn declared_length(parts: &axum::http::request::Parts) -> Option<u64> {
    parts
        .headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// The rest of an over-limit body is never read, so the connection cannot carry
/// another request: say so.
fn closing(mut res: Response<Body>) -> Response<Body> {
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}
