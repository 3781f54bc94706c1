//! The `/render` platform (chat renders) only: no tool or canvas data lives here.

use super::enums::{RenderStatus, RenderType};
use crate::error::Result;
use crate::ids::{Id, Millis};
use crate::json::{check_object, JsonObject};
use crate::limits::{DESCRIPTION_MAX, NAME_MAX, PROMPT_MAX};
use crate::validate::{optional_text, required_text, text, url};
use serde::{Deserialize, Serialize};

/// A chat conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenderChain {
    pub id: Id,
    pub project_id: Id,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl RenderChain {
    pub fn validate(&self) -> Result<()> {
        required_text("name", &self.name, NAME_MAX)?;
        optional_text("description", self.description.as_deref(), DESCRIPTION_MAX)
    }
}

/// One render. Chat renders sit in a chain at a position; a tool's output render has no
/// chain (the execution points at it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Render {
    pub id: Id,
    pub project_id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    #[serde(rename = "type")]
    pub kind: RenderType,
    pub prompt: String,
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_position: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_url: Option<String>,
    pub status: RenderStatus,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Render {
    pub fn validate(&self) -> Result<()> {
        text("prompt", &self.prompt, PROMPT_MAX)?;
        check_object("settings", &self.settings)?;
        if let Some(p) = self.chain_position {
            crate::validate::non_negative("chain_position", p)?;
        }
        if let Some(u) = &self.output_url {
            url("output_url", u)?;
        }
        if self.chain_id.is_none() && self.chain_position.is_some() {
            return Err(crate::error::CoreError::validation(
                "chain_position",
                "needs a chain_id",
            ));
        }
        Ok(())
    }
}
