//! Graph ops: applying any validated batch keeps the graph whole (no edge to a missing
//! node), a batch survives the wire unchanged, and coalescing two batches never changes
//! what they do (`coalesce(a, b)` applied == `a` then `b` applied).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
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
}

fn check_wire(batch: &[GraphOp]) {
    let text = serde_json::to_string(batch).expect("ops encode");
    let back: Vec<GraphOp> = serde_json::from_str(&text).expect("ops decode");
    assert_eq!(back, batch, "ops changed on the wire");
}

fuzz_target!(|input: Input| {
    let (base, earlier, later) = (ops(&input.base), ops(&input.earlier), ops(&input.later));
    let mut doc = GraphDoc::default();
    for batch in [&base, &earlier, &later] {
        if validate_ops(batch).is_err() {
            return;
        }
        check_wire(batch);
    }
    doc.apply(&base);
    check_whole(&doc);

    let mut in_order = doc.clone();
    in_order.apply(&earlier);
    check_whole(&in_order);
    in_order.apply(&later);
    check_whole(&in_order);

    if let Some(merged) = coalesce(&earlier, &later) {
        let mut at_once = doc.clone();
        at_once.apply(&merged);
        assert_eq!(at_once.nodes, in_order.nodes, "coalescing changed the nodes");
        assert_eq!(at_once.edges, in_order.edges, "coalescing changed the edges");
        assert_eq!(at_once.viewport, in_order.viewport, "coalescing changed the viewport");
    }
});
