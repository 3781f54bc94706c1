//! Planning: every legacy row turned into the target rows it becomes, and counted in the
//! report (moved, kept, or skipped with a reason). Pure: nothing is written here, so the
//! dry run and the real run plan alike. One module per legacy table.

mod chains;
mod graph_parts;
mod graphs;
mod projects;
mod renders;
mod tools;
mod users;

use super::read::Legacy;
use super::report::Report;
use crate::store::canvas::GraphRow;
use std::collections::{BTreeMap, HashMap, HashSet};
use studio_core::catalog::Catalog;
use studio_core::ids::Id;
use studio_core::model::{CanvasFile, Project, Render, RenderChain, Tool, ToolExecution};
use studio_core::validate::slug;
use uuid::Uuid;

/// What the migration writes to the target tables.
#[derive(Default)]
pub struct Plan {
    pub users: Vec<(Id, String)>,
    pub projects: Vec<Project>,
    pub chains: Vec<RenderChain>,
    pub renders: Vec<Render>,
    /// Offline tool rows for the legacy `imageType`s the catalog does not have.
    pub offline_tools: Vec<Tool>,
    pub executions: Vec<ToolExecution>,
    pub files: Vec<(CanvasFile, GraphRow)>,
}

impl Plan {
    /// Rows per target table, for the report.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let nodes: usize = self.files.iter().map(|(_, g)| g.nodes.len()).sum();
        let edges: usize = self.files.iter().map(|(_, g)| g.edges.len()).sum();
        [
            ("users", self.users.len()),
            ("projects", self.projects.len()),
            ("render_chains", self.chains.len()),
            ("renders", self.renders.len()),
            (
                "tools (offline, not in the catalog)",
                self.offline_tools.len(),
            ),
            ("tool_executions", self.executions.len()),
            ("canvas_files", self.files.len()),
            ("canvas_graphs", self.files.len()),
            ("canvas_graph_nodes", nodes),
            ("canvas_graph_edges", edges),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v as u64))
        .collect()
    }
}

/// The rows placed so far that later tables refer to.
#[derive(Default)]
struct Placed {
    users: HashSet<Uuid>,
    projects: HashMap<Uuid, Project>,
    chains: HashMap<Uuid, RenderChain>,
}

/// Plans the whole migration: users, projects, chains, renders (chat renders, tool
/// executions, offline tools), canvas graphs — in that order, as each refers to the ones
/// before.
pub fn plan(legacy: &Legacy, catalog: &Catalog, report: &mut Report) -> Plan {
    let now = crate::auth::now_ms();
    let mut plan = Plan::default();
    let mut placed = Placed {
        users: users::plan(&legacy.users, report, &mut plan),
        ..Default::default()
    };
    placed.projects = projects::plan(&legacy.projects, &placed.users, now, report, &mut plan);
    placed.chains = chains::plan(&legacy.chains, &placed.projects, now, report, &mut plan);
    renders::plan(&legacy.renders, &placed, catalog, now, report, &mut plan);
    graphs::plan(&legacy.graphs, &placed, now, report, &mut plan);
    for name in super::read::TABLES {
        report.table(name);
    }
    plan
}

/// A stable id for a target row made from a legacy one (a rerun plans the same ids).
fn derived_id(parent: Uuid, what: &str) -> Uuid {
    Uuid::new_v5(&parent, what.as_bytes())
}

/// `wanted` when it is a valid slug not taken yet, else a unique slug from it (or from
/// `fallback_name` when blank). Also says whether it had to be derived anew.
fn unique_slug(wanted: &str, fallback_name: &str, taken: &mut HashSet<String>) -> (String, bool) {
    if slug::check("slug", wanted).is_ok() && !taken.contains(wanted) {
        taken.insert(wanted.to_owned());
        return (wanted.to_owned(), false);
    }
    let source = if wanted.trim().is_empty() {
        fallback_name
    } else {
        wanted
    };
    let s = slug::unique(&slug::slugify(source), |c| taken.contains(c));
    taken.insert(s.clone());
    (s, true)
}

/// The field a validation error names, for a skip reason.
fn field_of(e: &studio_core::CoreError) -> String {
    match e {
        studio_core::CoreError::Validation { field, .. } => field.clone(),
        other => other.code().to_string(),
    }
}
