//! Measurements, not checks: run with
//! `cargo test -p studio-server --test server perf -- --ignored --nocapture`
//! (set `STUDIO_SERVER_BIN` to a release build to measure that instead of the debug one).

use crate::common::{self, id, Client, Server};
use serde_json::json;
use std::time::Instant;

async fn measure(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let mut c = Client::new(&t);
    let p = id();
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Perf"}),
    )
    .await;

    // Push throughput: file.create, one transaction each, batches of 500.
    let started = Instant::now();
    let mut files = Vec::new();
    for _ in 0..4 {
        let muts: Vec<_> = (0..500)
            .map(|i| {
                let f = id();
                files.push(f);
                (
                    "file.create",
                    json!({"id": f, "project_id": p, "name": format!("File {i}")}),
                )
            })
            .collect();
        let (st, _) = c.push_batch(&s, "canvas", &muts).await;
        assert_eq!(st, 200);
    }
    let push = started.elapsed();
    eprintln!(
        "{b:?}: push 2000 file.create in batches of 500: {:?} ({:.0} mutations/s)",
        push,
        2000.0 / push.as_secs_f64()
    );

    // A big graph: 5,000 nodes, then single-node moves.
    let f = files[0];
    let nodes: Vec<_> = (0..5000).map(|_| id()).collect();
    for chunk in nodes.chunks(1000) {
        let ops: Vec<_> = chunk
            .iter()
            .map(|n| json!({"op": "node.add", "node": {"id": n, "type": "image", "position": {"x": 0, "y": 0}, "data": {"prompt": "a timber house by a lake"}}}))
            .collect();
        c.ok(
            &s,
            "canvas",
            "graph.apply",
            json!({"file_id": f, "ops": ops}),
        )
        .await;
    }
    let mut times = Vec::new();
    for i in 0..30 {
        let started = Instant::now();
        c.ok(
            &s,
            "canvas",
            "graph.apply",
            json!({"file_id": f, "ops": [
            {"op": "node.set", "id": nodes[i * 7], "props": {"position": {"x": i, "y": i}}}]}),
        )
        .await;
        times.push(started.elapsed());
    }
    times.sort();
    eprintln!(
        "{b:?}: one node.set on a 5,000-node graph: median {:?}, max {:?}",
        times[15], times[29]
    );

    // Pull everything from cursor 0, pages of 1000.
    let started = Instant::now();
    let (all, _) = s.pull_all(&t, "canvas", 0).await;
    let pull = started.elapsed();
    eprintln!(
        "{b:?}: pull {} canvas changes from cursor 0: {:?} ({:.0} changes/s)",
        all.len(),
        pull,
        all.len() as f64 / pull.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn perf_sqlite() {
    measure(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn perf_postgres() {
    if common::postgres_admin_url().is_some() {
        measure(common::Backend::Postgres).await;
    }
}
