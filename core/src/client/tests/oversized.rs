//! An outbox entry the server refuses as too large (413) never blocks the queue: it is
//! split into halves that both go, or dropped and reported, and the entries behind it
//! keep contiguous seqs (the server stops at a gap).

use super::block_on;
use crate::build::Ctx;
use crate::client::memory::MemoryState;
use crate::client::record::Record;
use crate::client::{Engine, Unit};
use crate::protocol::Mutation;
use crate::ErrorCode;
use serde_json::json;
use uuid::Uuid;

const ENGINE: Engine = Engine;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn edit(state: &mut MemoryState, name: &str, args: serde_json::Value) {
    let m = Mutation::from_raw(name, &args).unwrap();
    let mut txn = state.begin();
    let ctx = Ctx {
        user_id: None,
        now: 1,
    };
    block_on(ENGINE.edit(&mut txn, &m, ctx)).unwrap();
    txn.commit();
}

fn project(n: u128) -> serde_json::Value {
    json!({ "id": id(n), "name": format!("P{n}") })
}

fn seqs_and_names(state: &MemoryState) -> Vec<(u64, String)> {
    state
        .outbox
        .values()
        .map(|e| (e.seq, e.to_raw().name))
        .collect()
}

#[test]
fn a_refused_entry_that_cannot_split_is_dropped_reported_and_the_rest_renumbered() {
    let mut state = MemoryState::new(id(100));
    edit(&mut state, "project.create", project(1));
    edit(&mut state, "project.create", project(2));
    edit(&mut state, "project.create", project(3));
    state.meta.sent_through = 2; // the push of seq 2, alone, got 413

    let mut txn = state.begin();
    let out = block_on(ENGINE.refuse_oversized(&mut txn, 2)).unwrap();
    txn.commit();

    let rejection = out.rejection.expect("reported");
    assert_eq!(rejection.seq, 2);
    assert_eq!(rejection.error.code, ErrorCode::PayloadTooLarge);
    assert_eq!(out.shift, -1);
    // Seqs stay contiguous, so the server takes seq 2 (once project 3) next.
    assert_eq!(
        seqs_and_names(&state),
        [(1, "project.create".into()), (2, "project.create".into())]
    );
    let Mutation::ProjectCreate(p) = &state.outbox[&2].mutation else {
        panic!("not a project.create")
    };
    assert_eq!(p.id, id(3));
    assert_eq!(state.meta.next_seq, 3);
    assert_eq!(state.meta.sent_through, 1);
    // The dropped edit's effect is gone; the others stay.
    assert!(!state.visible.contains_key(&Unit::Project(id(2))));
    assert!(matches!(
        state.visible.get(&Unit::Project(id(3))),
        Some(Record::Project(_))
    ));
    assert!(state.visible.contains_key(&Unit::Project(id(1))));
}

#[test]
fn a_refused_graph_apply_splits_into_halves_that_both_go() {
    let mut state = MemoryState::new(id(100));
    edit(&mut state, "project.create", project(1));
    edit(
        &mut state,
        "file.create",
        json!({ "id": id(2), "project_id": id(1), "name": "F" }),
    );
    let node = |n: u128| {
        json!({ "op": "node.add", "node": {
            "id": id(n), "type": "note", "position": { "x": 0, "y": 0 } } })
    };
    edit(
        &mut state,
        "graph.apply",
        json!({ "file_id": id(2), "ops": [node(10), node(11), node(12)] }),
    );
    edit(&mut state, "project.create", project(4));
    let visible_before = state.visible.clone();

    let mut txn = state.begin();
    let out = block_on(ENGINE.refuse_oversized(&mut txn, 3)).unwrap();
    txn.commit();

    assert_eq!(out.rejection, None);
    assert_eq!(out.shift, 1);
    assert_eq!(
        seqs_and_names(&state),
        [
            (1, "project.create".into()),
            (2, "file.create".into()),
            (3, "graph.apply".into()),
            (4, "graph.apply".into()),
            (5, "project.create".into()),
        ]
    );
    let ops = |seq: u64| match &state.outbox[&seq].mutation {
        Mutation::GraphApply(g) => g.ops.len(),
        _ => 0,
    };
    assert_eq!((ops(3), ops(4)), (1, 2));
    assert_eq!(state.meta.next_seq, 6);
    // Nothing visible changed: both halves are still pending.
    assert_eq!(state.visible, visible_before);
}
