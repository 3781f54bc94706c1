//! `render_chains` → `render_chains`: same ids, kept for the `/render` chat platform.

use super::Plan;
use crate::legacy::read::{col, name_col, time_col, uuid_col, LRow};
use crate::legacy::report::Report;
use std::collections::HashMap;
use studio_core::ids::Millis;
use studio_core::model::{Project, RenderChain};
use uuid::Uuid;

/// Plans the chains of placed projects; returns them by id.
pub(super) fn plan(
    rows: &[LRow],
    projects: &HashMap<Uuid, Project>,
    now: Millis,
    report: &mut Report,
    plan: &mut Plan,
) -> HashMap<Uuid, RenderChain> {
    let mut chains = HashMap::new();
    for r in rows {
        let raw_id = col(r, "id").unwrap_or("");
        let t = report.table("render_chains");
        let Some(id) = uuid_col(r, "id") else {
            t.skipped("id is not a UUID", raw_id);
            continue;
        };
        let Some(project) = uuid_col(r, "project_id").filter(|p| projects.contains_key(p)) else {
            t.skipped("project missing or skipped", raw_id);
            continue;
        };
        let created_at = time_col(r, "created_at", now);
        let c = RenderChain {
            id,
            project_id: project,
            name: name_col(r, "name", "Untitled", studio_core::limits::NAME_MAX),
            description: col(r, "description").map(str::to_owned),
            created_at,
            updated_at: time_col(r, "updated_at", created_at),
        };
        t.kept();
        chains.insert(id, c.clone());
        plan.chains.push(c);
    }
    chains
}
