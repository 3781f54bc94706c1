//! `store.apps`: the tool catalog, executions and settings templates.

use super::inputs::{CreateExecutionInput, UpsertTemplateInput};
use super::{arg, id_arg, id_or_new, out, promise, Inner};
use crate::error::Failure;
use crate::idb::read;
use crate::idb::schema::v1;
use indexed_db_futures::KeyRange;
use std::rc::Rc;
use studio_core::model::{ExecutionStatus, Tool, ToolExecution, ToolSettingsTemplate};
use studio_core::protocol::mutation::{ById, ExecutionCreate, ExecutionReplay, TemplateUpsert};
use studio_core::protocol::Mutation;
use studio_core::{CoreError, Id};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Apps {
    inner: Rc<Inner>,
}

/// Newest first, the order a history shows.
fn newest_first(mut rows: Vec<ToolExecution>) -> Vec<ToolExecution> {
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    rows
}

async fn tool_by_slug(inner: &Inner, slug: &str) -> Result<Option<Tool>, Failure> {
    let only = KeyRange::Only(JsValue::from_str(slug));
    let tools: Vec<Tool> =
        read::rows_by(&inner.db()?, v1::TOOLS, Some(v1::BY_SLUG), Some(only)).await?;
    Ok(tools.into_iter().next())
}

/// A tool named by slug or id.
async fn resolve_tool(inner: &Inner, slug: Option<&str>, id: Option<Id>) -> Result<Tool, Failure> {
    let found = match (slug, id) {
        (Some(s), _) => tool_by_slug(inner, s).await?,
        (None, Some(id)) => read::row(&inner.db()?, v1::TOOLS, &id).await?,
        (None, None) => {
            return Err(Failure::validation(
                "toolSlug",
                "a tool slug or id is required",
            ))
        }
    };
    found.ok_or_else(|| {
        CoreError::not_found(
            "tool",
            slug.map_or_else(
                || id.map(|i| i.to_string()).unwrap_or_default(),
                str::to_owned,
            ),
        )
        .into()
    })
}

/// A tool argument that may be a slug or an id.
async fn tool_arg(inner: &Inner, value: JsValue) -> Result<Tool, Failure> {
    let text = value
        .as_string()
        .ok_or_else(|| Failure::validation("tool", "must be a tool slug or id"))?;
    match text.parse::<Id>() {
        Ok(id) => resolve_tool(inner, None, Some(id)).await,
        Err(_) => resolve_tool(inner, Some(&text), None).await,
    }
}

/// Executions through one index, newest first.
async fn executions_by(
    inner: &Inner,
    index: &str,
    range: KeyRange<JsValue>,
) -> Result<JsValue, Failure> {
    let rows = read::rows_by(&inner.db()?, v1::EXECUTIONS, Some(index), Some(range)).await?;
    out(&newest_first(rows))
}

async fn execution(inner: &Inner, id: &Id) -> Result<Option<ToolExecution>, Failure> {
    Ok(read::row(&inner.db()?, v1::EXECUTIONS, id).await?)
}

impl Apps {
    pub(crate) fn new(inner: Rc<Inner>) -> Self {
        Apps { inner }
    }
}

#[wasm_bindgen]
impl Apps {
    /// The tool catalog (built in, updated by sync).
    #[wasm_bindgen(unchecked_return_type = "Promise<Tool[]>")]
    pub fn tools(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let mut tools: Vec<Tool> = read::rows_by(&inner.db()?, v1::TOOLS, None, None).await?;
            tools.sort_by(|a, b| a.slug.cmp(&b.slug));
            out(&tools)
        })
    }

    #[wasm_bindgen(unchecked_return_type = "Promise<Tool | null>")]
    pub fn tool(&self, slug: String) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move { out(&tool_by_slug(&inner, &slug).await?) })
    }

    /// Creates a pending execution, checked against its tool (input type, settings
    /// schema); the server runs it and the result arrives by sync.
    #[wasm_bindgen(js_name = createExecution, unchecked_return_type = "Promise<ToolExecution>")]
    pub fn create_execution(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CreateExecutionInput")] input: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let i: CreateExecutionInput = arg("input", input)?;
            let tool = resolve_tool(&inner, i.tool_slug.as_deref(), i.tool_id).await?;
            let id = id_or_new(i.id);
            let m = Mutation::ExecutionCreate(ExecutionCreate {
                id,
                tool_id: tool.id,
                project_id: i.project_id,
                input_images: i.input_images,
                input_text: i.input_text,
                input_settings: i.input_settings,
                parent_execution_id: i.parent_execution_id,
            });
            inner.edit(&m).await?;
            out(&execution(&inner, &id).await?)
        })
    }

    /// Runs an execution's recorded config again, as a new child execution.
    #[wasm_bindgen(js_name = replayExecution, unchecked_return_type = "Promise<ToolExecution>")]
    pub fn replay_execution(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] source_id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let source = id_arg("sourceId", source_id)?;
            let id = studio_core::ids::new_id();
            inner
                .edit(&Mutation::ExecutionReplay(ExecutionReplay {
                    id,
                    source_execution_id: source,
                }))
                .await?;
            out(&execution(&inner, &id).await?)
        })
    }

    #[wasm_bindgen(js_name = getExecution, unchecked_return_type = "Promise<ToolExecution | null>")]
    pub fn get_execution(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg("id", id)?;
            out(&execution(&inner, &id).await?)
        })
    }

    /// A tool's executions, newest first (through the `(tool_id, created_at)` index).
    #[wasm_bindgen(js_name = executionsByTool, unchecked_return_type = "Promise<ToolExecution[]>")]
    pub fn executions_by_tool(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] tool: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let tool = tool_arg(&inner, tool).await?;
            let key = JsValue::from_str(&tool.id.to_string());
            executions_by(&inner, v1::BY_TOOL_TIME, read::starting_with(&key)).await
        })
    }

    #[wasm_bindgen(js_name = executionsByProject, unchecked_return_type = "Promise<ToolExecution[]>")]
    pub fn executions_by_project(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] project_id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let pid = id_arg("projectId", project_id)?;
            executions_by(&inner, v1::BY_PROJECT, read::only(&pid)).await
        })
    }

    #[wasm_bindgen(js_name = executionsByStatus, unchecked_return_type = "Promise<ToolExecution[]>")]
    pub fn executions_by_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ExecutionStatus")] status: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let status: ExecutionStatus = arg("status", status)?;
            executions_by(
                &inner,
                v1::BY_STATUS,
                KeyRange::Only(JsValue::from_str(status.as_str())),
            )
            .await
        })
    }

    /// Replays and variations of an execution (through the parent index).
    #[wasm_bindgen(unchecked_return_type = "Promise<ToolExecution[]>")]
    pub fn variations(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] parent_id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let pid = id_arg("parentId", parent_id)?;
            executions_by(&inner, v1::BY_PARENT, read::only(&pid)).await
        })
    }

    /// A tool's templates: global ones and the user's own.
    #[wasm_bindgen(js_name = templatesByTool, unchecked_return_type = "Promise<ToolSettingsTemplate[]>")]
    pub fn templates_by_tool(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] tool: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let tool = tool_arg(&inner, tool).await?;
            let mut templates: Vec<ToolSettingsTemplate> = read::rows_by(
                &inner.db()?,
                v1::TEMPLATES,
                Some(v1::BY_TOOL),
                Some(read::only(&tool.id)),
            )
            .await?;
            templates.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
            out(&templates)
        })
    }

    /// Creates or updates one of the user's templates (one default per tool).
    #[wasm_bindgen(js_name = upsertTemplate, unchecked_return_type = "Promise<ToolSettingsTemplate>")]
    pub fn upsert_template(
        &self,
        #[wasm_bindgen(unchecked_param_type = "UpsertTemplateInput")] input: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let i: UpsertTemplateInput = arg("input", input)?;
            let tool = resolve_tool(&inner, i.tool_slug.as_deref(), i.tool_id).await?;
            let id = id_or_new(i.id);
            inner
                .edit(&Mutation::TemplateUpsert(TemplateUpsert {
                    id,
                    tool_id: tool.id,
                    name: i.name,
                    settings: i.settings,
                    is_default: i.is_default,
                }))
                .await?;
            out(&read::row::<ToolSettingsTemplate>(&inner.db()?, v1::TEMPLATES, &id).await?)
        })
    }

    #[wasm_bindgen(js_name = deleteTemplate, unchecked_return_type = "Promise<void>")]
    pub fn delete_template(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue,
    ) -> js_sys::Promise {
        let inner = self.inner.clone();
        promise(async move {
            let id = id_arg("id", id)?;
            inner.edit(&Mutation::TemplateDelete(ById { id })).await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}
