//! `canvas_graphs` → `canvas_files` + `canvas_graphs`: each legacy graph of a placed
//! project becomes a file of that project (named after its chain, slug unique in the
//! project) holding the graph, which keeps its legacy id. Nothing of a placed project is
//! dropped: a graph whose chain is gone (or in another project) gets a "Recovered
//! canvas" file; one whose nodes or connections do not parse gets its file with what
//! does (the raw JSON stays readable in legacy_canvas_graphs).

use super::graph_parts::convert_graph;
use super::{derived_id, unique_slug, Placed, Plan};
use crate::legacy::read::{col, json_col, time_col, uuid_col, LRow};
use crate::legacy::report::Report;
use crate::store::canvas::GraphRow;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use studio_core::ids::Millis;
use studio_core::model::{CanvasFile, GraphMeta, Project, Viewport};
use uuid::Uuid;

const TABLE: &str = "canvas_graphs";
const RECOVERED_FILE_NAME: &str = "Recovered canvas";

/// Where a graph's file comes from.
enum Origin {
    /// Its chain, in its project: the file is named after the chain.
    Chain { name: String },
    /// No usable chain: a recovered file, and why.
    Recovered(&'static str),
}

pub(super) fn plan(
    rows: &[LRow],
    placed: &Placed,
    now: Millis,
    report: &mut Report,
    plan: &mut Plan,
) {
    let mut file_slugs: HashMap<Uuid, HashSet<String>> = HashMap::new();
    let (mut dropped_nodes, mut dropped_edges) = (0u64, 0u64);
    let mut part_ids = HashSet::new();
    for r in rows {
        let raw_id = col(r, "id").unwrap_or("");
        let Some(id) = uuid_col(r, "id") else {
            report.table(TABLE).skipped("id is not a UUID", raw_id);
            continue;
        };
        let Some(project) = uuid_col(r, "project_id").and_then(|p| placed.projects.get(&p)) else {
            // No project, no owner: nobody could see it in the target.
            report
                .table(TABLE)
                .skipped("orphan: project missing or skipped", raw_id);
            continue;
        };
        let origin = origin(r, placed, project);
        let nodes = json_col(r, "nodes");
        let edges = json_col(r, "connections");
        let unreadable =
            !matches!(nodes, Some(Value::Array(_))) || !matches!(edges, Some(Value::Array(_)));
        let as_list = |v: Option<Value>| match v {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        let (nodes, edges, dn, de) =
            convert_graph(id, &as_list(nodes), &as_list(edges), &mut part_ids);
        dropped_nodes += dn;
        dropped_edges += de;
        let taken = file_slugs.entry(project.id).or_default();
        let file = file_of(r, id, project, placed, &origin, taken, unreadable, now);
        let graph = GraphRow {
            meta: GraphMeta {
                id,
                file_id: file.id,
                project_id: project.id,
                viewport: json_col(r, "viewport")
                    .and_then(|v| serde_json::from_value::<Viewport>(v).ok())
                    .filter(|v| v.validate().is_ok())
                    .unwrap_or_default(),
                version: col(r, "version")
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .filter(|v| *v >= 1)
                    .unwrap_or(1),
                created_at: file.created_at,
                updated_at: file.updated_at,
            },
            nodes,
            edges,
        };
        let mut by = "canvas_files + canvas_graphs".to_owned();
        if let Origin::Recovered(why) = origin {
            by.push_str(&format!(" (recovered: {why})"));
        }
        if unreadable {
            by.push_str(" (nodes or connections unreadable)");
        }
        report.table(TABLE).moved(&by);
        plan.files.push((file, graph));
    }
    if dropped_nodes + dropped_edges > 0 {
        report.notes.push(format!(
            "{dropped_nodes} graph nodes (no id or invalid values) and {dropped_edges} connections (to a missing node) could not be kept; they stay in legacy_canvas_graphs"
        ));
    }
}

fn origin(r: &LRow, placed: &Placed, project: &Project) -> Origin {
    match uuid_col(r, "chain_id").and_then(|c| placed.chains.get(&c)) {
        Some(chain) if chain.project_id == project.id => Origin::Chain {
            name: chain.name.clone(),
        },
        Some(_) => Origin::Recovered("chain in another project"),
        None => Origin::Recovered("chain missing"),
    }
}

/// The file a legacy graph gets: its id derived from the graph's, so a rerun plans the
/// same; the legacy ids and any recovery recorded in its metadata.
#[allow(clippy::too_many_arguments)]
fn file_of(
    r: &LRow,
    graph_id: Uuid,
    project: &Project,
    placed: &Placed,
    origin: &Origin,
    taken: &mut HashSet<String>,
    unreadable: bool,
    now: Millis,
) -> CanvasFile {
    let created_at = time_col(r, "created_at", now);
    let mut metadata = Map::new();
    metadata.insert("legacy_graph_id".into(), json!(graph_id));
    metadata.insert(
        "legacy_chain_id".into(),
        json!(col(r, "chain_id").map(str::trim)),
    );
    let name = match origin {
        Origin::Chain { name } => name.clone(),
        Origin::Recovered(why) => {
            metadata.insert("recovered".into(), json!(why));
            RECOVERED_FILE_NAME.to_owned()
        }
    };
    if unreadable {
        metadata.insert(
            "unreadable_in_legacy".into(),
            json!(["nodes or connections"]),
        );
    }
    let (slug, _) = unique_slug("", &name, taken);
    CanvasFile {
        id: derived_id(graph_id, "legacy-canvas-file"),
        project_id: project.id,
        user_id: uuid_col(r, "user_id")
            .filter(|u| placed.users.contains(u))
            .or(project.user_id),
        name,
        slug,
        description: None,
        thumbnail_url: None,
        version: 1,
        is_active: true,
        metadata,
        created_at,
        updated_at: time_col(r, "updated_at", created_at),
    }
}
