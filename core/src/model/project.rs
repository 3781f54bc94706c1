use super::enums::ProjectStatus;
use crate::error::{CoreError, Result};
use crate::ids::{Id, Millis};
use crate::json::{check_object, JsonObject};
use crate::limits::{DESCRIPTION_MAX, LABEL_MAX, NAME_MAX, TAGS_MAX};
use crate::validate::{optional_text, required_text, slug, text};
use serde::{Deserialize, Serialize};

/// A project: shared by all three platforms. Its slug is unique on the server; its owner
/// reads and writes it, others read it when it is public.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: Id,
    /// The owner; unknown (absent) until the server has confirmed the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    pub name: String,
    pub slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_image_id: Option<Id>,
    pub status: ProjectStatus,
    pub is_public: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: JsonObject,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Project {
    pub fn validate(&self) -> Result<()> {
        required_text("name", &self.name, NAME_MAX)?;
        slug::check("slug", &self.slug)?;
        optional_text("description", self.description.as_deref(), DESCRIPTION_MAX)?;
        check_tags(&self.tags)?;
        check_object("metadata", &self.metadata)
    }
}

pub fn check_tags(tags: &[String]) -> Result<()> {
    if tags.len() > TAGS_MAX {
        return Err(CoreError::validation(
            "tags",
            format!("more than {TAGS_MAX} tags"),
        ));
    }
    for tag in tags {
        required_text("tags", tag, LABEL_MAX)?;
        text("tags", tag, LABEL_MAX)?;
    }
    Ok(())
}
