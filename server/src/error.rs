//! Errors and their one mapping to `{"error": {"code", "message", "details"?}}`.

use crate::db::DbError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use studio_core::protocol::{ErrorBody, ErrorDetail, MutationResult};
use studio_core::{CoreError, ErrorCode};

/// An error that fails a whole request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Malformed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("missing or invalid bearer token")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("seq gap: the server has processed up to {last_seq}")]
    SeqGap {
        last_seq: u64,
        results: Vec<MutationResult>,
    },
    #[error(
        "request body larger than {} bytes",
        studio_core::limits::BODY_MAX_BYTES
    )]
    PayloadTooLarge,
    #[error("{0}")]
    Validation(CoreError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ApiError {
    fn status_and_detail(&self) -> (StatusCode, ErrorDetail) {
        let detail = |code| ErrorDetail::new(code, self.to_string());
        match self {
            ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, detail(ErrorCode::Malformed)),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                detail(ErrorCode::Malformed),
            ),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, detail(ErrorCode::Unauthorized)),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, detail(ErrorCode::Forbidden)),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, detail(ErrorCode::NotFound)),
            ApiError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, detail(ErrorCode::Malformed))
            }
            ApiError::SeqGap { last_seq, results } => {
                let mut d = detail(ErrorCode::SeqGap);
                d.details = Some(serde_json::json!({ "last_seq": last_seq, "results": results }));
                (StatusCode::CONFLICT, d)
            }
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                detail(ErrorCode::PayloadTooLarge),
            ),
            ApiError::Validation(e) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorDetail::from(e)),
            ApiError::Db(e) => {
                // The cause goes to the log only: no SQL or driver text reaches a client.
                tracing::error!("request failed: {e}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorDetail::new(ErrorCode::Internal, "internal server error"),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail) = self.status_and_detail();
        let mut res = (status, axum::Json(ErrorBody::from(detail))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// What a panicking handler answers: a bug must not reach a client as a dropped
/// connection or a stack trace.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let detail = ErrorDetail::new(ErrorCode::Internal, "internal server error");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(ErrorBody::from(detail)),
    )
        .into_response()
}

/// Why one mutation of a push was not applied: reported in its result, or (for a
/// database failure) ending the batch with a 500.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{}", .0.message)]
    Rejected(ErrorDetail),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<CoreError> for ApplyError {
    fn from(e: CoreError) -> Self {
        ApplyError::Rejected(ErrorDetail::from(&e))
    }
}

pub type ApplyResult<T> = Result<T, ApplyError>;

pub fn not_found(entity: &'static str, id: impl ToString) -> ApplyError {
    CoreError::not_found(entity, id).into()
}

pub fn forbidden(message: impl Into<String>) -> ApplyError {
    CoreError::Forbidden(message.into()).into()
}

pub fn validation(field: &str, message: impl Into<String>) -> ApplyError {
    CoreError::validation(field, message).into()
}

pub fn conflict(message: impl Into<String>) -> ApplyError {
    CoreError::Conflict(message.into()).into()
}

pub fn slug_taken(slug: &str) -> ApplyError {
    CoreError::SlugTaken {
        slug: slug.to_owned(),
    }
    .into()
}
