//! Nobody reads or writes another user's private project, through any endpoint; a
//! public project is readable by all and writable by its owner only (a variation of
//! one of its executions included). Someone else's
//! private id answers exactly like a random id.

use crate::common::{self, assert_error, id, latest, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use uuid::Uuid;

struct Owned {
    project: Uuid,
    file: Uuid,
    node: Uuid,
    execution: Uuid,
    chain: Uuid,
    render: Uuid,
}

async fn setup(s: &Server, a: &mut Client, public: bool, tool: Uuid) -> Owned {
    let o = Owned {
        project: id(),
        file: id(),
        node: id(),
        execution: id(),
        chain: id(),
        render: id(),
    };
    a.ok(
        s,
        "projects",
        "project.create",
        json!({"id": o.project, "name": "Villa", "is_public": public}),
    )
    .await;
    a.ok(
        s,
        "canvas",
        "file.create",
        json!({"id": o.file, "project_id": o.project, "name": "Plan"}),
    )
    .await;
    a.ok(s, "canvas", "graph.apply", json!({"file_id": o.file, "ops": [
        {"op": "node.add", "node": {"id": o.node, "type": "image", "position": {"x": 0, "y": 0}}}]})).await;
    a.ok(
        s,
        "apps",
        "execution.create",
        json!({"id": o.execution, "tool_id": tool, "project_id": o.project,
        "input_images": ["/a.png"], "input_settings": {"floorPlanType": "2d-lines"}}),
    )
    .await;
    a.ok(
        s,
        "render",
        "chain.create",
        json!({"id": o.chain, "project_id": o.project, "name": "Chat"}),
    )
    .await;
    a.ok(s, "render", "render.create", json!({"id": o.render, "project_id": o.project, "chain_id": o.chain, "type": "image", "prompt": "p"})).await;
    o
}

/// Every mutation that targets `o`, as (platform, name, args).
fn attacks(o: &Owned, tool: Uuid) -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "projects",
            "project.update",
            json!({"id": o.project, "name": "mine now"}),
        ),
        (
            "projects",
            "project.update",
            json!({"id": o.project, "is_public": false}),
        ),
        ("projects", "project.delete", json!({"id": o.project})),
        (
            "canvas",
            "file.create",
            json!({"id": id(), "project_id": o.project, "name": "x"}),
        ),
        ("canvas", "file.update", json!({"id": o.file, "name": "x"})),
        ("canvas", "file.delete", json!({"id": o.file})),
        (
            "canvas",
            "graph.apply",
            json!({"file_id": o.file, "ops": [{"op": "node.remove", "id": o.node}]}),
        ),
        (
            "apps",
            "execution.create",
            json!({"id": id(), "tool_id": tool, "project_id": o.project,
            "input_images": ["/a.png"], "input_settings": {"floorPlanType": "2d-lines"}}),
        ),
        (
            "apps",
            "execution.replay",
            json!({"id": id(), "source_execution_id": o.execution}),
        ),
        (
            "render",
            "chain.create",
            json!({"id": id(), "project_id": o.project, "name": "x"}),
        ),
        (
            "render",
            "render.create",
            json!({"id": id(), "project_id": o.project, "chain_id": o.chain, "type": "image", "prompt": "x"}),
        ),
    ]
}

async fn matrix(b: common::Backend) {
    let s = Server::start(b).await;
    let tool = s.tool_id("render-to-floor-plan").await;
    let mut a = Client::new(&s.dev_token);
    let private = setup(&s, &mut a, false, tool).await;
    let public = setup(&s, &mut a, true, tool).await;
    let a_tpl = id();
    a.ok(&s, "apps", "template.upsert", json!({"id": a_tpl, "tool_id": tool, "name": "A's", "settings": {"floorPlanType": "2d-lines"}})).await;

    let b_token = s.db.token("bob@example.com");
    let mut bob = Client::new(&b_token);
    let random = Owned {
        project: id(),
        file: id(),
        node: id(),
        execution: id(),
        chain: id(),
        render: id(),
    };

    for ((priv_m, pub_m), rand_m) in attacks(&private, tool)
        .into_iter()
        .zip(attacks(&public, tool))
        .zip(attacks(&random, tool))
    {
        let (platform, name, args) = rand_m;
        let r_rand = bob.rejected(&s, platform, name, args, "not_found").await;
        let (platform, name, args) = priv_m;
        let r_priv = bob.rejected(&s, platform, name, args, "not_found").await;
        // Same code, same message shape: nothing tells the private id exists.
        let shape = |r: &Value| {
            r["error"]["message"]
                .as_str()
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_eq!(shape(&r_priv), shape(&r_rand), "{name}");
        assert_eq!(
            r_priv["error"].get("details"),
            r_rand["error"].get("details"),
            "{name}"
        );
        let (platform, name, args) = pub_m;
        bob.rejected(&s, platform, name, args, "forbidden").await;
    }
    // Templates: another user's is "not found", a global one is read-only.
    let global = {
        let (apps, _) = s.pull_all(&b_token, "apps", 0).await;
        let g = apps
            .iter()
            .find(|c| {
                c["entity"] == "tool_settings_template" && c["value"]["tool_id"] == tool.to_string()
            })
            .unwrap();
        assert!(g["value"].get("user_id").is_none());
        g["id"].as_str().unwrap().parse::<Uuid>().unwrap()
    };
    bob.rejected(&s, "apps", "template.upsert", json!({"id": a_tpl, "tool_id": tool, "name": "x", "settings": {"floorPlanType": "2d-lines"}}), "not_found").await;
    bob.rejected(
        &s,
        "apps",
        "template.delete",
        json!({"id": a_tpl}),
        "not_found",
    )
    .await;
    bob.rejected(&s, "apps", "template.upsert", json!({"id": global, "tool_id": tool, "name": "x", "settings": {"floorPlanType": "2d-lines"}}), "forbidden").await;
    bob.rejected(
        &s,
        "apps",
        "template.delete",
        json!({"id": global}),
        "forbidden",
    )
    .await;
    bob.rejected(
        &s,
        "apps",
        "template.delete",
        json!({"id": id()}),
        "not_found",
    )
    .await;
    // Variations: of a public execution (into bob's own project) yes; of a private one no.
    let bp = id();
    bob.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": bp, "name": "Bob's"}),
    )
    .await;
    let var = |parent: Uuid| {
        json!({"id": id(), "tool_id": tool, "project_id": bp, "input_images": ["/b.png"],
        "input_settings": {"floorPlanType": "2d-lines"}, "parent_execution_id": parent})
    };
    // A variation's parent is one of its user's own executions: another user's, public
    // or private, answers exactly like a random id.
    let mut answers = Vec::new();
    for parent in [public.execution, private.execution, id()] {
        let r = bob
            .rejected(&s, "apps", "execution.create", var(parent), "not_found")
            .await;
        let message = r["error"]["message"]
            .as_str()
            .unwrap()
            .replace(&parent.to_string(), "<id>");
        answers.push((message, r["error"].get("details").cloned()));
    }
    assert_eq!(
        answers[0], answers[2],
        "a public parent answers like a random id"
    );
    assert_eq!(
        answers[1], answers[2],
        "a private parent answers like a random id"
    );
    let own = id();
    bob.ok(
        &s,
        "apps",
        "execution.create",
        json!({"id": own, "tool_id": tool, "project_id": bp,
        "input_images": ["/b.png"], "input_settings": {"floorPlanType": "2d-lines"}}),
    )
    .await;
    bob.ok(&s, "apps", "execution.create", var(own)).await;
    // Bob cannot write into A's project through his own project either.
    bob.rejected(&s, "render", "render.create", json!({"id": id(), "project_id": bp, "chain_id": private.chain, "type": "image", "prompt": "x"}), "not_found").await;

    // Reads: every platform shows bob the public project's rows and none of the private's.
    for platform in ["projects", "canvas", "apps", "render"] {
        let (changes, _) = s.pull_all(&b_token, platform, 0).await;
        let text = serde_json::to_string(&changes).unwrap();
        for secret in [
            private.project,
            private.file,
            private.node,
            private.execution,
            private.chain,
            private.render,
            a_tpl,
        ] {
            assert!(
                !text.contains(&secret.to_string()),
                "{platform} pull leaks {secret}"
            );
        }
        let expect: &[Uuid] = match platform {
            "projects" => &[public.project],
            "canvas" => &[public.file, public.node],
            "apps" => &[public.execution],
            _ => &[public.chain, public.render],
        };
        for id in expect {
            assert!(
                latest(&changes, *id).is_some(),
                "{platform}: bob misses public {id}"
            );
        }
    }
    // A's data is untouched.
    let (changes, _) = s.pull_all(&s.dev_token, "canvas", 0).await;
    for o in [&private, &public] {
        assert_eq!(latest(&changes, o.file).unwrap()["name"], "Plan");
        assert!(latest(&changes, o.node).is_some());
    }

    // A client id is bound to its user: bob can neither push nor pull with A's.
    let (st, body) = s
        .push_raw(
            &b_token,
            "projects",
            &json!({"client_id": a.id, "mutations": [
        {"seq": a.seq + 1, "name": "project.create", "args": {"id": id(), "name": "sneaky"}}]}),
        )
        .await;
    assert_error(st, &body, 403, "forbidden");
    let (st, body) = s.pull(&b_token, "projects", a.id, 0, None).await;
    assert_error(st, &body, 403, "forbidden");
    let (_, body) = s.pull(&s.dev_token, "projects", a.id, 0, None).await;
    assert_eq!(body["last_seq"], a.seq, "A's client is unchanged");
    let (changes, _) = s.pull_all(&b_token, "projects", 0).await;
    assert!(!changes.iter().any(|c| c["value"]["name"] == "sneaky"));
}
db_test!(authz_matrix, matrix);

/// Who asks without a live user's token, for the table below.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    NoToken,
    NotBearer,
    UnknownToken,
    DeletedUser,
}

/// Every API endpoint × every kind of caller: the API's own endpoints answer 401
/// `unauthorized` to all but a live user's token, with one body whatever the reason (no
/// hint which tokens exist), and change nothing; health and the OpenAPI document are open.
async fn callers(b: common::Backend) {
    let s = Server::start(b).await;
    let ghost = s.db.token("ghost@example.com");
    common::raw_sql(&s, b, "DELETE FROM users WHERE email = 'ghost@example.com'").await;
    let client = id();
    let mut endpoints: Vec<(reqwest::Method, String, Option<Value>)> = vec![
        (reqwest::Method::GET, "/api/me".into(), None),
        (reqwest::Method::GET, "/api/health".into(), None),
        (reqwest::Method::GET, "/api/openapi.json".into(), None),
        // The poke channel: who hears what is tests/server/live.rs.
        (
            reqwest::Method::GET,
            format!("/api/events?client_id={client}"),
            None,
        ),
    ];
    for platform in ["projects", "canvas", "apps", "render"] {
        endpoints.push((
            reqwest::Method::GET,
            format!("/api/{platform}/pull?client_id={client}&cursor=0"),
            None,
        ));
    }
    let project = id();
    for platform in ["projects", "canvas", "apps", "render"] {
        let body = json!({"client_id": client, "mutations": [{"seq": 1, "name": "project.create",
            "args": {"id": project, "name": "sneaky"}}]});
        endpoints.push((
            reqwest::Method::POST,
            format!("/api/{platform}/push"),
            Some(body),
        ));
    }
    for (method, path, body) in &endpoints {
        let open = path == "/api/health" || path == "/api/openapi.json";
        let mut refusals = Vec::new();
        for caller in [
            Caller::NoToken,
            Caller::NotBearer,
            Caller::UnknownToken,
            Caller::DeletedUser,
        ] {
            let mut req = s.http.request(method.clone(), s.url(path));
            req = match caller {
                Caller::NoToken => req,
                Caller::NotBearer => req.header("authorization", format!("Basic {}", s.dev_token)),
                Caller::UnknownToken => req.bearer_auth("not-a-token-of-anyone"),
                Caller::DeletedUser => req.bearer_auth(&ghost),
            };
            if let Some(body) = body {
                req = req.json(body);
            }
            let res = req.send().await.expect("request");
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            if open {
                assert_eq!(status, 200, "{caller:?} {method} {path}");
                continue;
            }
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            assert_error(status, &body, 401, "unauthorized");
            refusals.push(body);
        }
        assert!(
            refusals.windows(2).all(|w| w[0] == w[1]),
            "{method} {path}: refusals differ by reason: {refusals:?}"
        );
    }
    // None of the refused pushes landed: the owner's own push of that id is a fresh one.
    let (changes, _) = s.pull_all(&s.dev_token, "projects", 0).await;
    assert!(latest(&changes, project).is_none(), "a refused push landed");
    let (st, me) = s.get(Some(&s.dev_token), "/api/me").await;
    assert_eq!(st, 200);
    assert!(me["user_id"].is_string(), "{me}");
    let (st, _) = s
        .get(
            Some(&s.dev_token),
            &format!("/api/projects/pull?client_id={}&cursor=0", id()),
        )
        .await;
    assert_eq!(st, 200);
}
db_test!(authz_callers, callers);
