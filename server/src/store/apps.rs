use super::{enum_col, object_col};
use crate::db::{DbResult, Query, Row, Tx};
use studio_core::ids::Id;
use studio_core::model::{Tool, ToolExecution, ToolSettingsTemplate};

// ---- tools ----

const TOOL_COLUMNS: &str = "id, slug, name, description, category, system_prompt, input_type, \
    output_type, icon, color, priority, status, settings_schema, default_settings, metadata, \
    created_at, updated_at";

fn tool_from_row(r: &Row) -> DbResult<Tool> {
    Ok(Tool {
        id: r.id("id")?,
        slug: r.text("slug")?,
        name: r.text("name")?,
        description: r.opt_text("description")?,
        category: r.text("category")?,
        system_prompt: r.text("system_prompt")?,
        input_type: enum_col(r, "input_type")?,
        output_type: enum_col(r, "output_type")?,
        icon: r.opt_text("icon")?,
        color: r.opt_text("color")?,
        priority: enum_col(r, "priority")?,
        status: enum_col(r, "status")?,
        settings_schema: object_col(r, "settings_schema")?,
        default_settings: object_col(r, "default_settings")?,
        metadata: object_col(r, "metadata")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub async fn get_tool(tx: &mut Tx, id: Id) -> DbResult<Option<Tool>> {
    tx.fetch_optional(
        Query::new(format!("SELECT {TOOL_COLUMNS} FROM tools WHERE id = $1")).bind(id),
    )
    .await?
    .map(|r| tool_from_row(&r))
    .transpose()
}

/// The catalog version a tool row came from, if the tool is there.
pub async fn tool_catalog_version(tx: &mut Tx, slug: &str) -> DbResult<Option<i64>> {
    tx.fetch_optional(Query::new("SELECT catalog_version FROM tools WHERE slug = $1").bind(slug))
        .await?
        .map(|r| r.i64("catalog_version"))
        .transpose()
}

pub async fn upsert_tool(tx: &mut Tx, t: &Tool, catalog_version: i64) -> DbResult<()> {
    tx.execute(
        Query::new(format!(
            "INSERT INTO tools ({TOOL_COLUMNS}, catalog_version) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
             ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, name = excluded.name, \
             description = excluded.description, category = excluded.category, \
             system_prompt = excluded.system_prompt, input_type = excluded.input_type, \
             output_type = excluded.output_type, icon = excluded.icon, color = excluded.color, \
             priority = excluded.priority, status = excluded.status, \
             settings_schema = excluded.settings_schema, default_settings = excluded.default_settings, \
             metadata = excluded.metadata, updated_at = excluded.updated_at, \
             catalog_version = excluded.catalog_version"
        ))
        .bind(t.id)
        .bind(&t.slug)
        .bind(&t.name)
        .bind(t.description.clone())
        .bind(&t.category)
        .bind(&t.system_prompt)
        .bind(t.input_type.as_str())
        .bind(t.output_type.as_str())
        .bind(t.icon.clone())
        .bind(t.color.clone())
        .bind(t.priority.as_str())
        .bind(t.status.as_str())
        .bind_json(&t.settings_schema)
        .bind_json(&t.default_settings)
        .bind_json(&t.metadata)
        .bind(t.created_at)
        .bind(t.updated_at)
        .bind(catalog_version),
    )
    .await
    .map(drop)
}

// ---- executions ----

const EXECUTION_COLUMNS: &str = "id, tool_id, project_id, user_id, input_images, input_text, \
    input_settings, output_render_id, output_url, output_key, status, error_message, \
    processing_time, credits_cost, execution_config, parent_execution_id, created_at, updated_at";

fn execution_from_row(r: &Row) -> DbResult<ToolExecution> {
    Ok(ToolExecution {
        id: r.id("id")?,
        tool_id: r.id("tool_id")?,
        project_id: r.id("project_id")?,
        user_id: r.opt_id("user_id")?,
        input_images: r.json_as("input_images")?,
        input_text: r.opt_text("input_text")?,
        input_settings: object_col(r, "input_settings")?,
        output_render_id: r.opt_id("output_render_id")?,
        output_url: r.opt_text("output_url")?,
        output_key: r.opt_text("output_key")?,
        status: enum_col(r, "status")?,
        error_message: r.opt_text("error_message")?,
        processing_time: r.opt_i64("processing_time")?,
        credits_cost: r.opt_i64("credits_cost")?,
        execution_config: object_col(r, "execution_config")?,
        parent_execution_id: r.opt_id("parent_execution_id")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub async fn get_execution(tx: &mut Tx, id: Id) -> DbResult<Option<ToolExecution>> {
    tx.fetch_optional(
        Query::new(format!(
            "SELECT {EXECUTION_COLUMNS} FROM tool_executions WHERE id = $1"
        ))
        .bind(id),
    )
    .await?
    .map(|r| execution_from_row(&r))
    .transpose()
}

/// Executions the runner has to move on, oldest first.
pub async fn unfinished_executions(tx: &mut Tx, limit: i64) -> DbResult<Vec<Id>> {
    tx.fetch_all(
        Query::new(
            "SELECT id FROM tool_executions WHERE status IN ('pending', 'processing') \
             ORDER BY created_at, id LIMIT $1",
        )
        .bind(limit),
    )
    .await?
    .iter()
    .map(|r| r.id("id"))
    .collect()
}

pub async fn insert_execution(tx: &mut Tx, e: &ToolExecution) -> DbResult<()> {
    tx.execute(
        Query::new(format!(
            "INSERT INTO tool_executions ({EXECUTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
        ))
        .bind(e.id)
        .bind(e.tool_id)
        .bind(e.project_id)
        .bind(e.user_id)
        .bind_json(&e.input_images)
        .bind(e.input_text.clone())
        .bind_json(&e.input_settings)
        .bind(e.output_render_id)
        .bind(e.output_url.clone())
        .bind(e.output_key.clone())
        .bind(e.status.as_str())
        .bind(e.error_message.clone())
        .bind(e.processing_time)
        .bind(e.credits_cost)
        .bind_json(&e.execution_config)
        .bind(e.parent_execution_id)
        .bind(e.created_at)
        .bind(e.updated_at),
    )
    .await
    .map(drop)
}

/// Detaches the variations living outside `project_id` from their parents inside it,
/// before the project goes: what `ON DELETE SET NULL` would do unlogged, done here so
/// their change rows can follow. Returns the detached executions as they are now.
pub async fn detach_children_of_project(
    tx: &mut Tx,
    project_id: Id,
    now: i64,
) -> DbResult<Vec<ToolExecution>> {
    let outside = "project_id <> $1 AND parent_execution_id IN \
        (SELECT id FROM tool_executions WHERE project_id = $1)";
    let ids: Vec<Id> = tx
        .fetch_all(
            Query::new(format!("SELECT id FROM tool_executions WHERE {outside}")).bind(project_id),
        )
        .await?
        .iter()
        .map(|r| r.id("id"))
        .collect::<DbResult<_>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    tx.execute(
        Query::new(format!(
            "UPDATE tool_executions SET parent_execution_id = NULL, updated_at = $2 WHERE {outside}"
        ))
        .bind(project_id)
        .bind(now),
    )
    .await?;
    let mut detached = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(e) = get_execution(tx, id).await? {
            detached.push(e);
        }
    }
    Ok(detached)
}

/// Writes what the runner changes: status and outputs.
pub async fn update_execution_outcome(tx: &mut Tx, e: &ToolExecution) -> DbResult<()> {
    tx.execute(
        Query::new(
            "UPDATE tool_executions SET status = $2, output_render_id = $3, output_url = $4, \
             output_key = $5, error_message = $6, processing_time = $7, credits_cost = $8, \
             updated_at = $9 WHERE id = $1",
        )
        .bind(e.id)
        .bind(e.status.as_str())
        .bind(e.output_render_id)
        .bind(e.output_url.clone())
        .bind(e.output_key.clone())
        .bind(e.error_message.clone())
        .bind(e.processing_time)
        .bind(e.credits_cost)
        .bind(e.updated_at),
    )
    .await
    .map(drop)
}

// ---- templates ----

const TEMPLATE_COLUMNS: &str =
    "id, tool_id, user_id, name, settings, is_default, created_at, updated_at";

fn template_from_row(r: &Row) -> DbResult<ToolSettingsTemplate> {
    Ok(ToolSettingsTemplate {
        id: r.id("id")?,
        tool_id: r.id("tool_id")?,
        user_id: r.opt_id("user_id")?,
        name: r.text("name")?,
        settings: object_col(r, "settings")?,
        is_default: r.bool("is_default")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub async fn get_template(tx: &mut Tx, id: Id) -> DbResult<Option<ToolSettingsTemplate>> {
    tx.fetch_optional(
        Query::new(format!(
            "SELECT {TEMPLATE_COLUMNS} FROM tool_settings_templates WHERE id = $1"
        ))
        .bind(id),
    )
    .await?
    .map(|r| template_from_row(&r))
    .transpose()
}

/// The other defaults of this tool and user (global when `user_id` is `None`).
pub async fn other_defaults(
    tx: &mut Tx,
    tool_id: Id,
    user_id: Option<Id>,
    except: Id,
) -> DbResult<Vec<ToolSettingsTemplate>> {
    let sql = if user_id.is_some() {
        "user_id = $2"
    } else {
        "user_id IS NULL AND $2 IS NULL"
    };
    tx.fetch_all(
        Query::new(format!(
            "SELECT {TEMPLATE_COLUMNS} FROM tool_settings_templates \
             WHERE tool_id = $1 AND {sql} AND is_default = TRUE AND id <> $3"
        ))
        .bind(tool_id)
        .bind(user_id)
        .bind(except),
    )
    .await?
    .iter()
    .map(template_from_row)
    .collect()
}

pub async fn upsert_template(tx: &mut Tx, t: &ToolSettingsTemplate) -> DbResult<()> {
    tx.execute(
        Query::new(format!(
            "INSERT INTO tool_settings_templates ({TEMPLATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, settings = excluded.settings, \
             is_default = excluded.is_default, updated_at = excluded.updated_at"
        ))
        .bind(t.id)
        .bind(t.tool_id)
        .bind(t.user_id)
        .bind(&t.name)
        .bind_json(&t.settings)
        .bind(t.is_default)
        .bind(t.created_at)
        .bind(t.updated_at),
    )
    .await
    .map(drop)
}

pub async fn delete_template(tx: &mut Tx, id: Id) -> DbResult<()> {
    tx.execute(Query::new("DELETE FROM tool_settings_templates WHERE id = $1").bind(id))
        .await
        .map(drop)
}
