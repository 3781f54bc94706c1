//! Canvas graphs on the server: node and edge ids belong to their file (nobody's edit
//! in another file touches them).

use crate::common::{self, id, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use uuid::Uuid;

/// The last change of node or edge `part` in `file`, if any.
fn part_in<'a>(changes: &'a [Value], part: Uuid, file: Uuid) -> Option<&'a Value> {
    changes
        .iter()
        .rfind(|c| c["id"] == part.to_string() && c["value"]["file_id"] == file.to_string())
}

/// Asserts `file`'s copy of node `n` and edge `e` is live, with the node's `data.who`.
fn assert_live(changes: &[Value], file: Uuid, n: Uuid, e: Uuid, who: &str, whose: &str) {
    let node = part_in(changes, n, file).unwrap_or_else(|| panic!("{whose}: no node row"));
    assert_eq!(node["deleted"], false, "{whose}: {node}");
    assert_eq!(node["value"]["node"]["data"]["who"], who, "{whose}: {node}");
    let edge = part_in(changes, e, file).unwrap_or_else(|| panic!("{whose}: no edge row"));
    assert_eq!(edge["deleted"], false, "{whose}: {edge}");
    assert_eq!(edge["value"]["edge"]["source"], n.to_string(), "{whose}");
}

async fn project_with_file(c: &mut Client, s: &Server, public: bool) -> (Uuid, Uuid) {
    let (p, f) = (id(), id());
    c.ok(
        s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Villa", "is_public": public}),
    )
    .await;
    c.ok(
        s,
        "canvas",
        "file.create",
        json!({"id": f, "project_id": p, "name": "Plan"}),
    )
    .await;
    (p, f)
}

fn add_node_and_edge(file: Uuid, n: Uuid, m: Uuid, e: Uuid, who: &str) -> Value {
    json!({"file_id": file, "ops": [
        {"op": "node.add", "node": {"id": n, "type": "image", "position": {"x": 0, "y": 0}, "data": {"who": who}}},
        {"op": "node.add", "node": {"id": m, "type": "prompt", "position": {"x": 9, "y": 0}}},
        {"op": "edge.add", "edge": {"id": e, "source": n, "target": m}},
    ]})
}

/// Issue 10, case 1: B reuses the node and edge ids of A's public project in B's own
/// file; A's feed keeps A's rows, B's feed has both files' rows, each with its values.
async fn ids_reused_in_another_users_file(b: common::Backend) {
    let s = Server::start(b).await;
    let mut alice = Client::new(&s.dev_token);
    let bob_token = s.db.token("bob@example.com");
    let mut bob = Client::new(&bob_token);
    let (_, fa) = project_with_file(&mut alice, &s, true).await;
    let (n, e) = (id(), id());
    alice
        .ok(
            &s,
            "canvas",
            "graph.apply",
            add_node_and_edge(fa, n, id(), e, "alice"),
        )
        .await;

    let (_, fb) = project_with_file(&mut bob, &s, false).await;
    bob.ok(
        &s,
        "canvas",
        "graph.apply",
        add_node_and_edge(fb, n, id(), e, "bob"),
    )
    .await;

    let (alices, _) = s.pull_all(&s.dev_token, "canvas", 0).await;
    assert_live(&alices, fa, n, e, "alice", "alice's full pull");
    assert!(
        part_in(&alices, n, fb).is_none(),
        "alice never sees bob's private file"
    );
    let (bobs, _) = s.pull_all(&bob_token, "canvas", 0).await;
    assert_live(&bobs, fa, n, e, "alice", "bob's pull, alice's public file");
    assert_live(&bobs, fb, n, e, "bob", "bob's pull, bob's file");

    // Removing them in bob's file leaves alice's rows alone.
    bob.ok(
        &s,
        "canvas",
        "graph.apply",
        json!({"file_id": fb, "ops": [{"op": "node.remove", "id": n}]}),
    )
    .await;
    let (alices, _) = s.pull_all(&s.dev_token, "canvas", 0).await;
    assert_live(
        &alices,
        fa,
        n,
        e,
        "alice",
        "alice's pull after bob's removal",
    );
    let (bobs, _) = s.pull_all(&bob_token, "canvas", 0).await;
    assert_live(&bobs, fa, n, e, "alice", "bob's pull after his removal");
    assert_eq!(part_in(&bobs, n, fb).unwrap()["deleted"], true);
    assert_eq!(part_in(&bobs, e, fb).unwrap()["deleted"], true);
}
db_test!(
    node_and_edge_ids_reused_by_another_user,
    ids_reused_in_another_users_file
);

/// Copying nodes (with their ids) into a second file of the same user keeps both.
async fn nodes_copied_between_files(b: common::Backend) {
    let s = Server::start(b).await;
    let mut c = Client::new(&s.dev_token);
    let (p, f1) = project_with_file(&mut c, &s, false).await;
    let f2 = id();
    c.ok(
        &s,
        "canvas",
        "file.create",
        json!({"id": f2, "project_id": p, "name": "Copy"}),
    )
    .await;
    let (n, m, e) = (id(), id(), id());
    c.ok(
        &s,
        "canvas",
        "graph.apply",
        add_node_and_edge(f1, n, m, e, "original"),
    )
    .await;
    c.ok(
        &s,
        "canvas",
        "graph.apply",
        add_node_and_edge(f2, n, m, e, "copy"),
    )
    .await;
    let (changes, _) = s.pull_all(&s.dev_token, "canvas", 0).await;
    assert_live(&changes, f1, n, e, "original", "the original");
    assert_live(&changes, f2, n, e, "copy", "the copy");

    // Deleting the copy's file drops its rows only.
    c.ok(&s, "canvas", "file.delete", json!({"id": f2})).await;
    let (changes, _) = s.pull_all(&s.dev_token, "canvas", 0).await;
    assert_live(&changes, f1, n, e, "original", "after the copy's file went");
    assert!(part_in(&changes, n, f2).is_none());
}
db_test!(
    nodes_copied_between_files_keep_both,
    nodes_copied_between_files
);
