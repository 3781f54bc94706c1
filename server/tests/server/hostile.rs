//! Hostile HTTP against the real server: bodies, fields and queries at and just over
//! every limit, headers past hyper's limits, deep JSON nesting, many connections at
//! once and malformed requests. Each is answered with its documented code (never a
//! 5xx), changes nothing else, leaks no internals, and the process keeps serving.
//! (Slow clients, idle keep-alives, the early 413 and the connection limit: http.rs.)

use crate::common::{self, assert_error, id, Client, Server};
use crate::db_test;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use studio_core::limits::{
    BODY_MAX_BYTES, DESCRIPTION_MAX, LABEL_MAX, MUTATIONS_PER_PUSH_MAX, NAME_MAX,
    OPS_PER_APPLY_MAX, PROMPT_MAX, PULL_LIMIT_MAX,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use uuid::Uuid;

/// What a raw exchange got back: the status (None: closed without an answer) and body.
struct Raw {
    status: Option<u16>,
    body: String,
}

/// Sends `request` as is on a new connection and reads until the server closes it.
async fn raw(s: &Server, request: &[u8]) -> Raw {
    let mut conn = TcpStream::connect(s.base.trim_start_matches("http://"))
        .await
        .expect("connect");
    // The server may answer and close before it has read everything.
    let _ = conn.write_all(request).await;
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), conn.read_to_end(&mut got)).await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    let text = String::from_utf8_lossy(&got).to_string();
    Raw {
        status: text
            .strip_prefix("HTTP/1.1 ")
            .and_then(|t| t.get(..3))
            .and_then(|c| c.parse().ok()),
        body: text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned(),
    }
}

/// The head of a push request on `path` (`Connection: close`), with extra header lines.
fn push_head(s: &Server, path: &str, extra: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\nconnection: close\r\n{extra}\r\n",
        s.dev_token
    )
}

/// `body` sent chunked (no Content-Length) in 64 KiB chunks.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in body.chunks(64 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// The server is alive and answers a health check promptly.
async fn still_serving(s: &Server) {
    let started = Instant::now();
    let (status, body) = s.get(None, "/api/health").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "health took {:?}",
        started.elapsed()
    );
    assert!(
        std::path::Path::new(&format!("/proc/{}", s.pid())).exists(),
        "the server process is gone"
    );
}

/// A push body creating one project, padded with trailing whitespace to `len` bytes.
fn padded_push(client: Uuid, project: Uuid, len: usize) -> Vec<u8> {
    let mut body = serde_json::to_vec(&json!({"client_id": client, "mutations": [
        {"seq": 1, "name": "project.create", "args": {"id": project, "name": "Padded"}}]}))
    .unwrap();
    assert!(body.len() <= len);
    body.resize(len, b' ');
    body
}

/// Bodies of exactly the limit are served, with and without a Content-Length; one
/// byte more is a 413 in the error shape, and its mutation is not applied.
async fn body_at_and_over_the_limit(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let push = "/api/projects/push";
    let at = id();
    let (st, res) = s
        .post_raw(
            Some(&t),
            push,
            Some("application/json"),
            padded_push(id(), at, BODY_MAX_BYTES),
        )
        .await;
    assert_eq!(st, 200, "{res}");
    assert_eq!(res["results"][0]["status"], "applied", "{res}");
    let over = id();
    let (st, res) = s
        .post_raw(
            Some(&t),
            push,
            Some("application/json"),
            padded_push(id(), over, BODY_MAX_BYTES + 1),
        )
        .await;
    assert_error(st, &res, 413, "payload_too_large");

    let chunked_at = id();
    let body = chunked(&padded_push(id(), chunked_at, BODY_MAX_BYTES));
    let r = raw(
        &s,
        &[
            push_head(&s, push, "transfer-encoding: chunked\r\n").as_bytes(),
            &body,
        ]
        .concat(),
    )
    .await;
    assert_eq!(r.status, Some(200), "{}", r.body);
    let chunked_over = id();
    let body = chunked(&padded_push(id(), chunked_over, BODY_MAX_BYTES + 1));
    let r = raw(
        &s,
        &[
            push_head(&s, push, "transfer-encoding: chunked\r\n").as_bytes(),
            &body,
        ]
        .concat(),
    )
    .await;
    assert_eq!(r.status, Some(413), "{}", r.body);
    let err: Value = serde_json::from_str(&r.body).expect("a JSON error body");
    assert_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &err,
        413,
        "payload_too_large",
    );

    assert!(s.state_of(&t, "projects", at).await.is_some());
    assert!(s.state_of(&t, "projects", chunked_at).await.is_some());
    assert!(s.state_of(&t, "projects", over).await.is_none());
    assert!(s.state_of(&t, "projects", chunked_over).await.is_none());
    still_serving(&s).await;
}
db_test!(body_limit, body_at_and_over_the_limit);

fn removes(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|_| json!({"op": "node.remove", "id": id()}))
            .collect(),
    )
}

fn node_with_data(bytes: usize) -> Value {
    json!({"op": "node.add", "node": {"id": id(), "type": "note",
        "position": {"x": 0, "y": 0}, "data": {"text": "d".repeat(bytes)}}})
}

/// A `graph.apply` at its op count and byte limits applies; over either it alone is
/// rejected with `validation`, and the rest of its batch still applies.
async fn graph_apply_limits(b: common::Backend) {
    let s = Server::start(b).await;
    let mut c = Client::new(&s.dev_token);
    let (p, f) = (id(), id());
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Limits"}),
    )
    .await;
    c.ok(
        &s,
        "canvas",
        "file.create",
        json!({"id": f, "project_id": p, "name": "F"}),
    )
    .await;
    c.ok(
        &s,
        "canvas",
        "graph.apply",
        json!({"file_id": f, "ops": removes(OPS_PER_APPLY_MAX)}),
    )
    .await;
    let after = id();
    let (st, res) = c
        .push_batch(
            &s,
            "canvas",
            &[
                (
                    "graph.apply",
                    json!({"file_id": f, "ops": removes(OPS_PER_APPLY_MAX + 1)}),
                ),
                (
                    "file.create",
                    json!({"id": after, "project_id": p, "name": "After"}),
                ),
            ],
        )
        .await;
    assert_eq!(st, 200, "{res}");
    assert_eq!(res["results"][0]["error"]["code"], "validation", "{res}");
    assert_eq!(res["results"][1]["status"], "applied", "{res}");

    // Bytes: 3 × 200 kB of node data fits the 768 KiB of one apply, 4 × 200 kB does not
    // (and both fit a 1 MiB body).
    let fits: Vec<Value> = (0..3).map(|_| node_with_data(200_000)).collect();
    c.ok(
        &s,
        "canvas",
        "graph.apply",
        json!({"file_id": f, "ops": fits}),
    )
    .await;
    let too_big: Vec<Value> = (0..4).map(|_| node_with_data(200_000)).collect();
    let big_node: Uuid = too_big[0]["node"]["id"].as_str().unwrap().parse().unwrap();
    let renamed = id();
    let (st, res) = c
        .push_batch(
            &s,
            "canvas",
            &[
                ("graph.apply", json!({"file_id": f, "ops": too_big})),
                (
                    "file.create",
                    json!({"id": renamed, "project_id": p, "name": "Also"}),
                ),
            ],
        )
        .await;
    assert_eq!(st, 200, "{res}");
    assert_eq!(res["results"][0]["error"]["code"], "validation", "{res}");
    assert_eq!(res["results"][1]["status"], "applied", "{res}");
    let (changes, _) = s.pull_all(&s.dev_token, "canvas", 0).await;
    let nodes = changes
        .iter()
        .filter(|c| c["entity"] == "canvas_node")
        .count();
    assert_eq!(nodes, 3, "only the fitting apply's nodes exist");
    assert!(common::latest(&changes, big_node).is_none());
    assert!(common::latest(&changes, after).is_some());
    assert!(common::latest(&changes, renamed).is_some());
}
db_test!(graph_apply_at_and_over_limits, graph_apply_limits);

/// A push of exactly the mutation limit is served; one more is a 422 that processes
/// none of them.
async fn push_mutation_count(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let creates = |n: usize| -> Vec<Value> {
        (1..=n)
            .map(|i| json!({"seq": i, "name": "project.create", "args": {"id": id(), "name": "P"}}))
            .collect()
    };
    let at = Uuid::new_v4();
    let (st, res) = s
        .push_raw(
            &t,
            "projects",
            &json!({"client_id": at, "mutations": creates(MUTATIONS_PER_PUSH_MAX)}),
        )
        .await;
    assert_eq!(st, 200, "{res}");
    assert_eq!(res["last_seq"], MUTATIONS_PER_PUSH_MAX);
    let over = Uuid::new_v4();
    let (st, res) = s
        .push_raw(
            &t,
            "projects",
            &json!({"client_id": over, "mutations": creates(MUTATIONS_PER_PUSH_MAX + 1)}),
        )
        .await;
    assert_error(st, &res, 422, "validation");
    let (st, pull) = s.pull(&t, "projects", over, 0, Some(PULL_LIMIT_MAX)).await;
    assert_eq!(st, 200);
    assert_eq!(pull["last_seq"], 0, "the refused push processed nothing");
    let (changes, _) = s.pull_all(&t, "projects", 0).await;
    assert_eq!(changes.len(), MUTATIONS_PER_PUSH_MAX);
}
db_test!(push_mutations_at_and_over_limit, push_mutation_count);

/// `n` characters, two bytes each in UTF-8: limits count characters, not bytes.
fn chars(n: usize) -> String {
    "é".repeat(n)
}

/// Every text field at its maximum length applies; one character more is rejected
/// with `validation`, alone in its batch.
async fn string_lengths(b: common::Backend) {
    let s = Server::start(b).await;
    let mut c = Client::new(&s.dev_token);
    let (p, f, chain) = (id(), id(), id());
    let fields = [("name", NAME_MAX), ("description", DESCRIPTION_MAX)];
    for (field, max) in fields {
        c.ok(
            &s,
            "projects",
            "project.create",
            json!({"id": id(), "name": "x", field: chars(max)}),
        )
        .await;
        c.rejected(
            &s,
            "projects",
            "project.create",
            json!({"id": id(), "name": "x", field: chars(max + 1)}),
            "validation",
        )
        .await;
    }
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "P", "tags": [chars(LABEL_MAX)]}),
    )
    .await;
    c.rejected(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "P", "tags": [chars(LABEL_MAX + 1)]}),
        "validation",
    )
    .await;
    c.ok(&s, "canvas", "file.create", json!({"id": f, "project_id": p, "name": chars(NAME_MAX), "description": chars(DESCRIPTION_MAX)}))
        .await;
    c.rejected(
        &s,
        "canvas",
        "file.create",
        json!({"id": id(), "project_id": p, "name": chars(NAME_MAX + 1)}),
        "validation",
    )
    .await;
    let node = |kind: String| {
        json!({"file_id": f, "ops": [{"op": "node.add", "node":
        {"id": id(), "type": kind, "position": {"x": 0, "y": 0}}}]})
    };
    c.ok(&s, "canvas", "graph.apply", node(chars(LABEL_MAX)))
        .await;
    c.rejected(
        &s,
        "canvas",
        "graph.apply",
        node(chars(LABEL_MAX + 1)),
        "validation",
    )
    .await;
    c.ok(
        &s,
        "render",
        "chain.create",
        json!({"id": chain, "project_id": p, "name": chars(NAME_MAX)}),
    )
    .await;
    let render = |prompt: String| {
        json!({"id": id(), "project_id": p, "chain_id": chain,
        "type": "image", "prompt": prompt})
    };
    c.ok(&s, "render", "render.create", render(chars(PROMPT_MAX)))
        .await;
    c.rejected(
        &s,
        "render",
        "render.create",
        render(chars(PROMPT_MAX + 1)),
        "validation",
    )
    .await;

    // Only what was applied exists: 3 projects, 1 file, 1 node, 1 render.
    let count = |changes: &[Value], entity: &str| {
        changes
            .iter()
            .filter(|c| c["entity"] == entity && !c["deleted"].as_bool().unwrap_or(false))
            .count()
    };
    let (projects, _) = s.pull_all(&s.dev_token, "projects", 0).await;
    assert_eq!(count(&projects, "project"), 3);
    let (canvas, _) = s.pull_all(&s.dev_token, "canvas", 0).await;
    assert_eq!(
        (count(&canvas, "canvas_file"), count(&canvas, "canvas_node")),
        (1, 1)
    );
    let (renders, _) = s.pull_all(&s.dev_token, "render", 0).await;
    assert_eq!(count(&renders, "render"), 1);
}
db_test!(strings_at_and_over_max_length, string_lengths);

/// Pull's `limit` and `cursor` at and past their bounds, negative and not numbers.
async fn pull_query_bounds(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let client = id();
    let pull = |q: String| format!("/api/projects/pull?client_id={client}{q}");
    let cursor_max = i64::MAX as u64;
    for q in [
        format!("&limit={PULL_LIMIT_MAX}"),
        format!("&cursor={cursor_max}"),
    ] {
        let (st, res) = s.get(Some(&t), &pull(q.clone())).await;
        assert_eq!(st, 200, "{q}: {res}");
    }
    for q in [
        format!("&limit={}", PULL_LIMIT_MAX + 1),
        "&limit=0".to_owned(),
        format!("&cursor={}", cursor_max + 1),
    ] {
        let (st, res) = s.get(Some(&t), &pull(q)).await;
        assert_error(st, &res, 422, "validation");
    }
    for q in [
        "&cursor=-1",
        "&cursor=abc",
        "&cursor=1.5",
        "&cursor=99999999999999999999999",
        "&limit=-1",
        "&limit=4294967296",
        "&limit=ten",
        "&cursor=%00",
    ] {
        let (st, res) = s.get(Some(&t), &pull(q.to_owned())).await;
        assert_error(st, &res, 400, "malformed");
    }
    still_serving(&s).await;
}
db_test!(pull_limit_and_cursor_bounds, pull_query_bounds);

/// Headers past hyper's limits are refused (431/414/400) or the connection is closed;
/// the server never crashes and serves the next request.
async fn header_limits(b: common::Backend) {
    let s = Server::start(b).await;
    let get = |extra: String, target: String| {
        format!("GET {target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n{extra}\r\n")
    };
    let many: String = (0..500).map(|i| format!("x-h{i}: v\r\n")).collect();
    let big_value = format!("x-big: {}\r\n", "a".repeat(1 << 20));
    let big_token = format!("authorization: Bearer {}\r\n", "t".repeat(64 << 10));
    let big_url = format!("/api/health?q={}", "q".repeat(1 << 20));
    let long_query = format!(
        "/api/projects/pull?client_id={}&cursor={}",
        id(),
        "9".repeat(64 << 10)
    );
    let health = "/api/health".to_owned();
    // What hyper answers past its limits (no body), or what the API answers within
    // them; a closed connection would also do.
    let cases: [(&str, String, &[u16]); 5] = [
        (
            "a 1 MiB header value",
            get(big_value, health.clone()),
            &[431],
        ),
        // Within hyper's buffer: an unknown token, in the API's error shape.
        (
            "a 64 KiB bearer token",
            get(big_token, "/api/projects/pull".into()),
            &[401, 431],
        ),
        ("500 headers", get(many, health), &[431]),
        ("a 1 MiB URL", get(String::new(), big_url), &[414, 431]),
        (
            "a 64 KiB query string",
            get(String::new(), long_query),
            &[400, 414, 431],
        ),
    ];
    for (what, request, allowed) in cases {
        let r = raw(&s, request.as_bytes()).await;
        if let Some(code) = r.status {
            assert!(
                allowed.contains(&code),
                "{what}: answered {code}: {}",
                r.body
            );
            if code == 401 {
                let body: Value = serde_json::from_str(&r.body).expect("a JSON error body");
                assert_error(StatusCode::UNAUTHORIZED, &body, 401, "unauthorized");
            }
        }
        still_serving(&s).await;
    }
}
db_test!(headers_over_limits, header_limits);

/// `depth` nested arrays around `inner`.
fn nested(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Deeply nested JSON, as the whole body and inside node data and input settings, is a
/// clear 400 or a `validation` rejection; nothing overflows the server's stack.
async fn deep_nesting(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let mut c = Client::new(&t);
    let (p, f) = (id(), id());
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Deep"}),
    )
    .await;
    c.ok(
        &s,
        "canvas",
        "file.create",
        json!({"id": f, "project_id": p, "name": "F"}),
    )
    .await;
    let tool = s.tool_id("render-to-floor-plan").await;
    let post = |path: &'static str, body: String| {
        let s = &s;
        let t = t.clone();
        async move {
            s.post_raw(Some(&t), path, Some("application/json"), body.into_bytes())
                .await
        }
    };
    // The whole body, and nesting past serde_json's limit inside the fields: the body
    // is refused as a whole.
    let client = id();
    let node = |data: &str| {
        format!(
            r#"{{"client_id": "{client}", "mutations": [{{"seq": 1, "name": "graph.apply", "args": {{"file_id": "{f}", "ops": [{{"op": "node.add", "node": {{"id": "{}", "type": "n", "position": {{"x": 0, "y": 0}}, "data": {{"k": {data}}}}}}}]}}}}]}}"#,
            id()
        )
    };
    let settings = |inner: &str| {
        format!(
            r#"{{"client_id": "{client}", "mutations": [{{"seq": 1, "name": "execution.create", "args": {{"id": "{}", "tool_id": "{tool}", "project_id": "{p}", "input_images": ["/in.png"], "input_settings": {{"floorPlanType": {inner}}}}}}}]}}"#,
            id()
        )
    };
    let objects = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    for (what, path, body) in [
        ("10,000 arrays", "/api/projects/push", nested(10_000, "")),
        ("10,000 objects", "/api/projects/push", objects),
        (
            "10,000 arrays in node data",
            "/api/canvas/push",
            node(&nested(10_000, "1")),
        ),
        (
            "10,000 arrays in input_settings",
            "/api/apps/push",
            settings(&nested(10_000, "1")),
        ),
        ("200,000 arrays", "/api/projects/push", nested(200_000, "")),
    ] {
        let (st, res) = post(path, body).await;
        assert_error(st, &res, 400, "malformed");
        assert!(
            res["error"]["message"]
                .as_str()
                .unwrap()
                .contains("recursion"),
            "{what}: {res}"
        );
        still_serving(&s).await;
    }
    // Under serde_json's limit but past the model's: that mutation alone is rejected.
    for (platform, body) in [
        ("canvas", node(&nested(100, "1"))),
        ("apps", settings(&nested(100, "1"))),
    ] {
        let (st, res) = s
            .post_raw(
                Some(&t),
                &format!("/api/{platform}/push"),
                Some("application/json"),
                body.into_bytes(),
            )
            .await;
        assert_eq!(st, 200, "{res}");
        assert_eq!(res["results"][0]["status"], "rejected", "{res}");
        assert_eq!(res["results"][0]["error"]["code"], "validation", "{res}");
    }
    let (canvas, _) = s.pull_all(&t, "canvas", 0).await;
    assert!(!canvas.iter().any(|c| c["entity"] == "canvas_node"));
    let (apps, _) = s.pull_all(&t, "apps", 0).await;
    assert!(!apps.iter().any(|c| c["entity"] == "execution"));
    still_serving(&s).await;
}
db_test!(deep_json_nesting, deep_nesting);

fn threads_and_fds(pid: u32) -> (usize, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    (threads, fds)
}

/// 500 concurrent short requests (health and authenticated pulls), each on its own
/// connection, are all answered correctly within a bound; afterwards the server is as
/// fast as before and its threads and file descriptors are back near where they were.
async fn many_connections(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let mut c = Client::new(&t);
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "Busy"}),
    )
    .await;
    let (threads_before, fds_before) = threads_and_fds(s.pid());
    let url = s.url("");
    let started = Instant::now();
    let tasks: Vec<_> = (0..500)
        .map(|i| {
            let (url, t) = (url.clone(), t.clone());
            tokio::spawn(async move {
                // One client each: a connection each, as 500 browsers would.
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .unwrap();
                let req = if i % 2 == 0 {
                    http.get(format!("{url}/api/health"))
                } else {
                    http.get(format!(
                        "{url}/api/projects/pull?client_id={}&cursor=0",
                        Uuid::new_v4()
                    ))
                    .bearer_auth(&t)
                };
                let res = req.send().await.expect("answered");
                let status = res.status();
                let body: Value = res.json().await.expect("JSON");
                (i, status, body)
            })
        })
        .collect();
    for task in tasks {
        let (i, status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        if i % 2 == 0 {
            assert_eq!(body["status"], "ok");
        } else {
            assert_eq!(body["changes"].as_array().unwrap().len(), 1, "{body}");
        }
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "500 requests took {took:?}");
    still_serving(&s).await;
    // The clients are gone: their connections close and nothing piles up.
    let settled = common::eventually(10, || async {
        let (threads, fds) = threads_and_fds(s.pid());
        (threads <= threads_before + 16 && fds <= fds_before + 16).then_some((threads, fds))
    })
    .await;
    eprintln!("threads/fds before {threads_before}/{fds_before}, after {settled:?}, 500 requests in {took:?}");
}
db_test!(many_concurrent_connections, many_connections);

/// Words in an error message that would leak internals: file paths, Rust paths and
/// type names, serde's wording.
fn assert_no_internals(what: &str, body: &Value) {
    let message = body["error"]["message"].as_str().unwrap_or_default();
    for leak in [
        "/home",
        "/work",
        "/tmp",
        ".rs",
        "::",
        "src/",
        "struct ",
        "enum ",
        "PushRequest",
        "RawMutation",
        "Uuid",
        "studio_",
    ] {
        assert!(!message.contains(leak), "{what}: leaks {leak:?}: {message}");
    }
}

/// Malformed requests: each its documented 4xx with a stable code, and no internals.
async fn malformed_inputs(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let push = "/api/projects/push";
    let valid = |client: Uuid| {
        serde_json::to_vec(&json!({"client_id": client, "mutations": [
            {"seq": 1, "name": "project.create", "args": {"id": id(), "name": "Never"}}]}))
        .unwrap()
    };
    let mut bodies: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8", b"{\"client_id\": \"\xff\xfe\", \"mutations\": []}".to_vec()),
        ("a lone surrogate escape", br#"{"client_id": "\ud800", "mutations": []}"#.to_vec()),
        ("an array", b"[]".to_vec()),
        ("a number", b"42".to_vec()),
        ("null", b"null".to_vec()),
        ("a string", b"\"push\"".to_vec()),
        ("a non-UUID client_id", br#"{"client_id": "not-a-uuid", "mutations": []}"#.to_vec()),
        ("a numeric client_id", br#"{"client_id": 7, "mutations": []}"#.to_vec()),
        ("mutations an object", format!(r#"{{"client_id": "{}", "mutations": {{}}}}"#, id()).into_bytes()),
        ("a mutation that is a number", format!(r#"{{"client_id": "{}", "mutations": [5]}}"#, id()).into_bytes()),
        ("a negative seq", format!(r#"{{"client_id": "{}", "mutations": [{{"seq": -1, "name": "project.delete", "args": {{}}}}]}}"#, id()).into_bytes()),
        ("trailing garbage", [valid(id()), b"x".to_vec()].concat()),
    ];
    bodies.push(("two bodies", [valid(id()), valid(id())].concat()));
    for (what, body) in bodies {
        let (st, res) = s
            .post_raw(Some(&t), push, Some("application/json"), body)
            .await;
        assert_error(st, &res, 400, "malformed");
        assert_no_internals(what, &res);
    }
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
    ] {
        let (st, res) = s.post_raw(Some(&t), push, Some(ct), valid(id())).await;
        assert_error(st, &res, 415, "malformed");
        assert_no_internals(ct, &res);
    }
    // A mutation whose args are not an object is that mutation's rejection.
    // Nor are a struct's fields by position: args are an object, as documented.
    let mut c = Client::new(&t);
    for args in [
        json!(5),
        json!([]),
        json!(null),
        json!([id(), "Positional"]),
        json!({"id": "nope", "name": "x"}),
    ] {
        let r = c
            .rejected(&s, "projects", "project.create", args.clone(), "validation")
            .await;
        assert_no_internals(&args.to_string(), &json!({"error": r["error"]}));
    }
    // Duplicate keys: the last one counts, as in JavaScript's JSON.parse.
    let (first, last) = (id(), id());
    let dup = format!(
        r#"{{"client_id": "{}", "mutations": [{{"seq": 1, "name": "project.create", "args": {{"id": "{first}", "id": "{last}", "name": "Dup"}}}}]}}"#,
        id()
    );
    let (st, res) = s
        .post_raw(Some(&t), push, Some("application/json"), dup.into_bytes())
        .await;
    assert_eq!(st, 200, "{res}");
    assert!(s.state_of(&t, "projects", last).await.is_some());
    assert!(s.state_of(&t, "projects", first).await.is_none());
    // Query strings: a client_id that is not a UUID.
    for q in [
        "?client_id=nope",
        "?client_id=",
        "?client_id=%FF%FE",
        "?client_id[]=x",
    ] {
        let (st, res) = s.get(Some(&t), &format!("/api/projects/pull{q}")).await;
        assert_error(st, &res, 400, "malformed");
        assert_no_internals(q, &res);
    }
    // Unknown platforms and endpoints.
    for path in [
        "/api/games/pull?client_id=3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31",
        "/api/Projects/pull",
        "/api/projects/sync",
        "/api/render/pushx",
    ] {
        let (st, res) = s.get(Some(&t), path).await;
        assert_error(st, &res, 404, "not_found");
        assert_no_internals(path, &res);
    }
    // Methods not allowed.
    for (method, path) in [
        (reqwest::Method::GET, "/api/projects/push"),
        (reqwest::Method::PUT, "/api/projects/push"),
        (reqwest::Method::DELETE, "/api/projects/pull"),
        (reqwest::Method::PATCH, "/api/health"),
        (reqwest::Method::POST, "/api/openapi.json"),
    ] {
        let res = s
            .http
            .request(method.clone(), s.url(path))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        let st = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_error(st, &body, 405, "malformed");
        assert_no_internals(&format!("{method} {path}"), &body);
    }
    // None of it created anything beyond the duplicate-key project.
    let (changes, _) = s.pull_all(&t, "projects", 0).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    still_serving(&s).await;
}
db_test!(malformed_requests, malformed_inputs);

/// Framing a request smuggler would try: conflicting or bad lengths, bad chunks. hyper
/// refuses each (400) or closes the connection, and no push is applied from the body;
/// with both a length and chunked, chunked wins (RFC 9112 6.3): one request, one answer.
async fn request_framing(b: common::Backend) {
    let s = Server::start(b).await;
    let project = id();
    let body = String::from_utf8(padded_push(id(), project, 200)).unwrap();
    let push =
        |extra: &str, body: &str| format!("{}{body}", push_head(&s, "/api/projects/push", extra));
    let both = push(
        "content-length: 5\r\ntransfer-encoding: chunked\r\n",
        &String::from_utf8(chunked(body.as_bytes())).unwrap(),
    );
    let r = raw(&s, both.as_bytes()).await;
    assert_eq!(r.status, Some(200), "{}", r.body);
    assert!(!r.body.contains("HTTP/1.1"), "a second answer: {}", r.body);
    assert!(s
        .state_of(&s.dev_token, "projects", project)
        .await
        .is_some());
    let project = id();
    let body = String::from_utf8(padded_push(id(), project, 200)).unwrap();
    let cases = [
        (
            "two different Content-Lengths",
            push("content-length: 200\r\ncontent-length: 199\r\n", &body),
        ),
        (
            "a negative Content-Length",
            push("content-length: -1\r\n", &body),
        ),
        (
            "a Content-Length not a number",
            push("content-length: 2oo\r\n", &body),
        ),
        (
            "a chunk size not hex",
            push(
                "transfer-encoding: chunked\r\n",
                &format!("zz\r\n{body}\r\n0\r\n\r\n"),
            ),
        ),
        (
            "an unknown transfer coding",
            push("transfer-encoding: gzip\r\n", &body),
        ),
    ];
    for (what, request) in cases {
        let r = raw(&s, request.as_bytes()).await;
        assert!(
            matches!(r.status, None | Some(400) | Some(501)),
            "{what}: answered {:?}: {}",
            r.status,
            r.body
        );
        still_serving(&s).await;
    }
    assert!(s
        .state_of(&s.dev_token, "projects", project)
        .await
        .is_none());
}
db_test!(smuggling_framing, request_framing);
