//! A database belongs to one user: the first answer of `GET /api/me` binds it, another
//! user's token is refused with `wrong_user` (nothing pushed, pulled or shown), and
//! optimistic rows carry the bound user's id. Against the real server, two users.

use super::damage::{delete_raw, put_raw};
use super::support::*;
use super::sync::{device, inject, pending, server, sync, token};
use serde_json::{json, Value};
use studio_store::api::StudioStore;
use wasm_bindgen_test::wasm_bindgen_test;

fn options(name: &str, user: char) -> Value {
    json!({ "name": name, "serverUrl": server(), "token": token(user), "autoSync": false, "requestTimeoutMs": 4000 })
}

/// Whether a fresh store of `user` sees the project after a full sync.
pub(super) async fn account_has(user: char, project_id: &Value) -> bool {
    let probe = device(&fresh_name("probe"), user).await;
    sync(&probe).await;
    let found = ok(probe.projects().get(js(project_id.clone()))).await;
    ok(probe.close()).await;
    !found.is_null()
}

/// A's private project in a store A never synced.
async fn unsynced_private_project(name: &str) -> Value {
    let a = device(name, 'a').await;
    let (p, f) = project_and_file(&a).await;
    ok(a.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&uuid(), 1.0) }])),
    ))
    .await;
    assert!(
        p["user_id"].is_string(),
        "an optimistic row is the bound user's: {p}"
    );
    ok(a.close()).await;
    p
}

#[wasm_bindgen_test]
async fn another_users_token_is_refused_and_nothing_reaches_their_account() {
    let name = fresh_name("bound");
    let p = unsynced_private_project(&name).await;
    let e = open_with(options(&name, 'b'))
        .await
        .err()
        .expect("B's token must not open A's store");
    assert_eq!(e["code"], "wrong_user", "{e}");
    assert_eq!(e["name"], "StudioStoreError");
    assert!(!account_has('b', &p["id"]).await, "A's project reached B");

    // A's own token still opens it, and A's edits reach A's account.
    let a = device(&name, 'a').await;
    assert_eq!(sync(&a).await["state"], "synced");
    assert_eq!(pending(&a).await, 0);
    ok(a.close()).await;
    assert!(account_has('a', &p["id"]).await);
    assert!(!account_has('b', &p["id"]).await);
}

#[wasm_bindgen_test]
async fn opened_offline_with_another_users_token_it_refuses_on_first_contact() {
    let name = fresh_name("bound-offline");
    let p = unsynced_private_project(&name).await;
    // The server cannot be asked at open: local use is allowed...
    inject("/api/me", &["offline"]);
    let b: StudioStore = open_with(options(&name, 'b'))
        .await
        .expect("offline, the store opens for local use");
    assert_eq!(pending(&b).await, 3);
    // ...and the first contact, before any push, refuses it.
    let e = fails(b.sync().now(), "wrong_user").await;
    assert!(e["message"].as_str().unwrap().contains("another user"));
    assert_eq!(json(&b.sync().status())["error"]["code"], "wrong_user");
    fails(b.projects().list(), "wrong_user").await;
    fails(b.projects().get(js(p["id"].clone())), "wrong_user").await;
    fails(
        b.projects().create(js(json!({ "name": "x" }))),
        "wrong_user",
    )
    .await;
    fails(b.sync().now(), "wrong_user").await;
    ok(b.close()).await;
    assert!(!account_has('b', &p["id"]).await, "A's project reached B");
    // A's pending edits are intact.
    let a = device(&name, 'a').await;
    assert_eq!(pending(&a).await, 3);
    sync(&a).await;
    assert!(account_has('a', &p["id"]).await);
}

#[wasm_bindgen_test]
async fn a_store_never_in_contact_binds_to_its_first_user_with_its_edits() {
    let name = fresh_name("first-contact");
    inject("/api/me", &["offline"]);
    let a = device(&name, 'a').await;
    let p = ok(a.projects().create(js(json!({ "name": "Made offline" })))).await;
    assert!(p["user_id"].is_null(), "no user known yet: {p}");
    // First contact: bound to A, and the edit made before belongs to A.
    assert_eq!(sync(&a).await["state"], "synced");
    let synced = ok(a.projects().get(js(p["id"].clone()))).await;
    assert!(synced["user_id"].is_string(), "{synced}");
    let later = ok(a.projects().create(js(json!({ "name": "Made bound" })))).await;
    assert_eq!(later["user_id"], synced["user_id"]);
    ok(a.close()).await;
    assert!(account_has('a', &p["id"]).await);
    let e = open_with(options(&name, 'b')).await.err().expect("refused");
    assert_eq!(e["code"], "wrong_user");
}

#[wasm_bindgen_test]
async fn one_default_template_per_user_holds_locally() {
    let a = device(&fresh_name("tpl-default"), 'a').await;
    let tpl = |name: &str| {
        js(
            json!({ "toolSlug": "render-to-section", "name": name, "settings": { "sectionCutDirection": "transverse" }, "isDefault": true }),
        )
    };
    let first = ok(a.apps().upsert_template(tpl("First"))).await;
    let second = ok(a.apps().upsert_template(tpl("Second"))).await;
    assert!(second["user_id"].is_string(), "{second}");
    assert_eq!(first["user_id"], second["user_id"]);
    let defaults = |list: &Value| -> Vec<Value> {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|t| t["is_default"] == true && t["user_id"] == second["user_id"])
            .map(|t| t["id"].clone())
            .collect()
    };
    let list = ok(a.apps().templates_by_tool(js(json!("render-to-section")))).await;
    assert_eq!(
        defaults(&list),
        [second["id"].clone()],
        "before sync: {list}"
    );
    sync(&a).await;
    let list = ok(a.apps().templates_by_tool(js(json!("render-to-section")))).await;
    assert_eq!(
        defaults(&list),
        [second["id"].clone()],
        "as the server has it: {list}"
    );
}

/// A database that synced before binding existed (its sync meta names no user) is
/// checked against the server, which knows whose its client id is.
#[wasm_bindgen_test]
async fn a_database_synced_before_binding_is_refused_to_another_user() {
    let name = fresh_name("legacy-bound");
    let a = device(&name, 'a').await;
    let p = ok(a.projects().create(js(json!({ "name": "Legacy" })))).await;
    sync(&a).await;
    let client_id = json(&a.sync().client_id());
    ok(a.close()).await;
    // As the code before binding left it: no user in the meta, no identity copy.
    put_raw(
        &name,
        "meta",
        json!({ "client_id": client_id, "next_seq": 2, "sent_through": 1, "acked_through": 1, "cursors": { "projects": 1 } }),
        Some("sync"),
    )
    .await;
    delete_raw(&name, "meta", "identity").await;
    let e = open_with(options(&name, 'b')).await.err().expect("refused");
    assert_eq!(e["code"], "wrong_user", "{e}");
    assert!(!account_has('b', &p["id"]).await);
    // A's token binds it to A.
    let a = device(&name, 'a').await;
    assert_eq!(sync(&a).await["state"], "synced");
}
