//! migrate-legacy on a generated messy legacy database (≥ 10,000 renders): the dry run
//! changes nothing, the real run accounts for every row with counts that reconcile with
//! what the fixture planted, nothing of a project that has an owner is dropped (orphan
//! graphs get "Recovered canvas" files, unknown tools offline tool rows, chainless chat
//! renders a recovered chain), legacy rows keep their ids, a rerun changes nothing, and
//! the server then serves it: offline tools refuse new runs, their executions read.

use crate::common::{self, latest, Server, TestDb};
use crate::db_test;
use serde_json::Value;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// Every table's rows, as text, sorted: what "changes nothing" compares.
async fn snapshot(url: &str) -> BTreeMap<String, Vec<String>> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let tables_sql = if url.starts_with("postgres") {
        "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = current_schema()"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let names: Vec<String> = sqlx::query(tables_sql)
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    let mut out = BTreeMap::new();
    // sqlx's own bookkeeping holds binary checksums; it is not data.
    for name in names.into_iter().filter(|n| !n.starts_with("_sqlx")) {
        let cols_sql = if url.starts_with("postgres") {
            format!("SELECT CAST(column_name AS TEXT) AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{name}'")
        } else {
            format!("SELECT name AS c FROM pragma_table_info('{name}')")
        };
        let cols: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(cols_sql))
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        let select: Vec<String> = cols
            .iter()
            .map(|c| format!("COALESCE(CAST({c} AS TEXT), '<null>')"))
            .collect();
        let sql = format!("SELECT {} AS row FROM {name}", select.join(" || '|' || "));
        let mut rows: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        rows.sort();
        out.insert(name, rows);
    }
    pool.close().await;
    out
}

fn json_out(out: std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn check_report(report: &Value, planted: &Value) {
    let t = &report["tables"];
    for (name, table) in t.as_object().unwrap() {
        let total = n(&table["total"]);
        assert_eq!(
            n(&table["moved"]) + n(&table["kept"]) + n(&table["skipped"]),
            total,
            "{name} reconciles"
        );
        let reasons: u64 = table["skipped_by_reason"]
            .as_object()
            .map(|m| m.values().map(n).sum())
            .unwrap_or(0);
        assert_eq!(
            reasons,
            n(&table["skipped"]),
            "{name}: every skip has a reason"
        );
    }
    assert_eq!(n(&t["users"]["total"]), n(&planted["users"]));
    assert_eq!(n(&t["projects"]["total"]), n(&planted["projects"]));
    assert_eq!(
        n(&t["projects"]["skipped_by_reason"]["owner (user) missing"]),
        n(&planted["projects_owner_missing"])
    );
    assert_eq!(n(&t["renders"]["total"]), n(&planted["renders"]));
    assert!(n(&t["renders"]["total"]) >= 10_000);
    let r = &t["renders"];
    let malformed = n(&planted["renders_malformed_settings"]);
    let chainless = n(&planted["renders_chain_missing"]);
    assert_eq!(
        n(&r["kept"]),
        n(&planted["renders_chat"]) + malformed + chainless
    );
    assert_eq!(
        n(&r["kept_by"]["settings not a JSON object: kept without settings"]),
        malformed
    );
    assert_eq!(
        n(&r["kept_by"]["chain missing or in another project: in its project's recovered chain"]),
        chainless
    );
    assert_eq!(
        n(&r["kept_by"]["blank imageType: kept as a chat render"]),
        n(&planted["renders_blank_image_type"])
    );
    assert!(malformed > 0 && chainless > 0 && n(&planted["renders_blank_image_type"]) > 0);
    let tools = planted["renders_tool"].as_object().unwrap();
    assert_eq!(tools.len(), 12, "every catalog tool has legacy renders");
    for (slug, count) in tools {
        assert_eq!(
            n(&r["moved_by"][format!("tool_executions ({slug})")]),
            n(count),
            "{slug}"
        );
    }
    // Every unknown tool slug, with its count, in the report; each got an offline tool.
    let offline = planted["renders_offline_tool"].as_object().unwrap();
    assert_eq!(
        offline.keys().collect::<Vec<_>>(),
        [
            "7",
            "legacy-magic-eraser",
            "legacy-sky-replace",
            "magic-eraser"
        ]
    );
    assert_eq!(&report["unknown_tools"], &planted["renders_offline_tool"]);
    for (slug, count) in offline {
        assert_eq!(
            n(&r["moved_by"][format!("tool_executions ({slug}: offline tool)")]),
            n(count),
            "{slug}"
        );
    }
    assert_eq!(
        n(&report["created"]["tools (offline, not in the catalog)"]),
        offline.len() as u64
    );
    // The only renders left behind are those of projects nobody owns.
    let skipped = &r["skipped_by_reason"];
    assert_eq!(
        skipped.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["project missing or skipped"]
    );
    assert_eq!(
        n(&skipped["project missing or skipped"]),
        n(&planted["renders_project_missing"])
    );
    let g = &t["canvas_graphs"];
    assert_eq!(n(&g["total"]), n(&planted["canvas_graphs"]));
    let by = &g["moved_by"];
    assert_eq!(
        n(&by["canvas_files + canvas_graphs"]),
        n(&planted["canvas_graphs_moved"])
    );
    assert_eq!(
        n(&by["canvas_files + canvas_graphs (recovered: chain missing)"]),
        n(&planted["canvas_graphs_chain_missing"])
    );
    assert_eq!(
        n(&by["canvas_files + canvas_graphs (recovered: chain in another project)"]),
        n(&planted["canvas_graphs_chain_other_project"])
    );
    assert_eq!(
        n(&by["canvas_files + canvas_graphs (nodes or connections unreadable)"]),
        n(&planted["canvas_graphs_malformed"])
    );
    assert_eq!(
        g["skipped_by_reason"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["orphan: project missing or skipped"]
    );
    assert_eq!(
        n(&g["skipped_by_reason"]["orphan: project missing or skipped"]),
        n(&planted["canvas_graphs_project_missing"])
    );
    assert_eq!(
        n(&t["render_chains"]["skipped"]),
        n(&t["render_chains"]["total"]) - n(&t["render_chains"]["kept"])
    );
    assert!(report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("isToolsProject")));
}

/// The rows one SQL query returns, as text (its first column).
async fn texts(url: &str, sql: &str) -> BTreeSet<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(&pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    pool.close().await;
    rows.iter().map(|r| r.get::<String, _>(0)).collect()
}

/// One row of a query, its columns as text.
async fn row(url: &str, sql: &str) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    pool.close().await;
    (0..r.len()).map(|i| r.get::<String, _>(i)).collect()
}

/// Every legacy row of a project that has an owner is in the target, under its legacy id
/// wherever the target keeps the entity; what lost its chain is recovered in its project.
async fn check_nothing_dropped(url: &str, planted: &Value) {
    let owned = "CAST(project_id AS TEXT) IN (SELECT CAST(id AS TEXT) FROM projects)";
    for (target, legacy) in [
        (
            "projects",
            "CAST(user_id AS TEXT) IN (SELECT CAST(id AS TEXT) FROM users)".to_owned(),
        ),
        ("render_chains", owned.to_owned()),
        ("renders", owned.to_owned()),
        ("canvas_graphs", owned.to_owned()),
    ] {
        let kept = texts(url, &format!("SELECT CAST(id AS TEXT) FROM {target}")).await;
        let had = texts(
            url,
            &format!("SELECT CAST(id AS TEXT) FROM legacy_{target} WHERE {legacy}"),
        )
        .await;
        assert!(!had.is_empty());
        let lost: Vec<_> = had.difference(&kept).take(3).collect();
        assert!(
            lost.is_empty(),
            "{target}: legacy rows lost or renamed: {lost:?}"
        );
        if target != "render_chains" {
            assert_eq!(
                kept.len(),
                had.len(),
                "{target}: only legacy rows, same ids"
            );
        }
    }
    // The only new chains are the recovered ones, one per project at most.
    let new_chains = texts(
        url,
        "SELECT CAST(project_id AS TEXT) FROM render_chains WHERE name = 'Recovered renders'",
    )
    .await;
    assert!(!new_chains.is_empty());
    let recovered_renders = texts(
        url,
        "SELECT CAST(r.id AS TEXT) FROM renders r JOIN render_chains c ON c.id = r.chain_id \
         WHERE c.name = 'Recovered renders'",
    )
    .await;
    assert_eq!(
        recovered_renders.len() as u64,
        n(&planted["renders_chain_missing"])
    );
    // Orphan graphs: a "Recovered canvas" file each, slugs unique in the project.
    let recovered = texts(
        url,
        "SELECT CAST(project_id AS TEXT) || ' ' || slug FROM canvas_files WHERE name = 'Recovered canvas'",
    )
    .await;
    assert_eq!(
        recovered.len() as u64,
        n(&planted["canvas_graphs_chain_missing"])
            + n(&planted["canvas_graphs_chain_other_project"])
    );
    assert!(
        recovered.iter().all(|s| s.contains(" recovered-canvas")),
        "{recovered:?}"
    );
    // Unknown tools: offline rows of their slugs, whose executions never run again.
    let offline = texts(url, "SELECT slug FROM tools WHERE status = 'offline'").await;
    let planted_slugs: BTreeSet<String> = planted["renders_offline_tool"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(offline, planted_slugs);
    let executions = texts(
        url,
        "SELECT CAST(e.id AS TEXT) FROM tool_executions e JOIN tools t ON t.id = e.tool_id \
         WHERE t.status = 'offline'",
    )
    .await;
    let offline_renders: u64 = planted["renders_offline_tool"]
        .as_object()
        .unwrap()
        .values()
        .map(n)
        .sum();
    assert_eq!(executions.len() as u64, offline_renders);
    let unfinished = texts(
        url,
        "SELECT CAST(e.id AS TEXT) FROM tool_executions e JOIN tools t ON t.id = e.tool_id \
         WHERE t.status = 'offline' AND e.status IN ('pending', 'processing')",
    )
    .await;
    assert!(
        unfinished.is_empty(),
        "an offline tool's run would never finish"
    );
}

/// Every node and edge has a change-log row of its own: copies of a canvas whose parts
/// share legacy ids must not overwrite each other's rows.
async fn check_graph_parts_logged(url: &str, report: &Value) {
    for (entity, created) in [
        ("canvas_node", "canvas_graph_nodes"),
        ("canvas_edge", "canvas_graph_edges"),
    ] {
        let logged = texts(
            url,
            &format!("SELECT CAST(entity_id AS TEXT) FROM changes WHERE entity = '{entity}'"),
        )
        .await;
        assert_eq!(
            logged.len() as u64,
            n(&report["created"][created]),
            "{entity}"
        );
    }
}

/// A recovered canvas reaches its owner with its graph (legacy id) and nodes, and works
/// as any file: renamed, then deleted with its graph.
async fn check_recovered_canvas(s: &Server) {
    let found = row(
        &s.db.url,
        "SELECT u.email, CAST(f.id AS TEXT), CAST(g.id AS TEXT) FROM canvas_files f \
         JOIN canvas_graphs_json g ON g.file_id = f.id JOIN projects p ON p.id = f.project_id \
         JOIN users u ON u.id = p.user_id \
         WHERE f.name = 'Recovered canvas' AND CAST(g.nodes AS TEXT) <> '[]' \
         ORDER BY f.id LIMIT 1",
    )
    .await;
    let (email, file, graph) = (&found[0], &found[1], &found[2]);
    let token = s.db.token(email);
    let (changes, _) = s.pull_all(&token, "canvas", 0).await;
    let file_id: uuid::Uuid = file.parse().unwrap();
    let f = latest(&changes, file_id).expect("the recovered file is pulled");
    assert_eq!(f["name"], "Recovered canvas");
    assert_eq!(
        f["metadata"]["legacy_graph_id"],
        graph.as_str(),
        "the graph keeps its id"
    );
    let g = latest(&changes, graph.parse().unwrap()).expect("its graph is pulled");
    assert_eq!(g["file_id"], file.as_str());
    assert!(
        changes
            .iter()
            .any(|c| c["entity"] == "canvas_node" && c["value"]["file_id"] == file.as_str()),
        "its nodes are pulled"
    );
    let mut c = common::Client::new(&token);
    c.ok(
        s,
        "canvas",
        "file.update",
        serde_json::json!({"id": file, "name": "Kitchen (recovered)"}),
    )
    .await;
    c.ok(s, "canvas", "file.delete", serde_json::json!({"id": file}))
        .await;
    let (changes, _) = s.pull_all(&token, "canvas", 0).await;
    assert!(latest(&changes, file_id).is_none());
    assert!(
        latest(&changes, graph.parse().unwrap()).is_none(),
        "the graph (legacy id) goes with its file"
    );
}

/// An offline tool reaches clients as a tool row; its executions stay readable; a new run
/// or a replay of it is refused.
async fn check_offline_tool(s: &Server) {
    let found = row(
        &s.db.url,
        "SELECT u.email, CAST(e.id AS TEXT), CAST(t.id AS TEXT), CAST(e.project_id AS TEXT) \
         FROM tool_executions e JOIN tools t ON t.id = e.tool_id \
         JOIN projects p ON p.id = e.project_id JOIN users u ON u.id = p.user_id \
         WHERE t.slug = 'legacy-magic-eraser' ORDER BY e.id LIMIT 1",
    )
    .await;
    let (email, execution, tool, project) = (&found[0], &found[1], &found[2], &found[3]);
    let token = s.db.token(email);
    let (apps, _) = s.pull_all(&token, "apps", 0).await;
    let t = latest(&apps, tool.parse().unwrap()).expect("the offline tool is pulled");
    assert_eq!(
        (t["slug"].as_str(), t["status"].as_str()),
        (Some("legacy-magic-eraser"), Some("offline"))
    );
    let e = latest(&apps, execution.parse().unwrap()).expect("its execution is pulled");
    assert_eq!(e["tool_id"], tool.as_str());
    assert!(
        e["input_images"].as_array().is_some_and(|a| a.len() == 1),
        "{e}"
    );
    let mut c = common::Client::new(&token);
    let r = c
        .rejected(
            s,
            "apps",
            "execution.create",
            serde_json::json!({"id": common::id(), "tool_id": tool, "project_id": project,
                               "input_images": ["/in.png"], "input_settings": {}}),
            "validation",
        )
        .await;
    assert!(
        r["error"]["message"].as_str().unwrap().contains("offline"),
        "{r}"
    );
    c.rejected(
        s,
        "apps",
        "execution.replay",
        serde_json::json!({"id": common::id(), "source_execution_id": execution}),
        "validation",
    )
    .await;
    assert_eq!(
        s.state_of(&token, "apps", execution.parse().unwrap()).await,
        Some(e)
    );
}

async fn migrate_legacy(b: common::Backend) {
    let db = TestDb::new(b);
    let planted = json_out(db.cli(&["legacy-fixture", "--renders", "10000", "--seed", "7"]));

    // The server refuses an unmigrated legacy database.
    let out = db.cli(&["serve", "--addr", "127.0.0.1:0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("migrate-legacy"));

    // Dry run: the full report, and not one byte changed.
    let before = snapshot(&db.url).await;
    let dry = json_out(db.cli(&["migrate-legacy", "--dry-run", "--json"]));
    assert_eq!(
        (dry["state"].as_str(), dry["changed"].as_bool()),
        (Some("would migrate"), Some(false))
    );
    check_report(&dry, &planted);
    assert_eq!(
        snapshot(&db.url).await,
        before,
        "the dry run changed the database"
    );
    let text = db.cli(&["migrate-legacy", "--dry-run"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("would migrate"));
    assert!(
        text.contains("not in the tool catalog") && text.contains("legacy-magic-eraser"),
        "{text}"
    );

    // The real run.
    let real = json_out(db.cli(&["migrate-legacy", "--json"]));
    assert_eq!(
        (real["state"].as_str(), real["changed"].as_bool()),
        (Some("migrated"), Some(true))
    );
    check_report(&real, &planted);
    assert_eq!(
        real["tables"], dry["tables"],
        "the dry run predicted the run"
    );
    let after = snapshot(&db.url).await;
    for t in [
        "users",
        "projects",
        "render_chains",
        "renders",
        "canvas_graphs",
    ] {
        // Nothing lost: every legacy row is still there, in the archive table.
        assert_eq!(after[&format!("legacy_{t}")], before[t], "legacy_{t}");
    }
    let created = &real["created"];
    assert_eq!(
        after["tool_executions"].len() as u64,
        n(&created["tool_executions"])
    );
    assert_eq!(
        after["tool_executions"].len() as u64,
        n(&real["tables"]["renders"]["moved"])
    );
    assert_eq!(
        after["canvas_files"].len() as u64,
        n(&real["tables"]["canvas_graphs"]["moved"])
    );
    assert_eq!(after["canvas_graphs"].len(), after["canvas_files"].len());
    let offline_tools = planted["renders_offline_tool"].as_object().unwrap().len();
    assert_eq!(after["tools"].len(), 12 + offline_tools);
    assert!(
        !after["renders"].iter().any(|r| r.contains("imageType")),
        "no tool data left in renders"
    );
    check_nothing_dropped(&db.url, &planted).await;
    check_graph_parts_logged(&db.url, &real).await;

    // A rerun (dry or not) changes nothing and says so.
    for args in [
        &["migrate-legacy", "--json"][..],
        &["migrate-legacy", "--dry-run", "--json"],
    ] {
        let again = json_out(db.cli(args));
        assert_eq!(
            (again["state"].as_str(), again["changed"].as_bool()),
            (Some("already migrated"), Some(false))
        );
        assert_eq!(again["tables"], real["tables"]);
        assert_eq!(
            snapshot(&db.url).await,
            after,
            "a rerun changed the database"
        );
    }

    // The server serves the migrated data to its owners.
    let token = db.token("user3@legacy.example");
    let s = Server::start_on(db).await;
    check_recovered_canvas(&s).await;
    check_offline_tool(&s).await;
    let (projects, _) = s.pull_all(&token, "projects", 0).await;
    let mine: Vec<&Value> = projects.iter().filter(|c| c["deleted"] == false).collect();
    assert!(!mine.is_empty());
    let (files, _) = s.pull_all(&token, "canvas", 0).await;
    let mut slugs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files.iter().filter(|c| c["entity"] == "canvas_file") {
        slugs
            .entry(f["value"]["project_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(f["value"]["slug"].as_str().unwrap().to_owned());
    }
    assert!(!slugs.is_empty());
    for list in slugs.values() {
        let mut dedup = list.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(
            dedup.len(),
            list.len(),
            "file slugs unique per project: {list:?}"
        );
    }
    assert!(
        slugs.values().flatten().any(|s| s == "kitchen-2"),
        "duplicate chain names got distinct slugs"
    );
    let (apps, _) = s.pull_all(&token, "apps", 0).await;
    let exec = apps
        .iter()
        .find(|c| c["entity"] == "tool_execution")
        .expect("executions pulled");
    let render_id: uuid::Uuid = exec["value"]["output_render_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        exec["value"]["execution_config"]["migrated_from"]["render_id"],
        render_id.to_string()
    );
    let (renders, _) = s.pull_all(&token, "render", 0).await;
    let out = latest(&renders, render_id).expect("the output render is there");
    assert!(out.get("chain_id").is_none() && out["settings"].get("imageType").is_none());
    // And it keeps working as a sync server on that data.
    let mut c = common::Client::new(&token);
    // A private project in the pull can only be the caller's own.
    let own = mine
        .iter()
        .find(|c| c["value"]["is_public"] == false)
        .expect("an own project");
    let p = own["id"].as_str().unwrap();
    c.ok(
        &s,
        "canvas",
        "file.create",
        serde_json::json!({"id": common::id(), "project_id": p, "name": "Kitchen"}),
    )
    .await;
}
db_test!(migrate_legacy_fixture, migrate_legacy);
