//! Entity rows from mutation args: one implementation for the client's optimistic
//! edits, the server and the simulation. Checks against other rows (ownership, slug
//! uniqueness, the tool) stay with the caller, which alone can see those rows.

use crate::error::{CoreError, Result};
use crate::ids::{graph_id_for, Id, Millis};
use crate::json::JsonObject;
use crate::model::{
    CanvasFile, ExecutionStatus, GraphMeta, Project, ProjectStatus, Render, RenderChain,
    RenderStatus, Tool, ToolExecution, ToolSettingsTemplate, Viewport,
};
use crate::protocol::mutation::{
    ChainCreate, ExecutionCreate, FileCreate, FileUpdate, ProjectCreate, ProjectUpdate,
    RenderCreate, TemplateUpsert,
};
use serde_json::{json, Value};

/// Who applies a mutation, and when. The client does not know its user id until the
/// server has confirmed something, hence the option.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ctx {
    pub user_id: Option<Id>,
    pub now: Millis,
}

pub fn new_project(a: &ProjectCreate, slug: String, ctx: Ctx) -> Project {
    Project {
        id: a.id,
        user_id: ctx.user_id,
        name: a.name.clone(),
        slug,
        description: a.description.clone(),
        original_image_id: a.original_image_id,
        status: ProjectStatus::Active,
        is_public: a.is_public,
        tags: a.tags.clone(),
        metadata: a.metadata.clone(),
        created_at: ctx.now,
        updated_at: ctx.now,
    }
}

/// Applies an update. A new slug must have been checked free by the caller.
pub fn update_project(p: &mut Project, a: &ProjectUpdate, now: Millis) {
    if let Some(v) = &a.name {
        p.name.clone_from(v);
    }
    if let Some(v) = &a.slug {
        p.slug.clone_from(v);
    }
    if let Some(v) = &a.description {
        p.description.clone_from(v);
    }
    if let Some(v) = a.is_public {
        p.is_public = v;
    }
    if let Some(v) = &a.tags {
        p.tags.clone_from(v);
    }
    if let Some(v) = &a.metadata {
        p.metadata.clone_from(v);
    }
    if let Some(v) = a.status {
        p.status = v;
    }
    if let Some(v) = a.original_image_id {
        p.original_image_id = v;
    }
    p.updated_at = now;
}

/// A file and its graph, created together.
pub fn new_file(a: &FileCreate, slug: String, ctx: Ctx) -> (CanvasFile, GraphMeta) {
    let file = CanvasFile {
        id: a.id,
        project_id: a.project_id,
        user_id: ctx.user_id,
        name: a.name.clone(),
        slug,
        description: a.description.clone(),
        thumbnail_url: None,
        version: 1,
        is_active: true,
        metadata: a.metadata.clone(),
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    let graph = GraphMeta {
        id: graph_id_for(a.id),
        file_id: a.id,
        project_id: a.project_id,
        viewport: Viewport::default(),
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    (file, graph)
}

/// Applies an update; renaming keeps the slug. A new slug must have been checked free.
pub fn update_file(f: &mut CanvasFile, a: &FileUpdate, now: Millis) {
    if let Some(v) = &a.name {
        f.name.clone_from(v);
    }
    if let Some(v) = &a.slug {
        f.slug.clone_from(v);
    }
    if let Some(v) = &a.description {
        f.description.clone_from(v);
    }
    if let Some(v) = &a.thumbnail_url {
        f.thumbnail_url.clone_from(v);
    }
    if let Some(v) = a.is_active {
        f.is_active = v;
    }
    if let Some(v) = &a.metadata {
        f.metadata.clone_from(v);
    }
    f.version += 1;
    f.updated_at = now;
}

/// A pending execution of `tool`, with the inputs checked against the tool's input type
/// and settings schema, and a config complete enough to replay it.
pub fn new_execution(a: &ExecutionCreate, tool: &Tool, ctx: Ctx) -> Result<ToolExecution> {
    if a.tool_id != tool.id {
        return Err(CoreError::validation("tool_id", "does not match the tool"));
    }
    tool.check_available("tool_id")?;
    tool.check_inputs(&a.input_images, a.input_text.as_deref())?;
    tool.check_settings(&a.input_settings)?;
    Ok(ToolExecution {
        id: a.id,
        tool_id: tool.id,
        project_id: a.project_id,
        user_id: ctx.user_id,
        input_images: a.input_images.clone(),
        input_text: a.input_text.clone(),
        input_settings: a.input_settings.clone(),
        output_render_id: None,
        output_url: None,
        output_key: None,
        status: ExecutionStatus::Pending,
        error_message: None,
        processing_time: None,
        credits_cost: None,
        execution_config: execution_config(
            tool,
            &a.input_images,
            a.input_text.as_deref(),
            &a.input_settings,
        ),
        parent_execution_id: a.parent_execution_id,
        created_at: ctx.now,
        updated_at: ctx.now,
    })
}

/// Everything a run depends on: the tool as it was, the merged settings and the inputs.
pub fn execution_config(
    tool: &Tool,
    images: &[String],
    text: Option<&str>,
    settings: &JsonObject,
) -> JsonObject {
    let config = json!({
        "tool_id": tool.id,
        "tool_slug": tool.slug,
        "tool_version": tool.metadata.get("tool_version").cloned().unwrap_or(Value::from(1)),
        "system_prompt": tool.system_prompt,
        "input_type": tool.input_type,
        "output_type": tool.output_type,
        "input_images": images,
        "input_text": text,
        "settings": tool.settings_with_defaults(settings),
    });
    match config {
        Value::Object(map) => map,
        _ => JsonObject::new(),
    }
}

/// A replay: a new pending child execution running the source's recorded config.
pub fn replay_execution(source: &ToolExecution, id: Id, ctx: Ctx) -> ToolExecution {
    let config = &source.execution_config;
    let images = config
        .get("input_images")
        .and_then(|v| serde_json::from_value::<Vec<String>>(v.clone()).ok())
        .unwrap_or_else(|| source.input_images.clone());
    let text = match config.get("input_text") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => None,
        None => source.input_text.clone(),
    };
    let settings = match config.get("settings") {
        Some(Value::Object(s)) => s.clone(),
        _ => source.input_settings.clone(),
    };
    ToolExecution {
        id,
        tool_id: source.tool_id,
        project_id: source.project_id,
        user_id: ctx.user_id,
        input_images: images,
        input_text: text,
        input_settings: settings,
        output_render_id: None,
        output_url: None,
        output_key: None,
        status: ExecutionStatus::Pending,
        error_message: None,
        processing_time: None,
        credits_cost: None,
        execution_config: source.execution_config.clone(),
        parent_execution_id: Some(source.id),
        created_at: ctx.now,
        updated_at: ctx.now,
    }
}

/// A user's template, new or updated. Global templates come from the server only.
pub fn upsert_template(
    existing: Option<&ToolSettingsTemplate>,
    a: &TemplateUpsert,
    tool: &Tool,
    ctx: Ctx,
) -> Result<ToolSettingsTemplate> {
    if a.tool_id != tool.id {
        return Err(CoreError::validation("tool_id", "does not match the tool"));
    }
    if let Some(e) = existing {
        if e.tool_id != a.tool_id {
            return Err(CoreError::validation(
                "tool_id",
                "a template cannot move to another tool",
            ));
        }
    }
    tool.check_settings(&a.settings)?;
    Ok(ToolSettingsTemplate {
        id: a.id,
        tool_id: a.tool_id,
        user_id: existing.map_or(ctx.user_id, |e| e.user_id),
        name: a.name.clone(),
        settings: a.settings.clone(),
        is_default: a.is_default,
        created_at: existing.map_or(ctx.now, |e| e.created_at),
        updated_at: ctx.now,
    })
}

pub fn new_chain(a: &ChainCreate, ctx: Ctx) -> RenderChain {
    RenderChain {
        id: a.id,
        project_id: a.project_id,
        name: a.name.clone(),
        description: a.description.clone(),
        created_at: ctx.now,
        updated_at: ctx.now,
    }
}

/// A chat render at the end of its chain.
pub fn new_render(a: &RenderCreate, chain_position: i64, ctx: Ctx) -> Render {
    Render {
        id: a.id,
        project_id: a.project_id,
        user_id: ctx.user_id,
        kind: a.kind,
        prompt: a.prompt.clone(),
        settings: a.settings.clone(),
        chain_id: Some(a.chain_id),
        chain_position: Some(chain_position),
        output_url: None,
        status: RenderStatus::Pending,
        created_at: ctx.now,
        updated_at: ctx.now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;

    fn exec(
        tool: &Tool,
        images: &[&str],
        text: Option<&str>,
        settings: Value,
    ) -> Result<ToolExecution> {
        let a = ExecutionCreate {
            id: Id::from_u128(1),
            tool_id: tool.id,
            project_id: Id::from_u128(2),
            input_images: images.iter().map(|s| s.to_string()).collect(),
            input_text: text.map(str::to_owned),
            input_settings: serde_json::from_value(settings).unwrap(),
            parent_execution_id: None,
        };
        new_execution(
            &a,
            tool,
            Ctx {
                user_id: None,
                now: 5,
            },
        )
    }

    #[test]
    fn executions_follow_their_tool() {
        let c = catalog::builtin().unwrap();
        let plan = c.by_slug("render-to-floor-plan").unwrap();
        let e = exec(
            plan,
            &["https://x/a.png"],
            None,
            json!({"floorPlanType": "2d-colored"}),
        )
        .unwrap();
        assert_eq!(e.status, ExecutionStatus::Pending);
        assert_eq!(
            e.execution_config["settings"]["scale"], "1:100",
            "defaults merged"
        );
        assert_eq!(e.execution_config["tool_slug"], "render-to-floor-plan");

        assert!(exec(plan, &[], None, json!({"floorPlanType": "2d-lines"})).is_err());
        assert!(exec(
            plan,
            &["a", "b"],
            None,
            json!({"floorPlanType": "2d-lines"})
        )
        .is_err());
        assert!(exec(
            plan,
            &["a"],
            Some("text"),
            json!({"floorPlanType": "2d-lines"})
        )
        .is_err());
        assert!(exec(plan, &["a"], None, json!({"floorPlanType": "3d"})).is_err());
        assert!(
            exec(plan, &["a"], None, json!({})).is_err(),
            "required setting"
        );

        let sketch = c.by_slug("sketch-to-render").unwrap();
        assert!(exec(sketch, &["a"], None, json!({})).is_err(), "needs text");
        assert!(exec(sketch, &["a"], Some("a timber house"), json!({})).is_ok());

        let mut offline = plan.clone();
        offline.status = crate::model::ToolStatus::Offline;
        let err = exec(&offline, &["a"], None, json!({"floorPlanType": "2d-lines"})).unwrap_err();
        assert!(err.to_string().contains("offline"), "{err}");

        let multi = c.by_slug("style-transfer").unwrap();
        assert!(exec(multi, &["a"], None, json!({})).is_err());
        assert!(exec(multi, &["a", "b", "c"], None, json!({})).is_ok());
    }

    #[test]
    fn a_replay_is_a_child_with_the_same_config() {
        let c = catalog::builtin().unwrap();
        let plan = c.by_slug("render-to-floor-plan").unwrap();
        let e = exec(
            plan,
            &["https://x/a.png"],
            None,
            json!({"floorPlanType": "2d-colored"}),
        )
        .unwrap();
        let r = replay_execution(
            &e,
            Id::from_u128(9),
            Ctx {
                user_id: None,
                now: 6,
            },
        );
        assert_eq!(r.parent_execution_id, Some(e.id));
        assert_eq!(r.execution_config, e.execution_config);
        assert_eq!(r.input_images, e.input_images);
        assert_eq!(r.input_settings["floorPlanType"], "2d-colored");
        assert_eq!(r.status, ExecutionStatus::Pending);
    }
}
