//! `/api/openapi.json`, generated from the code: the paths from the handlers'
//! `#[utoipa::path]` attributes, the schemas derived from core's wire types (its
//! `openapi` feature), so the document changes with the types. A test validates real
//! requests and responses against it.

use axum::Json;
use serde_json::{json, Value};
use studio_core::graph::ops::GraphOp;
use studio_core::limits::{MUTATIONS_PER_PUSH_MAX, OPS_PER_APPLY_MAX, PULL_LIMIT_MAX};
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

/// The whole document, with what derives cannot spell: the limits of core's
/// constants and the parameters' formats.
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
        (
            "/components/schemas/RawMutation/properties/name",
            "enum",
            json!(Mutation::NAMES),
        ),
    ];
    for (at, key, value) in limits {
        if let Some(o) = doc.pointer_mut(at).and_then(Value::as_object_mut) {
            o.insert(key.to_owned(), value);
        }
    }
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
                    Some("client_id") => json!({"type": "string", "format": "uuid"}),
                    Some("cursor") => json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}),
                    Some("limit") => {
                        json!({"type": "integer", "minimum": 1, "maximum": PULL_LIMIT_MAX})
                    }
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
