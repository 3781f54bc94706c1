//! The server's edges (issue 10 cases 2 and 7, issue 9 case 11): one bad value cannot
//! jam a client, a token without its user, variations across users, per-owner slugs,
//! change rows for nulled parents, bounded rejections.

use crate::common::{self, assert_error, id, latest, raw_sql, Client, Server};
use crate::db_test;
use serde_json::{json, Value};
use uuid::Uuid;

/// A project of `a`'s with a file and a render chain in it: (project, file, chain).
async fn project_file_chain(s: &Server, a: &mut Client) -> (Uuid, Uuid, Uuid) {
    let (p, f, chain) = (id(), id(), id());
    a.ok(
        s,
        "projects",
        "project.create",
        json!({"id": p, "name": "Villa"}),
    )
    .await;
    a.ok(
        s,
        "canvas",
        "file.create",
        json!({"id": f, "project_id": p, "name": "Plan"}),
    )
    .await;
    a.ok(
        s,
        "render",
        "chain.create",
        json!({"id": chain, "project_id": p, "name": "Chat"}),
    )
    .await;
    (p, f, chain)
}

/// A NUL anywhere in the args is that mutation's `validation` rejection, on both
/// databases alike; the batch goes on, a retry gets the same answers, and the client
/// keeps syncing.
async fn nul_rejects_one_mutation(b: common::Backend) {
    let s = Server::start(b).await;
    let tool = s.tool_id("render-to-floor-plan").await;
    let mut a = Client::new(&s.dev_token);
    let (p, f, chain) = project_file_chain(&s, &mut a).await;
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

async fn count(s: &Server, sql: &str) -> i64 {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&s.db.url)
        .await
        .expect("connect");
    let n: i64 = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut conn)
        .await
        .expect(sql)
        .try_get(0)
        .expect("a count");
    conn.close().await.expect("close");
    n
}

/// A token whose user row is gone names nobody: 401 everywhere, never a 500.
async fn token_of_a_gone_user(b: common::Backend) {
    let s = Server::start(b).await;
    let token = s.db.token("ghost@example.com");
    let mut ghost = Client::new(&token);
    ghost
        .ok(
            &s,
            "projects",
            "project.create",
            json!({"id": id(), "name": "Mine"}),
        )
        .await;
    raw_sql(&s, b, "DELETE FROM users WHERE email = 'ghost@example.com'").await;
    let (st, body) = ghost
        .push_batch(
            &s,
            "projects",
            &[("project.create", json!({"id": id(), "name": "x"}))],
        )
        .await;
    assert_error(st, &body, 401, "unauthorized");
    let (st, body) = s.pull(&token, "projects", ghost.id, 0, None).await;
    assert_error(st, &body, 401, "unauthorized");
    // Everyone else is served as before.
    let (st, _) = s.pull(&s.dev_token, "projects", id(), 0, None).await;
    assert_eq!(st, 200);
}
db_test!(gone_user_token, token_of_a_gone_user);

/// Project slugs are unique per owner: someone else's private project of that name
/// changes neither an explicit slug's answer nor a derived one.
async fn slugs_per_owner(b: common::Backend) {
    let s = Server::start(b).await;
    let mut a = Client::new(&s.dev_token);
    let hidden = id();
    a.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": hidden, "name": "Villa"}),
    )
    .await;
    a.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "Loft", "slug": "loft"}),
    )
    .await;
    let b_token = s.db.token("bob@example.com");
    let mut bob = Client::new(&b_token);
    let (derived, explicit) = (id(), id());
    bob.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": derived, "name": "Villa"}),
    )
    .await;
    bob.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": explicit, "name": "L", "slug": "loft"}),
    )
    .await;
    let slug = |v: Option<Value>| v.unwrap()["slug"].as_str().unwrap().to_owned();
    assert_eq!(
        slug(s.state_of(&b_token, "projects", derived).await),
        "villa"
    );
    assert_eq!(
        slug(s.state_of(&b_token, "projects", explicit).await),
        "loft"
    );
    // Renaming onto a slug only someone else has is fine too.
    let third = id();
    bob.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": third, "name": "Third"}),
    )
    .await;
    a.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "T", "slug": "attic"}),
    )
    .await;
    bob.ok(
        &s,
        "projects",
        "project.update",
        json!({"id": third, "slug": "attic"}),
    )
    .await;
    // Within one owner's projects a slug is still unique, derived ones step aside.
    bob.rejected(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "x", "slug": "villa"}),
        "slug_taken",
    )
    .await;
    bob.rejected(
        &s,
        "projects",
        "project.update",
        json!({"id": third, "slug": "loft"}),
        "slug_taken",
    )
    .await;
    let again = id();
    bob.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": again, "name": "Villa"}),
    )
    .await;
    assert_eq!(
        slug(s.state_of(&b_token, "projects", again).await),
        "villa-2"
    );
    // A's rows are untouched.
    assert_eq!(
        slug(s.state_of(&s.dev_token, "projects", hidden).await),
        "villa"
    );
}
db_test!(project_slugs_per_owner, slugs_per_owner);

/// Deleting a project detaches the variations other projects held of its executions,
/// with change rows: a pull shows `parent_execution_id` gone.
async fn parent_deletion_is_logged(b: common::Backend) {
    let s = Server::start(b).await;
    let tool = s.tool_id("render-to-floor-plan").await;
    let t = s.dev_token.clone();
    let mut a = Client::new(&t);
    let (p1, p2, parent, child) = (id(), id(), id(), id());
    for p in [p1, p2] {
        a.ok(
            &s,
            "projects",
            "project.create",
            json!({"id": p, "name": "P"}),
        )
        .await;
    }
    let exec = |e, p, parent: Option<uuid::Uuid>| {
        let mut v = json!({"id": e, "tool_id": tool, "project_id": p, "input_images": ["/a.png"],
            "input_settings": {"floorPlanType": "2d-lines"}});
        if let Some(parent) = parent {
            v["parent_execution_id"] = json!(parent);
        }
        v
    };
    a.ok(&s, "apps", "execution.create", exec(parent, p1, None))
        .await;
    a.ok(
        &s,
        "apps",
        "execution.create",
        exec(child, p2, Some(parent)),
    )
    .await;
    // Let the runner finish both, so no later step of it rewrites the child's row.
    for e in [parent, child] {
        common::eventually(20, || async {
            let v = s.state_of(&t, "apps", e).await?;
            (v["status"] == "completed").then_some(())
        })
        .await;
    }
    let (_, cursor) = s.pull_all(&t, "apps", 0).await;
    let before = s.state_of(&t, "apps", child).await.unwrap();
    assert_eq!(before["parent_execution_id"], parent.to_string());

    a.ok(&s, "projects", "project.delete", json!({"id": p1}))
        .await;
    let (after, _) = s.pull_all(&t, "apps", cursor).await;
    let now = latest(&after, child).expect("a change row for the detached child");
    assert!(
        now.get("parent_execution_id").is_none_or(Value::is_null),
        "{now}"
    );
    assert!(latest(&after, parent).is_none(), "the parent's tombstone");
    let from_zero = s.state_of(&t, "apps", child).await.unwrap();
    assert!(from_zero
        .get("parent_execution_id")
        .is_none_or(Value::is_null));
}
db_test!(parent_execution_deleted, parent_deletion_is_logged);

/// Kept rejections are only those a client may still retry: a push starting at seq F
/// says the client holds every answer before F.
async fn rejections_are_bounded(b: common::Backend) {
    let s = Server::start(b).await;
    let mut a = Client::new(&s.dev_token);
    let bad = || ("project.update", json!({"id": id(), "name": "gone"}));
    let rows = format!(
        "SELECT COUNT(*) FROM client_rejections WHERE client_id = '{}'",
        a.id
    );
    let (st, first) = a.push_batch(&s, "projects", &[bad(), bad()]).await;
    assert_eq!(st, 200, "{first}");
    assert_eq!(count(&s, &rows).await, 2);
    // A retry of that batch still gets its answers.
    let retry = json!({"client_id": a.id, "mutations": [
        {"seq": 1, "name": "project.update", "args": {"id": id(), "name": "x"}},
        {"seq": 2, "name": "project.update", "args": {"id": id(), "name": "x"}}]});
    let (_, again) = s.push_raw(&a.token, "projects", &retry).await;
    assert_eq!(again["results"], first["results"]);
    // Every next batch forgets what came before it.
    for _ in 0..20 {
        let (st, body) = a.push_batch(&s, "projects", &[bad(), bad(), bad()]).await;
        assert_eq!(st, 200, "{body}");
        assert_eq!(body["results"][2]["error"]["code"], "not_found");
    }
    assert_eq!(
        count(&s, &rows).await,
        3,
        "only the last batch's rejections"
    );
}
db_test!(client_rejections_bounded, rejections_are_bounded);

/// Migration 0004 (per-owner slugs) on a database that holds rows: nothing is lost,
/// nothing cascades, and the foreign keys still hold and still cascade afterwards.
async fn slug_migration_keeps_rows(b: common::Backend) {
    let s = Server::start(b).await;
    let mut a = Client::new(&s.dev_token);
    let (p, _, _) = project_file_chain(&s, &mut a).await;
    let rows = "SELECT (SELECT COUNT(*) FROM projects) + (SELECT COUNT(*) FROM canvas_files) \
                + (SELECT COUNT(*) FROM canvas_graphs) + (SELECT COUNT(*) FROM render_chains)";
    assert_eq!(count(&s, rows).await, 4);
    // Back to the schema before 0004, then 0004 again, as an upgrade would run it.
    let migration = match b {
        common::Backend::Sqlite => {
            include_str!("../../migrations/sqlite/0004_project_slug_per_owner.sql").to_owned()
        }
        common::Backend::Postgres => format!(
            "ALTER TABLE projects DROP CONSTRAINT projects_user_id_slug_key; \
             ALTER TABLE projects ADD CONSTRAINT projects_slug_key UNIQUE (slug); {}",
            include_str!("../../migrations/postgres/0004_project_slug_per_owner.sql")
        ),
    };
    {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        // sqlx's SQLite connections enforce foreign keys, like the server's.
        let mut conn = sqlx::AnyConnection::connect(&s.db.url)
            .await
            .expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(migration))
            .execute(&mut conn)
            .await
            .expect("0004 runs");
        conn.close().await.expect("close");
    }
    assert_eq!(count(&s, rows).await, 4, "nothing lost or cascaded");
    if b == common::Backend::Sqlite {
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM pragma_foreign_key_check").await,
            0
        );
    }
    let mut bob = Client::new(&s.db.token("bob@example.com"));
    bob.ok(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "Villa"}),
    )
    .await;
    a.rejected(
        &s,
        "projects",
        "project.create",
        json!({"id": id(), "name": "V", "slug": "villa"}),
        "slug_taken",
    )
    .await;
    a.ok(&s, "projects", "project.delete", json!({"id": p}))
        .await;
    assert_eq!(
        count(&s, rows).await,
        1,
        "the children still cascade: bob's project is left"
    );
}
db_test!(slug_migration_on_data, slug_migration_keeps_rows);
