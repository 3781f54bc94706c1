//! Every mutation name applies and shows up in pulls as the right entity.

use crate::common::{self, id, latest, Client, Server};
use crate::db_test;
use serde_json::json;

async fn every_mutation(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let mut c = Client::new(&t);
    let (p, f, n1, n2, e1) = (id(), id(), id(), id(), id());

    // projects
    c.ok(&s, "projects", "project.create", json!({"id": p, "name": "Villa Rosa", "tags": ["villa"], "metadata": {"isToolsProject": false}})).await;
    c.ok(
        &s,
        "projects",
        "project.update",
        json!({"id": p, "description": "Lake house", "status": "archived"}),
    )
    .await;
    let pv = s.state_of(&t, "projects", p).await.unwrap();
    assert_eq!(
        (
            pv["slug"].as_str(),
            pv["description"].as_str(),
            pv["status"].as_str()
        ),
        (Some("villa-rosa"), Some("Lake house"), Some("archived"))
    );
    assert!(pv["user_id"].is_string());

    // canvas: a file comes with its graph
    c.ok(
        &s,
        "canvas",
        "file.create",
        json!({"id": f, "project_id": p, "name": "Ground floor"}),
    )
    .await;
    c.ok(
        &s,
        "canvas",
        "file.update",
        json!({"id": f, "description": "plan", "thumbnail_url": "/t.png"}),
    )
    .await;
    c.ok(&s, "canvas", "graph.apply", json!({"file_id": f, "ops": [
        {"op": "node.add", "node": {"id": n1, "type": "image", "position": {"x": 0, "y": 0}, "data": {"src": "/a.png"}}},
        {"op": "node.add", "node": {"id": n2, "type": "prompt", "position": {"x": 100, "y": 0}}},
        {"op": "edge.add", "edge": {"id": e1, "source": n1, "target": n2}},
        {"op": "node.set", "id": n1, "props": {"position": {"x": 10, "y": 20}}},
        {"op": "viewport.set", "viewport": {"x": 5, "y": 6, "zoom": 2}},
    ]})).await;
    // Property-level merge: another client edits data while this one moved the node.
    let mut c2 = Client::new(&t);
    c2.ok(
        &s,
        "canvas",
        "graph.apply",
        json!({"file_id": f, "ops": [
        {"op": "node.set", "id": n1, "props": {"data": {"src": "/b.png"}}}]}),
    )
    .await;
    // Removing a node takes its edges; ops on it afterwards do not fit (tests/server/graph.rs).
    c.ok(
        &s,
        "canvas",
        "graph.apply",
        json!({"file_id": f, "ops": [{"op": "node.remove", "id": n2}]}),
    )
    .await;
    let (changes, _) = s.pull_all(&t, "canvas", 0).await;
    let file = latest(&changes, f).unwrap();
    assert_eq!(
        (file["slug"].as_str(), file["description"].as_str()),
        (Some("ground-floor"), Some("plan"))
    );
    let graph_id = changes
        .iter()
        .find(|c| c["entity"] == "canvas_graph")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let graph = latest(&changes, graph_id).unwrap();
    assert_eq!(graph["file_id"], f.to_string());
    assert_eq!(graph["viewport"]["zoom"], 2.0);
    assert_eq!(graph["version"], 4);
    let node = latest(&changes, n1).unwrap();
    assert_eq!(node["file_id"], f.to_string());
    assert_eq!(node["node"]["position"]["x"], 10.0);
    assert_eq!(node["node"]["data"]["src"], "/b.png");
    assert!(node["node"]["z"].is_string(), "z assigned on add");
    assert!(
        latest(&changes, n2).is_none(),
        "removed node is a tombstone"
    );
    let n2_tomb = changes.iter().rfind(|c| c["id"] == n2.to_string()).unwrap();
    assert_eq!(n2_tomb["value"], json!({"file_id": f}));
    assert!(latest(&changes, e1).is_none(), "edge went with its node");

    // apps
    let tool = s.tool_id("render-to-floor-plan").await;
    let (ex, tpl) = (id(), id());
    c.ok(
        &s,
        "apps",
        "execution.create",
        json!({"id": ex, "tool_id": tool, "project_id": p,
        "input_images": ["/in.png"], "input_settings": {"floorPlanType": "2d-colored"}}),
    )
    .await;
    c.ok(
        &s,
        "apps",
        "execution.replay",
        json!({"id": id(), "source_execution_id": ex}),
    )
    .await;
    c.ok(&s, "apps", "template.upsert", json!({"id": tpl, "tool_id": tool, "name": "Mine", "settings": {"floorPlanType": "3d-cutaway"}})).await;
    c.ok(&s, "apps", "template.delete", json!({"id": tpl}))
        .await;
    let (apps, _) = s.pull_all(&t, "apps", 0).await;
    assert!(latest(&apps, ex).is_some());
    assert!(latest(&apps, tpl).is_none());
    assert_eq!(apps.iter().filter(|c| c["entity"] == "tool").count(), 12);

    // render
    let chain = id();
    let (r1, r2) = (id(), id());
    c.ok(
        &s,
        "render",
        "chain.create",
        json!({"id": chain, "project_id": p, "name": "Chat"}),
    )
    .await;
    c.ok(
        &s,
        "render",
        "render.create",
        json!({"id": r1, "project_id": p, "chain_id": chain, "type": "image", "prompt": "a villa"}),
    )
    .await;
    c.ok(&s, "render", "render.create", json!({"id": r2, "project_id": p, "chain_id": chain, "type": "video", "prompt": "fly around"})).await;
    let (renders, _) = s.pull_all(&t, "render", 0).await;
    assert_eq!(latest(&renders, chain).unwrap()["name"], "Chat");
    assert_eq!(latest(&renders, r1).unwrap()["chain_position"], 0);
    assert_eq!(latest(&renders, r2).unwrap()["chain_position"], 1);

    // deletes
    c.ok(&s, "canvas", "file.delete", json!({"id": f})).await;
    let (changes, _) = s.pull_all(&t, "canvas", 0).await;
    assert!(latest(&changes, f).is_none() && latest(&changes, graph_id).is_none());
    assert!(
        !changes.iter().any(|c| c["entity"] == "canvas_node"),
        "node rows of a deleted file are dropped"
    );
    c.ok(&s, "projects", "project.delete", json!({"id": p}))
        .await;
    assert!(s.state_of(&t, "projects", p).await.is_none());
    let (renders, _) = s.pull_all(&t, "render", 0).await;
    assert!(latest(&renders, chain).is_none() && latest(&renders, r1).is_none());
}
db_test!(every_mutation_applies, every_mutation);
