//! Several clients on two server processes sharing one database: a puller following the
//! cursor while they write never misses a change (commits happen in seq order).

use crate::common::{self, id, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn fold(state: &mut BTreeMap<String, Value>, changes: &[Value]) {
    for c in changes {
        let key = c["id"].as_str().unwrap().to_owned();
        if c["deleted"] == true {
            state.remove(&key);
        } else {
            state.insert(key, c["value"].clone());
        }
    }
}

/// One client pushing `n` batches (a file, a node, a move, a rename) through `server`.
async fn writer(server: &Server, token: &str, p: uuid::Uuid, n: usize) {
    let mut c = Client::new(token);
    for i in 0..n {
        let (f, node) = (id(), id());
        let (st, body) = c
            .push_batch(server, "canvas", &[
                ("file.create", json!({"id": f, "project_id": p, "name": format!("F {i}")})),
                ("graph.apply", json!({"file_id": f, "ops": [
                    {"op": "node.add", "node": {"id": node, "type": "image", "position": {"x": i, "y": 0}}}]})),
                ("graph.apply", json!({"file_id": f, "ops": [
                    {"op": "node.set", "id": node, "props": {"position": {"x": i, "y": 1}}}]})),
                ("file.update", json!({"id": f, "name": format!("F {i} done")})),
            ])
            .await;
        assert_eq!(st, 200, "{body}");
    }
}

async fn writers_and_a_follower(b: common::Backend) {
    let s1 = Server::start(b).await;
    let s2 = s1.another().await;
    let t = s1.dev_token.clone();
    let mut c0 = Client::new(&t);
    let p = id();
    c0.ok(
        &s1,
        "projects",
        "project.create",
        json!({"id": p, "name": "Busy"}),
    )
    .await;

    let follow = async {
        let (mut cursor, mut state, mut idle) = (0u64, BTreeMap::new(), 0);
        let client = id();
        for round in 0.. {
            let server = if round % 2 == 0 { &s1 } else { &s2 };
            let (st, body) = server.pull(&t, "canvas", client, cursor, Some(50)).await;
            assert_eq!(st, 200);
            let changes = body["changes"].as_array().unwrap().clone();
            fold(&mut state, &changes);
            cursor = body["cursor"].as_u64().unwrap();
            idle = if changes.is_empty() { idle + 1 } else { 0 };
            if idle > 40 {
                return state;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        unreachable!()
    };
    let (followed, ..) = tokio::join!(
        follow,
        writer(&s1, &t, p, 15),
        writer(&s2, &t, p, 15),
        writer(&s1, &t, p, 15),
        writer(&s2, &t, p, 15)
    );
    let mut fresh = BTreeMap::new();
    fold(&mut fresh, &s1.pull_all(&t, "canvas", 0).await.0);
    assert_eq!(fresh.len(), 60 * 3, "60 files, their graphs and nodes");
    assert_eq!(followed, fresh, "the follower missed or misordered changes");
    assert!(fresh.values().all(|v| v
        .get("name")
        .is_none_or(|n| n.as_str().unwrap().ends_with("done"))));
}
db_test!(two_servers_one_database, writers_and_a_follower);
