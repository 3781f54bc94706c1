//! `projects` → `projects`: same ids; slugs made valid and unique, metadata (such as
//! `isToolsProject`) kept as it was.

use super::{field_of, unique_slug, Plan};
use crate::legacy::read::{col, json_col, name_col, time_col, uuid_col, LRow};
use crate::legacy::report::Report;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use studio_core::ids::Millis;
use studio_core::json::JsonObject;
use studio_core::model::{Project, ProjectStatus};
use uuid::Uuid;

/// Plans the projects of placed users; returns them by id.
pub(super) fn plan(
    rows: &[LRow],
    users: &HashSet<Uuid>,
    now: Millis,
    report: &mut Report,
    plan: &mut Plan,
) -> HashMap<Uuid, Project> {
    let mut slugs = HashSet::new();
    let (mut renamed_slugs, mut tools_projects) = (0, 0);
    let mut projects = HashMap::new();
    for r in rows {
        let raw_id = col(r, "id").unwrap_or("");
        let Some(id) = uuid_col(r, "id") else {
            report.table("projects").skipped("id is not a UUID", raw_id);
            continue;
        };
        let Some(owner) = uuid_col(r, "user_id").filter(|u| users.contains(u)) else {
            // No user has it: nobody could see it in the target either.
            report
                .table("projects")
                .skipped("owner (user) missing", raw_id);
            continue;
        };
        let name = name_col(r, "name", "Untitled", studio_core::limits::NAME_MAX);
        let (slug, renamed) = unique_slug(col(r, "slug").unwrap_or(""), &name, &mut slugs);
        renamed_slugs += u64::from(renamed);
        let metadata = match json_col(r, "metadata") {
            Some(Value::Object(m)) => m,
            _ => JsonObject::new(),
        };
        tools_projects += u64::from(metadata.get("isToolsProject") == Some(&Value::Bool(true)));
        let created_at = time_col(r, "created_at", now);
        let p = Project {
            id,
            user_id: Some(owner),
            name,
            slug,
            description: col(r, "description").map(str::to_owned),
            original_image_id: uuid_col(r, "original_image_id"),
            status: match col(r, "status") {
                Some("archived") => ProjectStatus::Archived,
                _ => ProjectStatus::Active,
            },
            is_public: matches!(col(r, "is_public"), Some("1" | "true" | "t")),
            tags: tags(r),
            metadata,
            created_at,
            updated_at: time_col(r, "updated_at", created_at),
        };
        if let Err(e) = p.validate() {
            report
                .table("projects")
                .skipped(&format!("invalid {}", field_of(&e)), raw_id);
            continue;
        }
        report.table("projects").kept();
        projects.insert(id, p.clone());
        plan.projects.push(p);
    }
    if renamed_slugs > 0 {
        report.notes.push(format!(
            "{renamed_slugs} project slugs were not valid or unique and were derived anew"
        ));
    }
    report.notes.push(format!(
        "{tools_projects} projects carry metadata.isToolsProject = true: kept in their metadata (tools are rows now; the flag has no effect)"
    ));
    projects
}

/// The tags, when they are a list of strings the target accepts; else none.
fn tags(r: &LRow) -> Vec<String> {
    let tags: Vec<String> = match json_col(r, "tags") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if studio_core::model::project::check_tags(&tags).is_ok() {
        tags
    } else {
        Vec::new()
    }
}
