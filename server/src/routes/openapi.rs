//! `/api/openapi.json`, generated from the code: the paths from the handlers'
//! `#[utoipa::path]` attributes, the schemas derived from core's wire types (its
//! `openapi` feature), so the document changes with the types. A test validates real
//! requests and responses against it.

use axum::Json;
use serde_json::{json, Value};
use studio_core::graph::ops::GraphOp;
use studio_core::graph::zindex;
use studio_core::limits::{
    DESCRIPTION_MAX, LABEL_MAX, MUTATIONS_PER_PUSH_MAX, NAME_MAX, OPS_PER_APPLY_MAX, PROMPT_MAX,
    PULL_LIMIT_MAX, SLUG_MAX, URL_MAX,
};
use studio_core::protocol::mutation::{
    ById, ChainCreate, ExecutionCreate, ExecutionReplay, FileCreate, FileUpdate, GraphApply,
    ProjectCreate, ProjectUpdate, RenderCreate, TemplateUpsert,
};
use studio_core::protocol::{
    Change, ErrorBody, Me, Mutation, Platform, PullResponse, PushRequest, PushResponse, RawMutation,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "studio-store sync server", description = "Per-platform push and pull of the studio's projects, canvas, apps and render data."),
    paths(super::health::health, super::me::me, super::push::push, super::pull::pull, openapi_json),
    components(schemas(
        Platform, PushRequest, RawMutation, PushResponse, PullResponse, Change, ErrorBody, Me, Mutation,
        ProjectCreate, ProjectUpdate, ById, FileCreate, FileUpdate, GraphApply, GraphOp,
        ExecutionCreate, ExecutionReplay, TemplateUpsert, ChainCreate, RenderCreate,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// What core's validators require of a string property, which derives cannot spell.
#[derive(Clone, Copy)]
enum Text {
    /// `required_text`: non-blank, at most this many characters.
    Required(usize),
    /// `text` / `optional_text`: at most this many characters.
    Max(usize),
    /// `validate::slug`.
    Slug,
    /// `validate::url`: an http(s) URL or an absolute path, no whitespace.
    Url,
    /// `graph::zindex::check`: a fractional index key in base 62.
    ZKey,
}

impl Text {
    fn rules(self) -> Value {
        match self {
            Text::Required(max) => json!({"minLength": 1, "maxLength": max}),
            Text::Max(max) => json!({"maxLength": max}),
            Text::Slug => json!({"minLength": 1, "maxLength": SLUG_MAX, "pattern": SLUG_PATTERN}),
            Text::Url => {
                json!({"maxLength": URL_MAX, "pattern": "^([hH][tT][tT][pP][sS]?://|/)\\S*$"})
            }
            Text::ZKey => {
                json!({"minLength": 1, "maxLength": zindex::KEY_MAX, "pattern": "^[0-9A-Za-z]+$"})
            }
        }
    }
}

/// `validate::slug`'s rule: lowercase letters and digits joined by single hyphens.
const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

/// Every string property of the mutations' args and the rule core checks it with
/// (`[]` marks the items of an array).
const TEXT_RULES: &[(&str, &str, Text)] = &[
    ("ProjectCreate", "name", Text::Required(NAME_MAX)),
    ("ProjectCreate", "slug", Text::Slug),
    ("ProjectCreate", "description", Text::Max(DESCRIPTION_MAX)),
    ("ProjectCreate", "tags[]", Text::Required(LABEL_MAX)),
    ("ProjectUpdate", "name", Text::Required(NAME_MAX)),
    ("ProjectUpdate", "slug", Text::Slug),
    ("ProjectUpdate", "description", Text::Max(DESCRIPTION_MAX)),
    ("ProjectUpdate", "tags[]", Text::Required(LABEL_MAX)),
    ("FileCreate", "name", Text::Required(NAME_MAX)),
    ("FileCreate", "slug", Text::Slug),
    ("FileCreate", "description", Text::Max(DESCRIPTION_MAX)),
    ("FileUpdate", "name", Text::Required(NAME_MAX)),
    ("FileUpdate", "slug", Text::Slug),
    ("FileUpdate", "description", Text::Max(DESCRIPTION_MAX)),
    ("FileUpdate", "thumbnail_url", Text::Url),
    ("NodeInput", "type", Text::Required(LABEL_MAX)),
    ("NodeInput", "z", Text::ZKey),
    ("NodePatch", "type", Text::Required(LABEL_MAX)),
    ("NodePatch", "z", Text::ZKey),
    ("Edge", "type", Text::Required(LABEL_MAX)),
    ("Edge", "source_handle", Text::Required(LABEL_MAX)),
    ("Edge", "target_handle", Text::Required(LABEL_MAX)),
    ("ExecutionCreate", "input_images[]", Text::Max(URL_MAX)),
    ("ExecutionCreate", "input_text", Text::Max(PROMPT_MAX)),
    ("TemplateUpsert", "name", Text::Required(NAME_MAX)),
    ("ChainCreate", "name", Text::Required(NAME_MAX)),
    ("ChainCreate", "description", Text::Max(DESCRIPTION_MAX)),
    ("RenderCreate", "prompt", Text::Max(PROMPT_MAX)),
];

/// The whole document, with what derives cannot spell: the limits of core's
/// constants, the string rules of its validators, and the parameters' formats.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    let limits = [
        (
            "/components/schemas/PushRequest/properties/mutations",
            "maxItems",
            json!(MUTATIONS_PER_PUSH_MAX),
        ),
        (
            "/components/schemas/GraphApply/properties/ops",
            "maxItems",
            json!(OPS_PER_APPLY_MAX),
        ),
        (
            "/components/schemas/GraphApply/properties/ops",
            "minItems",
            json!(1),
        ),
        // Seqs start at 1: last_seq starts at 0, so a seq 0 would look processed.
        (
            "/components/schemas/RawMutation/properties/seq",
            "minimum",
            json!(1),
        ),
    ];
    // Any name passes the envelope: an unknown one is rejected in its own result, so
    // the names are a description here, not an enum (Mutation has the typed args).
    let names = format!(
        "One of {}; any other is rejected in its result.",
        Mutation::NAMES.join(", ")
    );
    let limits = limits.into_iter().chain([(
        "/components/schemas/RawMutation/properties/name",
        "description",
        json!(names),
    )]);
    for (at, key, value) in limits {
        if let Some(o) = doc.pointer_mut(at).and_then(Value::as_object_mut) {
            o.insert(key.to_owned(), value);
        }
    }
    for &(schema, property, rule) in TEXT_RULES {
        let (name, items) = match property.strip_suffix("[]") {
            Some(name) => (name, "/items"),
            None => (property, ""),
        };
        let at = format!("/components/schemas/{schema}/properties/{name}{items}");
        if let (Some(o), Value::Object(rules)) = (
            doc.pointer_mut(&at).and_then(Value::as_object_mut),
            rule.rules(),
        ) {
            o.extend(rules);
        }
    }
    closed_graph_ops(&mut doc);
    parameters(&mut doc);
    doc
}

/// GraphOp denies unknown fields (`serde(deny_unknown_fields)` on the enum), which the
/// derive does not carry to the variants of an internally tagged enum.
fn closed_graph_ops(doc: &mut Value) {
    let variants = doc
        .pointer_mut("/components/schemas/GraphOp/oneOf")
        .and_then(Value::as_array_mut);
    for variant in variants.into_iter().flatten() {
        if let Some(o) = variant.as_object_mut() {
            o.insert("additionalProperties".to_owned(), json!(false));
        }
    }
}

/// The query and path parameters' schemas, with their ranges.
fn parameters(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|m| m.values_mut())
    {
        for param in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let schema = match param["name"].as_str() {
                Some("platform") => json!({"$ref": "#/components/schemas/Platform"}),
                Some("client_id") => json!({"type": "string", "format": "uuid"}),
                Some("cursor") => {
                    json!({"type": "integer", "minimum": 0, "maximum": super::pull::CURSOR_MAX})
                }
                Some("limit") => {
                    json!({"type": "integer", "minimum": 1, "maximum": PULL_LIMIT_MAX})
                }
                _ => continue,
            };
            param["schema"] = schema;
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "server",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json() -> Json<Value> {
    Json(document())
}
