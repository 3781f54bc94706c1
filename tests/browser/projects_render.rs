//! Projects, chains and renders: CRUD and index queries.

use super::support::*;
use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn projects_crud_and_slugs() {
    let store = open(&fresh_name("projects")).await;
    let p = ok(store
        .projects()
        .create(js(json!({ "name": "Villa Rotonda" }))))
    .await;
    assert_eq!(p["slug"], "villa-rotonda");
    assert_eq!(p["status"], "active");
    assert_eq!(p["is_public"], false);
    let p2 = ok(store
        .projects()
        .create(js(json!({ "name": "Villa Rotonda" }))))
    .await;
    assert_eq!(p2["slug"], "villa-rotonda-2", "derived slugs are unique");
    fails(
        store
            .projects()
            .create(js(json!({ "name": "Other", "slug": "villa-rotonda" }))),
        "slug_taken",
    )
    .await;

    let found = ok(store.projects().by_slug("villa-rotonda-2".into())).await;
    assert_eq!(found["id"], p2["id"]);
    let updated = ok(store.projects().update(
        js(p["id"].clone()),
        js(json!({ "name": "Rotonda", "isPublic": true, "tags": ["palladio"] })),
    ))
    .await;
    assert_eq!(updated["name"], "Rotonda");
    assert_eq!(updated["slug"], "villa-rotonda", "renaming keeps the slug");
    assert_eq!(updated["is_public"], true);
    assert_eq!(
        ok(store.projects().list()).await.as_array().unwrap().len(),
        2
    );

    ok(store.projects().delete(js(p["id"].clone()))).await;
    assert_eq!(
        ok(store.projects().get(js(p["id"].clone()))).await,
        json!(null)
    );
    fails(store.projects().delete(js(p["id"].clone())), "not_found").await;
}

#[wasm_bindgen_test]
async fn deleting_a_project_removes_everything_under_it() {
    let store = open(&fresh_name("cascade")).await;
    let (p, f) = project_and_file(&store).await;
    let n = uuid();
    ok(store.canvas().apply_ops(
        js(f["id"].clone()),
        js(json!([{ "op": "node.add", "node": node(&n, 1.0) }])),
    ))
    .await;
    let chain = ok(store
        .render()
        .create_chain(js(json!({ "projectId": p["id"], "name": "Chat" }))))
    .await;
    ok(store
        .render()
        .create_render(js(json!({ "chainId": chain["id"], "prompt": "a villa" }))))
    .await;
    let e = ok(store.apps().create_execution(js(json!({
        "toolSlug": "render-to-floor-plan", "projectId": p["id"],
        "inputImages": ["https://img/a.png"], "inputSettings": { "floorPlanType": "2d-lines" }
    }))))
    .await;
    ok(store.projects().delete(js(p["id"].clone()))).await;
    assert_eq!(
        ok(store.canvas().get_file(js(f["id"].clone()))).await,
        json!(null)
    );
    assert_eq!(
        ok(store.canvas().get_graph(js(f["id"].clone()))).await,
        json!(null)
    );
    assert_eq!(
        ok(store.apps().get_execution(js(e["id"].clone()))).await,
        json!(null)
    );
    assert_eq!(
        ok(store.render().renders_by_chain(js(chain["id"].clone()))).await,
        json!([])
    );
    assert_eq!(
        ok(store.render().chains_by_project(js(p["id"].clone()))).await,
        json!([])
    );
}

#[wasm_bindgen_test]
async fn renders_line_up_in_their_chain() {
    let store = open(&fresh_name("renders")).await;
    let p = ok(store.projects().create(js(json!({ "name": "Villa" })))).await;
    let chain = ok(store
        .render()
        .create_chain(js(json!({ "projectId": p["id"], "name": "Chat" }))))
    .await;
    let other = ok(store
        .render()
        .create_chain(js(json!({ "projectId": p["id"], "name": "Other" }))))
    .await;
    for prompt in ["first", "second", "third"] {
        ok(store
            .render()
            .create_render(js(json!({ "chainId": chain["id"], "prompt": prompt }))))
        .await;
    }
    ok(store.render().create_render(js(
        json!({ "chainId": other["id"], "prompt": "elsewhere", "type": "video" }),
    )))
    .await;
    let renders = ok(store.render().renders_by_chain(js(chain["id"].clone()))).await;
    let got: Vec<(i64, &str)> = renders
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["chain_position"].as_i64().unwrap(),
                r["prompt"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, vec![(0, "first"), (1, "second"), (2, "third")]);
    assert_eq!(
        ok(store.render().chains_by_project(js(p["id"].clone())))
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    fails(
        store
            .render()
            .create_render(js(json!({ "chainId": uuid(), "prompt": "x" }))),
        "not_found",
    )
    .await;
}
