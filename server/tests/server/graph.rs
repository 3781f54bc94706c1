//! Canvas graphs on the server: node and edge ids belong to their file (nobody's edit
//! in another file touches them), and the graph integrity rules of core's `GraphDoc`.

use crate::common::{self, id, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use uuid::Uuid;

/// The last change of node or edge `part` in `file`, if any.
fn part_in(changes: &[Value], part: Uuid, file: Uuid) -> Option<&Value> {
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

/// A project with one file holding nodes a, b, c and the edge a -> b; the client, the
/// file and the canvas cursor after it.
struct Canvas {
    s: Server,
    c: Client,
    file: Uuid,
    a: Uuid,
    b: Uuid,
    c_node: Uuid,
    cursor: u64,
}

async fn canvas(backend: common::Backend) -> Canvas {
    let s = Server::start(backend).await;
    let mut c = Client::new(&s.dev_token);
    let (_, file) = project_with_file(&mut c, &s, false).await;
    let (a, b, c_node) = (id(), id(), id());
    c.ok(
        &s,
        "canvas",
        "graph.apply",
        add_node_and_edge(file, a, b, id(), "a"),
    )
    .await;
    c.ok(&s, "canvas", "graph.apply", json!({"file_id": file, "ops": [
        {"op": "node.add", "node": {"id": c_node, "type": "image", "position": {"x": 0, "y": 9}}}]}))
        .await;
    let (_, cursor) = s.pull_all(&s.dev_token, "canvas", 0).await;
    Canvas {
        s,
        c,
        file,
        a,
        b,
        c_node,
        cursor,
    }
}

impl Canvas {
    /// Pushes `ops`; asserts the rejection names `field` and that nothing was stored.
    async fn refused(&mut self, ops: Value, field: &str) {
        let r = self
            .c
            .rejected(
                &self.s,
                "canvas",
                "graph.apply",
                json!({"file_id": self.file, "ops": ops}),
                "validation",
            )
            .await;
        assert_eq!(r["error"]["details"]["field"], field, "{r}");
        let (after, _) = self
            .s
            .pull_all(&self.s.dev_token, "canvas", self.cursor)
            .await;
        assert!(
            after.is_empty(),
            "a refused batch stores nothing: {after:?}"
        );
    }

    async fn applied(&mut self, ops: Value) {
        self.c
            .ok(
                &self.s,
                "canvas",
                "graph.apply",
                json!({"file_id": self.file, "ops": ops}),
            )
            .await;
        let (_, cursor) = self.s.pull_all(&self.s.dev_token, "canvas", 0).await;
        self.cursor = cursor;
    }
}

fn node_op(n: Uuid, parent: Option<Uuid>) -> Value {
    let mut node = json!({"id": n, "type": "image", "position": {"x": 1, "y": 1}});
    if let Some(p) = parent {
        node["parent_id"] = json!(p);
    }
    json!({"op": "node.add", "node": node})
}

fn parent_op(n: Uuid, parent: Uuid) -> Value {
    json!({"op": "node.set", "id": n, "props": {"parent_id": parent}})
}

/// Issue 10, case 4: a duplicate node id within one batch (and an id already stored).
async fn duplicate_ids(b: common::Backend) {
    let mut g = canvas(b).await;
    let n = id();
    g.refused(
        json!([node_op(n, None), node_op(n, None)]),
        "ops[1].node.id",
    )
    .await;
    g.refused(json!([node_op(g.a, None)]), "ops[0].node.id")
        .await;
    let e = json!({"op": "edge.add", "edge": {"id": id(), "source": g.b, "target": g.c_node}});
    g.refused(json!([e, e]), "ops[1].edge.id").await;
}
db_test!(graph_duplicate_node_id_is_rejected, duplicate_ids);

/// Issue 10, case 4: an edge between nodes that are not in the graph.
async fn edge_to_missing_nodes(b: common::Backend) {
    let mut g = canvas(b).await;
    g.refused(
        json!([{"op": "edge.add", "edge": {"id": id(), "source": id(), "target": id()}}]),
        "ops[0].edge.source",
    )
    .await;
    g.refused(
        json!([{"op": "viewport.set", "viewport": {"x": 0, "y": 0, "zoom": 2}},
               {"op": "edge.add", "edge": {"id": id(), "source": g.a, "target": id()}}]),
        "ops[1].edge.target",
    )
    .await;
}
db_test!(
    graph_edge_between_missing_nodes_is_rejected,
    edge_to_missing_nodes
);

/// Issue 10, case 4: a parent that is not in the graph (node.add and node.set), and a
/// node.set of a node that is not there.
async fn parent_missing(b: common::Backend) {
    let mut g = canvas(b).await;
    g.refused(json!([node_op(id(), Some(id()))]), "ops[0].node.parent_id")
        .await;
    g.refused(json!([parent_op(g.a, id())]), "ops[0].props.parent_id")
        .await;
    g.refused(
        json!([{"op": "node.set", "id": id(), "props": {"hidden": true}}]),
        "ops[0].id",
    )
    .await;
    // A parent in the graph is fine.
    let child = id();
    g.applied(json!([node_op(child, Some(g.a))])).await;
    let (changes, _) = g.s.pull_all(&g.s.dev_token, "canvas", 0).await;
    let row = part_in(&changes, child, g.file).unwrap();
    assert_eq!(row["value"]["node"]["parent_id"], g.a.to_string());
}
db_test!(graph_missing_parent_is_rejected, parent_missing);

/// Issue 10, case 4: a parent cycle across two node.sets (two pushes, and one batch).
async fn parent_cycle(b: common::Backend) {
    let mut g = canvas(b).await;
    g.applied(json!([parent_op(g.a, g.b)])).await;
    g.refused(json!([parent_op(g.b, g.a)]), "ops[0].props.parent_id")
        .await;
    g.refused(
        json!([parent_op(g.b, g.c_node), parent_op(g.c_node, g.a)]),
        "ops[1].props.parent_id",
    )
    .await;
}
db_test!(graph_parent_cycle_is_rejected, parent_cycle);

/// Removing is idempotent, and a removed node takes its descendants and their edges.
async fn removal_rules(b: common::Backend) {
    let mut g = canvas(b).await;
    let (child, grandchild, e) = (id(), id(), id());
    g.applied(
        json!([node_op(child, Some(g.b)), node_op(grandchild, Some(child)),
        {"op": "edge.add", "edge": {"id": e, "source": grandchild, "target": g.c_node}}]),
    )
    .await;
    let before = g.cursor;
    g.applied(json!([{"op": "node.remove", "id": g.b}, {"op": "node.remove", "id": child}]))
        .await;
    let (after, _) = g.s.pull_all(&g.s.dev_token, "canvas", before).await;
    for gone in [g.b, child, grandchild, e] {
        let row = part_in(&after, gone, g.file).unwrap_or_else(|| panic!("{gone}"));
        assert_eq!(row["deleted"], true, "{row}");
    }
    assert!(part_in(&after, g.a, g.file).is_none(), "a stays untouched");
    // Removing what is gone changes nothing and is not an error.
    let before = g.cursor;
    g.applied(json!([{"op": "node.remove", "id": g.b}, {"op": "edge.remove", "id": e}]))
        .await;
    let (none, _) = g.s.pull_all(&g.s.dev_token, "canvas", before).await;
    assert!(none.is_empty(), "{none:?}");
}
db_test!(graph_removal_cascades_and_is_idempotent, removal_rules);
