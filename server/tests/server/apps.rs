//! Tools, executions through the built-in runner, replays, and settings templates.

use crate::common::{self, id, latest, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use uuid::Uuid;

/// Watches an execution by pull until it is final; returns every status seen.
async fn watch(s: &Server, token: &str, e: Uuid) -> (Vec<String>, Value) {
    let mut seen: Vec<String> = Vec::new();
    let mut cursor = 0;
    let client = id();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, body) = s.pull(token, "apps", client, cursor, None).await;
        cursor = body["cursor"].as_u64().unwrap();
        for c in body["changes"].as_array().unwrap() {
            if c["id"] == e.to_string() {
                let st = c["value"]["status"].as_str().unwrap().to_owned();
                if seen.last() != Some(&st) {
                    seen.push(st.clone());
                }
                if st == "completed" || st == "failed" {
                    return (seen, c["value"].clone());
                }
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "execution {e} never finished: {seen:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn lifecycle(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let mut c = Client::new(&t);
    let p = id();
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Runs"}),
    )
    .await;
    let plan = s.tool_id("render-to-floor-plan").await;
    let sketch = s.tool_id("sketch-to-render").await;
    let style = s.tool_id("style-transfer").await;
    let video = s.tool_id("render-to-video").await;

    // Inputs are checked against the tool: input type and the full settings schema.
    let exec = |tool: Uuid, images: Value, text: Option<&str>, settings: Value| json!({"id": id(), "tool_id": tool, "project_id": p, "input_images": images, "input_text": text, "input_settings": settings});
    for (args, why) in [
        (
            exec(plan, json!([]), None, json!({"floorPlanType": "2d-lines"})),
            "no image",
        ),
        (
            exec(
                plan,
                json!(["/a", "/b"]),
                None,
                json!({"floorPlanType": "2d-lines"}),
            ),
            "two images",
        ),
        (
            exec(
                plan,
                json!(["/a"]),
                Some("text"),
                json!({"floorPlanType": "2d-lines"}),
            ),
            "text for an image tool",
        ),
        (
            exec(plan, json!(["/a"]), None, json!({})),
            "required setting",
        ),
        (
            exec(plan, json!(["/a"]), None, json!({"floorPlanType": "4d"})),
            "enum",
        ),
        (
            exec(
                plan,
                json!(["/a"]),
                None,
                json!({"floorPlanType": "2d-lines", "colour": "red"}),
            ),
            "unknown setting",
        ),
        (
            exec(
                plan,
                json!(["/a"]),
                None,
                json!({"floorPlanType": "2d-lines", "showDimensions": "yes"}),
            ),
            "type",
        ),
        (exec(sketch, json!(["/a"]), None, json!({})), "text missing"),
        (
            exec(style, json!(["/a"]), None, json!({})),
            "one image for a multiple tool",
        ),
    ] {
        let r = c
            .rejected(&s, "apps", "execution.create", args, "validation")
            .await;
        assert!(r["error"]["message"].is_string(), "{why}");
    }
    c.rejected(
        &s,
        "apps",
        "execution.create",
        exec(id(), json!(["/a"]), None, json!({})),
        "not_found",
    )
    .await;

    // pending → processing → completed, seen by pull, with an output render.
    let e1 = exec(
        plan,
        json!(["/in.png"]),
        None,
        json!({"floorPlanType": "2d-colored", "quality": "ultra"}),
    );
    let e1_id: Uuid = e1["id"].as_str().unwrap().parse().unwrap();
    c.ok(&s, "apps", "execution.create", e1).await;
    let (seen, done) = watch(&s, &t, e1_id).await;
    assert_eq!(seen.last().map(String::as_str), Some("completed"));
    assert!(
        seen.len() >= 2,
        "the runner's steps are observable: {seen:?}"
    );
    // Only forward. A pull sees each row's latest state, so on a loaded machine a
    // step the runner took between two pulls (processing) may not be seen.
    let order = ["pending", "processing", "completed"];
    let steps: Vec<usize> = seen
        .iter()
        .map(|st| order.iter().position(|o| o == st).expect("a known status"))
        .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(
        done["execution_config"]["tool_slug"],
        "render-to-floor-plan"
    );
    assert_eq!(
        done["execution_config"]["settings"]["scale"], "1:100",
        "defaults recorded"
    );
    assert!(done["processing_time"].as_i64().unwrap() > 0);
    assert_eq!(done["credits_cost"], 6);
    let render_id: Uuid = done["output_render_id"].as_str().unwrap().parse().unwrap();
    assert!(done["output_url"].as_str().unwrap().ends_with(".png"));
    let (renders, _) = s.pull_all(&t, "render", 0).await;
    let render = latest(&renders, render_id).unwrap();
    assert_eq!(
        (render["status"].as_str(), render["type"].as_str()),
        (Some("completed"), Some("image"))
    );
    assert!(
        render.get("chain_id").is_none(),
        "a tool's output render has no chain"
    );
    assert_eq!(render["settings"], json!({}), "no tool data in renders");

    // Deterministic failure.
    let bad = exec(
        sketch,
        json!(["/s.png"]),
        Some("a timber house [fail]"),
        json!({}),
    );
    let bad_id: Uuid = bad["id"].as_str().unwrap().parse().unwrap();
    c.ok(&s, "apps", "execution.create", bad).await;
    let (_, failed) = watch(&s, &t, bad_id).await;
    assert_eq!(failed["status"], "failed");
    assert!(failed["error_message"].is_string());
    assert!(failed.get("output_render_id").is_none());

    // A video tool, a multi-image tool.
    let v = exec(
        video,
        json!(["/v.png"]),
        Some("slow orbit at dusk"),
        json!({"cameraMove": "orbit"}),
    );
    let v_id: Uuid = v["id"].as_str().unwrap().parse().unwrap();
    c.ok(&s, "apps", "execution.create", v).await;
    let m = exec(
        style,
        json!(["/a.png", "/b.png", "/c.png"]),
        None,
        json!({}),
    );
    let m_id: Uuid = m["id"].as_str().unwrap().parse().unwrap();
    c.ok(&s, "apps", "execution.create", m).await;
    let (_, vd) = watch(&s, &t, v_id).await;
    assert!(vd["output_url"].as_str().unwrap().ends_with(".mp4"));
    let (_, md) = watch(&s, &t, m_id).await;
    assert_eq!(md["status"], "completed");

    // Replay: a child with the same config that runs again.
    let child = id();
    c.ok(
        &s,
        "apps",
        "execution.replay",
        json!({"id": child, "source_execution_id": e1_id}),
    )
    .await;
    let (_, replayed) = watch(&s, &t, child).await;
    assert_eq!(replayed["parent_execution_id"], e1_id.to_string());
    assert_eq!(replayed["execution_config"], done["execution_config"]);
    assert_eq!(replayed["input_images"], json!(["/in.png"]));
    assert_eq!(replayed["status"], "completed");
    assert_eq!(
        replayed["credits_cost"], done["credits_cost"],
        "deterministic"
    );
    assert_ne!(replayed["output_render_id"], done["output_render_id"]);
    // A variation names its parent explicitly.
    let var = exec(
        plan,
        json!(["/in.png"]),
        None,
        json!({"floorPlanType": "2d-lines"}),
    );
    let mut var = var;
    var["parent_execution_id"] = json!(e1_id);
    c.ok(&s, "apps", "execution.create", var).await;
    let mut other_tool = exec(sketch, json!(["/in.png"]), Some("x"), json!({}));
    other_tool["parent_execution_id"] = json!(e1_id);
    c.rejected(&s, "apps", "execution.create", other_tool, "validation")
        .await;
    c.rejected(
        &s,
        "apps",
        "execution.replay",
        json!({"id": id(), "source_execution_id": id()}),
        "not_found",
    )
    .await;
}
db_test!(execution_lifecycle_and_replay, lifecycle);

async fn templates(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let mut c = Client::new(&t);
    let plan = s.tool_id("render-to-floor-plan").await;
    let section = s.tool_id("render-to-section").await;
    let (t1, t2, t3) = (id(), id(), id());
    let tpl = |id: Uuid, tool: Uuid, name: &str, settings: Value, is_default: bool| json!({"id": id, "tool_id": tool, "name": name, "settings": settings, "is_default": is_default});
    c.ok(
        &s,
        "apps",
        "template.upsert",
        tpl(
            t1,
            plan,
            "Colour",
            json!({"floorPlanType": "2d-colored"}),
            true,
        ),
    )
    .await;
    c.ok(
        &s,
        "apps",
        "template.upsert",
        tpl(
            t3,
            section,
            "Long",
            json!({"sectionCutDirection": "longitudinal"}),
            true,
        ),
    )
    .await;
    let (_, cursor) = s.pull_all(&t, "apps", 0).await;
    c.ok(
        &s,
        "apps",
        "template.upsert",
        tpl(
            t2,
            plan,
            "Lines",
            json!({"floorPlanType": "2d-lines"}),
            true,
        ),
    )
    .await;
    // One default per tool and user: t1 lost it, by a logged change; t3 (another tool) kept it.
    let (delta, _) = s.pull_all(&t, "apps", cursor).await;
    assert_eq!(latest(&delta, t1).unwrap()["is_default"], false);
    assert_eq!(latest(&delta, t2).unwrap()["is_default"], true);
    assert!(latest(&delta, t3).is_none(), "untouched");
    // The global default of the tool is not the user's: it stays default.
    let (all, _) = s.pull_all(&t, "apps", 0).await;
    let globals: Vec<&Value> = all
        .iter()
        .filter(|c| c["entity"] == "tool_settings_template" && c["value"].get("user_id").is_none())
        .collect();
    assert_eq!(globals.len(), 12);
    assert!(globals.iter().all(|g| g["value"]["is_default"] == true));
    // Updating keeps created_at and the owner; settings are checked against the schema.
    c.ok(
        &s,
        "apps",
        "template.upsert",
        tpl(
            t1,
            plan,
            "Colour 2",
            json!({"floorPlanType": "3d-cutaway"}),
            false,
        ),
    )
    .await;
    c.rejected(
        &s,
        "apps",
        "template.upsert",
        tpl(t1, plan, "x", json!({"floorPlanType": "nope"}), false),
        "validation",
    )
    .await;
    c.rejected(
        &s,
        "apps",
        "template.upsert",
        tpl(
            t1,
            section,
            "x",
            json!({"sectionCutDirection": "transverse"}),
            false,
        ),
        "validation",
    )
    .await;
    c.rejected(
        &s,
        "apps",
        "template.upsert",
        tpl(id(), id(), "x", json!({}), false),
        "not_found",
    )
    .await;
    let (all, _) = s.pull_all(&t, "apps", 0).await;
    let v1 = latest(&all, t1).unwrap();
    assert_eq!(
        (v1["name"].as_str(), v1["is_default"].as_bool()),
        (Some("Colour 2"), Some(false))
    );
    assert_eq!(latest(&all, t2).unwrap()["is_default"], true);
    c.ok(&s, "apps", "template.delete", json!({"id": t2})).await;
    assert!(s.state_of(&t, "apps", t2).await.is_none());
    // Making t1 default again works now that t2 is gone.
    c.ok(
        &s,
        "apps",
        "template.upsert",
        tpl(
            t1,
            plan,
            "Colour 2",
            json!({"floorPlanType": "3d-cutaway"}),
            true,
        ),
    )
    .await;
}
db_test!(templates_default_rule, templates);
