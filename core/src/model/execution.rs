use super::enums::ExecutionStatus;
use crate::error::{CoreError, Result};
use crate::ids::{Id, Millis};
use crate::json::{check_object, JsonObject};
use crate::limits::{INPUT_IMAGES_MAX, PROMPT_MAX, URL_MAX};
use crate::validate::{optional_text, text};
use serde::{Deserialize, Serialize};

/// One run of a tool: its inputs, its output, and a config complete enough to replay it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolExecution {
    pub id: Id,
    pub tool_id: Id,
    pub project_id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    /// Ids or URLs of the input images.
    pub input_images: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_text: Option<String>,
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub input_settings: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_render_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_key: Option<String>,
    pub status: ExecutionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_cost: Option<i64>,
    /// Tool slug, tool version, system prompt, merged settings and inputs: replayable.
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub execution_config: JsonObject,
    /// The execution this one varies (a replay or a variation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_execution_id: Option<Id>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// Checks the inputs every execution needs, whatever its tool.
pub fn check_input_shape(
    images: &[String],
    input_text: Option<&str>,
    settings: &JsonObject,
) -> Result<()> {
    if images.len() > INPUT_IMAGES_MAX {
        return Err(CoreError::validation(
            "input_images",
            format!("more than {INPUT_IMAGES_MAX} images"),
        ));
    }
    for image in images {
        if image.trim().is_empty() {
            return Err(CoreError::validation(
                "input_images",
                "an image reference is empty",
            ));
        }
        text("input_images", image, URL_MAX)?;
    }
    optional_text("input_text", input_text, PROMPT_MAX)?;
    check_object("input_settings", settings)
}
