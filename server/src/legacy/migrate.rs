//! `migrate-legacy`: phases 1–3 of the seed's migration, in place.
//!
//! 1. The legacy tables are renamed `legacy_*` (kept as a read-only archive: nothing is
//!    lost, skipped rows stay readable there), the target schema is created by the
//!    regular migrations and the tool catalog is loaded (phase 1: tools).
//! 2. One transaction copies the legacy rows into the target tables: users, projects
//!    (metadata such as `isToolsProject` kept), chains, chat renders; every render whose
//!    `settings.imageType` names a catalog tool becomes a tool execution whose output
//!    render is that render (phase 1); every canvas graph becomes a canvas file (named
//!    after its chain, slug unique per project) with its graph (phase 2). Each copied
//!    entity gets its change-log row, so clients pull it.
//! 3. Cleanup (phase 3): tool data leaves the renders (imageType and the tool's settings
//!    move to the execution, tool renders leave their chat chain); the target schema's
//!    constraints — the renders CHECK against `imageType`, foreign keys, enum CHECKs —
//!    and indexes hold every copied row; on SQLite the foreign keys are re-checked.
//!
//! A marker table (`legacy_migration`, with the report) makes a rerun change nothing.
//! `--dry-run` reads and plans only.

use super::report::Report;
use crate::changelog::{self, Audience, Entry};
use crate::db::{Backend, Db, DbError, DbResult, Query, Row};
use crate::store;
use crate::store::canvas::GraphRow;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use studio_core::build;
use studio_core::catalog::Catalog;
use studio_core::graph::zindex;
use studio_core::ids::{graph_id_for, Id, Millis};
use studio_core::json::JsonObject;
use studio_core::model::{
    CanvasFile, Edge, ExecutionStatus, GraphMeta, Node, Position, Project, ProjectStatus, Render,
    RenderChain, RenderStatus, RenderType, Tool, ToolExecution, Viewport,
};
use studio_core::protocol::EntityKind;
use studio_core::validate::slug;
use uuid::Uuid;

const TABLES: [&str; 5] = [
    "users",
    "projects",
    "render_chains",
    "renders",
    "canvas_graphs",
];

enum State {
    /// The legacy tables under their own names.
    Unmigrated,
    /// Renamed to `legacy_*`, copy not finished (an interrupted run).
    Renamed,
    Done(Option<Report>),
    NotLegacy,
}

async fn state(db: &Db) -> DbResult<State> {
    if super::table_exists(db, "legacy_migration").await? {
        let row = db
            .fetch_optional(Query::new(
                "SELECT report FROM legacy_migration ORDER BY id DESC LIMIT 1",
            ))
            .await?;
        let report = row
            .map(|r| r.text("report"))
            .transpose()?
            .and_then(|t| serde_json::from_str(&t).ok());
        return Ok(State::Done(report));
    }
    if super::is_unmigrated_legacy(db).await? {
        return Ok(State::Unmigrated);
    }
    if super::table_exists(db, "legacy_canvas_graphs").await? {
        return Ok(State::Renamed);
    }
    Ok(State::NotLegacy)
}

/// Whether `serve` must refuse this database: legacy data not migrated yet.
pub async fn needs_migration(db: &Db) -> DbResult<bool> {
    Ok(matches!(
        state(db).await?,
        State::Unmigrated | State::Renamed
    ))
}

pub async fn run(db: &Db, dry_run: bool) -> DbResult<Report> {
    let catalog = crate::catalog::builtin()?;
    let base = Report {
        database: db.backend().as_str().to_owned(),
        dry_run,
        catalog_version: catalog.version,
        ..Default::default()
    };
    let prefix = match state(db).await? {
        State::Done(stored) => {
            let mut r = stored.unwrap_or(base);
            r.dry_run = dry_run;
            r.state = "already migrated".into();
            r.changed = false;
            r.created.clear();
            return Ok(r);
        }
        State::NotLegacy => {
            let mut r = base;
            r.state = "not a legacy database".into();
            return Ok(r);
        }
        State::Unmigrated => "",
        State::Renamed => "legacy_",
    };
    let legacy = read(db, prefix).await?;
    let mut report = base;
    let plan = plan(&legacy, &catalog, &mut report);
    if dry_run {
        report.state = "would migrate".into();
        report.created = plan.counts();
        return Ok(report);
    }
    if prefix.is_empty() {
        let mut tx = db.begin().await?;
        for t in TABLES {
            tx.execute(Query::new(format!("ALTER TABLE {t} RENAME TO legacy_{t}")))
                .await?;
        }
        tx.commit().await?;
    }
    db.migrate().await?;
    let tools = crate::catalog::load(db).await?;
    report.state = "migrated".into();
    report.changed = true;
    report.legacy_tables = TABLES.map(|t| format!("legacy_{t}")).join(", ");
    report.created = plan.counts();
    report.created.insert("tools".into(), tools as u64);
    write(db, &plan, &report).await?;
    if db.backend() == Backend::Sqlite {
        let broken = db
            .fetch_optional(Query::new("SELECT * FROM pragma_foreign_key_check LIMIT 1"))
            .await?;
        if broken.is_some() {
            return Err(DbError::Setup(
                "foreign keys broken after the migration".into(),
            ));
        }
        report
            .notes
            .push("foreign keys re-checked: all hold".into());
    }
    Ok(report)
}

// ---- reading ----

/// A legacy row: every column read as text (ids, JSON, timestamps alike), so both
/// databases' column types and malformed values are handled in one place.
type LRow = HashMap<&'static str, Option<String>>;

struct Legacy {
    users: Vec<LRow>,
    projects: Vec<LRow>,
    chains: Vec<LRow>,
    renders: Vec<LRow>,
    graphs: Vec<LRow>,
}

const COLUMNS: [(&str, &[&str]); 5] = [
    ("users", &["id", "email"]),
    (
        "projects",
        &[
            "id",
            "user_id",
            "name",
            "slug",
            "description",
            "original_image_id",
            "status",
            "is_public",
            "tags",
            "metadata",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "render_chains",
        &[
            "id",
            "project_id",
            "name",
            "description",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "renders",
        &[
            "id",
            "project_id",
            "user_id",
            "type",
            "prompt",
            "settings",
            "chain_id",
            "chain_position",
            "output_url",
            "status",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "canvas_graphs",
        &[
            "id",
            "chain_id",
            "project_id",
            "user_id",
            "nodes",
            "connections",
            "viewport",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
];

async fn read(db: &Db, prefix: &str) -> DbResult<Legacy> {
    let mut tx = db.begin().await?;
    let mut tables = Vec::new();
    for (table, cols) in COLUMNS {
        let select: Vec<String> = cols
            .iter()
            .map(|c| format!("CAST({c} AS TEXT) AS {c}"))
            .collect();
        let rows = tx
            .fetch_all(Query::new(format!(
                "SELECT {} FROM {prefix}{table} ORDER BY CAST(id AS TEXT)",
                select.join(", ")
            )))
            .await?;
        let rows: DbResult<Vec<LRow>> = rows
            .iter()
            .map(|r: &Row| cols.iter().map(|c| Ok((*c, r.opt_text(c)?))).collect())
            .collect();
        tables.push(rows?);
    }
    tx.commit().await?;
    let mut it = tables.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(Legacy {
        users: next(),
        projects: next(),
        chains: next(),
        renders: next(),
        graphs: next(),
    })
}

fn col<'a>(r: &'a LRow, c: &str) -> Option<&'a str> {
    r.get(c).and_then(|v| v.as_deref())
}

fn uuid_col(r: &LRow, c: &str) -> Option<Uuid> {
    col(r, c).and_then(|s| Uuid::parse_str(s.trim()).ok())
}

fn json_col(r: &LRow, c: &str) -> Option<Value> {
    col(r, c).and_then(|s| serde_json::from_str(s).ok())
}

/// ISO-8601 / SQL timestamps (`2025-01-05T10:00:00Z`, `2025-01-05 10:00:00.125`,
/// `...+02:00`) to milliseconds; a timestamp without zone is UTC.
pub fn parse_timestamp(s: &str) -> Option<Millis> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (
        num(0, 4)?,
        num(5, 2)?,
        num(8, 2)?,
        num(11, 2)?,
        num(14, 2)?,
        num(17, 2)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = format!("{:0<3}", s.get(start..i)?);
        ms = frac.get(..3)?.parse().ok()?;
    }
    let offset_min = match s.get(i..) {
        None | Some("") | Some("Z") | Some("z") => 0,
        Some(tz) => {
            let sign = match tz.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = tz[1..].chars().filter(|c| *c != ':').collect();
            if !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let (hh, mm) = match digits.len() {
                2 => (digits.parse::<i64>().ok()?, 0),
                4 => (
                    digits[..2].parse::<i64>().ok()?,
                    digits[2..].parse::<i64>().ok()?,
                ),
                _ => return None,
            };
            sign * (hh * 60 + mm)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3_600 + mi * 60 + sec) - offset_min * 60) * 1_000 + ms)
}

// ---- planning ----

#[derive(Default)]
struct Plan {
    users: Vec<(Id, String)>,
    projects: Vec<Project>,
    chains: Vec<RenderChain>,
    renders: Vec<Render>,
    executions: Vec<ToolExecution>,
    files: Vec<(CanvasFile, GraphRow)>,
}

impl Plan {
    fn counts(&self) -> BTreeMap<String, u64> {
        let nodes: usize = self.files.iter().map(|(_, g)| g.nodes.len()).sum();
        let edges: usize = self.files.iter().map(|(_, g)| g.edges.len()).sum();
        [
            ("users", self.users.len()),
            ("projects", self.projects.len()),
            ("render_chains", self.chains.len()),
            ("renders", self.renders.len()),
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

fn derived_id(parent: Uuid, what: &str) -> Uuid {
    Uuid::new_v5(&parent, what.as_bytes())
}

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

fn execution_status(s: RenderStatus) -> ExecutionStatus {
    match s {
        RenderStatus::Pending => ExecutionStatus::Pending,
        RenderStatus::Processing => ExecutionStatus::Processing,
        RenderStatus::Completed => ExecutionStatus::Completed,
        RenderStatus::Failed => ExecutionStatus::Failed,
    }
}

/// Compiled validators of single settings properties, to tell which legacy values a
/// tool's schema accepts.
#[derive(Default)]
struct PropertyChecks(HashMap<(String, String), Option<jsonschema::Validator>>);

impl PropertyChecks {
    fn accepts(&mut self, tool: &Tool, key: &str, value: &Value) -> bool {
        let entry = self
            .0
            .entry((tool.slug.clone(), key.to_owned()))
            .or_insert_with(|| {
                let schema = tool.settings_schema.get("properties")?.get(key)?;
                jsonschema::validator_for(schema).ok()
            });
        entry.as_ref().is_some_and(|v| v.is_valid(value))
    }
}

fn plan(l: &Legacy, catalog: &Catalog, report: &mut Report) -> Plan {
    let now = crate::auth::now_ms();
    let mut plan = Plan::default();

    // users
    let mut emails = HashSet::new();
    let mut users = HashSet::new();
    for r in &l.users {
        let t = report.table("users");
        let Some(id) = uuid_col(r, "id") else {
            t.skipped("id is not a UUID", col(r, "id").unwrap_or(""));
            continue;
        };
        let mut email = col(r, "email").unwrap_or("").trim().to_ascii_lowercase();
        if email.is_empty() || !emails.insert(email.clone()) {
            email = format!("legacy-{id}@legacy.invalid");
            emails.insert(email.clone());
        }
        t.kept();
        users.insert(id);
        plan.users.push((id, email));
    }

    // projects
    let mut slugs = HashSet::new();
    let (mut renamed_slugs, mut tools_projects) = (0, 0);
    let mut projects: HashMap<Uuid, Project> = HashMap::new();
    for r in &l.projects {
        let raw_id = col(r, "id").unwrap_or("");
        let Some(id) = uuid_col(r, "id") else {
            report.table("projects").skipped("id is not a UUID", raw_id);
            continue;
        };
        let Some(owner) = uuid_col(r, "user_id").filter(|u| users.contains(u)) else {
            report
                .table("projects")
                .skipped("owner (user) missing", raw_id);
            continue;
        };
        let name = col(r, "name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or("Untitled");
        let (slug, renamed) = unique_slug(col(r, "slug").unwrap_or(""), name, &mut slugs);
        renamed_slugs += u64::from(renamed);
        let metadata = match json_col(r, "metadata") {
            Some(Value::Object(m)) => m,
            _ => JsonObject::new(),
        };
        tools_projects += u64::from(metadata.get("isToolsProject") == Some(&Value::Bool(true)));
        let tags: Vec<String> = match json_col(r, "tags") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let created_at = col(r, "created_at")
            .and_then(parse_timestamp)
            .unwrap_or(now);
        let p = Project {
            id,
            user_id: Some(owner),
            name: name.chars().take(studio_core::limits::NAME_MAX).collect(),
            slug,
            description: col(r, "description").map(str::to_owned),
            original_image_id: uuid_col(r, "original_image_id"),
            status: match col(r, "status") {
                Some("archived") => ProjectStatus::Archived,
                _ => ProjectStatus::Active,
            },
            is_public: matches!(col(r, "is_public"), Some("1" | "true" | "t")),
            tags: if studio_core::model::project::check_tags(&tags).is_ok() {
                tags
            } else {
                Vec::new()
            },
            metadata,
            created_at,
            updated_at: col(r, "updated_at")
                .and_then(parse_timestamp)
                .unwrap_or(created_at),
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

    // chains
    let mut chains: HashMap<Uuid, RenderChain> = HashMap::new();
    for r in &l.chains {
        let raw_id = col(r, "id").unwrap_or("");
        let Some(id) = uuid_col(r, "id") else {
            report
                .table("render_chains")
                .skipped("id is not a UUID", raw_id);
            continue;
        };
        let Some(project) = uuid_col(r, "project_id").filter(|p| projects.contains_key(p)) else {
            report
                .table("render_chains")
                .skipped("project missing or skipped", raw_id);
            continue;
        };
        let created_at = col(r, "created_at")
            .and_then(parse_timestamp)
            .unwrap_or(now);
        let c = RenderChain {
            id,
            project_id: project,
            name: col(r, "name")
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or("Untitled")
                .chars()
                .take(studio_core::limits::NAME_MAX)
                .collect(),
            description: col(r, "description").map(str::to_owned),
            created_at,
            updated_at: col(r, "updated_at")
                .and_then(parse_timestamp)
                .unwrap_or(created_at),
        };
        report.table("render_chains").kept();
        chains.insert(id, c.clone());
        plan.chains.push(c);
    }

    // renders
    let mut checks = PropertyChecks::default();
    let (mut left_in_render, mut defaults_filled) = (0u64, 0u64);
    for r in &l.renders {
        let raw_id = col(r, "id").unwrap_or("");
        let t = "renders";
        let Some(id) = uuid_col(r, "id") else {
            report.table(t).skipped("id is not a UUID", raw_id);
            continue;
        };
        let Some(project) = uuid_col(r, "project_id").and_then(|p| projects.get(&p)) else {
            report
                .table(t)
                .skipped("project missing or skipped", raw_id);
            continue;
        };
        let Some(Value::Object(mut settings)) = json_col(r, "settings") else {
            report
                .table(t)
                .skipped("malformed settings (not a JSON object)", raw_id);
            continue;
        };
        let output_url = col(r, "output_url")
            .filter(|u| studio_core::validate::url("output_url", u).is_ok())
            .map(str::to_owned);
        let status = render_status(col(r, "status"), output_url.is_some());
        let kind = match col(r, "type")
            .map(|s| s.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("video") => RenderType::Video,
            _ => RenderType::Image,
        };
        let created_at = col(r, "created_at")
            .and_then(parse_timestamp)
            .unwrap_or(now);
        let updated_at = col(r, "updated_at")
            .and_then(parse_timestamp)
            .unwrap_or(created_at);
        let user = uuid_col(r, "user_id").filter(|u| users.contains(u));
        let chain_id = uuid_col(r, "chain_id");
        let position = col(r, "chain_position")
            .and_then(|p| p.trim().parse::<i64>().ok())
            .filter(|p| *p >= 0);
        let mut render = Render {
            id,
            project_id: project.id,
            user_id: user,
            kind,
            prompt: col(r, "prompt").unwrap_or("").to_owned(),
            settings: JsonObject::new(),
            chain_id: None,
            chain_position: None,
            output_url,
            status,
            created_at,
            updated_at,
        };
        // The execution a tool render moves to (none for a chat render).
        let moved = match settings.remove("imageType") {
            Some(image_type) => {
                let Some(tool) = image_type.as_str().and_then(|s| catalog.by_slug(s.trim())) else {
                    // The render keeps its imageType in the archive; no tool to move it to.
                    report.table(t).skipped("unknown imageType", raw_id);
                    continue;
                };
                // Settings the tool's schema knows (with a value it accepts) move to the
                // execution; the rest stay with the render.
                let mut input = JsonObject::new();
                for (k, v) in std::mem::take(&mut settings) {
                    if checks.accepts(tool, &k, &v) {
                        input.insert(k, v);
                    } else {
                        if tool
                            .settings_schema
                            .get("properties")
                            .and_then(|p| p.get(&k))
                            .is_some()
                        {
                            left_in_render += 1;
                        }
                        settings.insert(k, v);
                    }
                }
                let images: Vec<String> = settings
                    .remove("inputImageUrl")
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .into_iter()
                    .collect();
                let text = settings
                    .remove("userPrompt")
                    .and_then(|v| v.as_str().map(str::to_owned));
                // Required settings the legacy run lacked: the tool's defaults, recorded.
                let mut filled = Vec::new();
                if let Some(Value::Array(required)) = tool.settings_schema.get("required") {
                    for k in required.iter().filter_map(Value::as_str) {
                        if !input.contains_key(k) {
                            if let Some(d) = tool.default_settings.get(k) {
                                input.insert(k.to_owned(), d.clone());
                                filled.push(k.to_owned());
                            }
                        }
                    }
                }
                defaults_filled += u64::from(!filled.is_empty());
                let mut config = build::execution_config(tool, &images, text.as_deref(), &input);
                config.insert(
                    "migrated_from".into(),
                    json!({"render_id": id, "image_type": tool.slug, "chain_id": chain_id,
                           "chain_position": position, "defaults_filled": filled}),
                );
                render.settings = settings;
                Some(ToolExecution {
                    id: derived_id(id, "legacy-tool-execution"),
                    tool_id: tool.id,
                    project_id: project.id,
                    user_id: Some(user.or(project.user_id).unwrap_or_default()),
                    input_images: images,
                    input_text: text,
                    input_settings: input,
                    output_render_id: Some(id),
                    output_url: render.output_url.clone(),
                    output_key: None,
                    status: execution_status(status),
                    error_message: (status == RenderStatus::Failed)
                        .then(|| "failed before the migration".to_owned()),
                    processing_time: None,
                    credits_cost: None,
                    execution_config: config,
                    parent_execution_id: None,
                    created_at,
                    updated_at,
                })
            }
            None => {
                match chain_id {
                    Some(c) if chains.get(&c).is_some_and(|c| c.project_id == project.id) => {
                        render.chain_id = Some(c);
                        render.chain_position = position;
                    }
                    Some(_) => {
                        report
                            .table(t)
                            .skipped("chain missing or in another project", raw_id);
                        continue;
                    }
                    None => {}
                }
                render.settings = settings;
                None
            }
        };
        if let Err(e) = render.validate() {
            report
                .table(t)
                .skipped(&format!("invalid {}", field_of(&e)), raw_id);
            continue;
        }
        match moved {
            Some(execution) => {
                let slug = execution
                    .execution_config
                    .get("tool_slug")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                report.table(t).moved(&format!("tool_executions ({slug})"));
                plan.executions.push(execution);
            }
            None => report.table(t).kept(),
        }
        plan.renders.push(render);
    }
    if left_in_render > 0 {
        report.notes.push(format!("{left_in_render} tool settings values the tool's schema refuses stayed in their render's settings"));
    }
    if defaults_filled > 0 {
        report.notes.push(format!("{defaults_filled} executions lacked a required setting: the tool's default was used and recorded in execution_config.migrated_from.defaults_filled"));
    }

    // graphs
    let mut file_slugs: HashMap<Uuid, HashSet<String>> = HashMap::new();
    let (mut dropped_nodes, mut dropped_edges) = (0u64, 0u64);
    for r in &l.graphs {
        let raw_id = col(r, "id").unwrap_or("");
        let t = "canvas_graphs";
        let Some(id) = uuid_col(r, "id") else {
            report.table(t).skipped("id is not a UUID", raw_id);
            continue;
        };
        let Some(project) = uuid_col(r, "project_id").and_then(|p| projects.get(&p)) else {
            report
                .table(t)
                .skipped("orphan: project missing or skipped", raw_id);
            continue;
        };
        let Some(chain) = uuid_col(r, "chain_id").and_then(|c| chains.get(&c)) else {
            report
                .table(t)
                .skipped("orphan: chain missing or skipped", raw_id);
            continue;
        };
        if chain.project_id != project.id {
            report
                .table(t)
                .skipped("chain belongs to another project", raw_id);
            continue;
        }
        let (Some(Value::Array(nodes)), Some(Value::Array(edges))) =
            (json_col(r, "nodes"), json_col(r, "connections"))
        else {
            report
                .table(t)
                .skipped("malformed nodes or connections JSON", raw_id);
            continue;
        };
        let (nodes, edges, dn, de) = convert_graph(id, &nodes, &edges);
        dropped_nodes += dn;
        dropped_edges += de;
        let created_at = col(r, "created_at")
            .and_then(parse_timestamp)
            .unwrap_or(now);
        let updated_at = col(r, "updated_at")
            .and_then(parse_timestamp)
            .unwrap_or(created_at);
        let file_id = derived_id(id, "legacy-canvas-file");
        let taken = file_slugs.entry(project.id).or_default();
        let (slug, _) = unique_slug("", &chain.name, taken);
        let version = col(r, "version")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| *v >= 1)
            .unwrap_or(1);
        let viewport = json_col(r, "viewport")
            .and_then(|v| serde_json::from_value::<Viewport>(v).ok())
            .filter(|v| v.validate().is_ok())
            .unwrap_or_default();
        let mut metadata = Map::new();
        metadata.insert("legacy_graph_id".into(), json!(id));
        metadata.insert("legacy_chain_id".into(), json!(chain.id));
        let file = CanvasFile {
            id: file_id,
            project_id: project.id,
            user_id: uuid_col(r, "user_id")
                .filter(|u| users.contains(u))
                .or(project.user_id),
            name: chain.name.clone(),
            slug,
            description: None,
            thumbnail_url: None,
            version: 1,
            is_active: true,
            metadata,
            created_at,
            updated_at,
        };
        let graph = GraphRow {
            meta: GraphMeta {
                id: graph_id_for(file_id),
                file_id,
                project_id: project.id,
                viewport,
                version,
                created_at,
                updated_at,
            },
            nodes,
            edges,
        };
        report.table(t).moved("canvas_files + canvas_graphs");
        plan.files.push((file, graph));
    }
    if dropped_nodes + dropped_edges > 0 {
        report.notes.push(format!(
            "{dropped_nodes} graph nodes (no id or invalid values) and {dropped_edges} connections (to a missing node) could not be kept; they stay in legacy_canvas_graphs"
        ));
    }
    for name in TABLES {
        report.table(name);
    }
    plan
}

fn field_of(e: &studio_core::CoreError) -> String {
    match e {
        studio_core::CoreError::Validation { field, .. } => field.clone(),
        other => other.code().to_string(),
    }
}

/// Legacy React Flow nodes and edges (string ids, camelCase, extra UI fields) as core's
/// nodes and edges: ids derived from the graph and the legacy id, z keys in array order.
fn convert_graph(
    graph: Uuid,
    nodes: &[Value],
    edges: &[Value],
) -> (Vec<Node>, Vec<Edge>, u64, u64) {
    let legacy_id = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let map_id = |prefix: &str, legacy: &str| {
        Uuid::parse_str(legacy).unwrap_or_else(|_| derived_id(graph, &format!("{prefix}:{legacy}")))
    };
    let num = |v: Option<&Value>| v.and_then(Value::as_f64);
    let mut ids = HashMap::new();
    let mut out_nodes = Vec::new();
    let mut top: Option<String> = None;
    let mut dropped_nodes = 0;
    for n in nodes {
        let Some(lid) = n.get("id").and_then(legacy_id) else {
            dropped_nodes += 1;
            continue;
        };
        let id = map_id("node", &lid);
        if ids.values().any(|v| *v == id) {
            dropped_nodes += 1;
            continue;
        }
        let Ok(z) = zindex::key_after(top.as_deref()) else {
            dropped_nodes += 1;
            continue;
        };
        let node = Node {
            id,
            kind: n
                .get("type")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .unwrap_or("default")
                .chars()
                .take(studio_core::limits::LABEL_MAX)
                .collect(),
            position: Position {
                x: num(n.pointer("/position/x")).unwrap_or(0.0),
                y: num(n.pointer("/position/y")).unwrap_or(0.0),
            },
            data: n
                .get("data")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            z: z.clone(),
            width: num(n.get("width")),
            height: num(n.get("height")),
            parent_id: None,
            style: n.get("style").and_then(Value::as_object).cloned(),
            hidden: n.get("hidden").and_then(Value::as_bool).unwrap_or(false),
            locked: n
                .get("draggable")
                .and_then(Value::as_bool)
                .map(|d| !d)
                .unwrap_or(false),
        };
        if node.validate().is_err() {
            dropped_nodes += 1;
            continue;
        }
        top = Some(z);
        ids.insert(lid, id);
        out_nodes.push((
            node,
            n.get("parentNode")
                .or_else(|| n.get("parentId"))
                .and_then(legacy_id),
        ));
    }
    let nodes: Vec<Node> = out_nodes
        .into_iter()
        .map(|(mut node, parent)| {
            node.parent_id = parent
                .and_then(|p| ids.get(&p).copied())
                .filter(|p| *p != node.id);
            node
        })
        .collect();
    let mut out_edges = Vec::new();
    let mut edge_ids = HashSet::new();
    let mut dropped_edges = 0;
    for e in edges {
        let endpoints = (
            e.get("source")
                .and_then(legacy_id)
                .and_then(|s| ids.get(&s).copied()),
            e.get("target")
                .and_then(legacy_id)
                .and_then(|t| ids.get(&t).copied()),
        );
        let (Some(source), Some(target)) = endpoints else {
            dropped_edges += 1;
            continue;
        };
        let lid = e
            .get("id")
            .and_then(legacy_id)
            .unwrap_or_else(|| format!("{source}->{target}"));
        let id = map_id("edge", &lid);
        let text = |k: &str| {
            e.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let edge = Edge {
            id,
            source,
            target,
            source_handle: text("sourceHandle").or_else(|| text("source_handle")),
            target_handle: text("targetHandle").or_else(|| text("target_handle")),
            kind: text("type"),
            data: e.get("data").and_then(Value::as_object).cloned(),
        };
        if edge.validate().is_err() || !edge_ids.insert(id) {
            dropped_edges += 1;
            continue;
        }
        out_edges.push(edge);
    }
    (nodes, out_edges, dropped_nodes, dropped_edges)
}

// ---- writing ----

async fn write(db: &Db, plan: &Plan, report: &Report) -> DbResult<()> {
    let mut tx = db.write().await?;
    let now = crate::auth::now_ms();
    for (id, email) in &plan.users {
        tx.execute(
            Query::new("INSERT INTO users (id, email, created_at) VALUES ($1, $2, $3)")
                .bind(*id)
                .bind(email)
                .bind(now),
        )
        .await?;
    }
    let mut entries = Vec::new();
    let projects: HashMap<Id, &Project> = plan.projects.iter().map(|p| (p.id, p)).collect();
    let aud = |project_id: Id| projects.get(&project_id).map(|p| Audience::project(p));
    for p in &plan.projects {
        store::projects::insert(&mut tx, p).await?;
        entries.push(Entry::put(
            EntityKind::Project,
            p.id,
            Audience::project(p),
            None,
            p,
        ));
    }
    for c in &plan.chains {
        store::render::insert_chain(&mut tx, c).await?;
        if let Some(a) = aud(c.project_id) {
            entries.push(Entry::put(EntityKind::RenderChain, c.id, a, None, c));
        }
    }
    for r in &plan.renders {
        store::render::insert_render(&mut tx, r).await?;
        if let Some(a) = aud(r.project_id) {
            entries.push(Entry::put(EntityKind::Render, r.id, a, None, r));
        }
    }
    for e in &plan.executions {
        store::apps::insert_execution(&mut tx, e).await?;
        if let Some(a) = aud(e.project_id) {
            entries.push(Entry::put(EntityKind::ToolExecution, e.id, a, None, e));
        }
    }
    for (f, g) in &plan.files {
        store::canvas::insert_file(&mut tx, f).await?;
        store::canvas::insert_graph(&mut tx, &g.meta, f.user_id).await?;
        store::canvas::update_graph(&mut tx, &g.meta, &g.nodes, &g.edges).await?;
        let Some(a) = aud(f.project_id) else { continue };
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
    changelog::record(&mut tx, entries).await?;
    // Public projects' rows are everyone's: the entries above already say so.
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
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_legacy_timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01 00:00:01"), Some(1000));
        assert_eq!(
            parse_timestamp("2025-01-05T10:00:00.125+00:00"),
            Some(1_736_071_200_125)
        );
        assert_eq!(
            parse_timestamp("2025-01-05T12:00:00+02:00"),
            Some(1_736_071_200_000)
        );
        assert_eq!(
            parse_timestamp("2025-01-05 10:00:00.5"),
            Some(1_736_071_200_500)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2025-01-05T10:00:00+aé1"), None);
        assert_eq!(parse_timestamp("2025-01-05T10:00:00é"), None);
        assert_eq!(parse_timestamp("2025-13-05 10:00:00"), None);
    }

    #[test]
    fn converts_react_flow_graphs() {
        let g = Uuid::from_u128(7);
        let nodes = vec![
            json!({"id": "a", "type": "imageNode", "position": {"x": 1, "y": 2}, "data": {"k": 1}, "selected": true, "width": 10}),
            json!({"id": "b", "position": {"x": 3, "y": 4}, "parentNode": "a"}),
            json!({"type": "no-id"}),
            json!({"id": "c", "position": {"x": 1e12, "y": 0}}),
        ];
        let edges = vec![
            json!({"id": "e1", "source": "a", "target": "b", "sourceHandle": "out"}),
            json!({"id": "e2", "source": "a", "target": "zzz"}),
        ];
        let (n, e, dn, de) = convert_graph(g, &nodes, &edges);
        assert_eq!((n.len(), e.len(), dn, de), (2, 1, 2, 1));
        assert!(n[0].z < n[1].z);
        assert_eq!(n[1].parent_id, Some(n[0].id));
        assert_eq!(e[0].source_handle.as_deref(), Some("out"));
        assert_eq!((e[0].source, e[0].target), (n[0].id, n[1].id));
        // Stable: the same legacy graph gives the same ids.
        assert_eq!(convert_graph(g, &nodes, &edges).0[0].id, n[0].id);
    }
}
