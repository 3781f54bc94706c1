//! Edits near the size limits against the real server: two `applyOps` that are each
//! valid never coalesce into one mutation the server refuses, and an entry the server
//! refuses as too large never holds up the outbox behind it.

use super::support::*;
use super::sync::{device, pending, sync};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use studio_store::api::StudioStore;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

type Seen = Rc<RefCell<Vec<Value>>>;

/// Listens to `onRejected`; the closure must live as long as the test.
fn rejections(store: &StudioStore) -> (Seen, Closure<dyn FnMut(JsValue)>) {
    let seen: Seen = Rc::default();
    let sink = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |r: JsValue| sink.borrow_mut().push(json(&r)));
    let _stop = store.on_rejected(cb.as_ref().unchecked_ref::<js_sys::Function>().clone());
    (seen, cb)
}

/// One `node.set` per node, setting `prop` (`data` or `style`) to `kib` KiB.
fn sets(nodes: &[String], prop: &str, tag: &str, kib: usize) -> Value {
    let doc = json!({ "tag": tag, "fill": "x".repeat(kib * 1024) });
    Value::Array(
        nodes
            .iter()
            .map(|id| json!({ "op": "node.set", "id": id, "props": { prop: doc } }))
            .collect(),
    )
}

/// Two consecutive calls setting different properties of the same nodes, each just
/// under the per-call limit, then a later project: all of it reaches another device.
async fn two_big_calls_both_reach_the_server(nodes: usize, kib_each: usize) {
    let a = device(&fresh_name("big-a"), 'a').await;
    let (rejected, _cb) = rejections(&a);
    let (_, f) = project_and_file(&a).await;
    let ids: Vec<String> = (0..nodes).map(|_| uuid()).collect();
    let adds: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({ "op": "node.add", "node": node(id, i as f64) }))
        .collect();
    ok(a.canvas().apply_ops(js(f["id"].clone()), js(json!(adds)))).await;
    ok(a.canvas()
        .apply_ops(js(f["id"].clone()), js(sets(&ids, "data", "d", kib_each))))
    .await;
    ok(a.canvas()
        .apply_ops(js(f["id"].clone()), js(sets(&ids, "style", "s", kib_each))))
    .await;
    let later = ok(a.projects().create(js(json!({ "name": "Later" })))).await;

    let status = sync(&a).await;
    assert_eq!(status["state"], "synced", "{status}");
    assert_eq!(pending(&a).await, 0);
    let reasons: Vec<String> = rejected
        .borrow()
        .iter()
        .map(|r| format!("{} {}: {}", r["seq"], r["code"], r["message"]))
        .collect();
    assert_eq!(reasons, Vec::<String>::new(), "no edit was rejected");

    let b = device(&fresh_name("big-b"), 'a').await;
    sync(&b).await;
    let g = ok(b.canvas().get_graph(js(f["id"].clone()))).await;
    let got = g["nodes"].as_array().expect("nodes");
    assert_eq!(got.len(), nodes);
    for n in got {
        assert_eq!(n["data"]["tag"], "d", "the first call's edit");
        assert_eq!(n["style"]["tag"], "s", "the second call's edit");
    }
    assert_eq!(
        ok(b.projects().get(js(later["id"].clone()))).await["name"],
        "Later"
    );
}

#[wasm_bindgen_test]
async fn two_calls_of_450_kib_both_reach_the_server() {
    two_big_calls_both_reach_the_server(3, 150).await;
}

#[wasm_bindgen_test]
async fn two_calls_of_760_kib_both_reach_the_server() {
    two_big_calls_both_reach_the_server(4, 190).await;
}

/// A single entry too large for any push (its metadata is within the limit as text, but
/// every control character takes six bytes as JSON) is reported and dropped; what was
/// queued behind it still syncs.
#[wasm_bindgen_test]
async fn an_entry_the_server_refuses_as_too_large_is_reported_and_the_rest_syncs() {
    let a = device(&fresh_name("huge-a"), 'a').await;
    let (rejected, _cb) = rejections(&a);
    let huge = ok(a.projects().create(js(json!({
        "name": "Huge",
        "metadata": { "blob": "\u{1}".repeat(200 * 1024) }
    }))))
    .await;
    let later = ok(a.projects().create(js(json!({ "name": "After huge" })))).await;

    let status = sync(&a).await;
    assert_eq!(status["state"], "synced", "{status}");
    assert_eq!(pending(&a).await, 0);
    let seen = rejected.borrow().clone();
    let codes: Vec<&Value> = seen.iter().map(|r| &r["code"]).collect();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(seen[0]["code"], "payload_too_large");
    assert_eq!(seen[0]["name"], "project.create");
    assert_eq!(seen[0]["args"]["id"], huge["id"]);
    assert_eq!(
        ok(a.projects().get(js(huge["id"].clone()))).await,
        json!(null),
        "its effect is gone"
    );

    let b = device(&fresh_name("huge-b"), 'a').await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(later["id"].clone()))).await["name"],
        "After huge"
    );
    // And the store keeps syncing.
    let again = ok(a.projects().create(js(json!({ "name": "Later still" })))).await;
    sync(&a).await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(again["id"].clone()))).await["name"],
        "Later still"
    );
}
