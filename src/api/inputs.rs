//! What the JS surface takes: camelCase objects as in DESIGN.md's outline (snake_case
//! names are accepted too). Unknown fields are errors, not silently dropped.

use serde::{Deserialize, Deserializer};
use studio_core::graph::GraphOp;
use studio_core::json::JsonObject;
use studio_core::model::{ProjectStatus, RenderType};
use studio_core::Id;
use tsify::Tsify;

/// `null` clears, absent leaves alone.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenOptions {
    /// The IndexedDB database name; one database per name.
    pub name: String,
    /// The sync server (e.g. `http://127.0.0.1:8080`); without it the store is local only.
    #[serde(default)]
    #[tsify(optional)]
    pub server_url: Option<String>,
    /// Bearer token for the server.
    #[serde(default)]
    #[tsify(optional)]
    pub token: Option<String>,
    /// How long to wait for another tab to let go of an older schema version (ms).
    #[serde(default)]
    #[tsify(optional)]
    pub blocked_timeout_ms: Option<u32>,
    /// Whether this store syncs on its own (default true when a server is given);
    /// `false` leaves syncing to explicit `sync.now()` calls.
    #[serde(default)]
    #[tsify(optional)]
    pub auto_sync: Option<bool>,
    /// Whether the syncing tab listens on the server's poke channel, so another
    /// device's edit arrives at once rather than at the next poll (default true; only
    /// with automatic sync).
    #[serde(default)]
    #[tsify(optional)]
    pub live_updates: Option<bool>,
    /// Pause between automatic sync rounds while idle (ms, default 2000).
    #[serde(default)]
    #[tsify(optional)]
    pub sync_interval_ms: Option<u32>,
    /// How long one request to the server may take before it counts as lost (ms,
    /// default 20000).
    #[serde(default)]
    #[tsify(optional)]
    pub request_timeout_ms: Option<u32>,
}

#[derive(Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateProjectInput {
    #[serde(default)]
    #[tsify(optional)]
    pub id: Option<Id>,
    pub name: String,
    /// Left out, one is derived from the name.
    #[serde(default)]
    #[tsify(optional)]
    pub slug: Option<String>,
    #[serde(default)]
    #[tsify(optional)]
    pub description: Option<String>,
    #[serde(default, alias = "is_public")]
    #[tsify(optional)]
    pub is_public: bool,
    #[serde(default)]
    #[tsify(optional)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[tsify(optional, type = "JsonObject")]
    pub metadata: JsonObject,
    #[serde(default, alias = "original_image_id")]
    #[tsify(optional)]
    pub original_image_id: Option<Id>,
}

#[derive(Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProjectInput {
    #[serde(default)]
    #[tsify(optional)]
    pub name: Option<String>,
    #[serde(default)]
    #[tsify(optional)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[tsify(optional, type = "string | null")]
    pub description: Option<Option<String>>,
    #[serde(default, alias = "is_public")]
    #[tsify(optional)]
    pub is_public: Option<bool>,
    #[serde(default)]
    #[tsify(optional)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    #[tsify(optional, type = "JsonObject")]
    pub metadata: Option<JsonObject>,
    #[serde(default)]
    #[tsify(optional)]
    pub status: Option<ProjectStatus>,
}

#[derive(Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateFileInput {
    #[serde(default)]
    #[tsify(optional)]
    pub id: Option<Id>,
    #[serde(alias = "project_id")]
    pub project_id: Id,
    pub name: String,
    /// Left out, derived from the name and made unique in the project.
    #[serde(default)]
    #[tsify(optional)]
    pub slug: Option<String>,
    #[serde(default)]
    #[tsify(optional)]
    pub description: Option<String>,
    #[serde(default)]
    #[tsify(optional, type = "JsonObject")]
    pub metadata: JsonObject,
}

#[derive(Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateFileInput {
    /// Renaming keeps the slug, so links stay valid.
    #[serde(default)]
    #[tsify(optional)]
    pub name: Option<String>,
    /// A new slug, only when asked for.
    #[serde(default)]
    #[tsify(optional)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[tsify(optional, type = "string | null")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", alias = "thumbnail_url")]
    #[tsify(optional, type = "string | null")]
    pub thumbnail_url: Option<Option<String>>,
    #[serde(default, alias = "is_active")]
    #[tsify(optional)]
    pub is_active: Option<bool>,
    #[serde(default)]
    #[tsify(optional, type = "JsonObject")]
    pub metadata: Option<JsonObject>,
}

/// The ops of one `applyOps` call: one atomic batch.
#[derive(Debug, Deserialize, Tsify)]
#[serde(transparent)]
pub struct Ops(pub Vec<GraphOp>);

#[derive(Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateExecutionInput {
    #[serde(default)]
    #[tsify(optional)]
    pub id: Option<Id>,
    /// The tool, by slug (or `toolId`).
    #[serde(default, alias = "tool_slug")]
    #[tsify(optional)]
    pub tool_slug: Option<String>,
    #[serde(default, alias = "tool_id")]
    #[tsify(optional)]
    pub tool_id: Option<Id>,
    #[serde(alias = "project_id")]
    pub project_id: Id,
    #[serde(alias = "input_images")]
    pub input_images: Vec<String>,
    #[serde(default, alias = "input_text")]
    #[tsify(optional)]
    pub input_text: Option<String>,
    #[serde(default, alias = "input_settings")]
    #[tsify(optional, type = "JsonObject")]
    pub input_settings: JsonObject,
    /// The execution this one is a variation of.
    #[serde(default, alias = "parent_execution_id")]
    #[tsify(optional)]
    pub parent_execution_id: Option<Id>,
}

#[derive(Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpsertTemplateInput {
    #[serde(default)]
    #[tsify(optional)]
    pub id: Option<Id>,
    #[serde(default, alias = "tool_slug")]
    #[tsify(optional)]
    pub tool_slug: Option<String>,
    #[serde(default, alias = "tool_id")]
    #[tsify(optional)]
    pub tool_id: Option<Id>,
    pub name: String,
    #[tsify(type = "JsonObject")]
    pub settings: JsonObject,
    #[serde(default, alias = "is_default")]
    #[tsify(optional)]
    pub is_default: bool,
}

#[derive(Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateChainInput {
    #[serde(default)]
    #[tsify(optional)]
    pub id: Option<Id>,
    #[serde(alias = "project_id")]
    pub project_id: Id,
    pub name: String,
    #[serde(default)]
    #[tsify(optional)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRenderInput {
    #[serde(default)]
    #[tsify(optional)]
    pub id: Option<Id>,
    #[serde(alias = "chain_id")]
    pub chain_id: Id,
    pub prompt: String,
    #[serde(default, rename = "type")]
    #[tsify(optional)]
    pub kind: Option<RenderType>,
    #[serde(default)]
    #[tsify(optional, type = "JsonObject")]
    pub settings: JsonObject,
}
