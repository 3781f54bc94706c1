use crate::db::Query;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

/// Liveness and database reachability; needs no token.
#[utoipa::path(get, path = "/api/health", tag = "server",
    responses((status = 200, description = "The server and its database answer", body = Object)))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state
        .db
        .fetch_optional(Query::new("SELECT 1 AS one"))
        .await?;
    Ok(Json(json!({
        "status": "ok",
        "database": state.db.backend().as_str(),
        "version": env!("CARGO_PKG_VERSION"),
    })))
}
