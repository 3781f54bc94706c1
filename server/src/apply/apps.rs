//! execution.create | replay, template.upsert | delete

use super::{ensure_new, owns_project, writable_project, Ctx};
use crate::changelog::{self, Audience, Entry};
use crate::db::Tx;
use crate::error::{forbidden, not_found, validation, ApplyResult};
use crate::store;
use studio_core::build;
use studio_core::ids::Id;
use studio_core::model::{Project, ToolExecution, ToolSettingsTemplate};
use studio_core::protocol::mutation::{ExecutionCreate, ExecutionReplay, TemplateUpsert};
use studio_core::protocol::EntityKind;

pub fn execution_entry(e: &ToolExecution, p: &Project) -> Entry {
    Entry::put(
        EntityKind::ToolExecution,
        e.id,
        Audience::project(p),
        None,
        e,
    )
}

pub fn template_entry(t: &ToolSettingsTemplate) -> Entry {
    let aud = match t.user_id {
        Some(u) => Audience::user(u),
        None => Audience::everyone(),
    };
    Entry::put(EntityKind::ToolSettingsTemplate, t.id, aud, None, t)
}

pub async fn create_execution(tx: &mut Tx, ctx: &Ctx<'_>, a: ExecutionCreate) -> ApplyResult<()> {
    let p = writable_project(tx, ctx.user, a.project_id, "project", a.project_id).await?;
    ensure_new(
        store::apps::get_execution(tx, a.id).await?.is_some(),
        "tool_execution",
        a.id,
    )?;
    let Some(tool) = store::apps::get_tool(tx, a.tool_id).await? else {
        return Err(not_found("tool", a.tool_id));
    };
    if let Some(parent_id) = a.parent_execution_id {
        // A variation varies one of its user's own executions, of the same tool. Another
        // user's — a public one too — answers exactly like an unknown id: nobody links
        // their rows to rows whose life someone else controls.
        let parent = match store::apps::get_execution(tx, parent_id).await? {
            Some(e) if owns_project(tx, ctx.user, e.project_id).await? => e,
            _ => return Err(not_found("tool_execution", parent_id)),
        };
        if parent.tool_id != a.tool_id {
            return Err(validation(
                "parent_execution_id",
                "a variation runs the same tool as its parent",
            ));
        }
    }
    let e = build::new_execution(&a, &tool, ctx.build())?;
    // The client's validator covers a subset of JSON Schema; this is the full check.
    ctx.settings
        .check(&tool, "input_settings", &e.input_settings)?;
    store::apps::insert_execution(tx, &e).await?;
    changelog::record(tx, vec![execution_entry(&e, &p)]).await?;
    Ok(())
}

pub async fn replay_execution(tx: &mut Tx, ctx: &Ctx<'_>, a: ExecutionReplay) -> ApplyResult<()> {
    let Some(source) = store::apps::get_execution(tx, a.source_execution_id).await? else {
        return Err(not_found("tool_execution", a.source_execution_id));
    };
    // The child lands in the source's project, so the caller must own that project.
    let p = writable_project(
        tx,
        ctx.user,
        source.project_id,
        "tool_execution",
        a.source_execution_id,
    )
    .await?;
    ensure_new(
        store::apps::get_execution(tx, a.id).await?.is_some(),
        "tool_execution",
        a.id,
    )?;
    if let Some(t) = store::apps::get_tool(tx, source.tool_id).await? {
        t.check_available("source_execution_id")?;
    }
    let e = build::replay_execution(&source, a.id, ctx.build());
    store::apps::insert_execution(tx, &e).await?;
    changelog::record(tx, vec![execution_entry(&e, &p)]).await?;
    Ok(())
}

pub async fn upsert_template(tx: &mut Tx, ctx: &Ctx<'_>, a: TemplateUpsert) -> ApplyResult<()> {
    let existing = store::apps::get_template(tx, a.id).await?;
    if let Some(t) = &existing {
        match t.user_id {
            None => return Err(forbidden("global templates are read-only")),
            Some(u) if u != ctx.user => return Err(not_found("tool_settings_template", a.id)),
            Some(_) => {}
        }
    }
    let Some(tool) = store::apps::get_tool(tx, a.tool_id).await? else {
        return Err(not_found("tool", a.tool_id));
    };
    let t = build::upsert_template(existing.as_ref(), &a, &tool, ctx.build())?;
    t.validate()?;
    ctx.settings.check(&tool, "settings", &t.settings)?;
    let mut entries = Vec::new();
    if t.is_default {
        // One default per tool and user: this one takes over.
        for mut other in store::apps::other_defaults(tx, t.tool_id, t.user_id, t.id).await? {
            other.is_default = false;
            other.updated_at = ctx.now;
            store::apps::upsert_template(tx, &other).await?;
            entries.push(template_entry(&other));
        }
    }
    store::apps::upsert_template(tx, &t).await?;
    entries.push(template_entry(&t));
    changelog::record(tx, entries).await?;
    Ok(())
}

pub async fn delete_template(tx: &mut Tx, ctx: &Ctx<'_>, id: Id) -> ApplyResult<()> {
    let Some(t) = store::apps::get_template(tx, id).await? else {
        return Err(not_found("tool_settings_template", id));
    };
    match t.user_id {
        None => return Err(forbidden("global templates are read-only")),
        Some(u) if u != ctx.user => return Err(not_found("tool_settings_template", id)),
        Some(_) => {}
    }
    store::apps::delete_template(tx, id).await?;
    changelog::record(
        tx,
        vec![Entry::tombstone(
            EntityKind::ToolSettingsTemplate,
            id,
            Audience::user(ctx.user),
            None,
        )],
    )
    .await?;
    Ok(())
}
