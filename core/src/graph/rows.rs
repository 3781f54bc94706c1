//! What an op batch needs from a graph stored as a row per node and per edge (the
//! server's layout): the rows it names, the parent chains a new parent is checked
//! along, and — when it removes a node — the subtrees and edges a removal cascades to.
//! Applying a batch to just those rows answers and changes them exactly as applying it
//! to the whole graph does (the property below), so a server's cost for an edit follows
//! its ops, not the size of the file.

use super::ops::GraphOp;
use crate::ids::Id;
use std::collections::BTreeSet;

/// The rows a batch reads. Loading them: `nodes` and `edges` by id; every stored
/// ancestor of `ancestors_of`; every stored descendant of `descendants_of`; then, when
/// `edges_of_loaded_nodes`, every stored edge with an end among the loaded nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowNeeds {
    pub nodes: BTreeSet<Id>,
    pub edges: BTreeSet<Id>,
    /// New parents: each is checked along its `parent_id` chain.
    pub ancestors_of: BTreeSet<Id>,
    /// Empty unless the batch removes a node. A node re-parented earlier in the batch
    /// may carry its stored subtree under the removed one, so this is every node the
    /// batch names, not only the removed ones.
    pub descendants_of: BTreeSet<Id>,
    /// A removal takes the edges of every node it removes.
    pub edges_of_loaded_nodes: bool,
}

pub fn row_needs(ops: &[GraphOp]) -> RowNeeds {
    let mut n = RowNeeds::default();
    let mut removes = false;
    for op in ops {
        match op {
            GraphOp::NodeAdd { node } => {
                n.nodes.insert(node.id);
                if let Some(p) = node.parent_id {
                    n.nodes.insert(p);
                    n.ancestors_of.insert(p);
                }
            }
            GraphOp::NodeSet { id, props } => {
                n.nodes.insert(*id);
                if let Some(Some(p)) = props.parent_id {
                    n.nodes.insert(p);
                    n.ancestors_of.insert(p);
                }
            }
            GraphOp::NodeRemove { id } => {
                n.nodes.insert(*id);
                removes = true;
            }
            GraphOp::EdgeAdd { edge } => {
                n.edges.insert(edge.id);
                n.nodes.insert(edge.source);
                n.nodes.insert(edge.target);
            }
            GraphOp::EdgeRemove { id } => {
                n.edges.insert(*id);
            }
            GraphOp::ViewportSet { .. } => {}
        }
    }
    if removes {
        n.descendants_of = n.nodes.clone();
        n.edges_of_loaded_nodes = true;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::doc::GraphDoc;
    use crate::graph::layout::tests::{grown, id, op_strategy};
    use crate::graph::ops::{NodeInput, NodePatch};
    use crate::model::Position;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The rows of `doc` that `needs` loads, found the way the server's queries find
    /// them (chains and subtrees over stored `parent_id`s, loops cut).
    fn rows_of(doc: &GraphDoc, needs: &RowNeeds) -> GraphDoc {
        let mut ids: BTreeSet<Id> = needs
            .nodes
            .iter()
            .filter(|i| doc.nodes.contains_key(i))
            .copied()
            .collect();
        for start in &needs.ancestors_of {
            let mut seen = BTreeSet::new();
            let mut cur = doc.nodes.get(start).map(|n| n.id);
            while let Some(i) = cur.filter(|i| seen.insert(*i)) {
                ids.insert(i);
                cur = doc.nodes.get(&i).and_then(|n| n.parent_id);
            }
        }
        let mut children: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
        for n in doc.nodes.values() {
            if let Some(p) = n.parent_id {
                children.entry(p).or_default().push(n.id);
            }
        }
        let mut todo: Vec<Id> = needs
            .descendants_of
            .iter()
            .filter(|i| doc.nodes.contains_key(i))
            .copied()
            .collect();
        while let Some(i) = todo.pop() {
            for c in children.get(&i).into_iter().flatten() {
                if ids.insert(*c) {
                    todo.push(*c);
                }
            }
        }
        let edges = doc
            .edges
            .values()
            .filter(|e| {
                needs.edges.contains(&e.id)
                    || (needs.edges_of_loaded_nodes
                        && (ids.contains(&e.source) || ids.contains(&e.target)))
            })
            .map(|e| (e.id, e.clone()))
            .collect();
        GraphDoc {
            nodes: ids.iter().map(|i| (*i, doc.nodes[i].clone())).collect(),
            edges,
            viewport: doc.viewport,
            top_z: doc.top_z.clone(),
        }
    }

    fn group(n: u8, parent: Option<u8>) -> GraphOp {
        let mut node = NodeInput::new(id(n), "group", Position { x: 0.0, y: 0.0 });
        node.parent_id = parent.map(id);
        GraphOp::NodeAdd { node }
    }

    fn reparent(n: u8, parent: u8) -> GraphOp {
        GraphOp::NodeSet {
            id: id(n),
            props: NodePatch {
                parent_id: Some(Some(id(parent))),
                ..Default::default()
            },
        }
    }

    /// The case the property rarely draws: a node moved under another in the batch
    /// carries its stored subtree along when that one is removed.
    #[test]
    fn removal_after_reparenting_takes_the_moved_subtree() {
        let mut full = GraphDoc::default();
        full.apply(&[group(1, None), group(2, None), group(3, Some(2))])
            .unwrap();
        let batch = [reparent(2, 1), GraphOp::NodeRemove { id: id(1) }];
        let mut part = rows_of(&full, &row_needs(&batch));
        let r_part = part.apply(&batch);
        assert_eq!(full.apply(&batch), r_part);
        assert!(part.nodes.is_empty() && full.nodes.is_empty(), "{part:?}");
    }

    /// A new parent is checked along its whole stored chain, past nodes the batch does
    /// not name: 1 under 3 under 2 would close the loop 1 → 2 → 3 → 1.
    #[test]
    fn a_cycle_through_an_unnamed_ancestor_is_refused() {
        let mut full = GraphDoc::default();
        full.apply(&[group(1, None), group(3, Some(1)), group(2, Some(3))])
            .unwrap();
        let batch = [reparent(1, 2)];
        let mut part = rows_of(&full, &row_needs(&batch));
        assert!(part.apply(&batch).is_err());
        assert!(full.apply(&batch).is_err());
    }

    proptest! {
        #[test]
        fn needed_rows_suffice(setup in proptest::collection::vec(op_strategy(), 0..80),
                               batch in proptest::collection::vec(op_strategy(), 1..12)) {
            let mut full = grown(&setup);
            let needs = row_needs(&batch);
            let before = rows_of(&full, &needs);
            let mut part = before.clone();
            let r_full = full.apply(&batch);
            let r_part = part.apply(&batch);
            prop_assert_eq!(&r_full, &r_part);
            if let Ok(report) = r_full {
                // What the batch reports as written or removed is the same in both.
                for i in report.nodes_put.iter().chain(&report.nodes_removed) {
                    prop_assert_eq!(full.nodes.get(i), part.nodes.get(i));
                }
                for i in report.edges_put.iter().chain(&report.edges_removed) {
                    prop_assert_eq!(full.edges.get(i), part.edges.get(i));
                }
                // And nothing loaded but unreported changed.
                for (i, n) in &before.nodes {
                    if !report.nodes_put.contains(i) && !report.nodes_removed.contains(i) {
                        prop_assert_eq!(Some(n), part.nodes.get(i));
                    }
                }
                prop_assert_eq!(full.top_z, part.top_z);
            }
        }
    }
}
