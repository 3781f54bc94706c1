use super::platform::Platform;
use crate::error::{CoreError, Result};
use crate::ids::Id;
use crate::model::{
    CanvasFile, Edge, GraphMeta, Node, Project, Render, RenderChain, Tool, ToolExecution,
    ToolSettingsTemplate,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a pulled change is about. Canvas graphs travel as their meta row plus one change
/// per node and per edge, so moving one node of a 10,000-node graph sends one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Project,
    CanvasFile,
    CanvasGraph,
    CanvasNode,
    CanvasEdge,
    Tool,
    ToolExecution,
    ToolSettingsTemplate,
    RenderChain,
    Render,
}

impl EntityKind {
    pub const ALL: [EntityKind; 10] = [
        EntityKind::Project,
        EntityKind::CanvasFile,
        EntityKind::CanvasGraph,
        EntityKind::CanvasNode,
        EntityKind::CanvasEdge,
        EntityKind::Tool,
        EntityKind::ToolExecution,
        EntityKind::ToolSettingsTemplate,
        EntityKind::RenderChain,
        EntityKind::Render,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EntityKind::Project => "project",
            EntityKind::CanvasFile => "canvas_file",
            EntityKind::CanvasGraph => "canvas_graph",
            EntityKind::CanvasNode => "canvas_node",
            EntityKind::CanvasEdge => "canvas_edge",
            EntityKind::Tool => "tool",
            EntityKind::ToolExecution => "tool_execution",
            EntityKind::ToolSettingsTemplate => "tool_settings_template",
            EntityKind::RenderChain => "render_chain",
            EntityKind::Render => "render",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The endpoint whose pull carries this entity.
    pub const fn platform(self) -> Platform {
        match self {
            EntityKind::Project => Platform::Projects,
            EntityKind::CanvasFile
            | EntityKind::CanvasGraph
            | EntityKind::CanvasNode
            | EntityKind::CanvasEdge => Platform::Canvas,
            EntityKind::Tool | EntityKind::ToolExecution | EntityKind::ToolSettingsTemplate => {
                Platform::Apps
            }
            EntityKind::RenderChain | EntityKind::Render => Platform::Render,
        }
    }

    /// Nodes and edges live inside a graph: their changes name the file they belong to.
    pub const fn is_graph_part(self) -> bool {
        matches!(self, EntityKind::CanvasNode | EntityKind::CanvasEdge)
    }
}

/// One pulled change. `value` is the entity's current row; for a node or an edge it is
/// `{"file_id", "node"|"edge"}`; for a deletion (`deleted: true`) it is `null`, or
/// `{"file_id"}` for a node or an edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub entity: EntityKind,
    pub id: Id,
    pub version: i64,
    pub deleted: bool,
    #[serde(default)]
    pub value: Value,
}

/// A node or an edge with the file it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeValue {
    pub file_id: Id,
    pub node: Node,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeValue {
    pub file_id: Id,
    pub edge: Edge,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Scope {
    file_id: Id,
}

/// A change's value, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum EntityValue {
    Project(Project),
    CanvasFile(CanvasFile),
    CanvasGraph(GraphMeta),
    CanvasNode(NodeValue),
    CanvasEdge(EdgeValue),
    Tool(Tool),
    ToolExecution(ToolExecution),
    ToolSettingsTemplate(ToolSettingsTemplate),
    RenderChain(RenderChain),
    Render(Render),
}

impl Change {
    /// The typed value, or `None` for a deletion. A value of the wrong shape is an error
    /// the client reports rather than stores.
    pub fn typed_value(&self) -> Result<Option<EntityValue>> {
        if self.deleted {
            return Ok(None);
        }
        fn parse<T: serde::de::DeserializeOwned>(kind: EntityKind, v: &Value) -> Result<T> {
            T::deserialize(v)
                .map_err(|e| CoreError::Malformed(format!("{} change: {e}", kind.as_str())))
        }
        let v = &self.value;
        let value = match self.entity {
            EntityKind::Project => EntityValue::Project(parse(self.entity, v)?),
            EntityKind::CanvasFile => EntityValue::CanvasFile(parse(self.entity, v)?),
            EntityKind::CanvasGraph => EntityValue::CanvasGraph(parse(self.entity, v)?),
            EntityKind::CanvasNode => EntityValue::CanvasNode(parse(self.entity, v)?),
            EntityKind::CanvasEdge => EntityValue::CanvasEdge(parse(self.entity, v)?),
            EntityKind::Tool => EntityValue::Tool(parse(self.entity, v)?),
            EntityKind::ToolExecution => EntityValue::ToolExecution(parse(self.entity, v)?),
            EntityKind::ToolSettingsTemplate => {
                EntityValue::ToolSettingsTemplate(parse(self.entity, v)?)
            }
            EntityKind::RenderChain => EntityValue::RenderChain(parse(self.entity, v)?),
            EntityKind::Render => EntityValue::Render(parse(self.entity, v)?),
        };
        Ok(Some(value))
    }

    /// The file a node or edge change belongs to (also for deletions).
    pub fn file_id(&self) -> Result<Option<Id>> {
        if !self.entity.is_graph_part() {
            return Ok(None);
        }
        Scope::deserialize(&self.value)
            .map(|s| Some(s.file_id))
            .map_err(|e| {
                CoreError::Malformed(format!(
                    "{} change without file_id: {e}",
                    self.entity.as_str()
                ))
            })
    }

    pub fn tombstone(entity: EntityKind, id: Id, version: i64, file_id: Option<Id>) -> Change {
        Change {
            entity,
            id,
            version,
            deleted: true,
            value: file_id.map_or(Value::Null, |f| serde_json::json!({ "file_id": f })),
        }
    }
}
