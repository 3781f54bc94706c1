//! Losing access to a project removes all of it from the reader's pulls, on every
//! platform: a client that had synced it all holds none of it afterwards, whether the
//! project went private or was deleted.

use crate::common::{self, id, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

const PLATFORMS: [&str; 4] = ["projects", "canvas", "apps", "render"];

/// What a client holds after applying pulls the way the protocol says: a row per
/// (entity, id), a tombstone drops it, and a file's tombstone drops the file's nodes
/// and edges (they travel scoped to their file).
#[derive(Default)]
struct Replica {
    rows: BTreeMap<(String, String), Value>,
    cursors: HashMap<&'static str, u64>,
}

impl Replica {
    async fn sync(&mut self, s: &Server, token: &str) {
        for platform in PLATFORMS {
            let cursor = self.cursors.get(platform).copied().unwrap_or(0);
            let (changes, next) = s.pull_all(token, platform, cursor).await;
            self.cursors.insert(platform, next);
            for c in changes {
                self.apply(&c);
            }
        }
    }

    fn apply(&mut self, c: &Value) {
        let entity = c["entity"].as_str().unwrap().to_owned();
        let id = c["id"].as_str().unwrap().to_owned();
        if c["deleted"] == true {
            if entity == "canvas_file" {
                self.rows.retain(|(e, _), v| {
                    !(matches!(e.as_str(), "canvas_node" | "canvas_edge") && v["file_id"] == id)
                });
            }
            self.rows.remove(&(entity, id));
        } else {
            self.rows.insert((entity, id), c["value"].clone());
        }
    }

    fn holds(&self, entity: &str, id: Uuid) -> bool {
        self.rows.contains_key(&(entity.to_owned(), id.to_string()))
    }
}

/// A's project with something on every platform: (entity, id) of each row.
async fn populate(s: &Server, a: &mut Client, p: Uuid) -> Vec<(&'static str, Uuid)> {
    let tool = s.tool_id("render-to-floor-plan").await;
    let (f, n1, n2, e, exec, chain, render) = (id(), id(), id(), id(), id(), id(), id());
    a.ok(
        s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Shared", "is_public": true}),
    )
    .await;
    a.ok(
        s,
        "canvas",
        "file.create",
        json!({"id": f, "project_id": p, "name": "Plan"}),
    )
    .await;
    let node = |n| json!({"op": "node.add", "node": {"id": n, "type": "image", "position": {"x": 0, "y": 0}}});
    a.ok(
        s,
        "canvas",
        "graph.apply",
        json!({"file_id": f, "ops": [node(n1), node(n2),
        {"op": "edge.add", "edge": {"id": e, "source": n1, "target": n2}}]}),
    )
    .await;
    a.ok(
        s,
        "apps",
        "execution.create",
        json!({"id": exec, "tool_id": tool, "project_id": p,
        "input_images": ["/a.png"], "input_settings": {"floorPlanType": "2d-lines"}}),
    )
    .await;
    a.ok(
        s,
        "render",
        "chain.create",
        json!({"id": chain, "project_id": p, "name": "Chat"}),
    )
    .await;
    a.ok(
        s,
        "render",
        "render.create",
        json!({"id": render, "project_id": p, "chain_id": chain,
        "type": "image", "prompt": "p"}),
    )
    .await;
    // The runner's output render belongs to the project too.
    let output = common::eventually(20, || async {
        let v = s.state_of(&s.dev_token, "apps", exec).await?;
        (v["status"] == "completed").then(|| v["output_render_id"].as_str().map(str::to_owned))?
    })
    .await;
    let graph = studio_core::ids::graph_id_for(f);
    vec![
        ("project", p),
        ("canvas_file", f),
        ("canvas_graph", graph),
        ("canvas_node", n1),
        ("canvas_node", n2),
        ("canvas_edge", e),
        ("tool_execution", exec),
        ("render_chain", chain),
        ("render", render),
        ("render", output.parse().unwrap()),
    ]
}

async fn lose_access(b: common::Backend, how: &str) {
    let s = Server::start(b).await;
    let mut a = Client::new(&s.dev_token);
    let p = id();
    let rows = populate(&s, &mut a, p).await;
    let b_token = s.db.token("bob@example.com");
    let mut bob = Replica::default();
    bob.sync(&s, &b_token).await;
    for (entity, id) in &rows {
        assert!(bob.holds(entity, *id), "bob synced {entity} {id}");
    }

    match how {
        "private" => {
            a.ok(
                &s,
                "projects",
                "project.update",
                json!({"id": p, "is_public": false}),
            )
            .await
        }
        _ => {
            a.ok(&s, "projects", "project.delete", json!({"id": p}))
                .await
        }
    }
    bob.sync(&s, &b_token).await;
    for (entity, id) in &rows {
        assert!(
            !bob.holds(entity, *id),
            "{how}: bob still holds {entity} {id}"
        );
    }
    // A new client of bob gets nothing of it either, on any platform.
    let mut fresh = Replica::default();
    fresh.sync(&s, &b_token).await;
    assert!(
        !rows.iter().any(|(entity, id)| fresh.holds(entity, *id)),
        "{how}: {:?}",
        fresh.rows
    );
    if how == "private" {
        // The owner keeps it all; public again, bob gets it all back.
        let mut owner = Replica::default();
        owner.sync(&s, &s.dev_token).await;
        for (entity, id) in &rows {
            assert!(owner.holds(entity, *id), "the owner keeps {entity} {id}");
        }
        a.ok(
            &s,
            "projects",
            "project.update",
            json!({"id": p, "is_public": true}),
        )
        .await;
        bob.sync(&s, &b_token).await;
        for (entity, id) in &rows {
            assert!(
                bob.holds(entity, *id),
                "public again: bob gets {entity} {id}"
            );
        }
        // And private once more drops it again.
        a.ok(
            &s,
            "projects",
            "project.update",
            json!({"id": p, "is_public": false}),
        )
        .await;
        bob.sync(&s, &b_token).await;
        assert!(!rows.iter().any(|(entity, id)| bob.holds(entity, *id)));
    }
}

async fn went_private(b: common::Backend) {
    lose_access(b, "private").await;
}
db_test!(revoked_on_every_platform, went_private);

async fn deleted(b: common::Backend) {
    lose_access(b, "delete").await;
}
db_test!(deleted_on_every_platform, deleted);
