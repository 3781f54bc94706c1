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

/// Awaits an IndexedDB request.
async fn request(req: &web_sys::IdbRequest) -> JsValue {
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    wasm_bindgen_futures::JsFuture::from(done)
        .await
        .expect("request");
    req.result().expect("result")
}

/// Appends `entries` (name, args) to a closed store's outbox with raw IndexedDB, as an
/// older version's merge left them, and moves the sync meta's `next_seq` past them.
async fn append_raw_outbox(name: &str, entries: &[(&str, Value)]) {
    use studio_store::idb::schema::{v1, CURRENT};
    let factory: web_sys::IdbFactory = js_sys::Reflect::get(&js_sys::global(), &"indexedDB".into())
        .unwrap()
        .unchecked_into();
    let open = factory.open_with_u32(name, CURRENT.number()).expect("open");
    let db: web_sys::IdbDatabase = request(&open).await.unchecked_into();
    let stores = js_sys::Array::of2(&v1::OUTBOX.into(), &v1::META.into());
    let tx = db
        .transaction_with_str_sequence_and_mode(&stores, web_sys::IdbTransactionMode::Readwrite)
        .expect("tx");
    let meta_store = tx.object_store(v1::META).unwrap();
    let key = JsValue::from_str(studio_store::idb::txn::META_KEY);
    let mut meta = json(&request(&meta_store.get(&key).unwrap()).await);
    let first = meta["next_seq"].as_u64().expect("next_seq");
    for (i, (mutation, args)) in entries.iter().enumerate() {
        let entry = json!({ "seq": first + i as u64, "name": mutation, "args": args, "at": 1 });
        request(
            &tx.object_store(v1::OUTBOX)
                .unwrap()
                .put(&js(entry))
                .unwrap(),
        )
        .await;
    }
    meta["next_seq"] = json!(first + entries.len() as u64);
    request(&meta_store.put_with_key(&js(meta), &key).unwrap()).await;
    db.close();
}

/// An outbox an older version wedged: one 1.5 MB `graph.apply` (two ~760 KiB calls
/// merged) with a project queued behind it. Opened with this version, the entry is
/// split and both halves, and the project, reach the server.
#[wasm_bindgen_test]
async fn an_outbox_wedged_by_an_old_merge_drains() {
    let name = fresh_name("wedged");
    let a = device(&name, 'a').await;
    let (_, f) = project_and_file(&a).await;
    let ids: Vec<String> = (0..4).map(|_| uuid()).collect();
    let adds: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({ "op": "node.add", "node": node(id, i as f64) }))
        .collect();
    ok(a.canvas().apply_ops(js(f["id"].clone()), js(json!(adds)))).await;
    sync(&a).await;
    ok(a.close()).await;

    let mut merged = sets(&ids, "data", "d", 190);
    let styles = sets(&ids, "style", "s", 190);
    merged
        .as_array_mut()
        .unwrap()
        .extend(styles.as_array().unwrap().iter().cloned());
    let later = uuid();
    append_raw_outbox(
        &name,
        &[
            ("graph.apply", json!({ "file_id": f["id"], "ops": merged })),
            (
                "project.create",
                json!({ "id": later, "name": "Behind the wedge" }),
            ),
        ],
    )
    .await;

    let a = device(&name, 'a').await;
    let (rejected, _cb) = rejections(&a);
    let status = sync(&a).await;
    assert_eq!(status["state"], "synced", "{status}");
    assert_eq!(pending(&a).await, 0);
    assert_eq!(rejected.borrow().len(), 0, "nothing was dropped");

    let b = device(&fresh_name("wedged-b"), 'a').await;
    sync(&b).await;
    let g = ok(b.canvas().get_graph(js(f["id"].clone()))).await;
    for n in g["nodes"].as_array().expect("nodes") {
        assert_eq!(n["data"]["tag"], "d");
        assert_eq!(n["style"]["tag"], "s");
    }
    assert_eq!(
        ok(b.projects().get(js(json!(later)))).await["name"],
        "Behind the wedge"
    );
}
