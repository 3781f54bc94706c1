//! Tool renders: which tool a legacy `settings.imageType` names, the offline tool rows
//! made for the slugs the catalog does not have, and how a render's settings split
//! between its execution and the render.

use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use studio_core::catalog::Catalog;
use studio_core::ids::{tool_id_for, Millis};
use studio_core::json::JsonObject;
use studio_core::model::{InputType, OutputType, Priority, RenderType, Tool, ToolStatus};
use studio_core::validate::slug;

/// The tool a legacy `imageType` names.
pub(super) enum Named<'a> {
    /// A tool of the catalog.
    Catalog(&'a Tool),
    /// A slug the catalog does not have (any more).
    Unknown(String),
}

/// The tool `image_type` names; `None` when it names none (blank or null). A value that
/// is not a valid slug is slugified (`"Magic Eraser"` → `magic-eraser`, `7` → `7`), so
/// every named tool has a slug a tool row can carry.
pub(super) fn named_tool<'a>(image_type: &Value, catalog: &'a Catalog) -> Option<Named<'a>> {
    let text = match image_type {
        Value::Null => return None,
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    if text.is_empty() {
        return None;
    }
    if let Some(tool) = catalog.by_slug(&text) {
        return Some(Named::Catalog(tool));
    }
    let slug = if slug::check("imageType", &text).is_ok() {
        text
    } else {
        slug::slugify(&text)
    };
    Some(match catalog.by_slug(&slug) {
        Some(tool) => Named::Catalog(tool),
        None => Named::Unknown(slug),
    })
}

/// The offline tool rows made from unknown slugs, with the renders each one took.
#[derive(Default)]
pub(super) struct OfflineTools {
    tools: BTreeMap<String, Tool>,
    pub renders: BTreeMap<String, u64>,
}

impl OfflineTools {
    /// The offline tool of `slug`, made from the first render that names it.
    pub fn get_or_make(&mut self, slug: &str, first: FirstRun) -> &Tool {
        *self.renders.entry(slug.to_owned()).or_default() += 1;
        self.tools
            .entry(slug.to_owned())
            .or_insert_with(|| offline_tool(slug, first))
    }

    pub fn into_tools(self) -> Vec<Tool> {
        self.tools.into_values().collect()
    }
}

/// What the first legacy run of an unknown tool tells about the tool.
pub(super) struct FirstRun {
    pub kind: RenderType,
    pub images: usize,
    pub has_text: bool,
    pub created_at: Millis,
}

/// A tool row for a slug the catalog does not have: offline (it takes no new runs), its
/// id derived from the slug like a catalog tool's — so a later catalog that brings the
/// tool back updates this row and its executions find it — and a schema that takes any
/// settings, as nobody knows the tool's any more.
fn offline_tool(slug: &str, first: FirstRun) -> Tool {
    let input_type = match (first.images, first.has_text) {
        (2.., _) => InputType::Multiple,
        (_, true) => InputType::ImageText,
        _ => InputType::Image,
    };
    let output_type = match first.kind {
        RenderType::Video => OutputType::Video,
        RenderType::Image => OutputType::Image,
    };
    let object = |v: Value| match v {
        Value::Object(m) => m,
        _ => JsonObject::new(),
    };
    Tool {
        id: tool_id_for(slug),
        slug: slug.to_owned(),
        name: title_of(slug),
        description: Some(
            "Not in the tool catalog: kept offline so its earlier runs stay readable.".into(),
        ),
        category: "legacy".into(),
        system_prompt: String::new(),
        input_type,
        output_type,
        icon: None,
        color: None,
        priority: Priority::Low,
        status: ToolStatus::Offline,
        settings_schema: object(json!({"type": "object"})),
        default_settings: JsonObject::new(),
        metadata: object(json!({"migrated_from": {"image_type": slug}})),
        created_at: first.created_at,
        updated_at: first.created_at,
    }
}

/// `magic-eraser` → `Magic eraser`.
fn title_of(slug: &str) -> String {
    let words = slug.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "Legacy tool".into(),
    }
}

/// A tool render's settings, split: what its execution takes and what stays with the
/// render.
pub(super) struct Split {
    pub images: Vec<String>,
    pub text: Option<String>,
    pub input: JsonObject,
    pub left: JsonObject,
    /// Values the tool's schema names but refuses (they stay with the render).
    pub refused: u64,
    /// Required settings the legacy run lacked, filled from the tool's defaults.
    pub filled: Vec<String>,
}

/// Splits a tool render's settings (without `imageType`). The input image and text move
/// to the execution; of the rest, what the tool's schema knows (with a value it accepts)
/// moves too — everything, for an offline tool, whose schema nobody knows.
pub(super) fn split_settings(
    tool: &Tool,
    mut settings: JsonObject,
    checks: &mut PropertyChecks,
) -> Split {
    let images: Vec<String> = settings
        .remove("inputImageUrl")
        .and_then(|v| v.as_str().map(str::to_owned))
        .into_iter()
        .collect();
    let text = settings
        .remove("userPrompt")
        .and_then(|v| v.as_str().map(str::to_owned));
    let mut split = Split {
        images,
        text,
        input: JsonObject::new(),
        left: JsonObject::new(),
        refused: 0,
        filled: Vec::new(),
    };
    let known = tool.settings_schema.get("properties");
    for (k, v) in settings {
        if tool.status == ToolStatus::Offline || checks.accepts(tool, &k, &v) {
            split.input.insert(k, v);
        } else {
            split.refused += u64::from(known.and_then(|p| p.get(&k)).is_some());
            split.left.insert(k, v);
        }
    }
    if let Some(Value::Array(required)) = tool.settings_schema.get("required") {
        for k in required.iter().filter_map(Value::as_str) {
            if split.input.contains_key(k) {
                continue;
            }
            if let Some(d) = tool.default_settings.get(k) {
                split.input.insert(k.to_owned(), d.clone());
                split.filled.push(k.to_owned());
            }
        }
    }
    split
}

/// Compiled validators of single settings properties, to tell which legacy values a
/// tool's schema accepts.
#[derive(Default)]
pub(super) struct PropertyChecks(HashMap<(String, String), Option<jsonschema::Validator>>);

impl PropertyChecks {
    fn accepts(&mut self, tool: &Tool, key: &str, value: &Value) -> bool {
        let entry = self
            .0
            .entry((tool.slug.clone(), key.to_owned()))
            .or_insert_with(|| {
                let schema = tool.settings_schema.get("properties")?.get(key)?;
                jsonschema::validator_for(schema).ok()
            });
        entry.as_ref().is_some_and(|v| v.is_valid(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_catalog_tools_unknown_slugs_and_nothing() {
        let catalog = crate::catalog::builtin().unwrap();
        let named = |v: Value| match named_tool(&v, &catalog) {
            None => "none".to_owned(),
            Some(Named::Catalog(t)) => format!("catalog {}", t.slug),
            Some(Named::Unknown(s)) => format!("unknown {s}"),
        };
        assert_eq!(
            named(json!("render-to-section")),
            "catalog render-to-section"
        );
        assert_eq!(
            named(json!(" Render to Section ")),
            "catalog render-to-section"
        );
        assert_eq!(
            named(json!("legacy-magic-eraser")),
            "unknown legacy-magic-eraser"
        );
        assert_eq!(named(json!("Magic Eraser!")), "unknown magic-eraser");
        assert_eq!(named(json!(7)), "unknown 7");
        assert_eq!(named(json!("  ")), "none");
        assert_eq!(named(Value::Null), "none");
    }

    #[test]
    fn offline_tools_are_offline_and_take_their_slug() {
        let mut tools = OfflineTools::default();
        let first = || FirstRun {
            kind: RenderType::Video,
            images: 2,
            has_text: false,
            created_at: 5,
        };
        let t = tools.get_or_make("magic-eraser", first()).clone();
        tools.get_or_make("magic-eraser", first());
        assert_eq!(tools.renders["magic-eraser"], 2);
        assert_eq!(
            (t.status, t.name.as_str()),
            (ToolStatus::Offline, "Magic eraser")
        );
        assert_eq!(t.id, tool_id_for("magic-eraser"));
        assert_eq!(
            (t.input_type, t.output_type),
            (InputType::Multiple, OutputType::Video)
        );
        assert!(t.check_available("tool_id").is_err(), "no new runs");
        assert_eq!(tools.into_tools().len(), 1);
    }
}
