//! What the fuzz targets share: canvas ops built from fuzz bytes over a small id pool, so
//! generated batches hit each other's nodes instead of missing them.

use arbitrary::Arbitrary;
use studio_core::graph::ops::{GraphOp, NodeInput, NodePatch};
use studio_core::graph::zindex;
use studio_core::model::{Edge, Position, Viewport};
use studio_core::Id;

/// Ids come from a pool of eight, so ops collide often.
pub fn id(n: u8) -> Id {
    Id::from_u128(u128::from(n % 8) + 1)
}

/// One of eight valid z keys, in order.
pub fn z_key(n: u8) -> String {
    let mut key = zindex::key_after(None).unwrap_or_default();
    for _ in 0..(n % 8) {
        key = zindex::key_after(Some(&key)).unwrap_or_default();
    }
    key
}

#[derive(Debug, Clone, Arbitrary)]
pub enum OpSpec {
    Add {
        id: u8,
        x: i16,
        z: Option<u8>,
        parent: Option<u8>,
    },
    Set {
        id: u8,
        x: Option<i16>,
        hidden: Option<bool>,
        z: Option<u8>,
        parent: Option<Option<u8>>,
        label: Option<u8>,
    },
    Remove {
        id: u8,
    },
    EdgeAdd {
        id: u8,
        source: u8,
        target: u8,
    },
    EdgeRemove {
        id: u8,
    },
    Viewport {
        x: i16,
        zoom: u8,
    },
}

impl OpSpec {
    pub fn op(&self) -> GraphOp {
        let pos = |x: i16| Position {
            x: f64::from(x),
            y: -f64::from(x),
        };
        match self {
            OpSpec::Add { id: n, x, z, parent } => {
                let mut node = NodeInput::new(id(*n), "note", pos(*x));
                node.z = z.map(z_key);
                node.parent_id = parent.map(id);
                GraphOp::NodeAdd { node }
            }
            OpSpec::Set {
                id: n,
                x,
                hidden,
                z,
                parent,
                label,
            } => {
                let mut props = NodePatch {
                    position: x.map(pos),
                    hidden: *hidden,
                    z: z.map(z_key),
                    parent_id: parent.map(|p| p.map(id)),
                    ..Default::default()
                };
                if let Some(l) = label {
                    let mut data = studio_core::json::JsonObject::new();
                    data.insert("label".into(), format!("n{l}").into());
                    props.data = Some(data);
                }
                GraphOp::NodeSet { id: id(*n), props }
            }
            OpSpec::Remove { id: n } => GraphOp::NodeRemove { id: id(*n) },
            OpSpec::EdgeAdd {
                id: n,
                source,
                target,
            } => GraphOp::EdgeAdd {
                edge: edge(id(n.wrapping_add(100)), id(*source), id(*target)),
            },
            OpSpec::EdgeRemove { id: n } => GraphOp::EdgeRemove {
                id: id(n.wrapping_add(100)),
            },
            OpSpec::Viewport { x, zoom } => GraphOp::ViewportSet {
                viewport: Viewport {
                    x: f64::from(*x),
                    y: 0.0,
                    zoom: f64::from(*zoom % 16 + 1) / 4.0,
                },
            },
        }
    }
}

fn edge(id: Id, source: Id, target: Id) -> Edge {
    Edge {
        id,
        source,
        target,
        source_handle: None,
        target_handle: None,
        kind: None,
        data: None,
    }
}

pub fn ops(specs: &[OpSpec]) -> Vec<GraphOp> {
    specs.iter().map(OpSpec::op).collect()
}
