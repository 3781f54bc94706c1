//! Coalescing of pending canvas ops: a drag that sets a node's position 60 times a
//! second leaves one pending mutation, not hundreds. Only a batch that nobody has sent
//! yet may absorb a later one (the caller checks that), and only when applying the merged
//! batch is the same as applying both in order.

use super::ops::GraphOp;
use crate::ids::Id;
use std::collections::BTreeMap;

/// The batch equal to `earlier` then `later`, if they merge.
pub fn coalesce(earlier: &[GraphOp], later: &[GraphOp]) -> Option<Vec<GraphOp>> {
    let all = |ops: &[GraphOp], f: fn(&GraphOp) -> bool| !ops.is_empty() && ops.iter().all(f);
    // A set that re-parents stays apart: whether it fits (no cycle) depends on the
    // parents set before it, which folding it into an earlier op would reorder.
    let is_set =
        |op: &GraphOp| matches!(op, GraphOp::NodeSet { props, .. } if props.parent_id.is_none());
    let is_viewport = |op: &GraphOp| matches!(op, GraphOp::ViewportSet { .. });

    if all(earlier, is_viewport) && all(later, is_viewport) {
        return later.last().map(|op| vec![op.clone()]);
    }
    if !(all(earlier, is_set) && all(later, is_set)) {
        return None;
    }
    // Sets on different nodes commute and sets on one node compose property by
    // property, so later sets fold into earlier ones on the same node. A later set on a
    // node the earlier batch does not touch would reorder it; leave those apart.
    let mut merged = earlier.to_vec();
    let index: BTreeMap<Id, usize> = merged
        .iter()
        .enumerate()
        .filter_map(|(i, op)| match op {
            GraphOp::NodeSet { id, .. } => Some((*id, i)),
            _ => None,
        })
        .collect();
    for op in later {
        let GraphOp::NodeSet { id, props } = op else {
            return None;
        };
        let i = *index.get(id)?;
        if let GraphOp::NodeSet { props: into, .. } = &mut merged[i] {
            into.merge(props);
        }
    }
    Some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::doc::GraphDoc;
    use crate::graph::ops::{NodeInput, NodePatch};
    use crate::model::{Position, Viewport};
    use uuid::Uuid;

    fn set(id: u128, x: f64) -> GraphOp {
        GraphOp::NodeSet {
            id: Uuid::from_u128(id),
            props: NodePatch {
                position: Some(Position { x, y: x }),
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_drag_folds_into_one_batch_with_the_same_effect() {
        let mut pending = vec![set(1, 0.0)];
        for i in 1..600 {
            pending = coalesce(&pending, &[set(1, f64::from(i))]).unwrap();
        }
        assert_eq!(pending, vec![set(1, 599.0)]);
    }

    #[test]
    fn merges_only_what_commutes() {
        let hidden = GraphOp::NodeSet {
            id: Uuid::from_u128(1),
            props: NodePatch {
                hidden: Some(true),
                ..Default::default()
            },
        };
        let merged = coalesce(&[set(1, 1.0), set(2, 2.0)], &[hidden, set(2, 3.0)]).unwrap();
        let mut a = GraphDoc::default();
        let mut b = GraphDoc::default();
        for doc in [&mut a, &mut b] {
            for id in [1, 2] {
                doc.apply(&[GraphOp::NodeAdd {
                    node: NodeInput::new(Uuid::from_u128(id), "t", Position { x: 0.0, y: 0.0 }),
                }])
                .unwrap();
            }
        }
        a.apply(&merged).unwrap();
        b.apply(&[set(1, 1.0), set(2, 2.0)]).unwrap();
        b.apply(&[
            GraphOp::NodeSet {
                id: Uuid::from_u128(1),
                props: NodePatch {
                    hidden: Some(true),
                    ..Default::default()
                },
            },
            set(2, 3.0),
        ])
        .unwrap();
        assert_eq!(a, b);

        assert!(coalesce(&[set(1, 1.0)], &[set(2, 1.0)]).is_none());
        assert!(coalesce(
            &[set(1, 1.0)],
            &[GraphOp::NodeRemove {
                id: Uuid::from_u128(1)
            }]
        )
        .is_none());
        let vp = |x| GraphOp::ViewportSet {
            viewport: Viewport {
                x,
                y: 0.0,
                zoom: 1.0,
            },
        };
        assert_eq!(coalesce(&[vp(1.0)], &[vp(2.0)]), Some(vec![vp(2.0)]));
    }

    /// Folding `X.parent = Q` into an earlier set of X would run it before the earlier
    /// batch's later ops, which may be what frees Q from X's subtree.
    #[test]
    fn re_parenting_sets_stay_apart() {
        let parent = |id: u128, p: u128| GraphOp::NodeSet {
            id: Uuid::from_u128(id),
            props: NodePatch {
                parent_id: Some(Some(Uuid::from_u128(p))),
                ..Default::default()
            },
        };
        let earlier = [set(1, 1.0), parent(2, 3)];
        assert!(coalesce(&earlier, &[parent(1, 2)]).is_none());
        assert!(coalesce(&[parent(1, 2)], &[set(1, 1.0)]).is_none());
    }
}
