//! migrate-legacy on a generated messy legacy database (≥ 10,000 renders): the dry run
//! changes nothing, the real run accounts for every row with counts that reconcile with
//! what the fixture planted, a rerun changes nothing, and the server then serves it.

use crate::common::{self, latest, Server, TestDb};
use crate::db_test;
use serde_json::Value;
use sqlx::Row;
use std::collections::BTreeMap;

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
    assert_eq!(n(&t["renders"]["kept"]), n(&planted["renders_chat"]));
    let tools = planted["renders_tool"].as_object().unwrap();
    assert_eq!(tools.len(), 12, "every catalog tool has legacy renders");
    for (slug, count) in tools {
        assert_eq!(
            n(&t["renders"]["moved_by"][format!("tool_executions ({slug})")]),
            n(count),
            "{slug}"
        );
    }
    let r = &t["renders"]["skipped_by_reason"];
    assert_eq!(
        n(&r["unknown imageType"]),
        n(&planted["renders_unknown_image_type"])
    );
    assert_eq!(
        n(&r["malformed settings (not a JSON object)"]),
        n(&planted["renders_malformed_settings"])
    );
    assert_eq!(
        n(&r["project missing or skipped"]),
        n(&planted["renders_project_missing"])
    );
    assert_eq!(
        n(&r["chain missing or in another project"]),
        n(&planted["renders_chain_missing"])
    );
    let g = &t["canvas_graphs"];
    assert_eq!(n(&g["total"]), n(&planted["canvas_graphs"]));
    assert_eq!(n(&g["moved"]), n(&planted["canvas_graphs_moved"]));
    assert_eq!(
        n(&g["skipped_by_reason"]["orphan: chain missing or skipped"]),
        n(&planted["canvas_graphs_chain_missing"])
    );
    assert_eq!(
        n(&g["skipped_by_reason"]["orphan: project missing or skipped"]),
        n(&planted["canvas_graphs_project_missing"])
    );
    assert_eq!(
        n(&g["skipped_by_reason"]["malformed nodes or connections JSON"]),
        n(&planted["canvas_graphs_malformed"])
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
    assert!(String::from_utf8_lossy(&text.stdout).contains("would migrate"));

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
    assert_eq!(after["tools"].len(), 12);
    assert!(
        !after["renders"].iter().any(|r| r.contains("imageType")),
        "no tool data left in renders"
    );

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
