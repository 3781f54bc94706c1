//! Bad input from JS gets a `validation` error (never a panic) and writes nothing.

use super::support::*;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn every_class_of_bad_input_is_a_validation_error() {
    let store = open(&fresh_name("bad")).await;
    let (p, f) = project_and_file(&store).await;
    let huge = "x".repeat(300_000);
    let cases = vec![
        ("wrong type", store.projects().create(js(json!({ "name": 42 })))),
        ("missing field", store.projects().create(js(json!({ "slug": "nameless" })))),
        ("unknown field", store.projects().create(js(json!({ "name": "A", "owner": "me" })))),
        ("not an object", store.projects().create(JsValue::from_str("Villa"))),
        ("undefined", store.projects().create(JsValue::UNDEFINED)),
        ("malformed uuid", store.canvas().create_file(js(json!({ "projectId": "not-a-uuid", "name": "A" })))),
        ("malformed uuid argument", store.canvas().get_graph(JsValue::from_str("1234"))),
        ("number as id", store.canvas().get_graph(JsValue::from_f64(7.0))),
        ("huge name", store.projects().create(js(json!({ "name": "n".repeat(201) })))),
        ("huge metadata", store.projects().create(js(json!({ "name": "A", "metadata": { "blob": huge } })))),
        ("bad slug", store.projects().create(js(json!({ "name": "A", "slug": "Not A Slug" })))),
        ("unknown enum", store.projects().update(js(p["id"].clone()), js(json!({ "status": "deleted" })))),
        ("unknown op", store.canvas().apply_ops(js(f["id"].clone()), js(json!([{ "op": "node.explode", "id": uuid() }])))),
        ("nan coordinate", store.canvas().apply_ops(js(f["id"].clone()), js(json!([{ "op": "node.add", "node": { "id": uuid(), "type": "image", "position": { "x": "far", "y": 0 } } }])))),
        ("empty batch", store.canvas().apply_ops(js(f["id"].clone()), js(json!([])))),
        ("bad z", store.canvas().apply_ops(js(f["id"].clone()), js(json!([{ "op": "node.add", "node": { "id": uuid(), "type": "image", "position": { "x": 0, "y": 0 }, "z": "!!" } }])))),
        ("batch too big for one push", {
            // 4 × 200 KB nodes: each valid, together more than one request can carry.
            let big = "x".repeat(200_000);
            let ops: Vec<_> = (0..4)
                .map(|i| json!({ "op": "node.add", "node": { "id": uuid(), "type": "note", "position": { "x": i, "y": 0 }, "data": { "text": big } } }))
                .collect();
            store.canvas().apply_ops(js(f["id"].clone()), js(json!(ops)))
        }),
        // PostgreSQL cannot store NUL: refused here already, as the server refuses it.
        ("nul in metadata", store.projects().create(js(json!({ "name": "A", "metadata": { "k": "a\u{0}b" } })))),
        ("nul in a key", store.canvas().create_file(js(json!({ "projectId": p["id"], "name": "A", "metadata": { "k\u{0}": 1 } })))),
        ("nul in node data", store.canvas().apply_ops(js(f["id"].clone()), js(json!([{ "op": "node.add", "node": { "id": uuid(), "type": "image", "position": { "x": 0, "y": 0 }, "data": { "label": "\u{0}" } } }])))),
        ("too many images", store.apps().create_execution(js(json!({ "toolSlug": "style-transfer", "projectId": p["id"], "inputImages": vec!["a"; 17] })))),
    ];
    for (what, promise) in cases {
        let e = fails(promise, "validation").await;
        assert!(
            !e["message"].as_str().unwrap_or_default().is_empty(),
            "{what}: no message"
        );
    }
    // Nothing of it was written.
    assert_eq!(
        ok(store.projects().list()).await.as_array().unwrap().len(),
        1
    );
    assert_eq!(
        ok(store.canvas().get_graph(js(f["id"].clone()))).await["nodes"],
        json!([])
    );
}

#[wasm_bindgen_test]
async fn a_batch_with_one_bad_op_writes_nothing() {
    let store = open(&fresh_name("atomic")).await;
    let (_, f) = project_and_file(&store).await;
    let good = uuid();
    let e = fails(
        store.canvas().apply_ops(js(f["id"].clone()), js(json!([
            { "op": "node.add", "node": node(&good, 1.0) },
            { "op": "node.set", "id": good, "props": { "position": { "x": 1, "y": 2 }, "colour": "red" } },
        ]))),
        "validation",
    )
    .await;
    assert!(e["message"].as_str().unwrap().contains("colour"), "{e}");
    let e = fails(
        store.canvas().apply_ops(
            js(f["id"].clone()),
            js(json!([
                { "op": "node.add", "node": node(&good, 1.0) },
                { "op": "node.set", "id": good, "props": { "width": -5 } },
            ])),
        ),
        "validation",
    )
    .await;
    assert!(e["message"].as_str().unwrap().starts_with("ops[1]"), "{e}");
    assert_eq!(
        ok(store.canvas().get_graph(js(f["id"].clone()))).await["nodes"],
        json!([])
    );
}

#[wasm_bindgen_test]
async fn watch_rejects_unknown_topics() {
    let store = open(&fresh_name("watchbad")).await;
    let cb = js_sys::Function::new_no_args("");
    let err = store
        .watch(JsValue::from_str("everything"), JsValue::NULL, cb.clone())
        .expect_err("an unknown topic");
    assert_eq!(error_json(&err)["code"], "validation");
    let err = store
        .watch(JsValue::from_str("canvas"), JsValue::from_str("nope"), cb)
        .expect_err("an unknown topic");
    assert_eq!(error_json(&err)["code"], "validation");
}
