//! Typed errors of the core, each with a stable code that crosses every boundary
//! unchanged: JS `Error.code` in the wasm crate, `error.code` in HTTP bodies.

use serde::{Deserialize, Serialize};

/// The stable error codes. Adding one is an API change; renaming one is a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A value breaks a rule of the model (type, size, required field, enum, schema).
    Validation,
    /// The request or document could not be parsed at all.
    Malformed,
    NotFound,
    SlugTaken,
    /// Another conflict than a slug: an id already used, a status that cannot move so.
    Conflict,
    /// The server's last processed seq is behind the pushed batch.
    SeqGap,
    Unauthorized,
    Forbidden,
    PayloadTooLarge,
    /// IndexedDB failed (not quota, not version): the operation changed nothing.
    Storage,
    QuotaExceeded,
    /// Another tab holds an older version of the database open and did not let go.
    VersionBlocked,
    /// The store was closed, or another tab upgraded the database under it.
    Closed,
    /// The server could not be reached or answered with something unreadable.
    Network,
    /// The server failed (5xx).
    Server,
    /// A bug: an invariant of ours broke. Never a caller's fault.
    Internal,
    /// The database is bound to another user than the token's: nothing is synced or shown.
    WrongUser,
    /// A stored record does not decode; `details` name its store and key.
    Damaged,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::Malformed => "malformed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::SlugTaken => "slug_taken",
            ErrorCode::Conflict => "conflict",
            ErrorCode::SeqGap => "seq_gap",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Storage => "storage",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::VersionBlocked => "version_blocked",
            ErrorCode::Closed => "closed",
            ErrorCode::Network => "network",
            ErrorCode::Server => "server",
            ErrorCode::Internal => "internal",
            ErrorCode::WrongUser => "wrong_user",
            ErrorCode::Damaged => "damaged",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error of the model and its rules. Messages name the field and the rule, never
/// internals, so they may be shown to users and sent over the network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoreError {
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    #[error("malformed input: {0}")]
    Malformed(String),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("slug {slug:?} is already taken")]
    SlugTaken { slug: String },
    #[error("{0}")]
    Conflict(String),
    /// Readable but not the caller's to change (someone else's public project, a global
    /// template).
    #[error("{0}")]
    Forbidden(String),
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Validation { .. } => ErrorCode::Validation,
            CoreError::Malformed(_) => ErrorCode::Malformed,
            CoreError::NotFound { .. } => ErrorCode::NotFound,
            CoreError::SlugTaken { .. } => ErrorCode::SlugTaken,
            CoreError::Conflict(_) => ErrorCode::Conflict,
            CoreError::Forbidden(_) => ErrorCode::Forbidden,
        }
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        CoreError::NotFound {
            entity,
            id: id.to_string(),
        }
    }

    /// Details for an error body: which field broke which rule, where known.
    pub fn details(&self) -> Option<serde_json::Value> {
        match self {
            CoreError::Validation { field, .. } => Some(serde_json::json!({ "field": field })),
            CoreError::SlugTaken { slug } => Some(serde_json::json!({ "slug": slug })),
            _ => None,
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
