//! How the client stores a graph: nodes and edges hashed by id into a fixed number of
//! bucket records per file, so loading a 10,000-node graph reads a few hundred records
//! in one range scan and moving one node rewrites one ~10 KB record (BENCHMARKS.md,
//! "graph layout": 256 buckets with array items loaded a 10k-node graph 2-3x slower than
//! one big record and 5x faster than a record per node, and moved a node 25-40x faster
//! than the big record and within 1.3-1.5x of a record per node).
//!
//! An op batch needs only some buckets; `needs` says which, and a test checks that
//! applying a batch to just those buckets changes them exactly as applying it to the
//! whole graph does.

use super::ops::GraphOp;
use crate::ids::Id;
use std::collections::BTreeSet;

/// Buckets per file, for nodes and for edges each. Chosen by the graph-layout benchmark.
pub const BUCKETS: u16 = 256;

/// FNV-1a of the id's bytes: stable across platforms and versions, unlike std's hasher.
pub fn bucket_of(id: &Id) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.as_bytes() {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h % u32::from(BUCKETS)) as u16
}

/// The buckets a batch reads or writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub node_buckets: BTreeSet<u16>,
    pub edge_buckets: BTreeSet<u16>,
    /// A node removal cascades to its edges, which may sit in any edge bucket.
    pub all_edge_buckets: bool,
    /// A node removal cascades to its descendants, and a new parent is checked along
    /// its ancestors: either may sit in any node bucket.
    pub all_node_buckets: bool,
}

pub fn needs(ops: &[GraphOp]) -> Needs {
    let mut n = Needs::default();
    for op in ops {
        match op {
            GraphOp::NodeAdd { node } => {
                n.node_buckets.insert(bucket_of(&node.id));
                n.all_node_buckets |= node.parent_id.is_some();
            }
            GraphOp::NodeSet { id, props } => {
                n.node_buckets.insert(bucket_of(id));
                n.all_node_buckets |= matches!(props.parent_id, Some(Some(_)));
            }
            GraphOp::NodeRemove { id } => {
                n.node_buckets.insert(bucket_of(id));
                n.all_edge_buckets = true;
                n.all_node_buckets = true;
            }
            GraphOp::EdgeAdd { edge } => {
                n.edge_buckets.insert(bucket_of(&edge.id));
                n.node_buckets.insert(bucket_of(&edge.source));
                n.node_buckets.insert(bucket_of(&edge.target));
            }
            GraphOp::EdgeRemove { id } => {
                n.edge_buckets.insert(bucket_of(id));
            }
            GraphOp::ViewportSet { .. } => {}
        }
    }
    if n.all_edge_buckets {
        n.edge_buckets = (0..BUCKETS).collect();
    }
    if n.all_node_buckets {
        n.node_buckets = (0..BUCKETS).collect();
    }
    n
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::graph::doc::GraphDoc;
    use crate::graph::ops::{NodeInput, NodePatch};
    use crate::model::{Edge, Position};
    use proptest::prelude::*;
    use uuid::Uuid;

    pub(crate) fn id(n: u8) -> Id {
        // Spread small numbers over the id space, so they land in different buckets.
        Uuid::from_u128(u128::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835))
    }

    pub(crate) fn op_strategy() -> impl Strategy<Value = GraphOp> {
        let n = 0u8..24;
        prop_oneof![
            n.clone().prop_map(|i| GraphOp::NodeAdd {
                node: NodeInput::new(
                    id(i),
                    "image",
                    Position {
                        x: f64::from(i),
                        y: 0.0
                    }
                )
            }),
            (n.clone(), -50.0..50.0f64).prop_map(|(i, x)| GraphOp::NodeSet {
                id: id(i),
                props: NodePatch {
                    position: Some(Position { x, y: x }),
                    ..Default::default()
                }
            }),
            n.clone().prop_map(|i| GraphOp::NodeRemove { id: id(i) }),
            (100u8..140, n.clone(), n.clone()).prop_map(|(e, s, t)| GraphOp::EdgeAdd {
                edge: Edge {
                    id: id(e),
                    source: id(s),
                    target: id(t),
                    source_handle: None,
                    target_handle: None,
                    kind: None,
                    data: None
                }
            }),
            (100u8..140).prop_map(|e| GraphOp::EdgeRemove { id: id(e) }),
            (n.clone(), n.clone()).prop_map(|(c, p)| GraphOp::NodeSet {
                id: id(c),
                props: NodePatch {
                    parent_id: Some(Some(id(p))),
                    ..Default::default()
                }
            }),
            (n.clone(), n.clone()).prop_map(|(c, p)| {
                let mut node = NodeInput::new(id(c), "group", Position { x: 0.0, y: 0.0 });
                node.parent_id = Some(id(p));
                GraphOp::NodeAdd { node }
            }),
        ]
    }

    /// A graph built from random ops one at a time, so a misfit drops only itself and
    /// the graph grows rich.
    pub(crate) fn grown(setup: &[GraphOp]) -> GraphDoc {
        let mut full = GraphDoc::default();
        for op in setup {
            let mut next = full.clone();
            if next.apply(std::slice::from_ref(op)).is_ok() {
                full = next;
            }
        }
        full
    }

    /// The part of `doc` in the given buckets.
    fn partial(doc: &GraphDoc, needs: &Needs) -> GraphDoc {
        GraphDoc {
            nodes: doc
                .nodes
                .iter()
                .filter(|(k, _)| needs.node_buckets.contains(&bucket_of(k)))
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            edges: doc
                .edges
                .iter()
                .filter(|(k, _)| needs.edge_buckets.contains(&bucket_of(k)))
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            viewport: doc.viewport,
            top_z: doc.top_z.clone(),
        }
    }

    /// Same as the property below, for the cases it rarely draws: a parent and its
    /// child (or the parent's ancestors) in different buckets.
    #[test]
    fn re_parenting_and_removal_see_other_buckets() {
        let (a, b, c) = (id(1), id(2), id(3));
        assert!(bucket_of(&a) != bucket_of(&b) && bucket_of(&b) != bucket_of(&c));
        let mut full = GraphDoc::default();
        let mut child = NodeInput::new(b, "image", Position { x: 0.0, y: 0.0 });
        child.parent_id = Some(a);
        full.apply(&[
            GraphOp::NodeAdd {
                node: NodeInput::new(a, "group", Position { x: 0.0, y: 0.0 }),
            },
            GraphOp::NodeAdd { node: child },
            GraphOp::NodeAdd {
                node: NodeInput::new(c, "image", Position { x: 0.0, y: 0.0 }),
            },
        ])
        .unwrap();
        let cycle = GraphOp::NodeSet {
            id: a,
            props: NodePatch {
                parent_id: Some(Some(b)),
                ..Default::default()
            },
        };
        for batch in [vec![GraphOp::NodeRemove { id: a }], vec![cycle]] {
            let mut full = full.clone();
            let mut part = partial(&full, &needs(&batch));
            assert_eq!(full.apply(&batch), part.apply(&batch), "{batch:?}");
        }
    }

    proptest! {
        #[test]
        fn needed_buckets_suffice(setup in proptest::collection::vec(op_strategy(), 0..80),
                                  batch in proptest::collection::vec(op_strategy(), 1..12)) {
            let mut full = grown(&setup);
            let needs = needs(&batch);
            let mut part = partial(&full, &needs);
            let r_full = full.apply(&batch);
            let r_part = part.apply(&batch);
            // The same answer, refusals included.
            prop_assert_eq!(&r_full, &r_part);
            if r_full.is_ok() {
                // Within the needed buckets, both hold the same; nothing outside was touched.
                prop_assert_eq!(partial(&full, &needs), part);
            }
        }
    }
}
