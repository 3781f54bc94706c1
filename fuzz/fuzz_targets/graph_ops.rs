//! Graph ops: a batch applies whole or is refused with a typed error; an applied batch
//! keeps the graph whole (every edge endpoint and `parent_id` names a node of the graph,
//! no node is its own ancestor); ops survive the wire unchanged; and coalescing two
//! batches never changes what they do (`coalesce(a, b)` applied == `a` then `b`).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;
use studio_core::graph::coalesce::coalesce;
use studio_core::graph::doc::GraphDoc;
use studio_core::graph::ops::{validate_ops, GraphOp};
use studio_fuzz::{ops, OpSpec};

#[derive(Debug, Arbitrary)]
struct Input {
    base: Vec<OpSpec>,
    earlier: Vec<OpSpec>,
    later: Vec<OpSpec>,
}

fn check_whole(doc: &GraphDoc) {
    for e in doc.edges.values() {
        assert!(
            doc.nodes.contains_key(&e.source) && doc.nodes.contains_key(&e.target),
            "edge {} points at a missing node",
            e.id
        );
    }
    for n in doc.nodes.values() {
        let mut seen = BTreeSet::from([n.id]);
        let mut parent = n.parent_id;
        while let Some(p) = parent {
            let Some(up) = doc.nodes.get(&p) else {
                panic!("node {} has a missing ancestor {p}", n.id);
            };
            assert!(seen.insert(p), "node {} is its own ancestor", n.id);
            parent = up.parent_id;
        }
    }
}

fn check_wire(batch: &[GraphOp]) {
    let text = serde_json::to_string(batch).expect("ops encode");
    let back: Vec<GraphOp> = serde_json::from_str(&text).expect("ops decode");
    assert_eq!(back, batch, "ops changed on the wire");
}

/// The doc after `batch`, or `None` when the batch is refused (the caller's copy stays).
fn applied(doc: &GraphDoc, batch: &[GraphOp]) -> Option<GraphDoc> {
    let mut next = doc.clone();
    next.apply(batch).ok()?;
    check_whole(&next);
    Some(next)
}

fuzz_target!(|input: Input| {
    let (base, earlier, later) = (ops(&input.base), ops(&input.earlier), ops(&input.later));
    for batch in [&base, &earlier, &later] {
        if validate_ops(batch).is_err() {
            return;
        }
        check_wire(batch);
    }
    let doc = applied(&GraphDoc::default(), &base).unwrap_or_default();
    let Some(after_earlier) = applied(&doc, &earlier) else {
        return;
    };
    let Some(in_order) = applied(&after_earlier, &later) else {
        return;
    };
    if let Some(merged) = coalesce(&earlier, &later) {
        let at_once = applied(&doc, &merged).expect("a coalesced batch of two that apply applies");
        assert_eq!(at_once.nodes, in_order.nodes, "coalescing changed the nodes");
        assert_eq!(at_once.edges, in_order.edges, "coalescing changed the edges");
        assert_eq!(at_once.viewport, in_order.viewport, "coalescing changed the viewport");
    }
});
