use super::{enum_col, object_col};
use crate::db::{DbResult, Query, Row, Tx};
use studio_core::ids::Id;
use studio_core::model::{Render, RenderChain};

pub async fn get_chain(tx: &mut Tx, id: Id) -> DbResult<Option<RenderChain>> {
    let Some(r) = tx
        .fetch_optional(
            Query::new(
                "SELECT id, project_id, name, description, created_at, updated_at \
                 FROM render_chains WHERE id = $1",
            )
            .bind(id),
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(RenderChain {
        id: r.id("id")?,
        project_id: r.id("project_id")?,
        name: r.text("name")?,
        description: r.opt_text("description")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    }))
}

pub async fn insert_chain(tx: &mut Tx, c: &RenderChain) -> DbResult<()> {
    tx.execute(
        Query::new(
            "INSERT INTO render_chains (id, project_id, name, description, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.id)
        .bind(c.project_id)
        .bind(&c.name)
        .bind(c.description.clone())
        .bind(c.created_at)
        .bind(c.updated_at),
    )
    .await
    .map(drop)
}

/// The position after the last render of the chain.
pub async fn next_position(tx: &mut Tx, chain_id: Id) -> DbResult<i64> {
    let r = tx
        .fetch_one(
            Query::new(
                "SELECT COALESCE(MAX(chain_position) + 1, 0) AS next FROM renders WHERE chain_id = $1",
            )
            .bind(chain_id),
        )
        .await?;
    r.i64("next")
}

const RENDER_COLUMNS: &str = "id, project_id, user_id, type, prompt, settings, chain_id, \
    chain_position, output_url, status, created_at, updated_at";

fn render_from_row(r: &Row) -> DbResult<Render> {
    Ok(Render {
        id: r.id("id")?,
        project_id: r.id("project_id")?,
        user_id: r.opt_id("user_id")?,
        kind: enum_col(r, "type")?,
        prompt: r.text("prompt")?,
        settings: object_col(r, "settings")?,
        chain_id: r.opt_id("chain_id")?,
        chain_position: r.opt_i64("chain_position")?,
        output_url: r.opt_text("output_url")?,
        status: enum_col(r, "status")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub async fn get_render(tx: &mut Tx, id: Id) -> DbResult<Option<Render>> {
    tx.fetch_optional(
        Query::new(format!(
            "SELECT {RENDER_COLUMNS} FROM renders WHERE id = $1"
        ))
        .bind(id),
    )
    .await?
    .map(|r| render_from_row(&r))
    .transpose()
}

pub async fn insert_render(tx: &mut Tx, r: &Render) -> DbResult<()> {
    tx.execute(
        Query::new(format!(
            "INSERT INTO renders ({RENDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(r.id)
        .bind(r.project_id)
        .bind(r.user_id)
        .bind(r.kind.as_str())
        .bind(&r.prompt)
        .bind_json(&r.settings)
        .bind(r.chain_id)
        .bind(r.chain_position)
        .bind(r.output_url.clone())
        .bind(r.status.as_str())
        .bind(r.created_at)
        .bind(r.updated_at),
    )
    .await
    .map(drop)
}
