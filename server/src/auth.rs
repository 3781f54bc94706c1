//! Users and bearer tokens. A token is 32 random bytes, hex; only its sha256 is stored.

use crate::db::{Db, DbError, DbResult, Query};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use studio_core::ids::{new_id, Id};

pub const DEV_EMAIL: &str = "dev@studio.local";

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn new_token() -> DbResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| DbError::Setup(format!("no randomness: {e}")))?;
    Ok(hex(&bytes))
}

/// The user with this email, created when missing.
pub async fn ensure_user(db: &Db, email: &str) -> DbResult<Id> {
    let mut tx = db.write().await?;
    let existing = tx
        .fetch_optional(Query::new("SELECT id FROM users WHERE email = $1").bind(email))
        .await?;
    let id = match existing {
        Some(r) => r.id("id")?,
        None => {
            let id = new_id();
            tx.execute(
                Query::new("INSERT INTO users (id, email, created_at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(email)
                    .bind(now_ms()),
            )
            .await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// A new token for the user (with this email, created when missing).
pub async fn create_token(db: &Db, email: &str) -> DbResult<(Id, String)> {
    let user = ensure_user(db, email).await?;
    let token = new_token()?;
    let mut tx = db.write().await?;
    tx.execute(
        Query::new("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(hash_token(&token))
            .bind(user)
            .bind(now_ms()),
    )
    .await?;
    tx.commit().await?;
    Ok((user, token))
}

pub async fn has_users(db: &Db) -> DbResult<bool> {
    Ok(db
        .fetch_optional(Query::new("SELECT id FROM users LIMIT 1"))
        .await?
        .is_some())
}

/// The caller, from `Authorization: Bearer <token>`.
pub struct AuthUser(pub Id);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ApiError::Unauthorized)?;
        let row = state
            .db
            .fetch_optional(
                // A token whose user row is gone names nobody: 401, like an unknown one.
                Query::new(
                    "SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
                     WHERE t.token_hash = $1",
                )
                .bind(hash_token(token)),
            )
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(AuthUser(row.id("user_id")?))
    }
}
