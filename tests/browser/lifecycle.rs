//! Persistence, upgrades, other tabs holding old versions, closing, watching.

use super::support::*;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use studio_store::idb::open::open_at;
use studio_store::idb::schema::{v1, Version, CURRENT};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn data_survives_close_and_reopen() {
    let name = fresh_name("persist");
    let store = open(&name).await;
    let (p, f) = project_and_file(&store).await;
    let n = uuid();
    ok(store.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&n, 3.0) }])),
    ))
    .await;
    ok(store.close()).await;
    fails(store.projects().list(), "closed").await;

    let again = open(&name).await;
    assert_eq!(
        ok(again.projects().get(js(p["id"].clone()))).await["name"],
        "Villa"
    );
    let g = ok(again.canvas().get_graph(js(f["id"].clone()))).await;
    assert_eq!(g["nodes"][0]["id"], n);
    assert_eq!(g["nodes"][0]["position"]["x"], 3.0);
}

/// A database written by schema version 1 (bucket items as objects, no renders-by-project
/// index) opens under the current version with every record intact.
#[wasm_bindgen_test]
async fn upgrading_from_version_1_keeps_the_data() {
    let name = fresh_name("upgrade");
    let file_id = uuid();
    let project_id = uuid();
    let node_ids: Vec<String> = (0..50).map(|_| uuid()).collect();
    {
        open_at(&name, Version::V1, 1_000)
            .await
            .map_err(JsValue::from)
            .expect("open v1")
            .close();
        // Write v1-shaped rows with raw IndexedDB calls, as the v1 code did.
        let raw = raw_open(&name, 1).await;
        let stores = js_sys::Array::of4(
            &v1::PROJECTS.into(),
            &v1::FILES.into(),
            &v1::GRAPHS.into(),
            &v1::BUCKETS.into(),
        );
        let tx = raw
            .transaction_with_str_sequence_and_mode(&stores, web_sys::IdbTransactionMode::Readwrite)
            .expect("tx");
        let now = 1_700_000_000_000i64;
        tx.object_store(v1::PROJECTS).unwrap().put(&js(json!({ "id": project_id, "name": "Old villa", "slug": "old-villa", "status": "active", "is_public": false, "tags": [], "metadata": {}, "created_at": now, "updated_at": now }))).unwrap();
        tx.object_store(v1::FILES).unwrap().put(&js(json!({ "id": file_id, "project_id": project_id, "name": "Plan", "slug": "plan", "version": 1, "is_active": true, "metadata": {}, "created_at": now, "updated_at": now }))).unwrap();
        tx.object_store(v1::GRAPHS).unwrap().put(&js(json!({ "id": uuid(), "file_id": file_id, "project_id": project_id, "viewport": { "x": 0, "y": 0, "zoom": 1 }, "version": 7, "created_at": now, "updated_at": now }))).unwrap();
        // v1 kept a bucket's items as an object keyed by id.
        let mut buckets: std::collections::BTreeMap<
            u16,
            serde_json::Map<String, serde_json::Value>,
        > = Default::default();
        for (i, id) in node_ids.iter().enumerate() {
            let b = studio_store::core::graph::layout::bucket_of(&id.parse().unwrap());
            buckets.entry(b).or_default().insert(id.clone(), json!({ "id": id, "type": "image", "position": { "x": i, "y": 0 }, "data": {}, "z": format!("a{}", i % 10) }));
        }
        for (b, items) in buckets {
            tx.object_store(v1::BUCKETS)
                .unwrap()
                .put(&js(
                    json!({ "file_id": file_id, "kind": "n", "bucket": b, "items": items }),
                ))
                .unwrap();
        }
        let done = js_sys::Promise::new(&mut |resolve, reject| {
            tx.set_oncomplete(Some(&resolve));
            tx.set_onabort(Some(&reject));
        });
        wasm_bindgen_futures::JsFuture::from(done)
            .await
            .expect("committed");
        raw.close();
    }
    let store = open(&name).await;
    assert_eq!(store.schema_version(), CURRENT.number());
    let p = ok(store.projects().by_slug("old-villa".into())).await;
    assert_eq!(p["id"], project_id);
    let f = ok(store
        .canvas()
        .file_by_slug("old-villa".into(), "plan".into()))
    .await;
    assert_eq!(f["id"], file_id);
    let g = ok(store.canvas().get_graph(js(json!(file_id)))).await;
    assert_eq!(g["version"], 7);
    let mut got: Vec<String> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let mut want = node_ids.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want, "every node of every v1 bucket is there");
    // The new index works on rows written before it existed.
    let chain = ok(store
        .render()
        .create_chain(js(json!({ "projectId": project_id, "name": "Chat" }))))
    .await;
    ok(store
        .render()
        .create_render(js(json!({ "chainId": chain["id"], "prompt": "x" }))))
    .await;
    ok(store.projects().delete(js(json!(project_id)))).await;
    assert_eq!(
        ok(store.render().renders_by_chain(js(chain["id"].clone()))).await,
        json!([])
    );
}

/// A raw connection, as another tab running older code would hold.
pub async fn raw_open(name: &str, version: u32) -> web_sys::IdbDatabase {
    let factory: web_sys::IdbFactory = js_sys::Reflect::get(&js_sys::global(), &"indexedDB".into())
        .unwrap()
        .unchecked_into();
    let req = factory.open_with_u32(name, version).expect("open");
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
    });
    wasm_bindgen_futures::JsFuture::from(done)
        .await
        .expect("opened");
    req.result().expect("db").unchecked_into()
}

/// Another tab holding an older version open (and not letting go) is reported, not
/// waited on forever.
#[wasm_bindgen_test]
async fn a_blocked_upgrade_is_reported() {
    let name = fresh_name("blocked");
    open_at(&name, Version::V1, 1_000)
        .await
        .map_err(JsValue::from)
        .expect("open v1")
        .close();
    // A connection without a versionchange handler, like an old tab's.
    let old = raw_open(&name, 1).await;
    let err = open_with(json!({ "name": name, "blockedTimeoutMs": 300 }))
        .await
        .err()
        .expect("blocked");
    assert_eq!(err["code"], "version_blocked", "{err}");
    old.close();
    tick(50).await;
    let store = open(&name).await;
    assert_eq!(store.schema_version(), CURRENT.number());
}

/// Our store lets go when another connection asks for a new version (or deletes the
/// database), and then fails with `closed` instead of hanging.
#[wasm_bindgen_test]
async fn a_store_closes_for_another_tabs_upgrade() {
    let name = fresh_name("yield");
    let store = open(&name).await;
    ok(store.projects().create(js(json!({ "name": "Villa" })))).await;
    let factory: web_sys::IdbFactory = js_sys::Reflect::get(&js_sys::global(), &"indexedDB".into())
        .unwrap()
        .unchecked_into();
    let req = factory.delete_database(&name).expect("delete");
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        req.set_onsuccess(Some(&resolve));
        req.set_onerror(Some(&reject));
        req.set_onblocked(Some(&reject));
    });
    wasm_bindgen_futures::JsFuture::from(done)
        .await
        .expect("the delete was not blocked");
    fails(store.projects().list(), "closed").await;
}

#[wasm_bindgen_test]
async fn watchers_fire_on_local_edits_until_unsubscribed() {
    let store = open(&fresh_name("watch")).await;
    let (p, f) = project_and_file(&store).await;
    let seen: Rc<RefCell<Vec<serde_json::Value>>> = Rc::default();
    let sink = seen.clone();
    let cb =
        Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| sink.borrow_mut().push(json(&ev)));
    let stop = store
        .watch(
            "canvas".into(),
            js(f["id"].clone()),
            cb.as_ref().unchecked_ref::<js_sys::Function>().clone(),
        )
        .expect("watch");
    let files_seen: Rc<RefCell<u32>> = Rc::default();
    let count = files_seen.clone();
    let cb2 = Closure::<dyn FnMut(JsValue)>::new(move |_| *count.borrow_mut() += 1);
    let _stop2 = store
        .watch(
            "files".into(),
            js(p["id"].clone()),
            cb2.as_ref().unchecked_ref::<js_sys::Function>().clone(),
        )
        .expect("watch");

    ok(store.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&uuid(), 1.0) }])),
    ))
    .await;
    assert_eq!(seen.borrow().len(), 1);
    assert_eq!(
        seen.borrow()[0],
        json!({ "topic": "canvas", "id": f["id"], "origin": "local" })
    );
    ok(store
        .canvas()
        .create_file(js(json!({ "projectId": p["id"], "name": "Roof" }))))
    .await;
    assert_eq!(*files_seen.borrow(), 1);
    stop.call0(&JsValue::NULL).expect("unsubscribe");
    ok(store.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "viewport.set", "viewport": { "x": 1, "y": 1, "zoom": 1 } }])),
    ))
    .await;
    assert_eq!(seen.borrow().len(), 1, "no events after unsubscribing");
}

#[wasm_bindgen_test]
async fn open_options_are_checked() {
    for (opts, code) in [
        (json!({}), "validation"),
        (json!({ "name": "" }), "validation"),
        (
            json!({ "name": "x", "serverUrl": "ftp://example" }),
            "validation",
        ),
        (json!({ "name": "x", "sync": true }), "validation"),
    ] {
        let err = open_with(opts.clone())
            .await
            .err()
            .unwrap_or_else(|| panic!("{opts} opened"));
        assert_eq!(err["code"], code, "{opts}: {err}");
    }
}

/// The rows an older version left with pending canvas edits: a project, file, graph and
/// nodes the server has confirmed, one of those nodes moved offline (its bucket's
/// confirmed copy kept in `bases`), and a project created offline.
struct OldRows {
    project: serde_json::Value,
    file: serde_json::Value,
    graph: serde_json::Value,
    nodes: Vec<serde_json::Value>,
    moved: String,
    offline_project: serde_json::Value,
}

/// Writes `rows` as schema `version` stored them: v1 with bucket items as objects
/// everywhere; v2 as the first v2 upgrade left it, visible buckets as arrays but their
/// confirmed copies in `bases` still objects.
async fn write_old_database(name: &str, version: Version, rows: &OldRows) {
    open_at(name, version, 1_000)
        .await
        .map_err(JsValue::from)
        .expect("open the old version")
        .close();
    let raw = raw_open(name, version.number()).await;
    let stores = js_sys::Array::new();
    for s in [
        v1::PROJECTS,
        v1::FILES,
        v1::GRAPHS,
        v1::BUCKETS,
        v1::OUTBOX,
        v1::BASES,
        v1::META,
    ] {
        stores.push(&s.into());
    }
    let tx = raw
        .transaction_with_str_sequence_and_mode(&stores, web_sys::IdbTransactionMode::Readwrite)
        .expect("tx");
    let put = |store: &str, value: serde_json::Value| {
        tx.object_store(store).unwrap().put(&js(value)).unwrap();
    };
    let put_at = |store: &str, key: &str, value: serde_json::Value| {
        tx.object_store(store)
            .unwrap()
            .put_with_key(&js(value), &key.into())
            .unwrap();
    };
    let file_id = rows.file["id"].clone();
    let items = |nodes: &[serde_json::Value]| -> serde_json::Value {
        let by_id: serde_json::Map<String, serde_json::Value> = nodes
            .iter()
            .map(|n| (n["id"].as_str().unwrap().to_owned(), n.clone()))
            .collect();
        if version == Version::V1 {
            by_id.into()
        } else {
            by_id.into_values().collect()
        }
    };
    let bucket_of = |id: &serde_json::Value| {
        studio_store::core::graph::layout::bucket_of(&id.as_str().unwrap().parse().unwrap())
    };
    // Visible: the moved node at its offline position.
    let visible: Vec<serde_json::Value> = rows
        .nodes
        .iter()
        .map(|n| {
            let mut n = n.clone();
            if n["id"] == rows.moved {
                n["position"]["x"] = json!(42);
            }
            n
        })
        .collect();
    let mut by_bucket: std::collections::BTreeMap<u16, Vec<serde_json::Value>> = Default::default();
    for n in &visible {
        by_bucket
            .entry(bucket_of(&n["id"]))
            .or_default()
            .push(n.clone());
    }
    for (b, nodes) in &by_bucket {
        put(
            v1::BUCKETS,
            json!({ "file_id": file_id, "kind": "n", "bucket": b, "items": items(nodes) }),
        );
    }
    // Confirmed: the moved node's bucket as the server had it, kept as v1 kept it.
    let b = bucket_of(&json!(rows.moved));
    let confirmed: serde_json::Map<String, serde_json::Value> = rows
        .nodes
        .iter()
        .filter(|n| bucket_of(&n["id"]) == b)
        .map(|n| (n["id"].as_str().unwrap().to_owned(), n.clone()))
        .collect();
    put_at(
        v1::BASES,
        &format!("nodes/{}/{b}", file_id.as_str().unwrap()),
        json!({ "file_id": file_id, "kind": "n", "bucket": b, "items": confirmed }),
    );
    let q = &rows.offline_project;
    put_at(
        v1::BASES,
        &format!("project/{}", q["id"].as_str().unwrap()),
        json!(null),
    );
    put(v1::PROJECTS, rows.project.clone());
    put(v1::PROJECTS, q.clone());
    put(v1::FILES, rows.file.clone());
    put(v1::GRAPHS, rows.graph.clone());
    let now = 1_700_000_000_000i64;
    put(
        v1::OUTBOX,
        json!({ "seq": 1, "name": "graph.apply", "at": now, "args": { "file_id": file_id,
            "ops": [{ "op": "node.set", "id": rows.moved, "props": { "position": { "x": 42, "y": 0 } } }] } }),
    );
    put(
        v1::OUTBOX,
        json!({ "seq": 2, "name": "project.create", "at": now,
            "args": { "id": q["id"], "name": q["name"] } }),
    );
    put_at(
        v1::META,
        studio_store::idb::txn::META_KEY,
        json!({ "client_id": uuid(), "next_seq": 3, "sent_through": 0, "acked_through": 0, "cursors": {} }),
    );
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onabort(Some(&reject));
    });
    wasm_bindgen_futures::JsFuture::from(done)
        .await
        .expect("committed");
    raw.close();
}

/// Confirmed rows on the server, made by a current device, to build an old database of.
async fn confirmed_rows() -> OldRows {
    let a = super::sync::device(&fresh_name("old-src"), 'a').await;
    let (p, f) = project_and_file(&a).await;
    let ids: Vec<String> = (0..6).map(|_| uuid()).collect();
    let adds: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({ "op": "node.add", "node": node(id, i as f64) }))
        .collect();
    ok(a.canvas().apply_ops(js(f["id"].clone()), js(json!(adds)))).await;
    super::sync::sync(&a).await;
    let project = ok(a.projects().get(js(p["id"].clone()))).await;
    let file = ok(a.canvas().get_file(js(f["id"].clone()))).await;
    let g = ok(a.canvas().get_graph(js(f["id"].clone()))).await;
    let graph = json!({ "id": g["id"], "file_id": g["file_id"], "project_id": g["project_id"],
        "viewport": g["viewport"], "version": g["version"],
        "created_at": g["created_at"], "updated_at": g["updated_at"] });
    let now = 1_700_000_000_000i64;
    let offline_project = json!({ "id": uuid(), "name": "Made offline",
        "slug": format!("made-offline-{}", &uuid()[..8]), "status": "active", "is_public": false,
        "tags": [], "metadata": {}, "created_at": now, "updated_at": now });
    OldRows {
        project,
        file,
        nodes: g["nodes"].as_array().unwrap().clone(),
        graph,
        moved: ids[0].clone(),
        offline_project,
    }
}

/// Each earlier version's database, with pending canvas edits and their bases, opens
/// under the current version, syncs, and keeps all of it: the offline move and the
/// offline project reach the server, the confirmed rows are all there.
#[wasm_bindgen_test]
async fn upgrading_an_old_database_with_pending_edits_keeps_syncing() {
    for version in [Version::V1, Version::V2] {
        let rows = confirmed_rows().await;
        let name = fresh_name("old-pending");
        write_old_database(&name, version, &rows).await;

        let store = super::sync::device(&name, 'a').await;
        assert_eq!(store.schema_version(), CURRENT.number());
        let file_id = js(rows.file["id"].clone());
        let check = |g: &serde_json::Value, when: &str| {
            let nodes = g["nodes"].as_array().expect("nodes");
            assert_eq!(
                nodes.len(),
                rows.nodes.len(),
                "v{} {when}: {g}",
                version.number()
            );
            let moved = nodes.iter().find(|n| n["id"] == rows.moved).expect("moved");
            assert_eq!(moved["position"]["x"], 42.0, "v{} {when}", version.number());
        };
        check(
            &ok(store.canvas().get_graph(file_id.clone())).await,
            "upgraded",
        );
        assert_eq!(super::sync::pending(&store).await, 2);

        let status = super::sync::sync(&store).await;
        assert_eq!(status["state"], "synced", "v{}: {status}", version.number());
        assert_eq!(super::sync::pending(&store).await, 0);
        check(
            &ok(store.canvas().get_graph(file_id.clone())).await,
            "synced",
        );
        let q = &rows.offline_project;
        assert_eq!(
            ok(store.projects().get(js(q["id"].clone()))).await["name"],
            q["name"]
        );
        assert_eq!(
            ok(store.projects().get(js(rows.project["id"].clone()))).await["name"],
            rows.project["name"]
        );

        let other = super::sync::device(&fresh_name("old-other"), 'a').await;
        super::sync::sync(&other).await;
        check(
            &ok(other.canvas().get_graph(file_id.clone())).await,
            "on another device",
        );
        assert_eq!(
            ok(other.projects().get(js(q["id"].clone()))).await["name"],
            q["name"]
        );
        ok(store.close()).await;
        ok(other.close()).await;
    }
}
