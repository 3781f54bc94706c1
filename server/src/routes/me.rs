use crate::auth::AuthUser;
use crate::db::Query;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use studio_core::protocol::Me;

/// Who the token belongs to: a client binds its database to this user on first contact
/// and refuses to sync it with another user's token.
#[utoipa::path(get, path = "/api/me", tag = "server",
    responses(
        (status = 200, body = studio_core::protocol::Me),
        (status = 401, body = studio_core::protocol::ErrorBody, description = "no or bad token"),
    ),
    security(("bearer" = [])))]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Me>, ApiError> {
    let row = state
        .db
        .fetch_optional(Query::new("SELECT email FROM users WHERE id = $1").bind(user))
        .await?
        // A token outlives no user (tokens reference users), so this is a bad token.
        .ok_or(ApiError::Unauthorized)?;
    Ok(Json(Me {
        user_id: user,
        email: row.text("email")?,
    }))
}
