//! Forward compatibility of what the server sends, strictness of what JS sends.
//!
//! A newer server is played by rewriting the real server's pull responses in the page's
//! `fetch` (as `sync.rs` injects network faults): the requests, the server and the pull
//! path (HTTP decoding, engine, IndexedDB) are all real; only the answer's body gains
//! what a newer server might add. A rewriting proxy process would test the same path
//! with one more moving part for `scripts/test.sh` to start.

use super::support::*;
use super::sync::{device, sync};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// Rewrites every answer to a request whose URL contains `matching` with `rewrite`, a
/// JS function `(body, ids) => body`, until [`stop_rewriting`].
fn rewrite(matching: &str, rewrite: &str, ids: &Value) {
    let setup = js_sys::Function::new_with_args(
        "matching, rewrite, ids",
        r#"
        if (!globalThis.__rewrites) {
          const inner = globalThis.fetch;
          globalThis.__rewrites = [];
          globalThis.fetch = async (input, init) => {
            const url = typeof input === "string" ? input : input.url;
            const r = await inner(input, init);
            const rw = globalThis.__rewrites.find(w => url.includes(w.matching));
            if (!rw || !r.ok) return r;
            const body = rw.rewrite(await r.json(), rw.ids);
            return new Response(JSON.stringify(body), { status: r.status, headers: { "content-type": "application/json" } });
          };
        }
        globalThis.__rewrites.push({ matching, rewrite: new Function("return " + rewrite)(), ids });
        "#,
    );
    setup
        .call3(
            &JsValue::NULL,
            &JsValue::from_str(matching),
            &JsValue::from_str(rewrite),
            &js(ids.clone()),
        )
        .expect("install the rewrite");
}

fn stop_rewriting() {
    if let Ok(list) = js_sys::Reflect::get(&js_sys::global(), &"__rewrites".into()) {
        if list.is_object() {
            let _ = js_sys::Reflect::set(&list, &"length".into(), &JsValue::from(0));
        }
    }
}

/// A newer server: unknown fields in projects, nodes, positions, graphs and the page; an
/// unknown project status; an unknown entity kind; a change that is not one.
const NEWER_PROJECTS: &str = r#"(body, ids) => {
  body.served_by = "v9";
  let ours = false;
  for (const c of body.changes) {
    c.replicated = true;
    if (c.id === ids.p1) { c.value.color = "teal"; ours = true; }
    if (c.id === ids.p2) c.value.status = "frozen";
  }
  if (ours) {
    body.changes.push({ entity: "project_comment", id: ids.comment, version: 1, deleted: false, value: { text: "hi" } });
    body.changes.push("garbage");
  }
  return body;
}"#;

const NEWER_CANVAS: &str = r#"(body, ids) => {
  for (const c of body.changes) {
    if (c.entity === "canvas_node" && c.value && c.value.node) {
      c.value.node.glow = true;
      c.value.node.position.w = 1;
    }
    if (c.entity === "canvas_graph" && c.value && c.value.viewport) {
      c.value.viewport.tilt = 0;
      c.value.layers = [];
    }
  }
  return body;
}"#;

#[wasm_bindgen_test]
async fn what_a_newer_server_sends_never_stops_sync() {
    let a = device(&fresh_name("fwd-a"), 'a').await;
    let (p1, f) = project_and_file(&a).await;
    let p2 = ok(a.projects().create(js(json!({ "name": "Frozen" })))).await;
    let n = uuid();
    ok(a.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&n, 5.0) }])),
    ))
    .await;
    sync(&a).await;

    let b = device(&fresh_name("fwd-b"), 'a').await;
    let seen: Rc<RefCell<Vec<Value>>> = Rc::default();
    let sink = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |c: JsValue| sink.borrow_mut().push(json(&c)));
    let _stop = b.on_set_aside(cb.as_ref().unchecked_ref::<js_sys::Function>().clone());
    let comment = uuid();
    let ids = json!({ "p1": p1["id"], "p2": p2["id"], "comment": comment });
    rewrite("/api/projects/pull", NEWER_PROJECTS, &ids);
    rewrite("/api/canvas/pull", NEWER_CANVAS, &ids);
    let status = sync(&b).await;
    stop_rewriting();

    assert_eq!(status["state"], "synced", "{status}");
    assert_eq!(status["error"], Value::Null);
    // What it knows landed, unknown fields and all.
    assert_eq!(
        ok(b.projects().get(js(p1["id"].clone()))).await["name"],
        "Villa"
    );
    let g = ok(b.canvas().get_graph(js(f["id"].clone()))).await;
    assert_eq!(g["nodes"][0]["id"], n);
    assert_eq!(g["nodes"][0]["position"]["x"], 5.0);
    // What it cannot use was set aside and reported with its entity and id.
    let seen = seen.borrow().clone();
    let reported = |entity: &str, id: &Value| {
        seen.iter()
            .any(|c| c["entity"] == entity && c["id"] == *id && c["code"] == "malformed")
    };
    assert!(reported("project", &p2["id"]), "{seen:?}");
    assert!(reported("project_comment", &json!(comment)), "{seen:?}");
    assert!(reported("?", &json!("?")), "{seen:?}");
    assert!(seen.iter().all(|c| c["platform"] == "projects"), "{seen:?}");
    assert_eq!(status["setAside"], seen.len(), "{status}");
    assert_eq!(
        ok(b.projects().get(js(p2["id"].clone()))).await,
        Value::Null
    );

    // The cursor moved on: later changes still arrive.
    ok(a.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.set", "id": n, "props": { "position": { "x": 9, "y": 1 } } }])),
    ))
    .await;
    sync(&a).await;
    let status = sync(&b).await;
    assert_eq!(status["state"], "synced", "{status}");
    let g = ok(b.canvas().get_graph(js(f["id"].clone()))).await;
    assert_eq!(g["nodes"][0]["position"]["x"], 9.0);
}

/// The model's types read the server's values leniently; input from JS stays strict,
/// down to a position's and a viewport's fields, and a refused batch changes nothing.
#[wasm_bindgen_test]
async fn js_input_still_refuses_unknown_fields() {
    let store = open(&fresh_name("strict")).await;
    let (_, f) = project_and_file(&store).await;
    let n = uuid();
    ok(store.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&n, 1.0) }])),
    ))
    .await;
    let before = ok(store.canvas().get_graph(js(f["id"].clone()))).await;
    let m = uuid();
    for (what, op) in [
        (
            "node",
            json!({ "op": "node.add", "node": { "id": m, "type": "t", "position": { "x": 0, "y": 0 }, "glow": true } }),
        ),
        (
            "position",
            json!({ "op": "node.add", "node": { "id": m, "type": "t", "position": { "x": 0, "y": 0, "w": 1 } } }),
        ),
        (
            "patch position",
            json!({ "op": "node.set", "id": n, "props": { "position": { "x": 2, "y": 2, "w": 1 } } }),
        ),
        (
            "edge",
            json!({ "op": "edge.add", "edge": { "id": uuid(), "source": n, "target": n, "weight": 1 } }),
        ),
        (
            "viewport",
            json!({ "op": "viewport.set", "viewport": { "x": 0, "y": 0, "zoom": 1, "tilt": 0 } }),
        ),
    ] {
        let err = fails(
            store.canvas().apply_ops(
                js(f["id"].clone()),
                js(json!([{ "op": "node.set", "id": n, "props": { "hidden": true } }, op])),
            ),
            "validation",
        )
        .await;
        assert!(
            err["message"]
                .as_str()
                .unwrap_or("")
                .contains("unknown field"),
            "{what}: {err}"
        );
    }
    assert_eq!(
        ok(store.canvas().get_graph(js(f["id"].clone()))).await,
        before,
        "nothing of a refused batch was applied"
    );
}
