//! `renders` → `renders` and `tool_executions`. A chat render stays a render in its chain;
//! a tool render (one whose `settings.imageType` names a tool) becomes an execution whose
//! output render is that render. Nothing of a placed project is dropped:
//! - an `imageType` the catalog does not have gets an offline tool row of that slug;
//! - a chat render whose chain is gone (or in another project) goes to its project's
//!   "Recovered renders" chain;
//! - a render whose settings are not a JSON object stays, without settings.

use super::tools::{self, FirstRun, Named, OfflineTools, PropertyChecks};
use super::{derived_id, field_of, Placed, Plan};
use crate::legacy::read::{col, json_col, time_col, uuid_col, LRow};
use crate::legacy::report::Report;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use studio_core::build;
use studio_core::catalog::Catalog;
use studio_core::ids::Millis;
use studio_core::json::JsonObject;
use studio_core::model::{
    ExecutionStatus, Project, Render, RenderChain, RenderStatus, RenderType, Tool, ToolExecution,
    ToolStatus,
};
use uuid::Uuid;

const TABLE: &str = "renders";
const RECOVERED_CHAIN_NAME: &str = "Recovered renders";

/// Running totals for the report's notes.
#[derive(Default)]
struct Tally {
    refused_settings: u64,
    defaults_filled: u64,
}

pub(super) fn plan(
    rows: &[LRow],
    placed: &Placed,
    catalog: &Catalog,
    now: Millis,
    report: &mut Report,
    plan: &mut Plan,
) {
    let mut checks = PropertyChecks::default();
    let mut offline = OfflineTools::default();
    let mut tally = Tally::default();
    // Renders whose chain is gone, by project: they go to a recovered chain.
    let mut chainless: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
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
                .skipped("project missing or skipped", raw_id);
            continue;
        };
        let mut render = base_render(r, id, project, placed, now);
        let settings = match json_col(r, "settings") {
            Some(Value::Object(s)) => Some(s),
            _ => None,
        };
        let Some(mut settings) = settings else {
            // Unreadable: nothing tells a tool render from a chat render; a chat render it
            // stays, its settings readable in legacy_renders.
            let placed_in_chain = place_in_chain(&mut render, r, placed, project);
            if keep(&render, raw_id, report) {
                if !placed_in_chain {
                    chainless
                        .entry(project.id)
                        .or_default()
                        .push(plan.renders.len());
                }
                report
                    .table(TABLE)
                    .kept_as("settings not a JSON object: kept without settings");
                plan.renders.push(render);
            }
            continue;
        };
        let image_type = settings.remove("imageType");
        let had_image_type = image_type.is_some();
        let named = image_type.and_then(|it| tools::named_tool(&it, catalog));
        let tool = match named {
            None => None,
            Some(Named::Catalog(t)) => Some(t.clone()),
            Some(Named::Unknown(slug)) => {
                let first = FirstRun {
                    kind: render.kind,
                    images: usize::from(settings.contains_key("inputImageUrl")),
                    has_text: settings.contains_key("userPrompt"),
                    created_at: render.created_at,
                };
                Some(offline.get_or_make(&slug, first).clone())
            }
        };
        let Some(tool) = tool else {
            // A chat render.
            render.settings = settings;
            let placed_in_chain = place_in_chain(&mut render, r, placed, project);
            if keep(&render, raw_id, report) {
                if !placed_in_chain {
                    chainless
                        .entry(project.id)
                        .or_default()
                        .push(plan.renders.len());
                    report.table(TABLE).kept_as(
                        "chain missing or in another project: in its project's recovered chain",
                    );
                } else if had_image_type {
                    // An imageType that names no tool (blank): a chat render, whose
                    // imageType the target cannot hold (it stays in legacy_renders).
                    report
                        .table(TABLE)
                        .kept_as("blank imageType: kept as a chat render");
                } else {
                    report.table(TABLE).kept();
                }
                plan.renders.push(render);
            }
            continue;
        };
        let split = tools::split_settings(&tool, settings, &mut checks);
        tally.refused_settings += split.refused;
        tally.defaults_filled += u64::from(!split.filled.is_empty());
        render.settings = split.left.clone();
        if !keep(&render, raw_id, report) {
            continue;
        }
        let execution = execution_of(&render, r, &tool, split, project);
        let by = match tool.status {
            ToolStatus::Online => format!("tool_executions ({})", tool.slug),
            ToolStatus::Offline => format!("tool_executions ({}: offline tool)", tool.slug),
        };
        report.table(TABLE).moved(&by);
        plan.executions.push(execution);
        plan.renders.push(render);
    }
    recover_chains(chainless, plan, report);
    notes(&tally, &offline, report);
    report.unknown_tools = offline.renders.clone();
    plan.offline_tools = offline.into_tools();
}

/// A render's columns the target keeps, without settings or chain yet.
fn base_render(r: &LRow, id: Uuid, project: &Project, placed: &Placed, now: Millis) -> Render {
    let output_url = col(r, "output_url")
        .filter(|u| studio_core::validate::url("output_url", u).is_ok())
        .map(str::to_owned);
    let created_at = time_col(r, "created_at", now);
    Render {
        id,
        project_id: project.id,
        user_id: uuid_col(r, "user_id").filter(|u| placed.users.contains(u)),
        kind: match col(r, "type")
            .map(|s| s.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("video") => RenderType::Video,
            _ => RenderType::Image,
        },
        prompt: col(r, "prompt").unwrap_or("").to_owned(),
        settings: JsonObject::new(),
        chain_id: None,
        chain_position: None,
        status: render_status(col(r, "status"), output_url.is_some()),
        output_url,
        created_at,
        updated_at: time_col(r, "updated_at", created_at),
    }
}

/// Puts a chat render in its legacy chain; false when that chain is gone or in another
/// project, so the caller recovers it.
fn place_in_chain(render: &mut Render, r: &LRow, placed: &Placed, project: &Project) -> bool {
    let Some(chain) = uuid_col(r, "chain_id") else {
        return true;
    };
    let in_project = placed
        .chains
        .get(&chain)
        .is_some_and(|c| c.project_id == project.id);
    if !in_project {
        return false;
    }
    render.chain_id = Some(chain);
    render.chain_position = legacy_position(r);
    true
}

fn legacy_position(r: &LRow) -> Option<i64> {
    col(r, "chain_position")
        .and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 0)
}

/// Whether the render is valid in the target; counts the skip when not.
fn keep(render: &Render, raw_id: &str, report: &mut Report) -> bool {
    match render.validate() {
        Ok(()) => true,
        Err(e) => {
            report
                .table(TABLE)
                .skipped(&format!("invalid {}", field_of(&e)), raw_id);
            false
        }
    }
}

/// The execution a tool render moves to; its output render is the render itself.
fn execution_of(
    render: &Render,
    r: &LRow,
    tool: &Tool,
    split: tools::Split,
    project: &Project,
) -> ToolExecution {
    let mut config =
        build::execution_config(tool, &split.images, split.text.as_deref(), &split.input);
    config.insert(
        "migrated_from".into(),
        json!({"render_id": render.id, "image_type": tool.slug, "chain_id": uuid_col(r, "chain_id"),
               "chain_position": legacy_position(r), "defaults_filled": split.filled}),
    );
    let (status, error_message) = execution_outcome(tool, render.status);
    ToolExecution {
        id: derived_id(render.id, "legacy-tool-execution"),
        tool_id: tool.id,
        project_id: project.id,
        user_id: Some(render.user_id.or(project.user_id).unwrap_or_default()),
        input_images: split.images,
        input_text: split.text,
        input_settings: split.input,
        output_render_id: Some(render.id),
        output_url: render.output_url.clone(),
        output_key: None,
        status,
        error_message,
        processing_time: None,
        credits_cost: None,
        execution_config: config,
        parent_execution_id: None,
        created_at: render.created_at,
        updated_at: render.updated_at,
    }
}

/// The execution's status from its render's. An offline tool will never finish a run, so
/// an unfinished one of those ends as failed (the runner would otherwise pick it up).
fn execution_outcome(tool: &Tool, status: RenderStatus) -> (ExecutionStatus, Option<String>) {
    let unfinished = matches!(status, RenderStatus::Pending | RenderStatus::Processing);
    match (status, tool.status) {
        (_, ToolStatus::Offline) if unfinished => (
            ExecutionStatus::Failed,
            Some(format!(
                "tool {} is not in the tool catalog: the run did not finish before the migration",
                tool.slug
            )),
        ),
        (RenderStatus::Failed, _) => (
            ExecutionStatus::Failed,
            Some("failed before the migration".to_owned()),
        ),
        (RenderStatus::Pending, _) => (ExecutionStatus::Pending, None),
        (RenderStatus::Processing, _) => (ExecutionStatus::Processing, None),
        (RenderStatus::Completed, _) => (ExecutionStatus::Completed, None),
    }
}

fn render_status(s: Option<&str>, has_output: bool) -> RenderStatus {
    match s.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("pending") => RenderStatus::Pending,
        Some("processing") => RenderStatus::Processing,
        Some("completed" | "complete" | "done" | "success") => RenderStatus::Completed,
        Some("failed" | "error") => RenderStatus::Failed,
        _ if has_output => RenderStatus::Completed,
        _ => RenderStatus::Failed,
    }
}

/// One "Recovered renders" chain per project that has renders whose chain is gone; they
/// are numbered in the order they were made.
fn recover_chains(chainless: BTreeMap<Uuid, Vec<usize>>, plan: &mut Plan, report: &mut Report) {
    if !chainless.is_empty() {
        let renders: usize = chainless.values().map(Vec::len).sum();
        report.notes.push(format!(
            "{renders} renders whose chain was missing or in another project are in a \"{RECOVERED_CHAIN_NAME}\" chain of their project ({} such chains)",
            chainless.len()
        ));
    }
    for (project_id, mut indexes) in chainless {
        indexes.sort_by_key(|i| (plan.renders[*i].created_at, plan.renders[*i].id));
        let chain_id = derived_id(project_id, "legacy-recovered-render-chain");
        let (mut first, mut last) = (Millis::MAX, Millis::MIN);
        for (position, i) in indexes.iter().enumerate() {
            let render = &mut plan.renders[*i];
            render.chain_id = Some(chain_id);
            render.chain_position = Some(position as i64);
            first = first.min(render.created_at);
            last = last.max(render.updated_at);
        }
        plan.chains.push(RenderChain {
            id: chain_id,
            project_id,
            name: RECOVERED_CHAIN_NAME.into(),
            description: Some(
                "Renders whose chat chain was gone before the migration (see legacy_renders)"
                    .into(),
            ),
            created_at: first,
            updated_at: last.max(first),
        });
    }
}

fn notes(tally: &Tally, offline: &OfflineTools, report: &mut Report) {
    if tally.refused_settings > 0 {
        report.notes.push(format!(
            "{} tool settings values the tool's schema refuses stayed in their render's settings",
            tally.refused_settings
        ));
    }
    if tally.defaults_filled > 0 {
        report.notes.push(format!("{} executions lacked a required setting: the tool's default was used and recorded in execution_config.migrated_from.defaults_filled", tally.defaults_filled));
    }
    if !offline.renders.is_empty() {
        let list: Vec<String> = offline
            .renders
            .iter()
            .map(|(slug, n)| format!("{slug} ({n})"))
            .collect();
        report.notes.push(format!(
            "imageTypes not in the tool catalog became offline tools (no new runs; their executions stay readable): {}",
            list.join(", ")
        ));
    }
}
