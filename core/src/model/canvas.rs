//! The canvas platform, like Figma: Project → Canvas File → Canvas Graph.

use crate::error::Result;
use crate::ids::{Id, Millis};
use crate::json::{check_object, JsonObject};
use crate::limits::{DESCRIPTION_MAX, LABEL_MAX, NAME_MAX};
use crate::validate::{coordinate, optional_text, required_text, slug, url};
use serde::{Deserialize, Serialize};

/// A canvas file: a slug unique within its project, exactly one graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CanvasFile {
    pub id: Id,
    pub project_id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    pub name: String,
    pub slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    pub version: i64,
    pub is_active: bool,
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: JsonObject,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl CanvasFile {
    pub fn validate(&self) -> Result<()> {
        required_text("name", &self.name, NAME_MAX)?;
        slug::check("slug", &self.slug)?;
        optional_text("description", self.description.as_deref(), DESCRIPTION_MAX)?;
        if let Some(u) = &self.thumbnail_url {
            url("thumbnail_url", u)?;
        }
        check_object("metadata", &self.metadata)
    }
}

// Positions, viewports, nodes and edges ignore fields they do not know: the server's
// values must decode in older clients. Where they are input, `crate::strict` reads them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

impl Position {
    pub fn validate(&self, field: &str) -> Result<()> {
        coordinate(&format!("{field}.x"), self.x)?;
        coordinate(&format!("{field}.y"), self.y)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Viewport {
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport {
            x: 0.0,
            y: 0.0,
            zoom: 1.0,
        }
    }
}

impl Viewport {
    pub fn validate(&self) -> Result<()> {
        coordinate("viewport.x", self.x)?;
        coordinate("viewport.y", self.y)?;
        if !(self.zoom.is_finite() && self.zoom > 0.0 && self.zoom <= 1e3) {
            return Err(crate::error::CoreError::validation(
                "viewport.zoom",
                "must be a number in (0, 1000]",
            ));
        }
        Ok(())
    }
}

/// A node of the node editor. `z` is a fractional index: nodes are drawn in `(z, id)`
/// order, so concurrent inserts never renumber anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Node {
    pub id: Id,
    #[serde(rename = "type")]
    pub kind: String,
    pub position: Position,
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: JsonObject,
    pub z: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<f64>,
    /// A group node this node belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub style: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub locked: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Node {
    pub fn validate(&self) -> Result<()> {
        required_text("node.type", &self.kind, LABEL_MAX)?;
        self.position.validate("node.position")?;
        check_object("node.data", &self.data)?;
        crate::graph::zindex::check("node.z", &self.z)?;
        for (field, v) in [("node.width", self.width), ("node.height", self.height)] {
            if let Some(v) = v {
                if !(v.is_finite() && (0.0..=1e6).contains(&v)) {
                    return Err(crate::error::CoreError::validation(
                        field,
                        "must be a number in [0, 1e6]",
                    ));
                }
            }
        }
        if let Some(style) = &self.style {
            check_object("node.style", style)?;
        }
        Ok(())
    }
}

/// A connection between two nodes (the seed's `connections`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Edge {
    pub id: Id,
    pub source: Id,
    pub target: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_handle: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Option<JsonObject>,
}

impl Edge {
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("edge.source_handle", &self.source_handle),
            ("edge.target_handle", &self.target_handle),
            ("edge.type", &self.kind),
        ] {
            if let Some(v) = v {
                required_text(field, v, LABEL_MAX)?;
            }
        }
        if let Some(data) = &self.data {
            check_object("edge.data", data)?;
        }
        Ok(())
    }
}

/// A graph without its nodes and edges: what the `canvas_graphs` row holds besides them.
/// Nodes and edges travel and are stored one by one (or in buckets), never as one blob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GraphMeta {
    pub id: Id,
    pub file_id: Id,
    pub project_id: Id,
    pub viewport: Viewport,
    /// Bumped by every applied `graph.apply`.
    pub version: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A whole graph, as the app reads it: nodes in draw order, then connections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CanvasGraph {
    pub id: Id,
    pub file_id: Id,
    pub project_id: Id,
    pub nodes: Vec<Node>,
    pub connections: Vec<Edge>,
    pub viewport: Viewport,
    pub version: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}
