//! Tools, executions and templates.

use super::support::*;
use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn the_catalog_is_there_offline() {
    let store = open(&fresh_name("tools")).await;
    let tools = ok(store.apps().tools()).await;
    assert!(tools.as_array().unwrap().len() >= 8);
    let t = ok(store.apps().tool("render-to-section".into())).await;
    assert_eq!(t["input_type"], "image");
    assert!(t["settings_schema"]["properties"].is_object());
}

#[wasm_bindgen_test]
async fn executions_are_checked_against_their_tool_and_indexed() {
    let store = open(&fresh_name("executions")).await;
    let p = ok(store.projects().create(js(json!({ "name": "Villa" })))).await;
    let plan = |settings: serde_json::Value, images: serde_json::Value| {
        js(
            json!({ "toolSlug": "render-to-floor-plan", "projectId": p["id"], "inputImages": images, "inputSettings": settings }),
        )
    };
    let e = ok(store.apps().create_execution(plan(
        json!({ "floorPlanType": "2d-colored" }),
        json!(["https://img/a.png"]),
    )))
    .await;
    assert_eq!(e["status"], "pending");
    assert_eq!(
        e["execution_config"]["settings"]["scale"], "1:100",
        "defaults recorded for replay"
    );
    fails(
        store.apps().create_execution(plan(
            json!({ "floorPlanType": "3d-hologram" }),
            json!(["a"]),
        )),
        "validation",
    )
    .await;
    fails(
        store.apps().create_execution(plan(json!({}), json!(["a"]))),
        "validation",
    )
    .await;
    fails(
        store.apps().create_execution(plan(
            json!({ "floorPlanType": "2d-lines" }),
            json!(["a", "b"]),
        )),
        "validation",
    )
    .await;
    fails(
        store.apps().create_execution(js(
            json!({ "toolSlug": "sketch-to-render", "projectId": p["id"], "inputImages": ["a"] }),
        )),
        "validation",
    )
    .await;
    fails(
        store.apps().create_execution(js(
            json!({ "toolSlug": "no-such-tool", "projectId": p["id"], "inputImages": ["a"] }),
        )),
        "not_found",
    )
    .await;
    let sketch = ok(store.apps().create_execution(js(json!({ "toolSlug": "sketch-to-render", "projectId": p["id"], "inputImages": ["a"], "inputText": "timber" })))).await;

    let replay = ok(store.apps().replay_execution(js(e["id"].clone()))).await;
    assert_eq!(replay["parent_execution_id"], e["id"]);
    assert_eq!(replay["execution_config"], e["execution_config"]);

    let by_tool = ok(store
        .apps()
        .executions_by_tool(js(json!("render-to-floor-plan"))))
    .await;
    assert_eq!(by_tool.as_array().unwrap().len(), 2);
    let by_id = ok(store
        .apps()
        .executions_by_tool(js(sketch["tool_id"].clone())))
    .await;
    assert_eq!(by_id.as_array().unwrap().len(), 1);
    assert_eq!(
        ok(store.apps().executions_by_project(js(p["id"].clone())))
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        ok(store.apps().executions_by_status(js(json!("pending"))))
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        ok(store.apps().executions_by_status(js(json!("completed")))).await,
        json!([])
    );
    fails(
        store.apps().executions_by_status(js(json!("done"))),
        "validation",
    )
    .await;
    let kids = ok(store.apps().variations(js(e["id"].clone()))).await;
    assert_eq!(kids.as_array().unwrap().len(), 1);
    assert_eq!(kids[0]["id"], replay["id"]);
}

#[wasm_bindgen_test]
async fn templates_by_tool() {
    let store = open(&fresh_name("templates")).await;
    let t = ok(store.apps().upsert_template(js(json!({ "toolSlug": "render-to-section", "name": "Mine", "settings": { "sectionCutDirection": "transverse" }, "isDefault": true })))).await;
    assert_eq!(t["is_default"], true);
    fails(store.apps().upsert_template(js(json!({ "toolSlug": "render-to-section", "name": "Bad", "settings": { "sectionCutDirection": "diagonal" } }))), "validation").await;
    let again = ok(store.apps().upsert_template(js(json!({ "id": t["id"], "toolSlug": "render-to-section", "name": "Renamed", "settings": { "sectionCutDirection": "transverse" } })))).await;
    assert_eq!(again["name"], "Renamed");
    assert_eq!(again["created_at"], t["created_at"]);
    let list = ok(store
        .apps()
        .templates_by_tool(js(json!("render-to-section"))))
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    ok(store.apps().delete_template(js(t["id"].clone()))).await;
    assert_eq!(
        ok(store
            .apps()
            .templates_by_tool(js(json!("render-to-section"))))
        .await,
        json!([])
    );
}
