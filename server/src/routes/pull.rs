use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{changelog, clients};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use studio_core::limits::PULL_LIMIT_MAX;
use studio_core::protocol::{PullQuery, PullResponse};
use studio_core::CoreError;

/// The largest cursor: the change log's seqs are signed 64-bit integers.
pub const CURSOR_MAX: u64 = i64::MAX as u64;

/// The platform's changes after `cursor` that the caller may read, in seq order.
#[utoipa::path(get, path = "/api/{platform}/pull", tag = "sync",
    params(
        ("platform" = String, Path, description = "projects | canvas | apps | render"),
        ("client_id" = String, Query, description = "The calling client (a UUID)"),
        ("cursor" = Option<u64>, Query, description = "The cursor of the previous pull; 0 for everything"),
        ("limit" = Option<u32>, Query, description = "Changes per page: 1 to 1000, default 500"),
    ),
    responses(
        (status = 200, body = studio_core::protocol::PullResponse),
        (status = 400, body = studio_core::protocol::ErrorBody, description = "malformed query"),
        (status = 401, body = studio_core::protocol::ErrorBody, description = "no or bad token"),
        (status = 403, body = studio_core::protocol::ErrorBody, description = "client_id of another user"),
        (status = 404, body = studio_core::protocol::ErrorBody, description = "no such platform"),
        (status = 422, body = studio_core::protocol::ErrorBody, description = "limit or cursor out of range"),
    ),
    security(("bearer" = [])))]
pub async fn pull(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let platform = super::platform(path)?;
    let Query(q) = query.map_err(|e| ApiError::Malformed(e.body_text()))?;
    let limit = q.limit.unwrap_or(studio_core::limits::PULL_LIMIT_DEFAULT);
    if limit == 0 || limit > PULL_LIMIT_MAX {
        return Err(ApiError::Validation(CoreError::validation(
            "limit",
            format!("must be 1 to {PULL_LIMIT_MAX}"),
        )));
    }
    if q.cursor > CURSOR_MAX {
        // Cursors are the change log's BIGINT seqs: a larger one names no change.
        return Err(ApiError::Validation(CoreError::validation(
            "cursor",
            format!("must be 0 to {CURSOR_MAX}"),
        )));
    }
    let mut tx = state.db.begin().await?;
    let last_seq = clients::last_seq(&mut tx, q.client_id, user).await?;
    let page = changelog::pull(&mut tx, platform, user, q.cursor, limit).await?;
    tx.commit().await?;
    Ok(Json(PullResponse {
        cursor: page.cursor,
        has_more: page.has_more,
        changes: page.changes,
        last_seq,
    }))
}
