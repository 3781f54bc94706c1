//! A full disk: IndexedDB refuses every transaction that puts anything and commits one
//! that only deletes. A sync must still make room: once the server has applied the
//! whole outbox, the entries and the bases they kept are deleted without a write.

use super::block_on;
use crate::build::Ctx;
use crate::client::memory::MemoryState;
use crate::client::record::Record;
use crate::client::{Engine, Unit};
use crate::protocol::pull::PulledPage;
use crate::protocol::{ErrorDetail, Mutation, Platform};
use crate::ErrorCode;
use serde_json::json;
use uuid::Uuid;

const ENGINE: Engine = Engine;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn edit(state: &mut MemoryState, name: &str, args: serde_json::Value) -> Result<(), ErrorCode> {
    let m = Mutation::from_raw(name, &args).unwrap();
    let mut txn = state.begin();
    let ctx = Ctx {
        user_id: None,
        now: 1,
    };
    block_on(ENGINE.edit(&mut txn, &m, ctx)).map_err(|e| e.code())?;
    txn.commit();
    Ok(())
}

fn release(state: &mut MemoryState) -> bool {
    let mut txn = state.begin();
    let released = block_on(ENGINE.release_acknowledged(&mut txn)).unwrap();
    txn.commit();
    released
}

/// Two projects created and a third deleted: three entries, with bases.
fn three_edits() -> MemoryState {
    let mut state = MemoryState::new(id(100));
    for n in 1..=3 {
        edit(
            &mut state,
            "project.create",
            json!({ "id": id(n), "name": format!("P{n}") }),
        )
        .unwrap();
    }
    // Sent, so the delete does not merge into the create.
    state.meta.sent_through = 3;
    edit(&mut state, "project.delete", json!({ "id": id(3) })).unwrap();
    assert_eq!(state.outbox.len(), 4);
    assert!(!state.bases.is_empty());
    state
}

#[test]
fn an_edit_on_a_full_disk_is_quota_exceeded_and_changes_nothing() {
    let mut state = three_edits();
    state.full_disk = true;
    let before = state.clone();
    assert_eq!(
        edit(&mut state, "project.delete", json!({ "id": id(1) })),
        Err(ErrorCode::QuotaExceeded)
    );
    assert_eq!(state, before);
}

#[test]
fn an_outbox_the_server_applied_is_released_on_a_full_disk() {
    let mut state = three_edits();
    state.meta.acked_through = 4; // the push was answered: all applied
    state.full_disk = true;
    let visible = state.visible.clone();
    let meta = state.meta.clone();

    assert!(release(&mut state), "released on a full disk");
    assert!(state.outbox.is_empty());
    assert!(state.bases.is_empty(), "the deleted project's copy is gone");
    assert_eq!(
        state.visible, visible,
        "the visible state is what the server applied"
    );
    assert_eq!(state.meta, meta, "nothing written");

    // With room again, the pull lands the server's rows (no base shields them).
    state.full_disk = false;
    let text = json!({ "cursor": 9, "has_more": false, "last_seq": 4, "changes": [
        { "entity": "project", "id": id(1), "version": 2, "deleted": false, "value": {
          "id": id(1), "name": "P1 (server)", "slug": "p1", "status": "active",
          "is_public": false, "created_at": 1, "updated_at": 2 } }] })
    .to_string();
    let page: PulledPage = serde_json::from_str(&text).unwrap();
    let mut txn = state.begin();
    let out =
        block_on(ENGINE.apply_pull(&mut txn, Platform::Projects, &page, None, Some(4))).unwrap();
    txn.commit();
    assert_eq!(out.acknowledged, 0, "already released");
    let Some(Record::Project(p)) = state.visible.get(&Unit::Project(id(1))) else {
        panic!("project 1 is there");
    };
    assert_eq!(p.name, "P1 (server)");
    assert!(!state.visible.contains_key(&Unit::Project(id(3))));
}

#[test]
fn nothing_is_released_while_an_entry_is_unanswered_or_rejected() {
    let mut state = three_edits();
    state.meta.acked_through = 3;
    let before = state.clone();
    assert!(!release(&mut state), "seq 4 is unanswered");
    assert_eq!(state, before);

    state.meta.acked_through = 4;
    state.outbox.get_mut(&2).unwrap().rejected =
        Some(ErrorDetail::new(ErrorCode::Validation, "no"));
    let before = state.clone();
    assert!(!release(&mut state), "undoing seq 2 needs the bases");
    assert_eq!(state, before);
}
