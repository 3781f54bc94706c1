//! The HTTP surface: per-platform push and pull, who the caller is, health, the OpenAPI
//! document, and the app's static files.

pub mod app_shell;
pub mod events;
pub mod health;
pub mod me;
pub mod openapi;
pub mod pull;
pub mod push;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method};
use axum::routing::{any, get, post};
use axum::Router;
use std::path::PathBuf;
use studio_core::protocol::Platform;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;

pub struct StaticDirs {
    pub www: PathBuf,
    pub pkg: PathBuf,
}

pub fn router(state: AppState, dirs: &StaticDirs) -> Router {
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/me", get(me::me))
        .route("/events", get(events::events))
        .route("/{platform}/push", post(push::push))
        .route("/{platform}/pull", get(pull::pull))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(cors());
    Router::new()
        .nest("/api", api)
        // `nest` leaves these two to the static files; they are API paths all the same.
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .nest_service("/pkg", ServeDir::new(&dirs.pkg))
        .fallback_service(app_shell::service(&dirs.www))
        // Bodies are read through `Bytes`, whose rejection past this limit is a 413.
        .layer(DefaultBodyLimit::max(studio_core::limits::BODY_MAX_BYTES))
        // A bug must not reach a client as a dropped connection or a stack trace.
        .layer(CatchPanicLayer::custom(crate::error::panic_response))
        .with_state(state)
}

/// Any origin may call the API: it authenticates by bearer token, never by cookie, so a
/// foreign page gains nothing it could not do with the token itself. This lets the app
/// and the package's browser tests run from another origin (a dev server, a CDN).
pub(crate) fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600))
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The `{platform}` path segment.
pub fn platform(
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<Platform, ApiError> {
    let axum::extract::Path(name) =
        path.map_err(|e| ApiError::Malformed(format!("bad path: {}", e.body_text())))?;
    Platform::parse(&name).ok_or_else(|| ApiError::NotFound(format!("no platform {name:?}")))
}
