//! Canvas graphs on the server: node and edge ids belong to their file (nobody's edit
//! in another file touches them), and the graph integrity rules of core's `GraphDoc`.

use crate::common::{self, id, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use studio_core::graph::{GraphDoc, GraphOp};
use studio_core::model::{Edge, Node};
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
    // Through a stored ancestor the batch does not name: c under a under b, then b
    // under c would close b → c → a → b.
    g.applied(json!([parent_op(g.c_node, g.a)])).await;
    g.refused(json!([parent_op(g.b, g.c_node)]), "ops[0].props.parent_id")
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

/// A small seeded generator, so a failing sequence can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One random op over a small pool of node and edge ids, so batches collide, nest,
/// re-parent, remove and reconnect often.
fn random_op(r: &mut Rng, nodes: &[Uuid], edges: &[Uuid]) -> Value {
    let node = |r: &mut Rng| nodes[r.below(nodes.len() as u64) as usize];
    match r.below(7) {
        0 | 1 => {
            let parent = (r.below(3) == 0).then(|| node(r));
            let mut op = node_op(node(r), parent);
            op["node"]["data"] = json!({"n": r.below(1000)});
            op
        }
        2 => {
            json!({"op": "node.set", "id": node(r), "props": {"position": {"x": r.below(500), "y": 1}}})
        }
        3 => parent_op(node(r), node(r)),
        4 => json!({"op": "node.remove", "id": node(r)}),
        5 => json!({"op": "edge.add", "edge": {"id": edges[r.below(edges.len() as u64) as usize],
                                                "source": node(r), "target": node(r)}}),
        _ => json!({"op": "edge.remove", "id": edges[r.below(edges.len() as u64) as usize]}),
    }
}

/// The graph as the `canvas_graphs_json` view shows it (the seed's shape).
async fn graph_in_view(s: &Server, file: Uuid) -> (Vec<Node>, Vec<Edge>) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&s.db.url).await.expect("connect");
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(nodes AS TEXT), CAST(connections AS TEXT) FROM canvas_graphs_json \
         WHERE CAST(file_id AS TEXT) = '{file}'"
    )))
    .fetch_one(&pool)
    .await
    .expect("the view has the graph");
    pool.close().await;
    let nodes = serde_json::from_str(&r.get::<String, _>(0)).expect("nodes");
    let edges = serde_json::from_str(&r.get::<String, _>(1)).expect("connections");
    (nodes, edges)
}

/// Issue 13, target 1: a batch reads and writes only the rows it needs, and the stored
/// graph stays exactly what core's merge rules make of the whole graph — every answer
/// (applied or refused) and the final graph, in draw order, through the seed's view.
async fn row_edits_match_the_whole_graph(b: common::Backend) {
    let s = Server::start(b).await;
    let mut c = Client::new(&s.dev_token);
    let (_, file) = project_with_file(&mut c, &s, false).await;
    let nodes: Vec<Uuid> = (0..10).map(|_| id()).collect();
    let edges: Vec<Uuid> = (0..6).map(|_| id()).collect();
    let seed = 0x5eed_0013_u64;
    let mut r = Rng(seed);
    let mut model = GraphDoc::default();
    for round in 0..120 {
        let ops: Vec<Value> = (0..1 + r.below(4))
            .map(|_| random_op(&mut r, &nodes, &edges))
            .collect();
        let parsed: Vec<GraphOp> = serde_json::from_value(json!(ops)).expect("ops");
        let mut next = model.clone();
        let fits = next.apply(&parsed).is_ok();
        let res = c
            .push(
                &s,
                "canvas",
                "graph.apply",
                json!({"file_id": file, "ops": ops}),
            )
            .await;
        let applied = res["status"] == "applied";
        assert_eq!(
            applied, fits,
            "seed {seed:#x}, round {round}: {ops:?} → {res}"
        );
        if fits {
            model = next;
        }
    }
    let (stored_nodes, stored_edges) = graph_in_view(&s, file).await;
    let want: Vec<Node> = model.ordered_nodes().into_iter().cloned().collect();
    assert_eq!(stored_nodes, want, "seed {seed:#x}: nodes in draw order");
    let want: Vec<Edge> = model.edges.values().cloned().collect();
    assert_eq!(stored_edges, want, "seed {seed:#x}: connections");
    assert!(!model.nodes.is_empty(), "the sequence keeps some nodes");
}
db_test!(
    graph_row_edits_match_the_whole_graph,
    row_edits_match_the_whole_graph
);

/// The migration files in order, to run by hand on a fresh database.
fn migrations(b: common::Backend) -> [&'static str; 5] {
    match b {
        common::Backend::Sqlite => [
            include_str!("../../migrations/sqlite/0001_schema.sql"),
            include_str!("../../migrations/sqlite/0002_client_rejections.sql"),
            include_str!("../../migrations/sqlite/0003_changes_keyed_by_scope.sql"),
            include_str!("../../migrations/sqlite/0004_project_slug_per_owner.sql"),
            include_str!("../../migrations/sqlite/0005_graph_rows.sql"),
        ],
        common::Backend::Postgres => [
            include_str!("../../migrations/postgres/0001_schema.sql"),
            include_str!("../../migrations/postgres/0002_client_rejections.sql"),
            include_str!("../../migrations/postgres/0003_changes_keyed_by_scope.sql"),
            include_str!("../../migrations/postgres/0004_project_slug_per_owner.sql"),
            include_str!("../../migrations/postgres/0005_graph_rows.sql"),
        ],
    }
}

/// Issue 13: the move to a row per node and per edge keeps every stored node and edge
/// (of two with one id, the later, as reading the arrays did), in draw order in the view.
async fn graph_rows_migration_keeps_graphs(b: common::Backend) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let db = common::TestDb::new(b);
    let url = match b {
        common::Backend::Sqlite => format!("{}?mode=rwc", db.url),
        common::Backend::Postgres => db.url.clone(),
    };
    let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
    let [m1, m2, m3, m4, m5] = migrations(b);
    for sql in [m1, m2, m3, m4] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("earlier schema");
    }
    let (u, p, f, g) = (id(), id(), id(), id());
    let (n1, n2, e1) = (id(), id(), id());
    let nodes = json!([
        {"id": n1, "type": "image", "position": {"x": 0, "y": 0}, "data": {}, "z": "a1"},
        {"id": n2, "type": "group", "position": {"x": 1, "y": 0}, "data": {"old": true}, "z": "a0"},
        {"id": n2, "type": "group", "position": {"x": 2, "y": 0}, "data": {"new": true}, "z": "a0"},
    ]);
    let edges = json!([{"id": e1, "source": n1, "target": n2}]);
    let setup = format!(
        "INSERT INTO users (id, email, created_at) VALUES ('{u}', 'm@test.local', 0);
         INSERT INTO projects (id, user_id, name, slug, created_at, updated_at)
           VALUES ('{p}', '{u}', 'P', 'p', 0, 0);
         INSERT INTO canvas_files (id, project_id, user_id, name, slug, created_at, updated_at)
           VALUES ('{f}', '{p}', '{u}', 'F', 'f', 0, 0);
         INSERT INTO canvas_graphs (id, file_id, project_id, user_id, nodes, connections, created_at, updated_at)
           VALUES ('{g}', '{f}', '{p}', '{u}', '{nodes}', '{edges}', 0, 0);"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(setup))
        .execute(&pool)
        .await
        .expect("a graph");
    sqlx::raw_sql(sqlx::AssertSqlSafe(m5))
        .execute(&pool)
        .await
        .expect("0005");
    let r = sqlx::query(
        "SELECT CAST(nodes AS TEXT), CAST(connections AS TEXT) FROM canvas_graphs_json",
    )
    .fetch_one(&pool)
    .await
    .expect("the view");
    pool.close().await;
    let nodes: Vec<Node> = serde_json::from_str(&r.get::<String, _>(0)).expect("nodes");
    let edges: Vec<Edge> = serde_json::from_str(&r.get::<String, _>(1)).expect("edges");
    assert_eq!(
        nodes.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![n2, n1],
        "draw order"
    );
    assert_eq!(
        nodes[0].data.get("new"),
        Some(&json!(true)),
        "the later copy"
    );
    assert_eq!(edges.len(), 1);
    assert_eq!((edges[0].id, edges[0].source), (e1, n1));
}
db_test!(
    graph_rows_migration_keeps_every_node_and_edge,
    graph_rows_migration_keeps_graphs
);
