//! Writing a plan: one transaction inserts every planned row with its change-log row (so
//! clients pull it) and the marker table with the report, whose presence makes a rerun
//! change nothing.

use super::plan::Plan;
use super::report::Report;
use crate::changelog::{self, Audience, Entry};
use crate::db::{DbResult, Query, Tx};
use crate::store;
use std::collections::HashMap;
use studio_core::ids::Id;
use studio_core::model::{Edge, Node, Project};
use studio_core::protocol::EntityKind;

/// Offline tools are no catalog file's rows: version 0, so any catalog that brings the
/// tool back (same slug, same id) replaces the row.
const OFFLINE_TOOL_CATALOG_VERSION: i64 = 0;

pub async fn write(db: &crate::db::Db, plan: &Plan, report: &Report) -> DbResult<()> {
    let mut tx = db.write().await?;
    let now = crate::auth::now_ms();
    let mut entries = Vec::new();
    write_users(&mut tx, plan, now).await?;
    write_projects(&mut tx, plan, &mut entries).await?;
    let projects: HashMap<Id, &Project> = plan.projects.iter().map(|p| (p.id, p)).collect();
    let audience = |project_id: Id| projects.get(&project_id).map(|p| Audience::project(p));
    write_offline_tools(&mut tx, plan, &mut entries).await?;
    for c in &plan.chains {
        store::render::insert_chain(&mut tx, c).await?;
        if let Some(a) = audience(c.project_id) {
            entries.push(Entry::put(EntityKind::RenderChain, c.id, a, None, c));
        }
    }
    for r in &plan.renders {
        store::render::insert_render(&mut tx, r).await?;
        if let Some(a) = audience(r.project_id) {
            entries.push(Entry::put(EntityKind::Render, r.id, a, None, r));
        }
    }
    for e in &plan.executions {
        store::apps::insert_execution(&mut tx, e).await?;
        if let Some(a) = audience(e.project_id) {
            entries.push(Entry::put(EntityKind::ToolExecution, e.id, a, None, e));
        }
    }
    write_files(&mut tx, plan, &audience, &mut entries).await?;
    changelog::record(&mut tx, entries).await?;
    write_marker(&mut tx, report, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_users(tx: &mut Tx, plan: &Plan, now: i64) -> DbResult<()> {
    for (id, email) in &plan.users {
        tx.execute(
            Query::new("INSERT INTO users (id, email, created_at) VALUES ($1, $2, $3)")
                .bind(*id)
                .bind(email)
                .bind(now),
        )
        .await?;
    }
    Ok(())
}

async fn write_projects(tx: &mut Tx, plan: &Plan, entries: &mut Vec<Entry>) -> DbResult<()> {
    for p in &plan.projects {
        store::projects::insert(tx, p).await?;
        // Public projects' rows are everyone's: their audience says so.
        entries.push(Entry::put(
            EntityKind::Project,
            p.id,
            Audience::project(p),
            None,
            p,
        ));
    }
    Ok(())
}

/// Tools are everyone's: clients pull the offline ones like catalog tools, so the
/// executions that point at them resolve (and new runs of them are refused).
async fn write_offline_tools(tx: &mut Tx, plan: &Plan, entries: &mut Vec<Entry>) -> DbResult<()> {
    for t in &plan.offline_tools {
        store::apps::upsert_tool(tx, t, OFFLINE_TOOL_CATALOG_VERSION).await?;
        entries.push(Entry::put(
            EntityKind::Tool,
            t.id,
            Audience::everyone(),
            None,
            t,
        ));
    }
    Ok(())
}

async fn write_files(
    tx: &mut Tx,
    plan: &Plan,
    audience: &impl Fn(Id) -> Option<Audience>,
    entries: &mut Vec<Entry>,
) -> DbResult<()> {
    for (f, g) in &plan.files {
        store::canvas::insert_file(tx, f).await?;
        store::canvas::insert_graph(tx, &g.meta, f.user_id).await?;
        let nodes: Vec<&Node> = g.nodes.iter().collect();
        let edges: Vec<&Edge> = g.edges.iter().collect();
        store::graph::put_nodes(tx, f.id, &nodes).await?;
        store::graph::put_edges(tx, f.id, &edges).await?;
        let Some(a) = audience(f.project_id) else {
            continue;
        };
        entries.push(Entry::put(
            EntityKind::CanvasFile,
            f.id,
            a,
            Some(f.version),
            f,
        ));
        entries.push(Entry::put(
            EntityKind::CanvasGraph,
            g.meta.id,
            a,
            Some(g.meta.version),
            &g.meta,
        ));
        for n in &g.nodes {
            entries.push(Entry::graph_part(
                EntityKind::CanvasNode,
                n.id,
                f.id,
                a,
                g.meta.version,
                Some(("node", n)),
            ));
        }
        for e in &g.edges {
            entries.push(Entry::graph_part(
                EntityKind::CanvasEdge,
                e.id,
                f.id,
                a,
                g.meta.version,
                Some(("edge", e)),
            ));
        }
    }
    Ok(())
}

async fn write_marker(tx: &mut Tx, report: &Report, now: i64) -> DbResult<()> {
    tx.execute_script(
        "CREATE TABLE legacy_migration (id INTEGER PRIMARY KEY, finished_at BIGINT NOT NULL, report TEXT NOT NULL)",
    )
    .await?;
    tx.execute(
        Query::new("INSERT INTO legacy_migration (id, finished_at, report) VALUES (1, $1, $2)")
            .bind(now)
            .bind(serde_json::to_string(report).unwrap_or_default()),
    )
    .await?;
    Ok(())
}
