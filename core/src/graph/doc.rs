//! The merge rules of canvas ops. The server applies pushed ops in arrival order with
//! these rules; clients replay their pending ops with the same rules on top of the
//! server's state. An op that no longer fits the graph (a node someone removed, an edge
//! to a missing node, an id already used) is dropped, never an error that would wedge a
//! client's outbox.

use super::ops::GraphOp;
use super::zindex;
use crate::ids::Id;
use crate::model::{Edge, Node, Viewport};
use std::collections::{BTreeMap, BTreeSet};

/// A graph, or the part of it an op batch needs (see `layout::needs`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphDoc {
    pub nodes: BTreeMap<Id, Node>,
    pub edges: BTreeMap<Id, Edge>,
    pub viewport: Viewport,
    /// The highest z key ever given in this graph: `node.add` without z goes above it.
    pub top_z: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    NodeExists,
    NodeMissing,
    EdgeExists,
    EdgeMissing,
    EndpointMissing,
}

/// What a batch did: which ops were dropped and what changed, so storage writes and
/// change logs touch only that.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    pub dropped: Vec<(usize, DropReason)>,
    pub nodes_put: BTreeSet<Id>,
    pub nodes_removed: BTreeSet<Id>,
    pub edges_put: BTreeSet<Id>,
    pub edges_removed: BTreeSet<Id>,
    pub viewport_changed: bool,
}

impl ApplyReport {
    pub fn changed_anything(&self) -> bool {
        self.viewport_changed
            || !(self.nodes_put.is_empty()
                && self.nodes_removed.is_empty()
                && self.edges_put.is_empty()
                && self.edges_removed.is_empty())
    }
}

impl GraphDoc {
    pub fn from_parts(nodes: Vec<Node>, edges: Vec<Edge>, viewport: Viewport) -> Self {
        let top_z = nodes.iter().map(|n| n.z.clone()).max();
        GraphDoc {
            nodes: nodes.into_iter().map(|n| (n.id, n)).collect(),
            edges: edges.into_iter().map(|e| (e.id, e)).collect(),
            viewport,
            top_z,
        }
    }

    /// Nodes in draw order: by z, ties (concurrent inserts with one key) by id.
    /// Borrowed, so writing a big graph back does not copy it first.
    pub fn ordered_nodes(&self) -> Vec<&Node> {
        let mut nodes: Vec<&Node> = self.nodes.values().collect();
        nodes.sort_by(|a, b| draw_order(a, b));
        nodes
    }

    /// Applies a validated batch in order.
    pub fn apply(&mut self, ops: &[GraphOp]) -> ApplyReport {
        let mut report = ApplyReport::default();
        for (i, op) in ops.iter().enumerate() {
            if let Err(reason) = self.apply_one(op, &mut report) {
                report.dropped.push((i, reason));
            }
        }
        report
    }

    fn raise_top(&mut self, z: &str) {
        if self.top_z.as_deref().is_none_or(|top| z > top) {
            self.top_z = Some(z.to_owned());
        }
    }

    fn apply_one(&mut self, op: &GraphOp, report: &mut ApplyReport) -> Result<(), DropReason> {
        match op {
            GraphOp::NodeAdd { node } => {
                if self.nodes.contains_key(&node.id) {
                    return Err(DropReason::NodeExists);
                }
                let z = match &node.z {
                    Some(z) => z.clone(),
                    // A validated top key always has a successor; fall back to a fresh
                    // key rather than fail if a damaged one slipped in.
                    None => {
                        zindex::key_after(self.top_z.as_deref()).unwrap_or_else(|_| "a0".to_owned())
                    }
                };
                self.raise_top(&z);
                self.nodes.insert(node.id, node.clone().into_node(z));
                report.nodes_removed.remove(&node.id);
                report.nodes_put.insert(node.id);
            }
            GraphOp::NodeSet { id, props } => {
                let node = self.nodes.get_mut(id).ok_or(DropReason::NodeMissing)?;
                props.apply_to(node);
                if let Some(z) = &props.z {
                    self.raise_top(z);
                }
                report.nodes_put.insert(*id);
            }
            GraphOp::NodeRemove { id } => {
                self.nodes.remove(id).ok_or(DropReason::NodeMissing)?;
                report.nodes_put.remove(id);
                report.nodes_removed.insert(*id);
                let attached: Vec<Id> = self
                    .edges
                    .values()
                    .filter(|e| e.source == *id || e.target == *id)
                    .map(|e| e.id)
                    .collect();
                for edge in attached {
                    self.edges.remove(&edge);
                    report.edges_put.remove(&edge);
                    report.edges_removed.insert(edge);
                }
            }
            GraphOp::EdgeAdd { edge } => {
                if self.edges.contains_key(&edge.id) {
                    return Err(DropReason::EdgeExists);
                }
                if !(self.nodes.contains_key(&edge.source) && self.nodes.contains_key(&edge.target))
                {
                    return Err(DropReason::EndpointMissing);
                }
                self.edges.insert(edge.id, edge.clone());
                report.edges_removed.remove(&edge.id);
                report.edges_put.insert(edge.id);
            }
            GraphOp::EdgeRemove { id } => {
                self.edges.remove(id).ok_or(DropReason::EdgeMissing)?;
                report.edges_put.remove(id);
                report.edges_removed.insert(*id);
            }
            GraphOp::ViewportSet { viewport } => {
                self.viewport = *viewport;
                report.viewport_changed = true;
            }
        }
        Ok(())
    }
}

pub fn sort_nodes(nodes: &mut [Node]) {
    nodes.sort_by(draw_order);
}

fn draw_order(a: &Node, b: &Node) -> std::cmp::Ordering {
    a.z.cmp(&b.z).then(a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ops::{NodeInput, NodePatch};
    use crate::model::Position;
    use uuid::Uuid;

    pub(crate) fn node(id: u128) -> NodeInput {
        NodeInput::new(Uuid::from_u128(id), "image", Position { x: 0.0, y: 0.0 })
    }

    fn edge(id: u128, s: u128, t: u128) -> Edge {
        Edge {
            id: Uuid::from_u128(id),
            source: Uuid::from_u128(s),
            target: Uuid::from_u128(t),
            source_handle: None,
            target_handle: None,
            kind: None,
            data: None,
        }
    }

    fn pos(x: f64) -> NodePatch {
        NodePatch {
            position: Some(Position { x, y: 0.0 }),
            ..Default::default()
        }
    }

    #[test]
    fn property_level_sets_both_win() {
        let id = Uuid::from_u128(1);
        let mut doc = GraphDoc::default();
        doc.apply(&[GraphOp::NodeAdd { node: node(1) }]);
        let data: crate::json::JsonObject = serde_json::from_str(r#"{"prompt":"roof"}"#).unwrap();
        // Two users: one moves the node, the other edits its data.
        doc.apply(&[GraphOp::NodeSet {
            id,
            props: pos(5.0),
        }]);
        doc.apply(&[GraphOp::NodeSet {
            id,
            props: NodePatch {
                data: Some(data.clone()),
                ..Default::default()
            },
        }]);
        let n = &doc.nodes[&id];
        assert_eq!(n.position.x, 5.0);
        assert_eq!(n.data, data);
    }

    #[test]
    fn removing_a_node_removes_its_edges_and_later_ops_on_it_drop() {
        let mut doc = GraphDoc::default();
        doc.apply(&[
            GraphOp::NodeAdd { node: node(1) },
            GraphOp::NodeAdd { node: node(2) },
            GraphOp::EdgeAdd {
                edge: edge(10, 1, 2),
            },
        ]);
        let r = doc.apply(&[
            GraphOp::NodeRemove {
                id: Uuid::from_u128(1),
            },
            GraphOp::NodeSet {
                id: Uuid::from_u128(1),
                props: pos(1.0),
            },
            GraphOp::EdgeAdd {
                edge: edge(11, 1, 2),
            },
            GraphOp::NodeAdd { node: node(2) },
        ]);
        assert!(doc.edges.is_empty());
        assert_eq!(
            r.dropped,
            vec![
                (1, DropReason::NodeMissing),
                (2, DropReason::EndpointMissing),
                (3, DropReason::NodeExists)
            ]
        );
        assert!(r.edges_removed.contains(&Uuid::from_u128(10)));
        assert!(r.nodes_removed.contains(&Uuid::from_u128(1)));
    }

    #[test]
    fn nodes_without_z_stack_on_top() {
        let mut doc = GraphDoc::default();
        doc.apply(&[
            GraphOp::NodeAdd { node: node(3) },
            GraphOp::NodeAdd { node: node(1) },
            GraphOp::NodeAdd { node: node(2) },
        ]);
        let order: Vec<u128> = doc.ordered_nodes().iter().map(|n| n.id.as_u128()).collect();
        assert_eq!(order, vec![3, 1, 2]);
    }
}
