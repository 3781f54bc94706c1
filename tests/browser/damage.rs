//! One damaged record takes down only itself. Records are damaged with raw IndexedDB
//! writes, as a bug, an extension or a disk error would leave them; the store reports
//! each (`damaged`, `onDamaged`), keeps the rest working, fetches a confirmed record
//! again from the server, sets a pending one aside, and never recreates its sync meta
//! over a non-empty outbox.

use super::support::*;
use super::sync::{device, pending, sync};
use super::user_binding::account_has;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use studio_store::api::StudioStore;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

async fn request(req: web_sys::IdbRequest) -> JsValue {
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    JsFuture::from(done).await.expect("request");
    req.result().unwrap_or(JsValue::UNDEFINED)
}

/// A second connection to the store's database, at its current version.
async fn raw(name: &str) -> web_sys::IdbDatabase {
    let factory: web_sys::IdbFactory = js_sys::Reflect::get(&js_sys::global(), &"indexedDB".into())
        .unwrap()
        .unchecked_into();
    request(factory.open(name).expect("open").unchecked_into())
        .await
        .unchecked_into()
}

fn object_store(db: &web_sys::IdbDatabase, store: &str) -> web_sys::IdbObjectStore {
    db.transaction_with_str_and_mode(store, web_sys::IdbTransactionMode::Readwrite)
        .expect("tx")
        .object_store(store)
        .expect("store")
}

/// Writes `value` over whatever `store` holds at its key (or at `key`, out of line).
pub(super) async fn put_raw(name: &str, store: &str, value: Value, key: Option<&str>) {
    let db = raw(name).await;
    let st = object_store(&db, store);
    let req = match key {
        Some(k) => st.put_with_key(&js(value), &k.into()),
        None => st.put(&js(value)),
    };
    request(req.expect("put")).await;
    db.close();
}

pub(super) async fn delete_raw(name: &str, store: &str, key: &str) {
    let db = raw(name).await;
    request(
        object_store(&db, store)
            .delete(&key.into())
            .expect("delete"),
    )
    .await;
    db.close();
}

async fn keys_raw(name: &str, store: &str) -> Vec<Value> {
    let db = raw(name).await;
    let keys = request(object_store(&db, store).get_all_keys().expect("keys")).await;
    db.close();
    json(&keys).as_array().cloned().unwrap_or_default()
}

/// Every `onDamaged` event of the store, as it arrives.
fn damage_events(store: &StudioStore) -> Rc<RefCell<Vec<Value>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| sink.borrow_mut().push(json(&e)));
    let _unsubscribe = store.on_damaged(cb.as_ref().unchecked_ref::<js_sys::Function>().clone());
    cb.forget();
    seen
}

fn rejections(store: &StudioStore) -> Rc<RefCell<Vec<Value>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| sink.borrow_mut().push(json(&e)));
    let _unsubscribe = store.on_rejected(cb.as_ref().unchecked_ref::<js_sys::Function>().clone());
    cb.forget();
    seen
}

fn has_event(events: &RefCell<Vec<Value>>, store: &str, key: &str, action: &str) -> bool {
    events
        .borrow()
        .iter()
        .any(|e| e["store"] == store && e["key"] == key && e["action"] == action)
}

#[wasm_bindgen_test]
async fn a_damaged_project_is_skipped_reported_and_fetched_again() {
    let name = fresh_name("damaged-project");
    let a = device(&name, 'a').await;
    let kept = ok(a.projects().create(js(json!({ "name": "Kept" })))).await;
    let hit = ok(a.projects().create(js(json!({ "name": "Hit" })))).await;
    sync(&a).await;
    let events = damage_events(&a);
    let id = hit["id"].as_str().unwrap();
    put_raw(&name, "projects", json!({ "id": id, "name": 42 }), None).await;

    let list = ok(a.projects().list()).await;
    let ids: Vec<&Value> = list.as_array().unwrap().iter().map(|p| &p["id"]).collect();
    assert!(ids.contains(&&kept["id"]), "the rest is listed: {list}");
    assert!(
        !ids.contains(&&hit["id"]),
        "the damaged one is skipped: {list}"
    );
    tick(200).await;
    assert!(
        has_event(&events, "projects", id, "refetch"),
        "{:?}",
        events.borrow()
    );
    // The server's copy comes back with the next sync.
    sync(&a).await;
    assert_eq!(
        ok(a.projects().get(js(hit["id"].clone()))).await["name"],
        "Hit"
    );
    let list = ok(a.projects().list()).await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == hit["id"]));
}

#[wasm_bindgen_test]
async fn a_damaged_record_asked_for_is_a_damaged_error_naming_it() {
    let name = fresh_name("damaged-get");
    let a = open(&name).await;
    let p = ok(a.projects().create(js(json!({ "name": "Local" })))).await;
    let id = p["id"].as_str().unwrap();
    put_raw(
        &name,
        "projects",
        json!({ "id": id, "status": "nope" }),
        None,
    )
    .await;
    let e = fails(a.projects().get(js(p["id"].clone())), "damaged").await;
    assert!(e["message"].as_str().unwrap().contains(id), "{e}");
    assert!(e["message"].as_str().unwrap().contains("projects"), "{e}");
    // Edits elsewhere keep working.
    ok(a.projects().create(js(json!({ "name": "Other" })))).await;
}

#[wasm_bindgen_test]
async fn a_damaged_graph_bucket_is_fetched_again_from_the_server() {
    let name = fresh_name("damaged-bucket");
    let a = device(&name, 'a').await;
    let (_, f) = project_and_file(&a).await;
    let file = f["id"].as_str().unwrap().to_owned();
    let ops: Vec<Value> = (0..20)
        .map(|i| json!({ "op": "node.add", "node": node(&uuid(), i as f64) }))
        .collect();
    ok(a.canvas().apply_ops(js(f["id"].clone()), js(json!(ops)))).await;
    sync(&a).await;
    let other = device(&fresh_name("damaged-bucket-2"), 'a').await;
    sync(&other).await;

    let events = damage_events(&a);
    let buckets: Vec<Value> = keys_raw(&name, "graph_buckets")
        .await
        .into_iter()
        .filter(|k| k[0] == file.as_str())
        .collect();
    assert!(!buckets.is_empty());
    for k in &buckets {
        put_raw(
            &name,
            "graph_buckets",
            json!({ "file_id": file, "kind": "n", "bucket": k[2], "items": "garbage" }),
            None,
        )
        .await;
    }
    // Another device's edit to the file, in a damaged bucket: the next pull touches it.
    let added = std::iter::repeat_with(uuid)
        .find(|id| {
            let b = studio_store::core::graph::layout::bucket_of(&id.parse().unwrap());
            buckets.iter().any(|k| k[2] == b)
        })
        .unwrap();
    ok(other.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&added, 99.0) }])),
    ))
    .await;
    sync(&other).await;
    let synced = call(a.sync().now())
        .await
        .expect("the round repairs and syncs");
    assert_eq!(synced["state"], "synced");
    let g = ok(a.canvas().get_graph(js(f["id"].clone()))).await;
    assert_eq!(g["nodes"].as_array().unwrap().len(), 21, "{g}");
    assert!(events
        .borrow()
        .iter()
        .any(|e| e["store"] == "graph_buckets" && e["action"] == "refetch"));
}

#[wasm_bindgen_test]
async fn a_damaged_pending_outbox_entry_is_set_aside_and_the_rest_syncs() {
    let name = fresh_name("damaged-outbox");
    let a = device(&name, 'a').await;
    let first = ok(a.projects().create(js(json!({ "name": "First" })))).await;
    let lost = ok(a.projects().create(js(json!({ "name": "Lost" })))).await;
    let events = damage_events(&a);
    let rejected = rejections(&a);
    // The outbox's tail, which the next edit would merge into.
    put_raw(
        &name,
        "outbox",
        json!({ "seq": 2, "name": "project.create", "args": 7 }),
        None,
    )
    .await;

    let later = ok(a.projects().create(js(json!({ "name": "Later" })))).await;
    assert!(
        has_event(&events, "outbox", "2", "set_aside"),
        "{:?}",
        events.borrow()
    );
    assert_eq!(sync(&a).await["state"], "synced");
    assert_eq!(pending(&a).await, 0);
    assert!(
        rejected
            .borrow()
            .iter()
            .any(|r| r["seq"] == 2 && r["code"] == "damaged"),
        "{:?}",
        rejected.borrow()
    );
    // Its optimistic row is gone with it; the other edits reached the server.
    assert!(ok(a.projects().get(js(lost["id"].clone()))).await.is_null());
    assert!(account_has('a', &first["id"]).await);
    assert!(account_has('a', &later["id"]).await);
}

#[wasm_bindgen_test]
async fn a_deleted_sync_meta_never_overwrites_the_outbox() {
    for lose_identity in [false, true] {
        let name = fresh_name("deleted-meta");
        let a = device(&name, 'a').await;
        let p1 = ok(a.projects().create(js(json!({ "name": "One" })))).await;
        let p2 = ok(a.projects().create(js(json!({ "name": "Two" })))).await;
        ok(a.close()).await;
        delete_raw(&name, "meta", "sync").await;
        if lose_identity {
            delete_raw(&name, "meta", "identity").await;
        }
        let a = device(&name, 'a').await;
        let p3 = ok(a.projects().create(js(json!({ "name": "Three" })))).await;
        assert_eq!(pending(&a).await, 3, "no pending edit was overwritten");
        assert_eq!(sync(&a).await["state"], "synced");
        assert_eq!(pending(&a).await, 0);
        for p in [&p1, &p2, &p3] {
            assert!(
                account_has('a', &p["id"]).await,
                "{p} (identity lost: {lose_identity})"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn a_damaged_sync_meta_is_rebuilt_and_reported() {
    let name = fresh_name("damaged-meta");
    let a = device(&name, 'a').await;
    let p1 = ok(a.projects().create(js(json!({ "name": "One" })))).await;
    let p2 = ok(a.projects().create(js(json!({ "name": "Two" })))).await;
    ok(a.close()).await;
    put_raw(&name, "meta", json!({ "next_seq": "many" }), Some("sync")).await;
    let a = device(&name, 'a').await;
    let events = damage_events(&a);
    assert!(
        has_event(&events, "meta", "sync", "rebuilt"),
        "{:?}",
        events.borrow()
    );
    assert_eq!(pending(&a).await, 2);
    assert_eq!(sync(&a).await["state"], "synced");
    assert!(account_has('a', &p1["id"]).await);
    assert!(account_has('a', &p2["id"]).await);
}
