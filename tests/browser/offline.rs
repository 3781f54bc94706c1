//! A store used without a server (no `serverUrl`: not configured, or the app opened
//! offline) records its edits for sync like any other, so once it is opened with a
//! server it pushes everything it holds. Against the real server, as `sync.rs`.

use super::support::*;
use super::sync::{device, pending, sync};
use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn a_store_first_used_local_only_pushes_everything_once_it_has_a_server() {
    let name = fresh_name("local-first");
    let local = open(&name).await;
    let slug = format!("local-first-{}", &uuid()[..8]);
    let p = ok(local
        .projects()
        .create(js(json!({ "name": "Made offline", "slug": slug }))))
    .await;
    let f = ok(local
        .canvas()
        .create_file(js(json!({ "projectId": p["id"], "name": "Ground floor" }))))
    .await;
    let (n1, n2, e) = (uuid(), uuid(), uuid());
    ok(local.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([
            { "op": "node.add", "node": node(&n1, 1.0) },
            { "op": "node.add", "node": node(&n2, 2.0) },
            { "op": "edge.add", "edge": { "id": e, "source": n1, "target": n2 } },
        ])),
    ))
    .await;
    ok(local.close()).await;

    let a = device(&name, 'a').await;
    assert_eq!(
        pending(&a).await,
        3,
        "project, file and ops wait to be pushed"
    );
    assert_eq!(sync(&a).await["state"], "synced");
    assert_eq!(pending(&a).await, 0);

    let b = device(&fresh_name("local-first-b"), 'a').await;
    sync(&b).await;
    let pb = ok(b.projects().get(js(p["id"].clone()))).await;
    assert_eq!(pb["name"], "Made offline");
    let fb = ok(b
        .canvas()
        .file_by_slug(pb["slug"].as_str().unwrap().into(), "ground-floor".into()))
    .await;
    assert_eq!(fb["id"], f["id"]);
    let g = ok(b.canvas().get_graph(js(f["id"].clone()))).await;
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [n1.as_str(), n2.as_str()]);
    assert_eq!(g["nodes"][1]["position"]["x"], 2);
    assert_eq!(g["connections"][0]["id"], e);
}

/// A synced store, edited while opened local-only, then synced again after another
/// device changed the same row: the local edit is pushed and the other kept, rather
/// than the pulled row landing over an edit that had no base to rebase on.
#[wasm_bindgen_test]
async fn a_local_only_edit_of_a_synced_row_is_not_overwritten_by_a_pull() {
    let name = fresh_name("local-edit");
    let a = device(&name, 'a').await;
    let p = ok(a.projects().create(js(json!({ "name": "Before" })))).await;
    sync(&a).await;
    ok(a.close()).await;

    let local = open(&name).await;
    ok(local.projects().update(
        js(p["id"].clone()),
        js(json!({ "name": "Renamed offline" })),
    ))
    .await;
    ok(local.close()).await;

    let other = device(&fresh_name("local-edit-other"), 'a').await;
    sync(&other).await;
    ok(other.projects().update(
        js(p["id"].clone()),
        js(json!({ "description": "from another device" })),
    ))
    .await;
    sync(&other).await;

    let a = device(&name, 'a').await;
    sync(&a).await;
    let got = ok(a.projects().get(js(p["id"].clone()))).await;
    assert_eq!(got["name"], "Renamed offline");
    assert_eq!(got["description"], "from another device");
    sync(&other).await;
    let theirs = ok(other.projects().get(js(p["id"].clone()))).await;
    assert_eq!(theirs["name"], "Renamed offline");
}

/// What an earlier session left in the outbox is in the status from the start, not
/// only after the first round.
#[wasm_bindgen_test]
async fn the_status_counts_what_is_pending_at_open() {
    let name = fresh_name("pending-open");
    let a = device(&name, 'a').await;
    ok(a.projects().create(js(json!({ "name": "Waiting" })))).await;
    ok(a.projects().create(js(json!({ "name": "Waiting too" })))).await;
    ok(a.close()).await;

    let again = device(&name, 'a').await;
    let status = json(&again.sync().status());
    assert_eq!(status["pending"], 2, "{status}");
    assert_eq!(status["round"], 0, "no round has run: {status}");
    sync(&again).await;
    assert_eq!(json(&again.sync().status())["pending"], 0);
}
