//! The Figma file model and graph ops.

use super::support::*;
use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn files_have_unique_slugs_and_one_graph() {
    let store = open(&fresh_name("files")).await;
    let (p, f) = project_and_file(&store).await;
    assert_eq!(f["slug"], "ground-floor");
    let g = ok(store.canvas().get_graph(js(f["id"].clone()))).await;
    assert_eq!(g["file_id"], f["id"], "the graph is created with its file");
    assert_eq!(g["nodes"], json!([]));
    assert_eq!(g["viewport"], json!({ "x": 0, "y": 0, "zoom": 1 }));

    let f2 = ok(store
        .canvas()
        .create_file(js(json!({ "projectId": p["id"], "name": "Ground floor" }))))
    .await;
    assert_eq!(f2["slug"], "ground-floor-2");
    fails(
        store.canvas().create_file(js(
            json!({ "projectId": p["id"], "name": "X", "slug": "ground-floor" }),
        )),
        "slug_taken",
    )
    .await;

    // Renaming keeps the slug (links stay valid) unless a new one is asked for.
    let renamed = ok(store
        .canvas()
        .update_file(js(f["id"].clone()), js(json!({ "name": "Level 0" }))))
    .await;
    assert_eq!(renamed["name"], "Level 0");
    assert_eq!(renamed["slug"], "ground-floor");
    fails(
        store
            .canvas()
            .update_file(js(f["id"].clone()), js(json!({ "slug": "ground-floor-2" }))),
        "slug_taken",
    )
    .await;
    let reslugged = ok(store
        .canvas()
        .update_file(js(f["id"].clone()), js(json!({ "slug": "level-0" }))))
    .await;
    assert_eq!(reslugged["slug"], "level-0");

    let by_slug = ok(store
        .canvas()
        .file_by_slug(p["slug"].as_str().unwrap().into(), "level-0".into()))
    .await;
    assert_eq!(by_slug["id"], f["id"]);
    assert_eq!(
        ok(store
            .canvas()
            .file_by_slug(p["slug"].as_str().unwrap().into(), "ground-floor".into()))
        .await,
        json!(null)
    );
    assert_eq!(
        ok(store.canvas().files_by_project(js(p["id"].clone())))
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );

    ok(store.canvas().delete_file(js(f["id"].clone()))).await;
    assert_eq!(
        ok(store.canvas().get_graph(js(f["id"].clone()))).await,
        json!(null),
        "the graph goes with its file"
    );
    assert_eq!(
        ok(store.canvas().files_by_project(js(p["id"].clone())))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    fails(
        store
            .canvas()
            .create_file(js(json!({ "projectId": uuid(), "name": "Orphan" }))),
        "not_found",
    )
    .await;
}

#[wasm_bindgen_test]
async fn graph_ops_apply_property_by_property() {
    let store = open(&fresh_name("ops")).await;
    let (_, f) = project_and_file(&store).await;
    let fid = f["id"].clone();
    let (a, b, e) = (uuid(), uuid(), uuid());
    ok(store.canvas().apply_ops(
        js(fid.clone()),
        js(json!([
            { "op": "node.add", "node": node(&a, 0.0) },
            { "op": "node.add", "node": node(&b, 5.0) },
            { "op": "edge.add", "edge": { "id": e, "source": a, "target": b } },
            { "op": "viewport.set", "viewport": { "x": 10, "y": 20, "zoom": 2 } },
        ])),
    ))
    .await;
    ok(store.canvas().apply_ops(
        js(fid.clone()),
        js(json!([{ "op": "node.set", "id": a, "props": { "position": { "x": 10, "y": 20 } } }])),
    ))
    .await;
    ok(store.canvas().apply_ops(
        js(fid.clone()),
        js(json!([{ "op": "node.set", "id": a, "props": { "data": { "prompt": "roof" } } }])),
    ))
    .await;
    let g = ok(store.canvas().get_graph(js(fid.clone()))).await;
    let nodes = g["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0]["id"], a, "draw order: a was added first");
    assert_eq!(
        nodes[0]["position"],
        json!({ "x": 10, "y": 20 }),
        "the later data edit kept the move"
    );
    assert_eq!(nodes[0]["data"], json!({ "prompt": "roof" }));
    assert!(nodes[0]["z"].as_str().unwrap() < nodes[1]["z"].as_str().unwrap());
    assert_eq!(g["connections"].as_array().unwrap().len(), 1);
    assert_eq!(g["viewport"]["zoom"], 2.0);

    // An op that does not fit the graph refuses its whole batch, naming the op, and
    // changes nothing (core's graph rules, the same the server applies).
    let missing = uuid();
    for (bad, field) in [
        (
            json!([{ "op": "node.remove", "id": b }, { "op": "node.set", "id": b, "props": { "hidden": true } }]),
            "ops[1].id",
        ),
        (
            json!([{ "op": "edge.add", "edge": { "id": uuid(), "source": a, "target": missing } }]),
            "ops[0].edge.target",
        ),
        (
            json!([{ "op": "node.add", "node": node(&missing, 0.0) }, { "op": "node.add", "node": node(&missing, 1.0) }]),
            "ops[1].node.id",
        ),
        (
            json!([{ "op": "node.set", "id": a, "props": { "parent_id": missing } }]),
            "ops[0].props.parent_id",
        ),
        (
            json!([{ "op": "node.set", "id": a, "props": { "parent_id": b } }, { "op": "node.set", "id": b, "props": { "parent_id": a } }]),
            "ops[1].props.parent_id",
        ),
    ] {
        let e = fails(
            store.canvas().apply_ops(js(fid.clone()), js(bad)),
            "validation",
        )
        .await;
        let message = e["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(&format!("{field}: ")), "{e}");
    }
    let g = ok(store.canvas().get_graph(js(fid.clone()))).await;
    assert_eq!(
        g["nodes"].as_array().unwrap().len(),
        2,
        "refused batches change nothing"
    );
    assert_eq!(g["connections"].as_array().unwrap().len(), 1);
    // Removing a node removes its edges.
    ok(store.canvas().apply_ops(
        js(fid.clone()),
        js(json!([{ "op": "node.remove", "id": b }])),
    ))
    .await;
    let g = ok(store.canvas().get_graph(js(fid.clone()))).await;
    assert_eq!(g["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(g["connections"], json!([]));
    fails(
        store.canvas().apply_ops(
            js(json!(uuid())),
            js(json!([{ "op": "node.add", "node": node(&uuid(), 0.0) }])),
        ),
        "not_found",
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_large_graph_round_trips() {
    let store = open(&fresh_name("large")).await;
    let (_, f) = project_and_file(&store).await;
    let ids: Vec<String> = (0..2_000).map(|_| uuid()).collect();
    let ops: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({ "op": "node.add", "node": node(id, i as f64) }))
        .collect();
    ok(store
        .canvas()
        .apply_ops(js(f["id"].clone()), js(json!(ops))))
    .await;
    let edges: Vec<_> = ids.windows(2).take(1_000).map(|w| json!({ "op": "edge.add", "edge": { "id": uuid(), "source": w[0], "target": w[1] } })).collect();
    ok(store
        .canvas()
        .apply_ops(js(f["id"].clone()), js(json!(edges))))
    .await;
    let g = ok(store.canvas().get_graph(js(f["id"].clone()))).await;
    let nodes = g["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2_000);
    let order: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(order, expected, "nodes come back in insertion (z) order");
    assert_eq!(g["connections"].as_array().unwrap().len(), 1_000);
}

/// Edits that outgrow one `applyOps` (by size, or by op count) are refused whole;
/// `splitOps` cuts them into batches that each fit, and applied in order they hold all.
#[wasm_bindgen_test]
async fn split_ops_cuts_an_oversized_batch_into_batches_that_fit() {
    let store = open(&fresh_name("split")).await;
    let (_, f) = project_and_file(&store).await;
    let fid = js(f["id"].clone());
    let text = "x".repeat(200_000);
    let big: Vec<_> = (0..5)
        .map(|_| json!({ "op": "node.add", "node": { "id": uuid(), "type": "note", "position": { "x": 0, "y": 0 }, "data": { "text": text } } }))
        .collect();
    let many: Vec<_> = (0..10_001)
        .map(|i| json!({ "op": "viewport.set", "viewport": { "x": i, "y": 0, "zoom": 1 } }))
        .collect();
    // Three 200 KB nodes fit in one call's 768 KiB, four do not; 10 000 ops fit, 10 001 not.
    for (ops, expected) in [(big, vec![3, 2]), (many, vec![10_000, 1])] {
        fails(
            store.canvas().apply_ops(fid.clone(), js(json!(ops))),
            "validation",
        )
        .await;
        let batches = store
            .canvas()
            .split_ops(js(json!(ops)))
            .map_err(|e| error_json(&e))
            .expect("split");
        let sizes: Vec<u32> = batches
            .iter()
            .map(|b| js_sys::Array::from(&b).length())
            .collect();
        assert_eq!(sizes, expected);
        for batch in batches.iter() {
            ok(store.canvas().apply_ops(fid.clone(), batch)).await;
        }
    }
    let g = ok(store.canvas().get_graph(fid)).await;
    assert_eq!(g["nodes"].as_array().unwrap().len(), 5);
    assert_eq!(g["viewport"]["x"], 10_000, "applied in order");

    let err = store
        .canvas()
        .split_ops(js(json!([{ "op": "node.fly" }])))
        .map_err(|e| error_json(&e))
        .expect_err("not ops");
    assert_eq!(err["code"], "validation", "{err}");
}
