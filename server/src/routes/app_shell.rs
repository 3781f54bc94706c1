//! The app's files, with its `index.html` for app paths: the app routes by real paths
//! (`/canvas/villa/ground-floor`), so a deep link, a reload or a shared link must load
//! the app, which then reads the path. A file of the www dir keeps its own answer.

use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use std::convert::Infallible;
use std::path::Path;
use studio_core::protocol::Platform;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// The www dir as files, falling back to its `index.html` for an app path.
pub fn service(
    www: &Path,
) -> ServeDir<
    impl tower::Service<
            Request<Body>,
            Response = Response<Body>,
            Error = Infallible,
            Future = impl Send,
        > + Clone,
> {
    let index = ServeFile::new(www.join("index.html"));
    let fallback = tower::service_fn(move |req: Request<Body>| {
        let index = index.clone();
        async move {
            if !is_app_path(req.uri().path())
                || !matches!(*req.method(), Method::GET | Method::HEAD)
            {
                return Ok::<_, Infallible>(not_found());
            }
            Ok(match index.oneshot(req).await {
                Ok(res) => res.map(Body::new),
                Err(_) => not_found(),
            })
        }
    });
    ServeDir::new(www).fallback(fallback)
}

/// `/` and the pages of each platform (`/canvas/…`, `/apps/…`, `/render/…`,
/// `/projects…`): the app's routes are the platforms' paths. Anything else (a missing
/// asset, `/favicon.ico`) stays a 404.
pub fn is_app_path(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    first.is_empty() || Platform::parse(first).is_some()
}

fn not_found() -> Response<Body> {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

#[cfg(test)]
mod tests {
    use super::is_app_path;

    #[test]
    fn app_paths_are_the_platforms_pages() {
        for p in [
            "/",
            "/canvas/villa/ground-floor",
            "/canvas",
            "/apps/x",
            "/render/",
            "/projects",
        ] {
            assert!(is_app_path(p), "{p}");
        }
        for p in [
            "/favicon.ico",
            "/assets/missing.js",
            "/canvasx",
            "/api/nope",
            "/pkg/x",
        ] {
            assert!(!is_app_path(p), "{p}");
        }
    }
}
