//! The tool catalog: the `/apps` platform's tools, one versioned file in the repo.
//! The server loads it into its `tools` table; the client seeds its tools store from it,
//! so tools work offline before the first sync. Tool ids derive from slugs.

use crate::error::{CoreError, Result};
use crate::ids::{tool_id_for, Millis};
use crate::json::JsonObject;
use crate::model::{InputType, OutputType, Priority, Tool, ToolStatus};
use crate::validate::{required_text, settings_schema, slug};
use serde::Deserialize;

/// The catalog file. Bump `version` in it whenever a tool changes.
pub const CATALOG_JSON: &str = include_str!("../catalog/tools.v1.json");

/// When this catalog version was published; tools carry it as created/updated time.
const PUBLISHED_AT: Millis = 1_767_225_600_000; // 2026-01-01T00:00:00Z

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    version: u32,
    tools: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    slug: String,
    name: String,
    description: Option<String>,
    category: String,
    system_prompt: String,
    input_type: InputType,
    output_type: OutputType,
    icon: Option<String>,
    color: Option<String>,
    priority: Priority,
    status: ToolStatus,
    settings_schema: JsonObject,
    default_settings: JsonObject,
    #[serde(default)]
    metadata: JsonObject,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub version: u32,
    pub tools: Vec<Tool>,
}

impl Catalog {
    pub fn by_slug(&self, slug: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.slug == slug)
    }
}

/// The built-in catalog.
pub fn builtin() -> Result<Catalog> {
    parse(CATALOG_JSON)
}

/// Parses and checks a catalog: valid slugs, no duplicates, defaults that satisfy the
/// tool's own schema.
pub fn parse(json: &str) -> Result<Catalog> {
    let file: CatalogFile = serde_json::from_str(json)
        .map_err(|e| CoreError::Malformed(format!("tool catalog: {e}")))?;
    let mut tools = Vec::with_capacity(file.tools.len());
    for e in file.tools {
        slug::check("tools.slug", &e.slug)?;
        required_text("tools.name", &e.name, crate::limits::NAME_MAX)?;
        if tools.iter().any(|t: &Tool| t.slug == e.slug) {
            return Err(CoreError::validation(
                "tools.slug",
                format!("{} appears twice", e.slug),
            ));
        }
        let tool = Tool {
            id: tool_id_for(&e.slug),
            slug: e.slug,
            name: e.name,
            description: e.description,
            category: e.category,
            system_prompt: e.system_prompt,
            input_type: e.input_type,
            output_type: e.output_type,
            icon: e.icon,
            color: e.color,
            priority: e.priority,
            status: e.status,
            settings_schema: e.settings_schema,
            default_settings: e.default_settings,
            metadata: e.metadata,
            created_at: PUBLISHED_AT,
            updated_at: PUBLISHED_AT,
        };
        tool.check_settings(&tool.default_settings)?;
        tools.push(tool);
    }
    Ok(Catalog {
        version: file.version,
        tools,
    })
}

/// Schema keywords the catalog uses beyond the client's subset (should be none).
pub fn unsupported_keywords(catalog: &Catalog) -> Vec<(String, Vec<String>)> {
    catalog
        .tools
        .iter()
        .map(|t| {
            let schema = serde_json::Value::Object(t.settings_schema.clone());
            (
                t.slug.clone(),
                settings_schema::unsupported_keywords(&schema),
            )
        })
        .filter(|(_, k)| !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_is_valid_and_inside_the_client_subset() {
        let c = builtin().unwrap();
        assert!(c.tools.len() >= 8);
        for slug in [
            "render-to-floor-plan",
            "render-to-section",
            "render-to-elevation",
            "sketch-to-render",
        ] {
            assert!(c.by_slug(slug).is_some(), "{slug} missing");
        }
        assert_eq!(unsupported_keywords(&c), vec![]);
        for it in InputType::ALL {
            assert!(c.tools.iter().any(|t| t.input_type == *it), "no {it} tool");
        }
    }
}
