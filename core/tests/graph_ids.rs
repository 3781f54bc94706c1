//! A pulled node belongs to its file: one node id in two files (a copy, or another
//! user's public project reusing it) is two nodes on the client, and a tombstone in one
//! file leaves the other's alone.

mod support;

use serde_json::json;
use studio_core::client::memory::MemoryState;
use studio_core::client::record::node_unit;
use studio_core::client::{Engine, Record};
use studio_core::ids::Id;
use studio_core::protocol::pull::PulledPage;
use studio_core::protocol::{Change, EntityKind, Platform, PullResponse};
use support::block_on;

fn node_change(file: Id, node: Id, who: &str) -> Change {
    Change {
        entity: EntityKind::CanvasNode,
        id: node,
        version: 2,
        deleted: false,
        value: json!({"file_id": file, "node": {"id": node, "type": "image",
            "position": {"x": 0, "y": 0}, "data": {"who": who}, "z": "a0"}}),
    }
}

fn pull(state: &mut MemoryState, changes: Vec<Change>) {
    let page = PulledPage::from(&PullResponse {
        cursor: 1,
        has_more: false,
        changes,
        last_seq: 0,
    });
    let mut txn = state.begin();
    block_on(Engine.apply_pull(&mut txn, Platform::Canvas, &page, None, Some(0)))
        .expect("pull applies");
    txn.commit();
}

/// The `who` of node `node` in `file`, if the client holds it.
fn who(state: &MemoryState, file: Id, node: Id) -> Option<String> {
    match state.visible.get(&node_unit(file, &node)) {
        Some(Record::Nodes(b)) => b.items.get(&node).map(|n| n.data["who"].to_string()),
        _ => None,
    }
}

#[test]
fn one_node_id_in_two_files_is_two_nodes() {
    let (f1, f2, n) = (Id::new_v4(), Id::new_v4(), Id::new_v4());
    let mut state = MemoryState::new(Id::new_v4());
    pull(
        &mut state,
        vec![node_change(f1, n, "a"), node_change(f2, n, "b")],
    );
    assert_eq!(who(&state, f1, n).as_deref(), Some("\"a\""));
    assert_eq!(who(&state, f2, n).as_deref(), Some("\"b\""));

    pull(
        &mut state,
        vec![Change::tombstone(EntityKind::CanvasNode, n, 3, Some(f2))],
    );
    assert_eq!(who(&state, f1, n).as_deref(), Some("\"a\""));
    assert_eq!(who(&state, f2, n), None);
}
