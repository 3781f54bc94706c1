use crate::error::Result;
use crate::ids::{Id, Millis};
use crate::json::{check_object, JsonObject};
use crate::limits::NAME_MAX;
use crate::validate::required_text;
use serde::{Deserialize, Serialize};

/// Saved settings for a tool: global (no user) or a user's own; at most one default per
/// tool and user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolSettingsTemplate {
    pub id: Id,
    pub tool_id: Id,
    /// Absent for a global template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    pub name: String,
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: JsonObject,
    pub is_default: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl ToolSettingsTemplate {
    pub fn validate(&self) -> Result<()> {
        required_text("name", &self.name, NAME_MAX)?;
        check_object("settings", &self.settings)
    }
}
