//! Sync against the real reference server, which `scripts/test.sh` starts on a fresh
//! SQLite file and names at build time (`STUDIO_TEST_SERVER`, two users' tokens).
//! Network faults are injected by wrapping the page's `fetch`: the requests are real.

use super::support::*;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use studio_store::api::StudioStore;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

// `option_env!` rather than `env!`: the other suites build and run without a server.
#[allow(clippy::option_env_unwrap)]
pub(crate) fn server() -> &'static str {
    option_env!("STUDIO_TEST_SERVER")
        .expect("STUDIO_TEST_SERVER is unset: run the browser suites through scripts/test.sh")
}

#[allow(clippy::option_env_unwrap)]
pub(crate) fn token(user: char) -> &'static str {
    let t = if user == 'a' {
        option_env!("STUDIO_TEST_TOKEN_A")
    } else {
        option_env!("STUDIO_TEST_TOKEN_B")
    };
    t.expect("STUDIO_TEST_TOKEN_A/B are unset: run the browser suites through scripts/test.sh")
}

/// A device of `user`: its own database, syncing only when told (`sync.now()`). Requests
/// time out after 4 s: long enough for a debug server on a loaded 2-core machine, short
/// enough for the tests that wait one out.
pub(crate) async fn device(name: &str, user: char) -> StudioStore {
    open_with(json!({ "name": name, "serverUrl": server(), "token": token(user), "autoSync": false, "requestTimeoutMs": 4000 }))
        .await
        .expect("open a syncing store")
}

pub(crate) async fn sync(store: &StudioStore) -> Value {
    ok(store.sync().now()).await
}

pub(crate) async fn pending(store: &StudioStore) -> u64 {
    ok(store.sync().pending()).await.as_u64().unwrap()
}

/// Faults for the next requests whose URL contains `matching`: "drop-response" (the
/// server gets the request, the client never hears back), "slow-response" (the answer
/// arrives 400 ms late), "500", "offline", "hang".
pub(super) fn inject(matching: &str, faults: &[&str]) {
    let setup = js_sys::Function::new_with_args(
        "matching, faults",
        r#"
        if (!globalThis.__realFetch) {
          globalThis.__realFetch = globalThis.fetch;
          globalThis.__faults = [];
          globalThis.fetch = async (input, init) => {
            const url = typeof input === "string" ? input : input.url;
            const i = globalThis.__faults.findIndex(f => url.includes(f.matching));
            const fault = i >= 0 ? globalThis.__faults.splice(i, 1)[0].kind : null;
            if (fault === "drop-response") { await globalThis.__realFetch(input, init); throw new TypeError("response lost"); }
            if (fault === "slow-response") { const r = await globalThis.__realFetch(input, init); await new Promise(ok => setTimeout(ok, 400)); return r; }
            if (fault === "500") return new Response('{"error":{"code":"internal","message":"injected"}}', { status: 500, headers: { "content-type": "application/json" } });
            if (fault === "offline") throw new TypeError("Failed to fetch");
            if (fault === "hang") return new Promise(() => {});
            return globalThis.__realFetch(input, init);
          };
        }
        for (const kind of faults) globalThis.__faults.push({ matching, kind });
        "#,
    );
    let list = js_sys::Array::new();
    for f in faults {
        list.push(&JsValue::from_str(f));
    }
    setup
        .call2(&JsValue::NULL, &JsValue::from_str(matching), &list)
        .expect("inject faults");
}

fn faults_left() -> u32 {
    js_sys::Reflect::get(&js_sys::global(), &"__faults".into())
        .ok()
        .map_or(0, |f| js_sys::Array::from(&f).length())
}

#[wasm_bindgen_test]
async fn offline_edits_sync_to_another_device() {
    let a = device(&fresh_name("dev-a"), 'a').await;
    let (p, f) = project_and_file(&a).await;
    let n = uuid();
    ok(a.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&n, 4.0) }])),
    ))
    .await;
    assert_eq!(
        pending(&a).await,
        3,
        "project, file, graph ops wait in the outbox"
    );
    let status = sync(&a).await;
    assert_eq!(status["state"], "synced");
    assert_eq!(pending(&a).await, 0);

    // Project slugs are unique per server: the server may have given this one another.
    let p = ok(a.projects().get(js(p["id"].clone()))).await;
    let b = device(&fresh_name("dev-b"), 'a').await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(p["id"].clone()))).await["name"],
        "Villa"
    );
    let fb = ok(b
        .canvas()
        .file_by_slug(p["slug"].as_str().unwrap().into(), "ground-floor".into()))
    .await;
    assert_eq!(fb["id"], f["id"]);
    let g = ok(b.canvas().get_graph(js(f["id"].clone()))).await;
    assert_eq!(g["nodes"][0]["id"], n);
    assert_eq!(g["nodes"][0]["position"]["x"], 4);
}

#[wasm_bindgen_test]
async fn the_outbox_survives_a_reload_before_sync() {
    let name = fresh_name("reload");
    let a = device(&name, 'a').await;
    let p = ok(a.projects().create(js(json!({ "name": "Reloaded" })))).await;
    ok(a.close()).await;
    let again = device(&name, 'a').await;
    assert_eq!(pending(&again).await, 1);
    sync(&again).await;
    let b = device(&fresh_name("reload-b"), 'a').await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(p["id"].clone()))).await["name"],
        "Reloaded"
    );
}

/// Closing a store while its push is in flight — the server has applied it, the answer
/// has not arrived — loses nothing: reopened, the store still holds the edit as
/// pending, and the retry is acknowledged (not re-run and rejected as a duplicate).
#[wasm_bindgen_test]
async fn closing_mid_sync_keeps_the_outbox() {
    let name = fresh_name("midsync");
    let a = device(&name, 'a').await;
    let p = ok(a.projects().create(js(json!({ "name": "Midway" })))).await;
    inject("/projects/push", &["slow-response"]);
    let round = a.sync().now();
    // Close as soon as the push is on its way (its answer comes 400 ms later).
    for _ in 0..200 {
        if faults_left() == 0 {
            break;
        }
        tick(10).await;
    }
    assert_eq!(faults_left(), 0, "the push went out");
    ok(a.close()).await;
    let err = call(round).await.expect_err("closing ends the round");
    assert_eq!(err["code"], "closed", "{err}");
    tick(500).await;

    let again = device(&name, 'a').await;
    assert_eq!(pending(&again).await, 1, "the outbox is intact");
    assert_eq!(
        ok(again.projects().get(js(p["id"].clone()))).await["name"],
        "Midway"
    );
    sync(&again).await;
    assert_eq!(pending(&again).await, 0);
    assert_eq!(
        ok(again.projects().get(js(p["id"].clone()))).await["name"],
        "Midway",
        "still there: the retry was acknowledged, not rejected"
    );
    let b = device(&fresh_name("midsync-b"), 'a').await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(p["id"].clone()))).await["name"],
        "Midway"
    );
}

/// The server applies a push whose response is lost; the client retries the same
/// seqs and the server applies them once.
#[wasm_bindgen_test]
async fn a_lost_push_response_is_retried_and_applied_once() {
    let a = device(&fresh_name("lost"), 'a').await;
    let (_, f) = project_and_file(&a).await;
    sync(&a).await;
    let n = uuid();
    ok(a.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&n, 1.0) }])),
    ))
    .await;
    inject("/canvas/push", &["drop-response"]);
    let err = call(a.sync().now())
        .await
        .expect_err("the lost response fails the round");
    assert_eq!(err["code"], "network");
    assert_eq!(faults_left(), 0);
    sync(&a).await;
    assert_eq!(pending(&a).await, 0);
    let b = device(&fresh_name("lost-b"), 'a').await;
    sync(&b).await;
    let g = ok(b.canvas().get_graph(js(f["id"].clone()))).await;
    assert_eq!(
        g["nodes"].as_array().unwrap().len(),
        1,
        "applied exactly once"
    );
    assert_eq!(g["version"], 2, "one graph.apply on the server");
}

#[wasm_bindgen_test]
async fn server_errors_and_timeouts_keep_the_outbox_until_a_later_round() {
    let a = device(&fresh_name("errors"), 'a').await;
    let p = ok(a.projects().create(js(json!({ "name": "Stubborn" })))).await;
    let seen: Rc<RefCell<Vec<Value>>> = Rc::default();
    let sink = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |s: JsValue| sink.borrow_mut().push(json(&s)));
    let _stop = a.on_sync_status(cb.as_ref().unchecked_ref::<js_sys::Function>().clone());
    inject("/projects/push", &["500"]);
    let err = call(a.sync().now()).await.expect_err("500");
    assert_eq!(err["code"], "server");
    assert_eq!(json(&a.sync().status())["state"], "error");
    inject("/projects/push", &["hang"]);
    let err = call(a.sync().now()).await.expect_err("timeout");
    assert_eq!(err["code"], "network");
    assert_eq!(pending(&a).await, 1, "nothing is lost on errors");
    sync(&a).await;
    assert_eq!(pending(&a).await, 0);
    assert!(seen.borrow().iter().any(|s| s["state"] == "error"));
    assert!(seen.borrow().iter().any(|s| s["state"] == "offline"));
    assert_eq!(seen.borrow().last().unwrap()["state"], "synced");
    let b = device(&fresh_name("errors-b"), 'a').await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(p["id"].clone()))).await["name"],
        "Stubborn"
    );
}

/// A mutation the server rejects disappears from the visible state, and the app hears
/// which and why — even when the answer to its push was lost and the push retried.
#[wasm_bindgen_test]
async fn a_rejected_mutation_rolls_back_with_an_event() {
    // Slugs are unique per owner: the same user's other device takes it first.
    let slug = format!("taken-{}", &uuid()[..8]);
    let other = device(&fresh_name("rej-other"), 'a').await;
    ok(other
        .projects()
        .create(js(json!({ "name": "First", "slug": slug }))))
    .await;
    sync(&other).await;

    let a = device(&fresh_name("rej-a"), 'a').await;
    let rejected: Rc<RefCell<Vec<Value>>> = Rc::default();
    let sink = rejected.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |r: JsValue| sink.borrow_mut().push(json(&r)));
    let _stop = a.on_rejected(cb.as_ref().unchecked_ref::<js_sys::Function>().clone());
    let p = ok(a
        .projects()
        .create(js(json!({ "name": "Second", "slug": slug }))))
    .await;
    assert_eq!(
        ok(a.projects().get(js(p["id"].clone()))).await["slug"],
        slug,
        "optimistic"
    );
    inject("/projects/push", &["drop-response"]);
    let err = call(a.sync().now())
        .await
        .expect_err("the lost response fails the round");
    assert_eq!(err["code"], "network");
    sync(&a).await;
    assert_eq!(
        ok(a.projects().get(js(p["id"].clone()))).await,
        json!(null),
        "rolled back"
    );
    assert_eq!(rejected.borrow().len(), 1);
    assert_eq!(rejected.borrow()[0]["code"], "slug_taken");
    assert_eq!(rejected.borrow()[0]["name"], "project.create");
    assert_eq!(pending(&a).await, 0);
}

/// Two devices edit different properties of one node, and different nodes, at once:
/// after both sync, both hold everything.
#[wasm_bindgen_test]
async fn two_devices_converge() {
    let a = device(&fresh_name("conv-a"), 'a').await;
    let (_, f) = project_and_file(&a).await;
    let (n1, n2) = (uuid(), uuid());
    ok(a.canvas().apply_ops(js(f["id"].clone()), js(json!([{ "op": "node.add", "node": node(&n1, 0.0) }, { "op": "node.add", "node": node(&n2, 0.0) }])))).await;
    sync(&a).await;
    let b = device(&fresh_name("conv-b"), 'a').await;
    sync(&b).await;

    let fid = f["id"].clone();
    ok(a.canvas().apply_ops(js(fid.clone()), js(json!([{ "op": "node.set", "id": n1, "props": { "position": { "x": 100, "y": 100 } } }])))).await;
    ok(b.canvas().apply_ops(
        js(fid.clone()),
        js(json!([{ "op": "node.set", "id": n1, "props": { "data": { "prompt": "roof" } } }])),
    ))
    .await;
    ok(b.canvas().apply_ops(
        js(fid.clone()),
        js(json!([{ "op": "node.remove", "id": n2 }])),
    ))
    .await;
    ok(a.canvas().apply_ops(
        js(fid.clone()),
        js(json!([{ "op": "node.set", "id": n2, "props": { "hidden": true } }])),
    ))
    .await;
    sync(&a).await;
    sync(&b).await;
    sync(&a).await;
    let ga = ok(a.canvas().get_graph(js(fid.clone()))).await;
    let gb = ok(b.canvas().get_graph(js(fid.clone()))).await;
    assert_eq!(ga, gb, "the devices converge");
    assert_eq!(
        ga["nodes"].as_array().unwrap().len(),
        1,
        "the removal wins over the later set on a removed node"
    );
    assert_eq!(ga["nodes"][0]["position"], json!({ "x": 100, "y": 100 }));
    assert_eq!(ga["nodes"][0]["data"], json!({ "prompt": "roof" }));
}

/// One device connects two nodes while the other removes one of them and syncs first:
/// the server rejects the connection (its endpoint is gone, core's graph rules), the
/// first device hears which and why, and both end without the node and the edge.
#[wasm_bindgen_test]
async fn a_connection_to_a_node_removed_meanwhile_converges() {
    let a = device(&fresh_name("gone-a"), 'a').await;
    let (_, f) = project_and_file(&a).await;
    let fid = f["id"].clone();
    let (n1, n2) = (uuid(), uuid());
    ok(a.canvas().apply_ops(js(fid.clone()), js(json!([{ "op": "node.add", "node": node(&n1, 0.0) }, { "op": "node.add", "node": node(&n2, 0.0) }])))).await;
    sync(&a).await;
    let b = device(&fresh_name("gone-b"), 'a').await;
    sync(&b).await;
    let rejected: Rc<RefCell<Vec<Value>>> = Rc::default();
    let sink = rejected.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |r: JsValue| sink.borrow_mut().push(json(&r)));
    let _stop = a.on_rejected(cb.as_ref().unchecked_ref::<js_sys::Function>().clone());

    let edge = json!({ "id": uuid(), "source": n1, "target": n2 });
    ok(a.canvas().apply_ops(
        js(fid.clone()),
        js(json!([{ "op": "edge.add", "edge": edge }])),
    ))
    .await;
    ok(b.canvas().apply_ops(
        js(fid.clone()),
        js(json!([{ "op": "node.remove", "id": n2 }])),
    ))
    .await;
    sync(&b).await;
    sync(&a).await;
    sync(&b).await;
    let ga = ok(a.canvas().get_graph(js(fid.clone()))).await;
    let gb = ok(b.canvas().get_graph(js(fid.clone()))).await;
    assert_eq!(ga, gb, "the devices converge");
    assert_eq!(ga["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(ga["connections"], json!([]));
    assert_eq!(rejected.borrow().len(), 1, "{:?}", rejected.borrow());
    assert_eq!(rejected.borrow()[0]["code"], "validation");
    assert_eq!(rejected.borrow()[0]["name"], "graph.apply");
    assert_eq!(pending(&a).await, 0);
}

/// A drag: hundreds of position sets leave one pending mutation.
#[wasm_bindgen_test]
async fn a_drag_coalesces_in_the_outbox() {
    let a = device(&fresh_name("drag"), 'a').await;
    let (_, f) = project_and_file(&a).await;
    let n = uuid();
    ok(a.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&n, 0.0) }])),
    ))
    .await;
    sync(&a).await;
    for i in 0..200 {
        ok(a.canvas().apply_ops(
            js(f["id"].clone()),
            js(json!([{ "op": "node.set", "id": n, "props": { "position": { "x": i, "y": i } } }])),
        ))
        .await;
    }
    assert_eq!(pending(&a).await, 1);
    sync(&a).await;
    let b = device(&fresh_name("drag-b"), 'a').await;
    sync(&b).await;
    assert_eq!(
        ok(b.canvas().get_graph(js(f["id"].clone()))).await["nodes"][0]["position"],
        json!({ "x": 199, "y": 199 })
    );
}

/// Another user's private project never reaches this user's store; a public one does,
/// read-only.
#[wasm_bindgen_test]
async fn other_users_private_data_stays_private() {
    let a = device(&fresh_name("priv-a"), 'a').await;
    let private = ok(a.projects().create(js(json!({ "name": "Secret" })))).await;
    let public = ok(a
        .projects()
        .create(js(json!({ "name": "Showcase", "isPublic": true }))))
    .await;
    sync(&a).await;
    let b = device(&fresh_name("priv-b"), 'b').await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(private["id"].clone()))).await,
        json!(null)
    );
    assert_eq!(
        ok(b.projects().get(js(public["id"].clone()))).await["name"],
        "Showcase"
    );
    // B edits A's public project: optimistic, then rejected and rolled back.
    ok(b.projects()
        .update(js(public["id"].clone()), js(json!({ "name": "Hijacked" }))))
    .await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(public["id"].clone()))).await["name"],
        "Showcase"
    );
    // B creates a file under A's private project id: not found locally, nothing sent.
    fails(
        b.canvas()
            .create_file(js(json!({ "projectId": private["id"], "name": "x" }))),
        "not_found",
    )
    .await;
}

/// A store that synced another user's public project holds none of it once the owner
/// makes it private: project, files, graph, nodes, executions, chains and renders.
#[wasm_bindgen_test]
async fn a_project_gone_private_leaves_other_users_stores() {
    let a = device(&fresh_name("revoke-a"), 'a').await;
    let p = ok(a
        .projects()
        .create(js(json!({ "name": "Showcase", "isPublic": true }))))
    .await;
    let f = ok(a
        .canvas()
        .create_file(js(json!({ "projectId": p["id"], "name": "Plan" }))))
    .await;
    let n = uuid();
    ok(a.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&n, 1.0) }])),
    ))
    .await;
    let chain = ok(a
        .render()
        .create_chain(js(json!({ "projectId": p["id"], "name": "Chat" }))))
    .await;
    ok(a.render()
        .create_render(js(json!({ "chainId": chain["id"], "prompt": "a villa" }))))
    .await;
    let e = ok(a.apps().create_execution(js(json!({
        "toolSlug": "render-to-floor-plan", "projectId": p["id"],
        "inputImages": ["https://img/a.png"], "inputSettings": { "floorPlanType": "2d-lines" }
    }))))
    .await;
    sync(&a).await;

    let b = device(&fresh_name("revoke-b"), 'b').await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(p["id"].clone()))).await["name"],
        "Showcase"
    );
    assert_eq!(
        ok(b.canvas().get_graph(js(f["id"].clone()))).await["nodes"][0]["id"],
        n
    );
    assert_eq!(
        ok(b.apps().get_execution(js(e["id"].clone()))).await["id"],
        e["id"]
    );
    assert_eq!(
        ok(b.render().renders_by_chain(js(chain["id"].clone()))).await[0]["prompt"],
        "a villa"
    );

    ok(a.projects()
        .update(js(p["id"].clone()), js(json!({ "isPublic": false }))))
    .await;
    sync(&a).await;
    sync(&b).await;
    assert_eq!(ok(b.projects().get(js(p["id"].clone()))).await, json!(null));
    assert_eq!(
        ok(b.canvas().get_file(js(f["id"].clone()))).await,
        json!(null)
    );
    assert_eq!(
        ok(b.canvas().get_graph(js(f["id"].clone()))).await,
        json!(null)
    );
    assert_eq!(
        ok(b.apps().get_execution(js(e["id"].clone()))).await,
        json!(null)
    );
    assert_eq!(
        ok(b.render().chains_by_project(js(p["id"].clone()))).await,
        json!([])
    );
    assert_eq!(
        ok(b.render().renders_by_chain(js(chain["id"].clone()))).await,
        json!([])
    );
    // The owner keeps all of it.
    assert_eq!(
        ok(a.canvas().get_graph(js(f["id"].clone()))).await["nodes"][0]["id"],
        n
    );
}

/// Executions are created pending, run by the server's tool runner, and their progress
/// arrives by pull; a replay becomes a child.
#[wasm_bindgen_test]
async fn executions_complete_on_the_server() {
    let a = device(&fresh_name("exec"), 'a').await;
    let p = ok(a.projects().create(js(json!({ "name": "Villa" })))).await;
    let e = ok(a.apps().create_execution(js(json!({ "toolSlug": "render-to-section", "projectId": p["id"], "inputImages": ["https://img/a.png"], "inputSettings": { "sectionCutDirection": "transverse" } })))).await;
    assert_eq!(e["status"], "pending");
    let status = finished(&a, &e["id"]).await;
    assert_eq!(status["status"], "completed", "{status}");
    assert!(status["output_url"].as_str().is_some());
    let replay = ok(a.apps().replay_execution(js(e["id"].clone()))).await;
    sync(&a).await;
    let kids = ok(a.apps().variations(js(e["id"].clone()))).await;
    assert_eq!(kids[0]["id"], replay["id"]);
}

/// Polls until the server's runner has finished `id` (completed or failed).
async fn finished(store: &StudioStore, id: &Value) -> Value {
    let mut e = Value::Null;
    for _ in 0..60 {
        sync(store).await;
        e = ok(store.apps().get_execution(js(id.clone()))).await;
        if e["status"] == "completed" || e["status"] == "failed" {
            break;
        }
        tick(100).await;
    }
    e
}

/// Issue 9, case 11: when a parent execution goes (here with its project), the server
/// clears its children's `parent_execution_id` with a change row, so a device that
/// synced the child drops the stale id too, not only the server.
#[wasm_bindgen_test]
async fn a_deleted_parent_execution_is_cleared_from_its_children_on_devices() {
    let a = device(&fresh_name("parent"), 'a').await;
    let old = ok(a.projects().create(js(json!({ "name": "Old" })))).await;
    let new = ok(a.projects().create(js(json!({ "name": "New" })))).await;
    let exec = |p: &Value| json!({ "toolSlug": "render-to-section", "projectId": p["id"], "inputImages": ["https://img/a.png"], "inputSettings": { "sectionCutDirection": "transverse" } });
    let parent = ok(a.apps().create_execution(js(exec(&old)))).await;
    let mut input = exec(&new);
    input["parentExecutionId"] = parent["id"].clone();
    let child = ok(a.apps().create_execution(js(input))).await;
    finished(&a, &parent["id"]).await;
    let before = finished(&a, &child["id"]).await;
    assert_eq!(before["parent_execution_id"], parent["id"], "{before}");

    ok(a.projects().delete(js(old["id"].clone()))).await;
    sync(&a).await;
    sync(&a).await;
    let after = ok(a.apps().get_execution(js(child["id"].clone()))).await;
    assert!(after["parent_execution_id"].is_null(), "{after}");
}

/// Two stores on one database in one page behave as two tabs: one syncs, both see
/// every change, and the other takes over when the first closes.
#[wasm_bindgen_test]
async fn two_tabs_share_one_sync() {
    let name = fresh_name("tabs");
    let opts = json!({ "name": name, "serverUrl": server(), "token": token('a'), "syncIntervalMs": 100, "requestTimeoutMs": 4000 });
    let t1 = open_with(opts.clone()).await.expect("tab 1");
    tick(100).await;
    let t2 = open_with(opts).await.expect("tab 2");
    tick(200).await;
    let leaders = [&t1, &t2]
        .iter()
        .filter(|t| json(&t.sync().status())["leader"] == true)
        .count();
    assert_eq!(leaders, 1, "exactly one tab syncs");

    let (p, f) = project_and_file(&t1).await;
    let seen: Rc<RefCell<Vec<Value>>> = Rc::default();
    let sink = seen.clone();
    let cb =
        Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| sink.borrow_mut().push(json(&ev)));
    let _stop = t1
        .watch(
            "canvas".into(),
            js(f["id"].clone()),
            cb.as_ref().unchecked_ref::<js_sys::Function>().clone(),
        )
        .expect("watch");
    ok(t2.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&uuid(), 0.0) }])),
    ))
    .await;
    tick(100).await;
    assert!(
        seen.borrow().iter().any(|e| e["origin"] == "tab"),
        "tab 1 heard tab 2's edit: {:?}",
        seen.borrow()
    );
    assert_eq!(
        ok(t1.canvas().get_graph(js(f["id"].clone()))).await["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (leader, other) = if json(&t1.sync().status())["leader"] == true {
        (t1, t2)
    } else {
        (t2, t1)
    };
    // sync.now() in the tab that does not sync: the leader runs a round for it.
    ok(other.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&uuid(), 1.0) }])),
    ))
    .await;
    ok(other.sync().now()).await;
    assert_eq!(
        pending(&other).await,
        0,
        "the leader pushed the other tab's edits"
    );
    assert_eq!(json(&other.sync().status())["state"], "synced");

    // Close the leader; the other takes over and pushes everything.
    ok(leader.close()).await;
    tick(300).await;
    assert_eq!(json(&other.sync().status())["leader"], true, "handover");
    ok(other.sync().now()).await;
    assert_eq!(pending(&other).await, 0);
    let b = device(&fresh_name("tabs-b"), 'a').await;
    sync(&b).await;
    assert_eq!(
        ok(b.projects().get(js(p["id"].clone()))).await["name"],
        "Villa"
    );
    assert_eq!(
        ok(b.canvas().get_graph(js(f["id"].clone()))).await["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "both tabs' nodes reached the server"
    );
}

/// Issue 13, target 4: with automatic sync on, another device's edit arrives by the
/// server's poke, long before the next poll (a minute here), and the status says the
/// channel is open.
#[wasm_bindgen_test]
async fn another_devices_edit_arrives_by_poke_not_by_poll() {
    let writer = device(&fresh_name("poke-writer"), 'a').await;
    let reader = open_with(json!({ "name": fresh_name("poke-reader"), "serverUrl": server(), "token": token('a'), "syncIntervalMs": 60000, "requestTimeoutMs": 4000 }))
        .await
        .expect("a device that syncs by itself");
    for _ in 0..100 {
        if json(&reader.sync().status())["live"] == true {
            break;
        }
        tick(50).await;
    }
    assert_eq!(
        json(&reader.sync().status())["live"],
        true,
        "the channel opens"
    );
    let mut latencies = Vec::new();
    for i in 0..3 {
        let p = ok(writer
            .projects()
            .create(js(json!({ "name": format!("Poked {i}") }))))
        .await;
        let started = js_sys::Date::now();
        sync(&writer).await;
        while ok(reader.projects().get(js(p["id"].clone())))
            .await
            .is_null()
        {
            assert!(
                js_sys::Date::now() - started < 10_000.0,
                "not there after 10 s"
            );
            tick(10).await;
        }
        latencies.push(js_sys::Date::now() - started);
    }
    web_sys::console::log_1(&format!("poke to visible, ms: {latencies:?}").into());
    ok(reader.close()).await;
}
