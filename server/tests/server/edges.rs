//! The server's edges (issue 10 cases 2 and 7, issue 9 case 11): one bad value cannot
//! jam a client, a token without its user, variations across users, per-owner slugs,
//! change rows for nulled parents, bounded rejections.

use crate::common::{self, assert_error, id, latest, Client, Server};
use crate::db_test;
use serde_json::{json, Value};

/// A NUL anywhere in the args is that mutation's `validation` rejection, on both
/// databases alike; the batch goes on, a retry gets the same answers, and the client
/// keeps syncing.
async fn nul_rejects_one_mutation(b: common::Backend) {
    let s = Server::start(b).await;
    let tool = s.tool_id("render-to-floor-plan").await;
    let mut a = Client::new(&s.dev_token);
    let (p, f, chain) = (id(), id(), id());
    a.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Villa"}),
    )
    .await;
    a.ok(
        &s,
        "canvas",
        "file.create",
        json!({"id": f, "project_id": p, "name": "Plan"}),
    )
    .await;
    a.ok(
        &s,
        "render",
        "chain.create",
        json!({"id": chain, "project_id": p, "name": "Chat"}),
    )
    .await;
    let node = |data: Value, style: Value| {
        json!({"file_id": f, "ops": [{"op": "node.add", "node":
            {"id": id(), "type": "image", "position": {"x": 0, "y": 0}, "data": data, "style": style}}]})
    };
    let bad: Vec<(&str, &str, Value)> = vec![
        (
            "projects",
            "project.create",
            json!({"id": id(), "name": "N", "metadata": {"k": "a\u{0}b"}}),
        ),
        (
            "projects",
            "project.create",
            json!({"id": id(), "name": "N", "metadata": {"k\u{0}": 1}}),
        ),
        (
            "projects",
            "project.update",
            json!({"id": p, "tags": ["x\u{0}"]}),
        ),
        (
            "projects",
            "project.update",
            json!({"id": p, "metadata": {"deep": [{"k": "\u{0}"}]}}),
        ),
        (
            "canvas",
            "file.create",
            json!({"id": id(), "project_id": p, "name": "F", "metadata": {"k": "\u{0}"}}),
        ),
        (
            "canvas",
            "graph.apply",
            node(json!({"label": "a\u{0}"}), json!({})),
        ),
        (
            "canvas",
            "graph.apply",
            node(json!({}), json!({"color": "\u{0}"})),
        ),
        (
            "render",
            "render.create",
            json!({"id": id(), "project_id": p, "chain_id": chain,
            "type": "image", "prompt": "p", "settings": {"k": "\u{0}"}}),
        ),
        (
            "apps",
            "execution.create",
            json!({"id": id(), "tool_id": tool, "project_id": p,
            "input_images": ["/a.png"], "input_settings": {"floorPlanType": "2d-lines\u{0}"}}),
        ),
        (
            "apps",
            "template.upsert",
            json!({"id": id(), "tool_id": tool, "name": "T",
            "settings": {"floorPlanType": "2d-lines", "x\u{0}": 1}}),
        ),
    ];
    let good = |platform: &str| -> (&'static str, Value) {
        match platform {
            "projects" => ("project.update", json!({"id": p, "description": "ok"})),
            "canvas" => ("file.update", json!({"id": f, "name": "Plan"})),
            "render" => (
                "chain.create",
                json!({"id": id(), "project_id": p, "name": "C"}),
            ),
            _ => (
                "template.upsert",
                json!({"id": id(), "tool_id": tool, "name": "T",
                "settings": {"floorPlanType": "2d-lines"}}),
            ),
        }
    };
    for (platform, name, args) in bad {
        // One bad mutation between two good ones, in one batch.
        let (g1, g2) = (good(platform), good(platform));
        let batch = [(g1.0, g1.1), (name, args.clone()), (g2.0, g2.1)];
        let first = a.seq + 1;
        let (st, body) = a.push_batch(&s, platform, &batch).await;
        assert_eq!(st, 200, "{name} {args}: {body}");
        let statuses: Vec<&Value> = (0..3).map(|i| &body["results"][i]["status"]).collect();
        assert_eq!(
            statuses,
            ["applied", "rejected", "applied"],
            "{name} {args}: {body}"
        );
        assert_eq!(
            body["results"][1]["error"]["code"], "validation",
            "{name}: {body}"
        );
        assert_eq!(body["last_seq"], first + 2, "every seq is consumed");
        // The retry after a lost response gets the same answers, not a 500.
        let muts: Vec<Value> = batch
            .iter()
            .zip(first..)
            .map(|((n, a), seq)| json!({"seq": seq, "name": n, "args": a}))
            .collect();
        let (st, again) = s
            .push_raw(
                &a.token,
                platform,
                &json!({"client_id": a.id, "mutations": muts}),
            )
            .await;
        assert_eq!(st, 200, "{again}");
        assert_eq!(again["results"], body["results"]);
    }
    // And the client goes on.
    a.ok(
        &s,
        "projects",
        "project.update",
        json!({"id": p, "name": "Villa 2"}),
    )
    .await;
    // Nothing of the bad values was stored.
    let (changes, _) = s.pull_all(&s.dev_token, "projects", 0).await;
    let project = latest(&changes, p).unwrap();
    assert_eq!(project["tags"], json!([]));
    assert_eq!(project["metadata"], json!({}));
    for platform in ["projects", "canvas", "apps", "render"] {
        let (changes, _) = s.pull_all(&s.dev_token, platform, 0).await;
        let text = serde_json::to_string(&changes).unwrap();
        assert!(!text.contains("\\u0000"), "{platform} stored a NUL: {text}");
    }
}
db_test!(nul_in_args, nul_rejects_one_mutation);

