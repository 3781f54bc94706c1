//! The sync protocol: idempotent retries, seq gaps, cursor paging, tombstones and
//! visibility changes.

use crate::common::{self, assert_error, id, latest, Client, Server};
use crate::db_test;
use serde_json::{json, Value};

async fn retry_and_gap(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let client = id();
    let (p, f) = (id(), id());
    let batch = json!({"client_id": client, "mutations": [
        {"seq": 1, "name": "project.create", "args": {"id": p, "name": "Villa"}},
        {"seq": 2, "name": "project.update", "args": {"id": p, "name": ""}},
        {"seq": 3, "name": "project.update", "args": {"id": p, "description": "d"}},
    ]});
    let (st, first) = s.push_raw(&t, "projects", &batch).await;
    assert_eq!(st, 200);
    assert_eq!(first["last_seq"], 3);
    assert_eq!(first["results"][1]["status"], "rejected");
    let (_, cursor) = s.pull_all(&t, "projects", 0).await;
    // The response was "lost": the client sends the same batch again. Nothing runs
    // twice, and it gets the answers it missed, the rejection included.
    let (st, again) = s.push_raw(&t, "projects", &batch).await;
    assert_eq!(st, 200);
    assert_eq!(again["last_seq"], 3);
    assert_eq!(again["results"], first["results"], "the same answers");
    assert_eq!(again["results"][1]["error"]["code"], "validation");
    // A retry of part of it (from seq 2) too.
    let tail =
        json!({"client_id": client, "mutations": batch["mutations"].as_array().unwrap()[1..]});
    let (_, part) = s.push_raw(&t, "projects", &tail).await;
    assert_eq!(part["results"][0]["status"], "rejected", "{part}");
    assert_eq!(part["results"][1]["status"], "applied", "{part}");
    let (after, _) = s.pull_all(&t, "projects", cursor).await;
    assert!(
        after.is_empty(),
        "a retried batch changes nothing: {after:?}"
    );
    // A gap stops the batch before anything of it runs, with the last processed seq.
    let gap = json!({"client_id": client, "mutations": [
        {"seq": 4, "name": "file.create", "args": {"id": f, "project_id": p, "name": "Plan"}},
        {"seq": 6, "name": "file.update", "args": {"id": f, "name": "Plan B"}},
    ]});
    let (st, body) = s.push_raw(&t, "canvas", &gap).await;
    assert_error(st, &body, 409, "seq_gap");
    assert_eq!(
        body["error"]["details"]["last_seq"], 4,
        "seq 4 applied before the gap"
    );
    assert_eq!(body["error"]["details"]["results"][0]["status"], "applied");
    let (st, body) = s
        .push_raw(
            &t,
            "canvas",
            &json!({"client_id": client, "mutations": [
        {"seq": 9, "name": "file.update", "args": {"id": f, "name": "Plan B"}}]}),
        )
        .await;
    assert_error(st, &body, 409, "seq_gap");
    assert_eq!(body["error"]["details"]["last_seq"], 4);
    // Resending from last_seq + 1 goes through; seqs are per client across platforms.
    let (st, body) = s
        .push_raw(
            &t,
            "canvas",
            &json!({"client_id": client, "mutations": [
        {"seq": 4, "name": "file.create", "args": {"id": f, "project_id": p, "name": "Plan"}},
        {"seq": 5, "name": "file.update", "args": {"id": f, "name": "Plan B"}}]}),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["last_seq"], 5);
    let (_, pulled) = s.pull(&t, "render", client, 0, None).await;
    assert_eq!(pulled["last_seq"], 5, "pull reports the client's last_seq");
    assert_eq!(s.state_of(&t, "canvas", f).await.unwrap()["name"], "Plan B");
    // Empty batches are fine.
    let (st, body) = s
        .push_raw(&t, "apps", &json!({"client_id": client, "mutations": []}))
        .await;
    assert_eq!((st.as_u16(), body["last_seq"].as_u64()), (200, Some(5)));
}
db_test!(idempotent_retry_and_seq_gap, retry_and_gap);

async fn paging(b: common::Backend) {
    let s = Server::start(b).await;
    let t = s.dev_token.clone();
    let mut c = Client::new(&t);
    let p = id();
    c.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Big"}),
    )
    .await;
    let files: Vec<_> = (0..20).map(|i| (id(), format!("File {i}"))).collect();
    let muts: Vec<_> = files
        .iter()
        .map(|(f, n)| ("file.create", json!({"id": f, "project_id": p, "name": n})))
        .collect();
    let (st, _) = c.push_batch(&s, "canvas", &muts).await;
    assert_eq!(st, 200);
    // 20 files + 20 graphs, by pages of 7.
    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (st, body) = s.pull(&t, "canvas", c.id, cursor, Some(7)).await;
        assert_eq!(st, 200);
        let changes = body["changes"].as_array().unwrap();
        let next = body["cursor"].as_u64().unwrap();
        assert!(next >= cursor);
        pages += 1;
        seen.extend(changes.iter().cloned());
        cursor = next;
        if !body["has_more"].as_bool().unwrap() {
            assert!(changes.len() <= 7);
            break;
        }
        assert_eq!(changes.len(), 7);
    }
    assert_eq!(seen.len(), 40);
    assert_eq!(pages, 6);
    for (f, name) in &files {
        assert_eq!(latest(&seen, *f).unwrap()["name"], name.as_str());
    }
    // Nothing new: an empty page that keeps the cursor.
    let (_, body) = s.pull(&t, "canvas", c.id, cursor, Some(7)).await;
    assert_eq!(body["changes"], json!([]));
    assert_eq!(body["cursor"].as_u64(), Some(cursor));
    assert_eq!(body["has_more"], false);
    // A change moves the entity's one row to the end of the log.
    c.ok(
        &s,
        "canvas",
        "file.update",
        json!({"id": files[0].0, "name": "First, renamed"}),
    )
    .await;
    let (_, body) = s.pull(&t, "canvas", c.id, cursor, None).await;
    assert_eq!(body["changes"].as_array().unwrap().len(), 1);
    let (all, _) = s.pull_all(&t, "canvas", 0).await;
    assert_eq!(all.len(), 40, "one row per entity");
}
db_test!(pull_paging, paging);

async fn visibility(b: common::Backend) {
    let s = Server::start(b).await;
    let a_token = s.dev_token.clone();
    let b_token = s.db.token("bob@example.com");
    let mut a = Client::new(&a_token);
    let (p, f, n) = (id(), id(), id());
    a.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Shared", "is_public": true}),
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
        "canvas",
        "graph.apply",
        json!({"file_id": f, "ops": [
        {"op": "node.add", "node": {"id": n, "type": "image", "position": {"x": 0, "y": 0}}}]}),
    )
    .await;
    let (bp, bp_cursor) = s.pull_all(&b_token, "projects", 0).await;
    let (bc, bc_cursor) = s.pull_all(&b_token, "canvas", 0).await;
    assert!(latest(&bp, p).is_some() && latest(&bc, f).is_some() && latest(&bc, n).is_some());

    // Private: bob gets the project's tombstone and nothing more of it.
    a.ok(
        &s,
        "projects",
        "project.update",
        json!({"id": p, "is_public": false}),
    )
    .await;
    let (bp2, bp_cursor2) = s.pull_all(&b_token, "projects", bp_cursor).await;
    assert_eq!(bp2.len(), 1, "{bp2:?}");
    assert_eq!(
        (bp2[0]["id"].as_str(), bp2[0]["deleted"].as_bool()),
        (Some(p.to_string().as_str()), Some(true))
    );
    assert_eq!(bp2[0]["value"], json!(null));
    a.ok(
        &s,
        "canvas",
        "file.update",
        json!({"id": f, "name": "Secret plan"}),
    )
    .await;
    // On the other platforms bob gets the tombstones of its rows, nothing of their values.
    let only_tombstones = |changes: &[Value]| {
        changes
            .iter()
            .all(|c| c["deleted"] == true && c["value"].is_null())
            && !serde_json::to_string(changes).unwrap().contains("Secret")
    };
    let (bc2, _) = s.pull_all(&b_token, "canvas", bc_cursor).await;
    assert!(only_tombstones(&bc2), "{bc2:?}");
    assert!(latest(&bc2, f).is_none() && !bc2.is_empty(), "{bc2:?}");
    let (fresh, _) = s.pull_all(&b_token, "canvas", 0).await;
    assert!(
        only_tombstones(&fresh),
        "a new client of bob sees nothing of it: {fresh:?}"
    );
    // The owner still sees it all, and no tombstone.
    let (ap, _) = s.pull_all(&a_token, "projects", 0).await;
    assert!(latest(&ap, p).is_some());

    // Public again: bob, whose cursor is past the old rows, gets them all back.
    a.ok(
        &s,
        "projects",
        "project.update",
        json!({"id": p, "is_public": true}),
    )
    .await;
    let (bp3, _) = s.pull_all(&b_token, "projects", bp_cursor2).await;
    assert_eq!(latest(&bp3, p).unwrap()["is_public"], true);
    let (bc3, _) = s.pull_all(&b_token, "canvas", bc_cursor).await;
    assert_eq!(latest(&bc3, f).unwrap()["name"], "Secret plan");
    assert!(latest(&bc3, n).is_some());

    // Deleting: tombstones for project, file and graph, for everyone who could read them.
    a.ok(&s, "projects", "project.delete", json!({"id": p}))
        .await;
    for token in [&a_token, &b_token] {
        let (pc, _) = s.pull_all(token, "projects", 0).await;
        assert!(latest(&pc, p).is_none());
        assert!(pc
            .iter()
            .any(|c| c["id"] == p.to_string() && c["deleted"] == true));
        let (cc, _) = s.pull_all(token, "canvas", 0).await;
        assert!(cc.iter().any(|c| c["id"] == f.to_string()
            && c["deleted"] == true
            && c["entity"] == "canvas_file"));
        assert!(cc
            .iter()
            .any(|c| c["entity"] == "canvas_graph" && c["deleted"] == true));
        assert!(!cc.iter().any(|c| c["entity"] == "canvas_node"));
    }
}
db_test!(tombstones_and_visibility, visibility);
