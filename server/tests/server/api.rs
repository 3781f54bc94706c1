//! Health, OpenAPI, static files, authentication and every bad-input class.

use crate::common::{self, assert_error, id, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use uuid::Uuid;

async fn health_openapi_and_static(b: common::Backend) {
    let s = Server::start(b).await;
    let (status, body) = s.get(None, "/api/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");

    let (status, doc) = s.get(None, "/api/openapi.json").await;
    assert_eq!(status, 200);
    for p in [
        "/api/health",
        "/api/openapi.json",
        "/api/{platform}/push",
        "/api/{platform}/pull",
    ] {
        assert!(doc["paths"][p].is_object(), "openapi lacks {p}");
    }
    // Every reference in the document resolves.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 20, "{all:?}");
    for r in all {
        let at = r.trim_start_matches('#');
        assert!(doc.pointer(at).is_some(), "dangling {r}");
    }
    // Real responses validate against the documented schemas.
    let mut c = Client::new(&s.dev_token);
    let (_, push) = c
        .push_batch(
            &s,
            "projects",
            &[
                ("project.create", json!({"id": id(), "name": "Doc"})),
                ("nope", json!({})),
            ],
        )
        .await;
    let (_, pull) = s.pull(&s.dev_token, "projects", c.id, 0, None).await;
    let (st, err) = s.get(None, "/api/projects/pull").await;
    assert_eq!(st, 401);
    for (name, instance) in [
        ("PushResponse", &push),
        ("PullResponse", &pull),
        ("ErrorBody", &err),
    ] {
        let schema = json!({"$ref": format!("#/components/schemas/{name}"), "components": doc["components"].clone()});
        let v = jsonschema::validator_for(&schema).expect("schema compiles");
        let errors: Vec<String> = v.iter_errors(instance).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?} in {instance}");
    }
    // The schemas derived from core's types accept real requests and refuse what the
    // server refuses.
    let schema_of = |name: &str| {
        let s = json!({"$ref": format!("#/components/schemas/{name}"), "components": doc["components"].clone()});
        jsonschema::validator_for(&s).expect("schema compiles")
    };
    let args = json!({"id": id(), "project_id": id(), "name": "Ground floor"});
    assert!(schema_of("FileCreate").is_valid(&args));
    let unknown = json!({"id": id(), "project_id": id(), "name": "A", "owner": "me"});
    assert!(!schema_of("FileCreate").is_valid(&unknown));
    let apply = json!({"name": "graph.apply", "args": {"file_id": id(), "ops": [
        {"op": "node.set", "id": id(), "props": {"position": {"x": 1, "y": 2}, "width": null}},
        {"op": "node.remove", "id": id()},
    ]}});
    assert!(schema_of("Mutation").is_valid(&apply));
    assert!(!schema_of("Mutation").is_valid(
        &json!({"name": "graph.apply", "args": {"file_id": id(), "ops": [{"op": "node.explode"}]}})
    ));
    let body = json!({"client_id": id(), "mutations": [{"seq": 1, "name": "graph.apply", "args": apply["args"]}]});
    assert!(schema_of("PushRequest").is_valid(&body));

    // The app and the package are served.
    let res = s.http.get(s.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("studio"));
    let res = s
        .http
        .get(s.url("/pkg/studio_store.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Unknown API paths, undecodable paths and wrong methods answer in the error shape.
    for path in ["/api/projects/pull/extra", "/api/", "/api/%FF/pull"] {
        let (st, body) = s.get(Some(&s.dev_token), path).await;
        assert!(st.is_client_error(), "{path}: {st}");
        assert!(body["error"]["code"].is_string(), "{path}: {body}");
    }
    // Unknown endpoints are 404.
    let (st, body) = s.get(Some(&s.dev_token), "/api/nope").await;
    assert_error(st, &body, 404, "not_found");
    let (st, body) = s.post_raw(None, "/api/health", None, vec![]).await;
    assert_eq!(st, 405);
    assert!(body["error"]["code"].is_string());
}
db_test!(health_openapi_and_static_files, health_openapi_and_static);

/// A page on another origin (the app's dev server, the package's browser tests) may
/// call the API with a bearer token: preflights pass and answers carry the header.
async fn cross_origin(b: common::Backend) {
    let s = Server::start(b).await;
    let res = s
        .http
        .request(reqwest::Method::OPTIONS, s.url("/api/canvas/push"))
        .header("Origin", "http://127.0.0.1:9")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    let res = s
        .http
        .get(s.url("/api/projects/pull?client_id=00000000-0000-4000-8000-000000000001&cursor=0"))
        .header("Origin", "http://127.0.0.1:9")
        .bearer_auth(&s.dev_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
}
db_test!(cross_origin_calls, cross_origin);

async fn auth(b: common::Backend) {
    let s = Server::start(b).await;
    let body = json!({"client_id": id(), "mutations": []});
    for platform in ["projects", "canvas", "apps", "render"] {
        let path = format!("/api/{platform}/push");
        let bytes = serde_json::to_vec(&body).unwrap();
        let (st, b1) = s
            .post_raw(None, &path, Some("application/json"), bytes.clone())
            .await;
        assert_error(st, &b1, 401, "unauthorized");
        let (st, b2) = s
            .post_raw(
                Some("not-a-token"),
                &path,
                Some("application/json"),
                bytes.clone(),
            )
            .await;
        assert_error(st, &b2, 401, "unauthorized");
        let (st, b3) = s
            .get(None, &format!("/api/{platform}/pull?client_id={}", id()))
            .await;
        assert_error(st, &b3, 401, "unauthorized");
        let (st, b4) = s
            .get(
                Some("Bearer"),
                &format!("/api/{platform}/pull?client_id={}", id()),
            )
            .await;
        assert_error(st, &b4, 401, "unauthorized");
        // A valid token works.
        let (st, _) = s
            .post_raw(Some(&s.dev_token), &path, Some("application/json"), bytes)
            .await;
        assert_eq!(st, 200);
    }
    // `migrate` applies the schema only, and may run again.
    for _ in 0..2 {
        let out = s.db.cli(&["migrate"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Tokens from the CLI work; the CLI prints only the token.
    let t = s.db.token("carol@example.com");
    assert_eq!(t.len(), 64);
    let (st, _) = s.pull(&t, "projects", id(), 0, None).await;
    assert_eq!(st, 200);
    // A second token for the same email is the same user: both see carol's project.
    let t2 = s.db.token("Carol@Example.com");
    assert_ne!(t, t2);
    let mut c = Client::new(&t);
    let p = id();
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Carol's"}),
    )
    .await;
    assert!(s.state_of(&t2, "projects", p).await.is_some());
    assert!(s.state_of(&s.dev_token, "projects", p).await.is_none());
    // The dev user's token, printed on the first start, is also in the data dir.
    let file = std::fs::read_to_string(s.db.dir.path().join(".data/dev-token")).unwrap();
    assert_eq!(file.trim(), s.dev_token);
}
db_test!(authentication, auth);

/// `GET /api/me` names the token's user (its own, per token), is documented, and
/// answers 401 without a token or with a bad one.
async fn me(b: common::Backend) {
    let s = Server::start(b).await;
    let alice = s.db.token("alice@example.com");
    let alice_again = s.db.token("alice@example.com");
    let bob = s.db.token("bob@example.com");
    let (st, a) = s.get(Some(&alice), "/api/me").await;
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["email"], "alice@example.com");
    let user: Uuid = a["user_id"].as_str().unwrap().parse().unwrap();
    let (_, a2) = s.get(Some(&alice_again), "/api/me").await;
    assert_eq!(
        a2["user_id"], a["user_id"],
        "two tokens of one user: one user id"
    );
    let (_, bb) = s.get(Some(&bob), "/api/me").await;
    assert_eq!(bb["email"], "bob@example.com");
    assert_ne!(bb["user_id"], a["user_id"]);
    // The user id is the one the server binds clients to: a client alice pushed with is
    // hers, and bob may not pull with it.
    let mut c = Client::new(&alice);
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "Mine"}),
    )
    .await;
    let (st, _) = s.pull(&bob, "projects", c.id, 0, None).await;
    assert_eq!(st, 403);
    assert_ne!(user, Uuid::nil());

    for token in [None, Some("not-a-token"), Some("Bearer"), Some("")] {
        let (st, body) = s.get(token, "/api/me").await;
        assert_error(st, &body, 401, "unauthorized");
    }
    let (st, body) = s.post_raw(Some(&alice), "/api/me", None, vec![]).await;
    assert_eq!(st, 405, "{body}");

    let (_, doc) = s.get(None, "/api/openapi.json").await;
    let op = &doc["paths"]["/api/me"]["get"];
    assert!(op.is_object(), "openapi lacks GET /api/me");
    assert!(op["responses"]["401"].is_object());
    assert!(!op["security"].as_array().unwrap().is_empty());
    let schema =
        json!({"$ref": "#/components/schemas/Me", "components": doc["components"].clone()});
    let v = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = v.iter_errors(&a).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "Me: {errors:?} in {a}");
}
db_test!(who_the_token_belongs_to, me);

async fn bad_input(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let push = "/api/projects/push";
    // Malformed JSON, and JSON that is not a push request.
    for body in [
        &b"{not json"[..],
        b"[]",
        b"{\"client_id\": \"x\", \"mutations\": []}",
        b"{\"client_id\": \"3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31\"}",
        b"",
    ] {
        let (st, res) = s
            .post_raw(Some(&t), push, Some("application/json"), body.to_vec())
            .await;
        assert_error(st, &res, 400, "malformed");
    }
    // Wrong content type.
    let ok_body = serde_json::to_vec(&json!({"client_id": id(), "mutations": []})).unwrap();
    let (st, res) = s
        .post_raw(Some(&t), push, Some("text/plain"), ok_body.clone())
        .await;
    assert_error(st, &res, 415, "malformed");
    let (st, res) = s.post_raw(Some(&t), push, None, ok_body).await;
    assert_error(st, &res, 415, "malformed");
    // Over 1 MiB.
    let big = json!({"client_id": id(), "mutations": [{"seq": 1, "name": "project.create",
        "args": {"id": id(), "name": "x", "description": "y".repeat(1024 * 1024)}}]});
    let (st, res) = s
        .post_raw(
            Some(&t),
            push,
            Some("application/json"),
            serde_json::to_vec(&big).unwrap(),
        )
        .await;
    assert_error(st, &res, 413, "payload_too_large");
    // Over 1 MiB without a Content-Length (chunked): still refused, in the error shape.
    let (status, body) = chunked_push(&s, &t, 1024 * 1024 + 4096).await;
    assert_eq!(status, 413, "{body}");
    let body: Value = serde_json::from_str(&body).expect("JSON error body");
    assert_eq!(body["error"]["code"], "payload_too_large");
    // Too many mutations.
    let many: Vec<Value> = (1..=501)
        .map(|i| json!({"seq": i, "name": "project.delete", "args": {"id": id()}}))
        .collect();
    let (st, res) = s
        .push_raw(
            &t,
            "projects",
            &json!({"client_id": id(), "mutations": many}),
        )
        .await;
    assert_error(st, &res, 422, "validation");
    // Seqs start at 1.
    let (st, res) = s
        .push_raw(
            &t,
            "projects",
            &json!({"client_id": id(), "mutations": [
        {"seq": 0, "name": "project.create", "args": {"id": id(), "name": "x"}}]}),
        )
        .await;
    assert_error(st, &res, 422, "validation");
    // Unknown platform; bad query strings; limits.
    let (st, res) = s
        .push_raw(&t, "games", &json!({"client_id": id(), "mutations": []}))
        .await;
    assert_error(st, &res, 404, "not_found");
    let (st, res) = s
        .get(
            Some(&t),
            "/api/games/pull?client_id=3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31",
        )
        .await;
    assert_error(st, &res, 404, "not_found");
    for q in [
        "",
        "?client_id=nope",
        "?client_id=3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31&cursor=-1",
        "?client_id=3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31&limit=x",
    ] {
        let (st, res) = s.get(Some(&t), &format!("/api/projects/pull{q}")).await;
        assert_error(st, &res, 400, "malformed");
    }
    for l in [0, 1001] {
        let (st, res) = s.pull(&t, "projects", id(), 0, Some(l)).await;
        assert_error(st, &res, 422, "validation");
    }

    // Bad mutations are rejected in their result; the batch goes on.
    let mut c = Client::new(&t);
    let p = id();
    let (st, res) = c
        .push_batch(
            &s,
            "projects",
            &[
                ("project.explode", json!({"id": p})), // unknown mutation
                (
                    "file.create",
                    json!({"id": id(), "project_id": p, "name": "x"}),
                ), // wrong platform
                ("project.create", json!({"id": p, "name": ""})), // invalid value
                (
                    "project.create",
                    json!({"id": p, "name": "x", "slug": "Bad Slug"}),
                ), // invalid slug
                ("project.create", json!({"id": "nope", "name": "x"})), // bad id
                (
                    "project.create",
                    json!({"id": p, "name": "x", "colour": "red"}),
                ), // unknown field
                (
                    "project.create",
                    json!({"id": p, "name": "Villa", "slug": "villa"}),
                ), // fine
                (
                    "project.create",
                    json!({"id": id(), "name": "Villa 2", "slug": "villa"}),
                ), // slug taken
                ("project.create", json!({"id": p, "name": "Again"})), // id in use
            ],
        )
        .await;
    assert_eq!(st, 200, "{res}");
    let codes: Vec<Value> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["error"]["code"].clone())
        .collect();
    assert_eq!(
        codes,
        vec![
            json!("validation"),
            json!("validation"),
            json!("validation"),
            json!("validation"),
            json!("validation"),
            json!("validation"),
            Value::Null,
            json!("slug_taken"),
            json!("conflict")
        ]
    );
    assert_eq!(res["results"][1]["error"]["details"]["platform"], "canvas");
    assert_eq!(res["last_seq"], 9);
    // A derived slug avoids the taken one.
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "Villa"}),
    )
    .await;
    let (changes, _) = s.pull_all(&t, "projects", 0).await;
    let mut slugs: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["value"]["slug"].as_str())
        .collect();
    slugs.sort();
    assert_eq!(slugs, vec!["villa", "villa-2"]);

    // File slugs: unique per project; rename keeps the slug; an explicit rename must be free.
    let f1 = id();
    let f2 = id();
    c.ok(
        &s,
        "canvas",
        "file.create",
        json!({"id": f1, "project_id": p, "name": "Ground floor"}),
    )
    .await;
    c.ok(
        &s,
        "canvas",
        "file.create",
        json!({"id": f2, "project_id": p, "name": "Ground floor"}),
    )
    .await;
    c.rejected(
        &s,
        "canvas",
        "file.create",
        json!({"id": id(), "project_id": p, "name": "x", "slug": "ground-floor"}),
        "slug_taken",
    )
    .await;
    c.rejected(
        &s,
        "canvas",
        "file.update",
        json!({"id": f2, "slug": "ground-floor"}),
        "slug_taken",
    )
    .await;
    c.ok(
        &s,
        "canvas",
        "file.update",
        json!({"id": f2, "name": "Roof"}),
    )
    .await;
    let f2v = s.state_of(&t, "canvas", f2).await.unwrap();
    assert_eq!(
        (f2v["name"].as_str(), f2v["slug"].as_str()),
        (Some("Roof"), Some("ground-floor-2"))
    );
    c.ok(
        &s,
        "canvas",
        "file.update",
        json!({"id": f2, "slug": "roof"}),
    )
    .await;
    assert_eq!(s.state_of(&t, "canvas", f2).await.unwrap()["slug"], "roof");
    // Invalid graph ops reject the whole graph.apply.
    c.rejected(
        &s,
        "canvas",
        "graph.apply",
        json!({"file_id": f1, "ops": []}),
        "validation",
    )
    .await;
    c.rejected(&s, "canvas", "graph.apply", json!({"file_id": f1, "ops": [
        {"op": "node.add", "node": {"id": id(), "type": "image", "position": {"x": 1e12, "y": 0}}}]}), "validation").await;
    // Chat renders cannot carry tool data.
    let chain = id();
    c.ok(
        &s,
        "render",
        "chain.create",
        json!({"id": chain, "project_id": p, "name": "Chat"}),
    )
    .await;
    c.rejected(
        &s,
        "render",
        "render.create",
        json!({"id": id(), "project_id": p, "chain_id": chain,
        "type": "image", "prompt": "p", "settings": {"imageType": "render-to-floor-plan"}}),
        "validation",
    )
    .await;
}
db_test!(bad_input_classes, bad_input);

/// A push whose body of `size` bytes is sent chunked, without a Content-Length.
async fn chunked_push(s: &Server, token: &str, size: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/projects/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    let mut sent = 0;
    while sent < size {
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        if stream.write_all(&frame).await.is_err() {
            break; // the server may answer and close before reading it all
        }
        sent += chunk.len();
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}
