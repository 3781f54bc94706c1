//! The merge rules of canvas ops, one implementation for the client, the server and the
//! simulation. The server applies pushed batches in arrival order with these rules;
//! clients apply a fresh batch with them, and replay their pending batches with them on
//! top of the server's state.
//!
//! A batch applies whole or not at all. Every op must fit the graph it meets, or the
//! batch is refused with a `validation` error naming the op (`ops[i].<field>`):
//!
//! - `node.add` / `edge.add` with an id already in the graph (also: added earlier in
//!   the same batch);
//! - `node.set` of a node that is not in the graph;
//! - `edge.add` whose `source` or `target` is not in the graph;
//! - a `parent_id` (on `node.add` or `node.set`) naming a node that is not in the graph,
//!   or that would make a node its own ancestor.
//!
//! Removing is idempotent: `node.remove` / `edge.remove` of what is not there (someone
//! removed it first) is a no-op, since the graph already is as asked. Removing a node
//! removes its edges and its descendants (the nodes whose `parent_id` chain reaches it,
//! as React Flow does), so every `parent_id` and every edge endpoint in a graph names a
//! node of that graph.
//!
//! Concurrency: a batch that fitted where it was made may not fit the server's graph
//! (another client removed the node it moves or connects, or parented the other way
//! round). The server then rejects it, and its effect goes on every client: the
//! author's replay (rebase) meets the same misfit and leaves the pending batch without
//! effect until the server's rejection drops it, so all converge on the server's graph.

use super::ops::{at_op, GraphOp};
use super::zindex;
use crate::error::CoreError;
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

/// What a batch changed, so storage writes and change logs touch only that.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
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

fn not_in_graph(field: &str) -> CoreError {
    CoreError::validation(field, "no node with this id in the graph")
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

    /// Applies a validated batch in order. On an op that does not fit, the error names
    /// it and the doc is left part-way: the caller discards it (copying a big graph
    /// first, for a rare refusal, would cost every batch).
    pub fn apply(&mut self, ops: &[GraphOp]) -> Result<ApplyReport, CoreError> {
        let mut report = ApplyReport::default();
        for (i, op) in ops.iter().enumerate() {
            self.apply_one(op, &mut report).map_err(|e| at_op(i, e))?;
        }
        Ok(report)
    }

    fn raise_top(&mut self, z: &str) {
        if self.top_z.as_deref().is_none_or(|top| z > top) {
            self.top_z = Some(z.to_owned());
        }
    }

    /// Whether `ancestor` is `node` or on its `parent_id` chain. Stops at a missing
    /// node, and at a loop that older data might hold.
    fn is_ancestor_or_self(&self, ancestor: Id, node: Id) -> bool {
        let mut seen = BTreeSet::new();
        let mut cur = Some(node);
        while let Some(id) = cur {
            if id == ancestor {
                return true;
            }
            if !seen.insert(id) {
                return false;
            }
            cur = self.nodes.get(&id).and_then(|n| n.parent_id);
        }
        false
    }

    /// `parent` may become `child`'s parent: it is in the graph, and not `child` itself
    /// or one of its descendants.
    fn check_parent(&self, field: &str, child: Id, parent: Id) -> Result<(), CoreError> {
        if !self.nodes.contains_key(&parent) {
            return Err(not_in_graph(field));
        }
        if self.is_ancestor_or_self(child, parent) {
            return Err(CoreError::validation(
                field,
                "would make the node its own ancestor",
            ));
        }
        Ok(())
    }

    /// `root` and every node whose `parent_id` chain reaches it.
    fn subtree(&self, root: Id) -> BTreeSet<Id> {
        let mut children: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
        for n in self.nodes.values() {
            if let Some(p) = n.parent_id {
                children.entry(p).or_default().push(n.id);
            }
        }
        let mut found = BTreeSet::from([root]);
        let mut todo = vec![root];
        while let Some(id) = todo.pop() {
            for c in children.get(&id).into_iter().flatten() {
                if found.insert(*c) {
                    todo.push(*c);
                }
            }
        }
        found
    }

    fn remove_node(&mut self, id: Id, report: &mut ApplyReport) {
        self.nodes.remove(&id);
        report.nodes_put.remove(&id);
        report.nodes_removed.insert(id);
        let attached: Vec<Id> = self
            .edges
            .values()
            .filter(|e| e.source == id || e.target == id)
            .map(|e| e.id)
            .collect();
        for edge in attached {
            self.edges.remove(&edge);
            report.edges_put.remove(&edge);
            report.edges_removed.insert(edge);
        }
    }

    fn apply_one(&mut self, op: &GraphOp, report: &mut ApplyReport) -> Result<(), CoreError> {
        match op {
            GraphOp::NodeAdd { node } => {
                if self.nodes.contains_key(&node.id) {
                    return Err(CoreError::validation(
                        "node.id",
                        "a node with this id is already in the graph",
                    ));
                }
                if let Some(parent) = node.parent_id {
                    self.check_parent("node.parent_id", node.id, parent)?;
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
                if !self.nodes.contains_key(id) {
                    return Err(not_in_graph("id"));
                }
                if let Some(Some(parent)) = props.parent_id {
                    self.check_parent("props.parent_id", *id, parent)?;
                }
                if let Some(node) = self.nodes.get_mut(id) {
                    props.apply_to(node);
                }
                if let Some(z) = &props.z {
                    self.raise_top(z);
                }
                report.nodes_put.insert(*id);
            }
            GraphOp::NodeRemove { id } => {
                if self.nodes.contains_key(id) {
                    for gone in self.subtree(*id) {
                        self.remove_node(gone, report);
                    }
                }
            }
            GraphOp::EdgeAdd { edge } => {
                if self.edges.contains_key(&edge.id) {
                    return Err(CoreError::validation(
                        "edge.id",
                        "an edge with this id is already in the graph",
                    ));
                }
                for (field, end) in [("edge.source", edge.source), ("edge.target", edge.target)] {
                    if !self.nodes.contains_key(&end) {
                        return Err(not_in_graph(field));
                    }
                }
                self.edges.insert(edge.id, edge.clone());
                report.edges_removed.remove(&edge.id);
                report.edges_put.insert(edge.id);
            }
            GraphOp::EdgeRemove { id } => {
                if self.edges.remove(id).is_some() {
                    report.edges_put.remove(id);
                    report.edges_removed.insert(*id);
                }
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

    fn id(n: u128) -> Id {
        Uuid::from_u128(n)
    }

    fn parent(child: u128, p: Option<u128>) -> GraphOp {
        GraphOp::NodeSet {
            id: id(child),
            props: NodePatch {
                parent_id: Some(p.map(id)),
                ..Default::default()
            },
        }
    }

    fn child_of(n: u128, p: u128) -> NodeInput {
        let mut n = node(n);
        n.parent_id = Some(id(p));
        n
    }

    /// The refusal's field, asserting it is a validation error.
    fn refused(doc: &mut GraphDoc, ops: &[GraphOp]) -> String {
        match doc.apply(ops) {
            Err(CoreError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    /// A graph with nodes 1, 2, 3 and the edge 10: 1 -> 2.
    fn three_nodes() -> GraphDoc {
        let mut doc = GraphDoc::default();
        doc.apply(&[
            GraphOp::NodeAdd { node: node(1) },
            GraphOp::NodeAdd { node: node(2) },
            GraphOp::NodeAdd { node: node(3) },
            GraphOp::EdgeAdd {
                edge: edge(10, 1, 2),
            },
        ])
        .unwrap();
        doc
    }

    #[test]
    fn property_level_sets_both_win() {
        let id = Uuid::from_u128(1);
        let mut doc = GraphDoc::default();
        doc.apply(&[GraphOp::NodeAdd { node: node(1) }]).unwrap();
        let data: crate::json::JsonObject = serde_json::from_str(r#"{"prompt":"roof"}"#).unwrap();
        // Two users: one moves the node, the other edits its data.
        doc.apply(&[GraphOp::NodeSet {
            id,
            props: pos(5.0),
        }])
        .unwrap();
        doc.apply(&[GraphOp::NodeSet {
            id,
            props: NodePatch {
                data: Some(data.clone()),
                ..Default::default()
            },
        }])
        .unwrap();
        let n = &doc.nodes[&id];
        assert_eq!(n.position.x, 5.0);
        assert_eq!(n.data, data);
    }

    #[test]
    fn a_duplicate_node_id_in_one_batch_is_refused_with_its_index() {
        let mut doc = GraphDoc::default();
        let field = refused(
            &mut doc,
            &[
                GraphOp::NodeAdd { node: node(1) },
                GraphOp::ViewportSet {
                    viewport: Viewport::default(),
                },
                GraphOp::NodeAdd { node: node(1) },
            ],
        );
        assert_eq!(field, "ops[2].node.id");
        let mut doc = three_nodes();
        assert_eq!(
            refused(&mut doc, &[GraphOp::NodeAdd { node: node(3) }]),
            "ops[0].node.id",
            "an id already in the graph"
        );
        assert_eq!(
            refused(
                &mut doc,
                &[GraphOp::EdgeAdd {
                    edge: edge(10, 2, 3)
                }]
            ),
            "ops[0].edge.id"
        );
    }

    #[test]
    fn an_edge_between_missing_nodes_is_refused() {
        let mut doc = three_nodes();
        assert_eq!(
            refused(
                &mut doc,
                &[GraphOp::EdgeAdd {
                    edge: edge(11, 8, 9)
                }]
            ),
            "ops[0].edge.source"
        );
        assert_eq!(
            refused(
                &mut doc,
                &[
                    GraphOp::NodeSet {
                        id: id(1),
                        props: pos(1.0)
                    },
                    GraphOp::EdgeAdd {
                        edge: edge(11, 1, 9)
                    }
                ]
            ),
            "ops[1].edge.target"
        );
    }

    #[test]
    fn a_set_of_a_missing_node_is_refused() {
        let mut doc = three_nodes();
        assert_eq!(
            refused(
                &mut doc,
                &[GraphOp::NodeSet {
                    id: id(9),
                    props: pos(1.0)
                }]
            ),
            "ops[0].id"
        );
    }

    #[test]
    fn a_parent_must_be_in_the_graph() {
        let mut doc = three_nodes();
        assert_eq!(
            refused(
                &mut doc,
                &[GraphOp::NodeAdd {
                    node: child_of(4, 9)
                }]
            ),
            "ops[0].node.parent_id"
        );
        assert_eq!(
            refused(&mut doc, &[parent(1, Some(9))]),
            "ops[0].props.parent_id"
        );
        let r = doc
            .apply(&[
                GraphOp::NodeAdd {
                    node: child_of(4, 1),
                },
                parent(2, Some(4)),
            ])
            .unwrap();
        assert!(r.nodes_put.contains(&id(2)));
        assert_eq!(doc.nodes[&id(2)].parent_id, Some(id(4)));
        // Clearing a parent needs no check.
        doc.apply(&[parent(2, None)]).unwrap();
        assert_eq!(doc.nodes[&id(2)].parent_id, None);
    }

    #[test]
    fn a_parent_cycle_is_refused_across_batches_and_within_one() {
        let mut doc = three_nodes();
        doc.apply(&[parent(1, Some(2))]).unwrap();
        assert_eq!(
            refused(&mut doc.clone(), &[parent(2, Some(1))]),
            "ops[0].props.parent_id",
            "two sets, one batch each"
        );
        assert_eq!(
            refused(&mut doc.clone(), &[parent(2, Some(3)), parent(3, Some(1))]),
            "ops[1].props.parent_id",
            "a longer loop, within one batch"
        );
        // Re-parenting under a sibling's branch that does not loop is fine.
        doc.apply(&[parent(3, Some(1))]).unwrap();
        assert_eq!(doc.nodes[&id(3)].parent_id, Some(id(1)));
    }

    #[test]
    fn removing_a_node_removes_its_edges_and_descendants() {
        let mut doc = three_nodes();
        doc.apply(&[
            GraphOp::NodeAdd {
                node: child_of(4, 1),
            },
            GraphOp::NodeAdd {
                node: child_of(5, 4),
            },
            GraphOp::EdgeAdd {
                edge: edge(11, 5, 3),
            },
        ])
        .unwrap();
        let r = doc.apply(&[GraphOp::NodeRemove { id: id(1) }]).unwrap();
        let ids = |s: &BTreeSet<Id>| s.iter().map(|i| i.as_u128()).collect::<Vec<_>>();
        assert_eq!(ids(&r.nodes_removed), vec![1, 4, 5]);
        assert_eq!(ids(&r.edges_removed), vec![10, 11]);
        assert_eq!(
            doc.nodes.keys().map(|i| i.as_u128()).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert!(doc.edges.is_empty());
    }

    #[test]
    fn removing_what_is_gone_is_a_no_op() {
        let mut doc = three_nodes();
        let r = doc
            .apply(&[
                GraphOp::NodeRemove { id: id(9) },
                GraphOp::EdgeRemove { id: id(99) },
            ])
            .unwrap();
        assert!(!r.changed_anything());
        assert_eq!(doc, three_nodes());
    }

    /// Client X connects 2 -> 3 while client Y removes 3, and the server gets Y's batch
    /// first: X's batch no longer fits the server's graph, and X's replay on that graph
    /// meets the same refusal, so both end without the edge.
    #[test]
    fn a_connection_to_a_concurrently_removed_node_converges() {
        let mut server = three_nodes();
        let mut x_local = server.clone();
        let x_batch = [GraphOp::EdgeAdd {
            edge: edge(12, 2, 3),
        }];
        x_local.apply(&x_batch).unwrap();
        server.apply(&[GraphOp::NodeRemove { id: id(3) }]).unwrap();
        let confirmed = server.clone();
        assert_eq!(refused(&mut server.clone(), &x_batch), "ops[0].edge.target");
        assert_eq!(
            refused(&mut confirmed.clone(), &x_batch),
            "ops[0].edge.target"
        );
        assert!(!server.edges.contains_key(&id(12)));
    }

    #[test]
    fn nodes_without_z_stack_on_top() {
        let mut doc = GraphDoc::default();
        doc.apply(&[
            GraphOp::NodeAdd { node: node(3) },
            GraphOp::NodeAdd { node: node(1) },
            GraphOp::NodeAdd { node: node(2) },
        ])
        .unwrap();
        let order: Vec<u128> = doc.ordered_nodes().iter().map(|n| n.id.as_u128()).collect();
        assert_eq!(order, vec![3, 1, 2]);
    }
}
