//! `/api/openapi.json`, generated from the handlers' `#[utoipa::path]` attributes. The
//! wire types live in core without utoipa derives, so their schemas are written here as
//! JSON Schema and put into the document's components; a test validates real requests
//! and responses against them, so they cannot drift unnoticed.

use axum::Json;
use serde_json::{json, Value};
use std::borrow::Cow;
use studio_core::protocol::{EntityKind, Mutation, Platform};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

macro_rules! doc_type {
    ($ty:ident, $name:literal) => {
        /// A wire type of core, documented in [`component_schemas`].
        pub struct $ty;
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                RefOr::T(Schema::default())
            }
        }
        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

doc_type!(PushRequestDoc, "PushRequest");
doc_type!(PushResponseDoc, "PushResponse");
doc_type!(PullResponseDoc, "PullResponse");
doc_type!(ErrorBodyDoc, "ErrorBody");

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
    paths(super::health::health, super::push::push, super::pull::pull, openapi_json),
    components(schemas(PushRequestDoc, PushResponseDoc, PullResponseDoc, ErrorBodyDoc)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The whole document: utoipa's paths plus the wire schemas.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        if let Value::Object(defs) = component_schemas() {
            for (k, v) in defs {
                schemas.insert(k, v);
            }
        }
    }
    // Parameter schemas utoipa's attributes cannot spell: the platform names, the
    // client id's format and the bounds of cursor and limit.
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
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
                    Some("client_id") => uuid(),
                    Some("cursor") => json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}),
                    Some("limit") => json!({"type": "integer", "minimum": 1,
                        "maximum": studio_core::limits::PULL_LIMIT_MAX}),
                    _ => continue,
                };
                param["schema"] = schema;
            }
        }
    }
    doc
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "server",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json() -> Json<Value> {
    Json(document())
}

fn uuid() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn obj(required: &[&str], props: Value) -> Value {
    json!({"type": "object", "required": required, "properties": props, "additionalProperties": false})
}

/// JSON Schemas of the wire types and of every mutation's args.
pub fn component_schemas() -> Value {
    let r = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let text = json!({"type": "string"});
    let opt_text = json!({"type": ["string", "null"]});
    let object = json!({"type": "object"});
    let names: Vec<&str> = Mutation::NAMES.to_vec();
    let entities: Vec<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
    let platforms: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
    let error_codes = [
        "validation",
        "malformed",
        "not_found",
        "slug_taken",
        "conflict",
        "seq_gap",
        "unauthorized",
        "forbidden",
        "payload_too_large",
        "internal",
    ];
    let position = obj(
        &["x", "y"],
        json!({"x": {"type": "number"}, "y": {"type": "number"}}),
    );
    json!({
        "Platform": {"type": "string", "enum": platforms},
        "ErrorDetail": {
            "type": "object", "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "enum": error_codes},
                "message": text,
                "details": {"description": "What broke which rule, e.g. {\"field\": ...} or {\"last_seq\": n}"}
            }
        },
        "ErrorBody": {"type": "object", "required": ["error"], "properties": {"error": r("ErrorDetail")}},
        "RawMutation": {
            "type": "object", "required": ["seq", "name"],
            "properties": {
                "seq": {"type": "integer", "minimum": 1, "maximum": 9_007_199_254_740_991_u64,
                        "description": "Rises by one per client across all platforms"},
                "name": {"type": "string", "description": format!(
                    "One of {}; another name is rejected in its result, not by failing the batch",
                    names.join(", "))},
                "args": {"type": "object", "description": "See the <name>Args schemas, e.g. file.create → FileCreateArgs"}
            }
        },
        "PushRequest": {
            "type": "object", "required": ["client_id", "mutations"],
            "properties": {
                "client_id": uuid(),
                "mutations": {"type": "array", "maxItems": studio_core::limits::MUTATIONS_PER_PUSH_MAX, "items": r("RawMutation")}
            }
        },
        "MutationResult": {
            "type": "object", "required": ["seq", "status"],
            "properties": {
                "seq": {"type": "integer"},
                "status": {"type": "string", "enum": ["applied", "rejected"]},
                "error": r("ErrorDetail")
            }
        },
        "PushResponse": {
            "type": "object", "required": ["results", "last_seq"],
            "properties": {"results": {"type": "array", "items": r("MutationResult")}, "last_seq": {"type": "integer"}}
        },
        "Change": {
            "type": "object", "required": ["entity", "id", "version", "deleted", "value"],
            "properties": {
                "entity": {"type": "string", "enum": entities},
                "id": uuid(),
                "version": {"type": "integer"},
                "deleted": {"type": "boolean"},
                "value": {"description": "The entity's row; {file_id, node|edge} for nodes and edges; null (or {file_id}) for a tombstone"}
            }
        },
        "PullResponse": {
            "type": "object", "required": ["cursor", "has_more", "changes", "last_seq"],
            "properties": {
                "cursor": {"type": "integer"}, "has_more": {"type": "boolean"},
                "changes": {"type": "array", "items": r("Change")}, "last_seq": {"type": "integer"}
            }
        },
        "ProjectCreateArgs": obj(&["id", "name"], json!({
            "id": uuid(), "name": text, "slug": text, "description": opt_text, "is_public": {"type": "boolean"},
            "tags": {"type": "array", "items": text}, "metadata": object, "original_image_id": uuid()})),
        "ProjectUpdateArgs": obj(&["id"], json!({
            "id": uuid(), "name": text, "slug": text, "description": opt_text, "is_public": {"type": "boolean"},
            "tags": {"type": "array", "items": text}, "metadata": object,
            "status": {"type": "string", "enum": ["active", "archived"]}, "original_image_id": {"type": ["string", "null"]}})),
        "ProjectDeleteArgs": obj(&["id"], json!({"id": uuid()})),
        "FileCreateArgs": obj(&["id", "project_id", "name"], json!({
            "id": uuid(), "project_id": uuid(), "name": text, "slug": text, "description": opt_text, "metadata": object})),
        "FileUpdateArgs": obj(&["id"], json!({
            "id": uuid(), "name": text, "slug": text, "description": opt_text, "thumbnail_url": opt_text,
            "is_active": {"type": "boolean"}, "metadata": object})),
        "FileDeleteArgs": obj(&["id"], json!({"id": uuid()})),
        "GraphOp": {"oneOf": [
            obj(&["op", "node"], json!({"op": {"const": "node.add"}, "node": obj(&["id", "type", "position"], json!({
                "id": uuid(), "type": text, "position": position, "data": object, "z": text,
                "width": {"type": "number"}, "height": {"type": "number"}, "parent_id": uuid(),
                "style": object, "hidden": {"type": "boolean"}, "locked": {"type": "boolean"}}))})),
            obj(&["op", "id", "props"], json!({"op": {"const": "node.set"}, "id": uuid(), "props": {"type": "object",
                "description": "Any of type, position, data, z, width, height, parent_id, style, hidden, locked; null clears an optional one"}})),
            obj(&["op", "id"], json!({"op": {"const": "node.remove"}, "id": uuid()})),
            obj(&["op", "edge"], json!({"op": {"const": "edge.add"}, "edge": obj(&["id", "source", "target"], json!({
                "id": uuid(), "source": uuid(), "target": uuid(), "source_handle": text, "target_handle": text,
                "type": text, "data": object}))})),
            obj(&["op", "id"], json!({"op": {"const": "edge.remove"}, "id": uuid()})),
            obj(&["op", "viewport"], json!({"op": {"const": "viewport.set"}, "viewport": obj(&["x", "y", "zoom"], json!({
                "x": {"type": "number"}, "y": {"type": "number"}, "zoom": {"type": "number"}}))})),
        ]},
        "GraphApplyArgs": obj(&["file_id", "ops"], json!({"file_id": uuid(),
            "ops": {"type": "array", "minItems": 1, "maxItems": studio_core::limits::OPS_PER_APPLY_MAX, "items": r("GraphOp")}})),
        "ExecutionCreateArgs": obj(&["id", "tool_id", "project_id", "input_images"], json!({
            "id": uuid(), "tool_id": uuid(), "project_id": uuid(),
            "input_images": {"type": "array", "items": text, "maxItems": studio_core::limits::INPUT_IMAGES_MAX},
            "input_text": opt_text, "input_settings": {"type": "object", "description": "Must satisfy the tool's settings_schema"},
            "parent_execution_id": uuid()})),
        "ExecutionReplayArgs": obj(&["id", "source_execution_id"], json!({"id": uuid(), "source_execution_id": uuid()})),
        "TemplateUpsertArgs": obj(&["id", "tool_id", "name", "settings"], json!({
            "id": uuid(), "tool_id": uuid(), "name": text, "settings": object, "is_default": {"type": "boolean"}})),
        "TemplateDeleteArgs": obj(&["id"], json!({"id": uuid()})),
        "ChainCreateArgs": obj(&["id", "project_id", "name"], json!({
            "id": uuid(), "project_id": uuid(), "name": text, "description": opt_text})),
        "RenderCreateArgs": obj(&["id", "project_id", "chain_id", "type", "prompt"], json!({
            "id": uuid(), "project_id": uuid(), "chain_id": uuid(), "type": {"type": "string", "enum": ["image", "video"]},
            "prompt": text, "settings": object})),
    })
}
