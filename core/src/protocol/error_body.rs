use crate::error::{CoreError, ErrorCode};
use serde::{Deserialize, Serialize};

/// `{"error": {"code": "...", "message": "...", "details": ...}}`: every HTTP error body,
/// and the `error` of a rejected mutation's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", tsify(type = "JsonValue"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub details: Option<serde_json::Value>,
}

impl ErrorDetail {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorDetail {
            code,
            message: message.into(),
            details: None,
        }
    }
}

impl From<&CoreError> for ErrorDetail {
    fn from(e: &CoreError) -> Self {
        ErrorDetail {
            code: e.code(),
            message: e.to_string(),
            details: e.details(),
        }
    }
}

impl From<ErrorDetail> for ErrorBody {
    fn from(error: ErrorDetail) -> Self {
        ErrorBody { error }
    }
}
