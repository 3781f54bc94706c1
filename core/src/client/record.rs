//! What a unit holds.

use super::unit::Unit;
use crate::graph::layout::bucket_of;
use crate::ids::Id;
use crate::model::{
    CanvasFile, Edge, GraphMeta, Node, Project, Render, RenderChain, Tool, ToolExecution,
    ToolSettingsTemplate,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A graph's meta row as the client stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphRecord {
    #[serde(flatten)]
    pub meta: GraphMeta,
    /// The highest z key seen in this graph: a new node without z goes above it. Local
    /// only; a hint that never decreases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_z: Option<String>,
}

/// Nodes or edges of one file whose ids hash to one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(
    serialize = "T: Serialize",
    deserialize = "T: Deserialize<'de> + Keyed"
))]
pub struct Bucket<T> {
    pub file_id: Id,
    /// `"n"` or `"e"`: part of the store key, so nodes and edges share one store.
    pub kind: String,
    pub bucket: u16,
    /// Stored as an array: IndexedDB clones an array of records about twice as fast
    /// as an object keyed by many uuids (BENCHMARKS.md, graph layout).
    #[serde(with = "items_as_array")]
    pub items: BTreeMap<Id, T>,
}

/// What bucket items are keyed by.
pub trait Keyed {
    fn key(&self) -> Id;
}

impl Keyed for Node {
    fn key(&self) -> Id {
        self.id
    }
}

impl Keyed for Edge {
    fn key(&self) -> Id {
        self.id
    }
}

mod items_as_array {
    use super::Keyed;
    use crate::ids::Id;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer, T: Serialize>(
        items: &BTreeMap<Id, T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(items.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de> + Keyed>(
        d: D,
    ) -> Result<BTreeMap<Id, T>, D::Error> {
        let items = Vec::<T>::deserialize(d)?;
        Ok(items.into_iter().map(|t| (t.key(), t)).collect())
    }
}

impl<T> Bucket<T> {
    pub fn empty(file_id: Id, kind: &str, bucket: u16) -> Self {
        Bucket {
            file_id,
            kind: kind.to_owned(),
            bucket,
            items: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Project(Project),
    File(CanvasFile),
    Graph(GraphRecord),
    Nodes(Bucket<Node>),
    Edges(Bucket<Edge>),
    Tool(Tool),
    Execution(ToolExecution),
    Template(ToolSettingsTemplate),
    Chain(RenderChain),
    Render(Render),
}

impl Record {
    /// The unit this record belongs in.
    pub fn unit(&self) -> Unit {
        match self {
            Record::Project(r) => Unit::Project(r.id),
            Record::File(r) => Unit::File(r.id),
            Record::Graph(r) => Unit::Graph(r.meta.file_id),
            Record::Nodes(b) => Unit::NodeBucket(b.file_id, b.bucket),
            Record::Edges(b) => Unit::EdgeBucket(b.file_id, b.bucket),
            Record::Tool(r) => Unit::Tool(r.id),
            Record::Execution(r) => Unit::Execution(r.id),
            Record::Template(r) => Unit::Template(r.id),
            Record::Chain(r) => Unit::Chain(r.id),
            Record::Render(r) => Unit::Render(r.id),
        }
    }

    /// The project a record sits under, where it has one.
    pub fn project_id(&self) -> Option<Id> {
        match self {
            Record::Project(r) => Some(r.id),
            Record::File(r) => Some(r.project_id),
            Record::Graph(r) => Some(r.meta.project_id),
            Record::Execution(r) => Some(r.project_id),
            Record::Chain(r) => Some(r.project_id),
            Record::Render(r) => Some(r.project_id),
            Record::Nodes(_) | Record::Edges(_) | Record::Tool(_) | Record::Template(_) => None,
        }
    }
}

/// The row type a record variant holds, for readers that want rows of one kind.
pub trait FromRecord: Sized {
    fn from_record(r: Record) -> Option<Self>;
}

macro_rules! from_record {
    ($($variant:ident => $ty:ty),* $(,)?) => {
        $(impl FromRecord for $ty {
            fn from_record(r: Record) -> Option<Self> {
                match r {
                    Record::$variant(v) => Some(v),
                    _ => None,
                }
            }
        })*
    };
}

from_record!(
    Project => Project,
    File => CanvasFile,
    Graph => GraphRecord,
    Tool => Tool,
    Execution => ToolExecution,
    Template => ToolSettingsTemplate,
    Chain => RenderChain,
    Render => Render,
);

/// The rows of one kind among `records`.
pub fn rows<T: FromRecord>(records: Vec<Record>) -> Vec<T> {
    records.into_iter().filter_map(T::from_record).collect()
}

/// The bucket unit of a node or an edge.
pub fn node_unit(file_id: Id, node_id: &Id) -> Unit {
    Unit::NodeBucket(file_id, bucket_of(node_id))
}

pub fn edge_unit(file_id: Id, edge_id: &Id) -> Unit {
    Unit::EdgeBucket(file_id, bucket_of(edge_id))
}
