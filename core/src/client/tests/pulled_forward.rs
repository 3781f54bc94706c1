//! Values from the server are read forward compatibly: a field, entity kind or enum
//! value this client does not know never stops sync. A change that still cannot be used
//! is set aside and reported; the rest of its page applies and the cursor moves on.

use super::block_on;
use crate::client::memory::MemoryState;
use crate::client::record::{node_unit, Record};
use crate::client::{Engine, Unit};
use crate::protocol::pull::PulledPage;
use crate::protocol::Platform;
use serde_json::{json, Value};
use uuid::Uuid;

const ENGINE: Engine = Engine;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn project(n: u128, status: &str) -> Value {
    json!({ "entity": "project", "id": id(n), "version": 1, "deleted": false, "value": {
        "id": id(n), "name": format!("P{n}"), "slug": format!("p{n}"), "status": status,
        "is_public": false, "created_at": 1, "updated_at": 1 } })
}

fn node(n: u128, extra: Value) -> Value {
    let mut node = json!({ "id": id(n), "type": "note", "position": { "x": 1, "y": 2 },
        "z": "a0", "data": {} });
    for (k, v) in extra.as_object().unwrap() {
        node[k] = v.clone();
    }
    json!({ "entity": "canvas_node", "id": id(n), "version": 1, "deleted": false,
        "value": { "file_id": id(50), "node": node } })
}

/// Lands one page of `changes`, as the server's text, and returns what the engine said.
fn pull(
    state: &mut MemoryState,
    platform: Platform,
    changes: Vec<Value>,
) -> crate::client::engine::PullOutcome {
    let text = json!({ "cursor": 77, "has_more": false, "changes": changes, "last_seq": 0,
        "served_by": "a newer server" })
    .to_string();
    let page: PulledPage = serde_json::from_str(&text).expect("a page always decodes");
    let mut txn = state.begin();
    let out = block_on(ENGINE.apply_pull(&mut txn, platform, &page, None, None)).unwrap();
    txn.commit();
    out
}

#[test]
fn unknown_fields_in_a_node_and_its_position_are_ignored() {
    let mut state = MemoryState::new(id(100));
    let out = pull(
        &mut state,
        Platform::Canvas,
        vec![node(
            1,
            json!({ "glow": true, "position": { "x": 1, "y": 2, "z_hint": 3 } }),
        )],
    );
    assert!(out.set_aside.is_empty(), "{:?}", out.set_aside);
    assert_eq!(out.applied, 1);
    let Some(Record::Nodes(bucket)) = state.visible.get(&node_unit(id(50), &id(1))) else {
        panic!("the node was not stored")
    };
    assert_eq!(bucket.items[&id(1)].position.y, 2.0);
    assert_eq!(state.meta.cursors[&Platform::Canvas], 77);
}

#[test]
fn unusable_changes_are_set_aside_and_the_rest_of_the_page_applies() {
    let mut state = MemoryState::new(id(100));
    let mut garbage = project(4, "active");
    garbage["value"] = json!("not a project");
    let out = pull(
        &mut state,
        Platform::Projects,
        vec![
            project(1, "active"),
            // An entity kind this client does not know.
            json!({ "entity": "project_comment", "id": id(2), "version": 1,
                "deleted": false, "value": { "text": "hi" } }),
            // An enum value it does not know.
            project(3, "frozen"),
            // A value of no usable shape, and not even a change.
            garbage,
            json!(42),
            project(5, "archived"),
        ],
    );
    let reported: Vec<(String, String)> = out
        .set_aside
        .iter()
        .map(|s| (s.entity.clone(), s.id.clone()))
        .collect();
    assert_eq!(
        reported,
        [
            ("project_comment".to_owned(), id(2).to_string()),
            ("project".to_owned(), id(3).to_string()),
            ("project".to_owned(), id(4).to_string()),
            ("?".to_owned(), "?".to_owned()),
        ]
    );
    assert!(out.set_aside.iter().all(|s| !s.reason.is_empty()));
    assert_eq!(out.applied, 2);
    for n in [1, 5] {
        assert!(state.visible.contains_key(&Unit::Project(id(n))), "P{n}");
    }
    for n in [3, 4] {
        assert!(!state.visible.contains_key(&Unit::Project(id(n))), "P{n}");
    }
    // The cursor moved past the page: the next round does not fetch it again.
    assert_eq!(state.meta.cursors[&Platform::Projects], 77);
}
