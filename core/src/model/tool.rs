use super::enums::{InputType, OutputType, Priority, ToolStatus};
use crate::error::{CoreError, Result};
use crate::ids::{Id, Millis};
use crate::json::JsonObject;
use crate::limits::INPUT_IMAGES_MAX;
use crate::validate::settings_schema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A tool of the `/apps` platform: a row of the server's catalog, read-only to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tool {
    pub id: Id,
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub category: String,
    pub system_prompt: String,
    pub input_type: InputType,
    pub output_type: OutputType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub priority: Priority,
    pub status: ToolStatus,
    /// JSON Schema of `input_settings`.
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings_schema: JsonObject,
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub default_settings: JsonObject,
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: JsonObject,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Tool {
    /// An offline tool takes no executions (nor replays of old ones).
    pub fn check_available(&self, field: &str) -> Result<()> {
        match self.status {
            super::enums::ToolStatus::Online => Ok(()),
            super::enums::ToolStatus::Offline => Err(CoreError::validation(
                field,
                format!("tool {} is offline", self.slug),
            )),
        }
    }

    /// The input rules of `input_type`: `image` takes one image and no text, `image+text`
    /// one image and a text, `multiple` two or more images and an optional text.
    pub fn check_inputs(&self, images: &[String], text: Option<&str>) -> Result<()> {
        let text = text.filter(|t| !t.trim().is_empty());
        let (min, max) = match self.input_type {
            InputType::Image | InputType::ImageText => (1, 1),
            InputType::Multiple => (2, INPUT_IMAGES_MAX),
        };
        if images.len() < min || images.len() > max {
            let wanted = if min == max {
                format!("exactly {min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(CoreError::validation(
                "input_images",
                format!(
                    "tool {} ({}) takes {wanted} input images, got {}",
                    self.slug,
                    self.input_type,
                    images.len()
                ),
            ));
        }
        match (self.input_type, text) {
            (InputType::Image, Some(_)) => Err(CoreError::validation(
                "input_text",
                format!("tool {} takes an image only, no text", self.slug),
            )),
            (InputType::ImageText, None) => Err(CoreError::validation(
                "input_text",
                format!("tool {} needs a text with its image", self.slug),
            )),
            _ => Ok(()),
        }
    }

    /// Checks settings against the tool's schema, with the client's subset of JSON Schema
    /// (the server checks the full schema as well).
    pub fn check_settings(&self, settings: &JsonObject) -> Result<()> {
        let schema = Value::Object(self.settings_schema.clone());
        let instance = Value::Object(settings.clone());
        match settings_schema::validate(&schema, &instance)
            .into_iter()
            .next()
        {
            None => Ok(()),
            Some(v) => Err(CoreError::validation(
                format!("input_settings{}", v.path),
                v.message,
            )),
        }
    }

    /// Defaults under the given settings: what an execution records as its full config.
    pub fn settings_with_defaults(&self, settings: &JsonObject) -> JsonObject {
        let mut merged = self.default_settings.clone();
        for (k, v) in settings {
            merged.insert(k.clone(), v.clone());
        }
        merged
    }
}
