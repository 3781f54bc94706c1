//! Pulled pages, as a newer, buggy or hostile server might send them, landing on a client
//! that holds a project, a file, a graph and pending edits: the page applies or fails
//! with a typed error and changes nothing; and a page applied twice (a pull retried after
//! its response was lost) leaves what applying it once left.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use std::sync::OnceLock;
use studio_core::build::Ctx;
use studio_core::client::memory::{block_on, MemoryState};
use studio_core::client::Engine;
use studio_core::protocol::pull::PulledPage;
use studio_core::protocol::{Mutation, Platform};
use studio_core::Id;
use studio_fuzz::id;

const ENGINE: Engine = Engine;

fn edit(state: &mut MemoryState, name: &str, args: serde_json::Value) {
    let m = Mutation::from_raw(name, &args).expect("a seed mutation parses");
    let ctx = Ctx {
        user_id: None,
        now: 1,
    };
    let mut txn = state.begin();
    block_on(ENGINE.edit(&mut txn, &m, ctx)).expect("a seed edit applies");
    txn.commit();
}

/// A client with a project, a file and its graph, two nodes and an edge, all pending.
fn seeded() -> &'static MemoryState {
    static STATE: OnceLock<MemoryState> = OnceLock::new();
    STATE.get_or_init(|| {
        let mut s = MemoryState::new(Id::from_u128(0xC1));
        let (project, file) = (Id::from_u128(0xA1), Id::from_u128(0xF1));
        edit(&mut s, "project.create", json!({"id": project, "name": "Villa"}));
        edit(
            &mut s,
            "file.create",
            json!({"id": file, "project_id": project, "name": "Ground floor"}),
        );
        let node = |n: u8| json!({"op": "node.add", "node": {"id": id(n), "type": "note", "position": {"x": 0, "y": 0}}});
        edit(
            &mut s,
            "graph.apply",
            json!({"file_id": file, "ops": [node(1), node(2),
                {"op": "edge.add", "edge": {"id": id(3), "source": id(1), "target": id(2)}}]}),
        );
        s
    })
}

fn apply(state: &mut MemoryState, platform: Platform, page: &PulledPage) -> bool {
    let mut txn = state.begin();
    let finish = (!page.has_more).then_some(page.last_seq);
    match block_on(ENGINE.apply_pull(&mut txn, platform, page, None, finish)) {
        Ok(_) => {
            txn.commit();
            true
        }
        Err(_) => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let Ok(page) = serde_json::from_slice::<PulledPage>(body) else {
        return;
    };
    let platform = [
        Platform::Projects,
        Platform::Canvas,
        Platform::Apps,
        Platform::Render,
    ][usize::from(which % 4)];
    let before = seeded().clone();
    let mut once = before.clone();
    if !apply(&mut once, platform, &page) {
        assert_eq!(once, before, "a failed pull changed the state");
        return;
    }
    let mut twice = once.clone();
    assert!(apply(&mut twice, platform, &page), "a page that applied once fails again");
    assert_eq!(twice.visible, once.visible, "a page applied twice differs from once");
    assert_eq!(twice.outbox, once.outbox, "a page applied twice changed the outbox");
});
