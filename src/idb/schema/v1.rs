//! Version 1: the stores and indexes for every query of DESIGN.md.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::Transaction;
use indexed_db_futures::KeyPath;

pub const PROJECTS: &str = "projects";
pub const FILES: &str = "canvas_files";
/// Graph meta rows, keyed by their file (a file has exactly one graph).
pub const GRAPHS: &str = "canvas_graphs";
/// Nodes and edges, in buckets keyed `[file_id, "n"|"e", bucket]`.
pub const BUCKETS: &str = "graph_buckets";
pub const TOOLS: &str = "tools";
pub const EXECUTIONS: &str = "tool_executions";
pub const TEMPLATES: &str = "tool_settings_templates";
pub const CHAINS: &str = "render_chains";
pub const RENDERS: &str = "renders";
/// Pending mutations, keyed by seq.
pub const OUTBOX: &str = "outbox";
/// Confirmed values of units a pending mutation touched, keyed by unit key.
pub const BASES: &str = "bases";
/// Sync bookkeeping and the store's own settings, keyed by name.
pub const META: &str = "meta";

pub const BY_SLUG: &str = "slug";
pub const BY_PROJECT: &str = "project_id";
pub const BY_PROJECT_SLUG: &str = "project_slug";
pub const BY_TOOL_TIME: &str = "tool_created";
pub const BY_STATUS: &str = "status";
pub const BY_PARENT: &str = "parent_execution_id";
pub const BY_TOOL: &str = "tool_id";
pub const BY_CHAIN_POSITION: &str = "chain_position";

pub fn create(tx: &Transaction<'_>) -> indexed_db_futures::Result<()> {
    let db = tx.db();
    let id = || KeyPath::One("id");

    let projects = db
        .create_object_store(PROJECTS)
        .with_key_path(id())
        .build()?;
    projects
        .create_index(BY_SLUG, KeyPath::One("slug"))
        .build()?;

    let files = db.create_object_store(FILES).with_key_path(id()).build()?;
    files
        .create_index(BY_PROJECT, KeyPath::One("project_id"))
        .build()?;
    files
        .create_index(
            BY_PROJECT_SLUG,
            KeyPath::Sequence(["project_id", "slug"].into_iter().collect()),
        )
        .build()?;

    db.create_object_store(GRAPHS)
        .with_key_path(KeyPath::One("file_id"))
        .build()?;
    db.create_object_store(BUCKETS)
        .with_key_path(KeyPath::Sequence(
            ["file_id", "kind", "bucket"].into_iter().collect(),
        ))
        .build()?;

    let tools = db.create_object_store(TOOLS).with_key_path(id()).build()?;
    tools
        .create_index(BY_SLUG, KeyPath::One("slug"))
        .with_unique(true)
        .build()?;

    let executions = db
        .create_object_store(EXECUTIONS)
        .with_key_path(id())
        .build()?;
    executions
        .create_index(
            BY_TOOL_TIME,
            KeyPath::Sequence(["tool_id", "created_at"].into_iter().collect()),
        )
        .build()?;
    executions
        .create_index(BY_PROJECT, KeyPath::One("project_id"))
        .build()?;
    executions
        .create_index(BY_STATUS, KeyPath::One("status"))
        .build()?;
    executions
        .create_index(BY_PARENT, KeyPath::One("parent_execution_id"))
        .build()?;

    let templates = db
        .create_object_store(TEMPLATES)
        .with_key_path(id())
        .build()?;
    templates
        .create_index(BY_TOOL, KeyPath::One("tool_id"))
        .build()?;

    let chains = db.create_object_store(CHAINS).with_key_path(id()).build()?;
    chains
        .create_index(BY_PROJECT, KeyPath::One("project_id"))
        .build()?;

    let renders = db
        .create_object_store(RENDERS)
        .with_key_path(id())
        .build()?;
    renders
        .create_index(
            BY_CHAIN_POSITION,
            KeyPath::Sequence(["chain_id", "chain_position"].into_iter().collect()),
        )
        .build()?;

    db.create_object_store(OUTBOX)
        .with_key_path(KeyPath::One("seq"))
        .build()?;
    db.create_object_store(BASES).build()?;
    db.create_object_store(META).build()?;
    Ok(())
}
