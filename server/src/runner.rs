//! The built-in tool runner: a deterministic stand-in for the AI model. It moves each
//! execution pending → processing → completed | failed (through core's
//! `ExecutionStatus::transition`), writes the output render, and logs every step so
//! clients see it by pull. An input text containing `[fail]` makes a run fail, so
//! failures are reproducible too.
//!
//! Several servers may share a database: each step re-reads the execution under the
//! write lock and only moves it if it is still where this runner left it.

use crate::apply::apps::execution_entry;
use crate::auth::now_ms;
use crate::changelog::{self, Audience, Entry};
use crate::db::{DbResult, Tx};
use crate::state::AppState;
use crate::store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use studio_core::ids::Id;
use studio_core::model::{
    ExecutionStatus, OutputType, Render, RenderStatus, RenderType, Tool, ToolExecution,
};
use studio_core::protocol::EntityKind;

pub const FAIL_MARKER: &str = "[fail]";

/// What a run produces: deterministic in the tool and the inputs.
pub struct Outcome {
    pub processing_time: i64,
    pub credits_cost: i64,
    pub error: Option<String>,
}

pub fn outcome(tool: &Tool, e: &ToolExecution) -> Outcome {
    let settings = tool.settings_with_defaults(&e.input_settings);
    let quality = match settings.get("quality").and_then(|v| v.as_str()) {
        Some("ultra") => 3,
        Some("high") => 2,
        _ => 1,
    };
    let video = tool.output_type == OutputType::Video;
    let images = e.input_images.len() as i64;
    if e.input_text
        .as_deref()
        .is_some_and(|t| t.contains(FAIL_MARKER))
    {
        return Outcome {
            processing_time: 1,
            credits_cost: 0,
            error: Some("the model could not process this input".into()),
        };
    }
    Outcome {
        processing_time: if video { 40 } else { 6 } + 2 * images + settings.len() as i64,
        credits_cost: if video { 10 } else { 2 } * quality + (images - 1).max(0),
        error: None,
    }
}

pub async fn run(state: AppState, delay: Duration) {
    let busy: Arc<Mutex<HashSet<Id>>> = Arc::default();
    loop {
        match store_unfinished(&state).await {
            Ok(ids) => {
                for id in ids {
                    let fresh = busy.lock().map(|mut b| b.insert(id)).unwrap_or(false);
                    if fresh {
                        let (state, busy) = (state.clone(), busy.clone());
                        tokio::spawn(async move {
                            if let Err(e) = drive(&state, id, delay).await {
                                tracing::error!("runner: execution {id}: {e}");
                            }
                            if let Ok(mut b) = busy.lock() {
                                b.remove(&id);
                            }
                        });
                    }
                }
            }
            Err(e) => tracing::error!("runner: {e}"),
        }
        // Woken by a push that created an execution; polls for other servers' ones.
        tokio::select! {
            _ = state.runner.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

async fn store_unfinished(state: &AppState) -> DbResult<Vec<Id>> {
    let mut tx = state.db.begin().await?;
    let ids = store::apps::unfinished_executions(&mut tx, 100).await?;
    tx.commit().await?;
    Ok(ids)
}

/// Moves one execution to its end, one logged step at a time.
async fn drive(state: &AppState, id: Id, delay: Duration) -> DbResult<()> {
    loop {
        tokio::time::sleep(delay).await;
        let mut tx = state.db.write().await?;
        let before = crate::live::seq_now(&mut tx).await?;
        let done = step(&mut tx, id).await?;
        tx.commit().await?;
        state.live.changed_since(&state.db, before, None).await;
        if done {
            return Ok(());
        }
    }
}

/// One step; true when the execution is final (or gone).
async fn step(tx: &mut Tx, id: Id) -> DbResult<bool> {
    let Some(mut e) = store::apps::get_execution(tx, id).await? else {
        return Ok(true);
    };
    let (Some(project), Some(tool)) = (
        store::projects::get(tx, e.project_id).await?,
        store::apps::get_tool(tx, e.tool_id).await?,
    ) else {
        return Ok(true);
    };
    let now = now_ms();
    let mut entries = Vec::new();
    match e.status {
        ExecutionStatus::Pending => {
            e.status = transition(e.status, ExecutionStatus::Processing)?;
        }
        ExecutionStatus::Processing => {
            let out = outcome(&tool, &e);
            e.processing_time = Some(out.processing_time);
            e.credits_cost = Some(out.credits_cost);
            if let Some(message) = out.error {
                e.status = transition(e.status, ExecutionStatus::Failed)?;
                e.error_message = Some(message);
            } else {
                e.status = transition(e.status, ExecutionStatus::Completed)?;
                let render = output_render(&e, &tool, now);
                store::render::insert_render(tx, &render).await?;
                e.output_render_id = Some(render.id);
                e.output_url = render.output_url.clone();
                e.output_key = render
                    .output_url
                    .as_deref()
                    .map(|u| u.trim_start_matches('/').to_owned());
                entries.push(Entry::put(
                    EntityKind::Render,
                    render.id,
                    Audience::project(&project),
                    None,
                    &render,
                ));
            }
        }
        ExecutionStatus::Completed | ExecutionStatus::Failed => return Ok(true),
    }
    e.updated_at = now;
    store::apps::update_execution_outcome(tx, &e).await?;
    entries.push(execution_entry(&e, &project));
    changelog::record(tx, entries).await?;
    Ok(e.status.is_final())
}

fn transition(from: ExecutionStatus, to: ExecutionStatus) -> DbResult<ExecutionStatus> {
    from.transition(to)
        .map_err(|e| crate::db::DbError::Invariant(e.to_string()))
}

fn output_render(e: &ToolExecution, tool: &Tool, now: i64) -> Render {
    let id = studio_core::ids::output_render_id(e.id);
    let (kind, ext) = match tool.output_type {
        OutputType::Image => (RenderType::Image, "png"),
        OutputType::Video => (RenderType::Video, "mp4"),
    };
    Render {
        id,
        project_id: e.project_id,
        user_id: e.user_id,
        kind,
        prompt: tool.system_prompt.clone(),
        // No tool data in renders: the execution points at its render, not back.
        settings: Default::default(),
        chain_id: None,
        chain_position: None,
        output_url: Some(format!("/outputs/{id}.{ext}")),
        status: RenderStatus::Completed,
        created_at: now,
        updated_at: now,
    }
}
