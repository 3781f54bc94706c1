use super::object_col;
use crate::db::{DbResult, Query, Row, Tx};
use std::collections::HashSet;
use studio_core::ids::Id;
use studio_core::model::{CanvasFile, Edge, GraphMeta, Node, Viewport};

const FILE_COLUMNS: &str =
    "id, project_id, user_id, name, slug, description, thumbnail_url, version, \
                            is_active, metadata, created_at, updated_at";

fn file_from_row(r: &Row) -> DbResult<CanvasFile> {
    Ok(CanvasFile {
        id: r.id("id")?,
        project_id: r.id("project_id")?,
        user_id: r.opt_id("user_id")?,
        name: r.text("name")?,
        slug: r.text("slug")?,
        description: r.opt_text("description")?,
        thumbnail_url: r.opt_text("thumbnail_url")?,
        version: r.i64("version")?,
        is_active: r.bool("is_active")?,
        metadata: object_col(r, "metadata")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub async fn get_file(tx: &mut Tx, id: Id) -> DbResult<Option<CanvasFile>> {
    tx.fetch_optional(
        Query::new(format!(
            "SELECT {FILE_COLUMNS} FROM canvas_files WHERE id = $1"
        ))
        .bind(id),
    )
    .await?
    .map(|r| file_from_row(&r))
    .transpose()
}

pub async fn insert_file(tx: &mut Tx, f: &CanvasFile) -> DbResult<()> {
    tx.execute(
        Query::new(format!(
            "INSERT INTO canvas_files ({FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(f.id)
        .bind(f.project_id)
        .bind(f.user_id)
        .bind(&f.name)
        .bind(&f.slug)
        .bind(f.description.clone())
        .bind(f.thumbnail_url.clone())
        .bind(f.version)
        .bind(f.is_active)
        .bind_json(&f.metadata)
        .bind(f.created_at)
        .bind(f.updated_at),
    )
    .await
    .map(drop)
}

pub async fn update_file(tx: &mut Tx, f: &CanvasFile) -> DbResult<()> {
    tx.execute(
        Query::new(
            "UPDATE canvas_files SET name = $2, slug = $3, description = $4, thumbnail_url = $5, \
             version = $6, is_active = $7, metadata = $8, updated_at = $9 WHERE id = $1",
        )
        .bind(f.id)
        .bind(&f.name)
        .bind(&f.slug)
        .bind(f.description.clone())
        .bind(f.thumbnail_url.clone())
        .bind(f.version)
        .bind(f.is_active)
        .bind_json(&f.metadata)
        .bind(f.updated_at),
    )
    .await
    .map(drop)
}

pub async fn delete_file(tx: &mut Tx, id: Id) -> DbResult<()> {
    tx.execute(Query::new("DELETE FROM canvas_files WHERE id = $1").bind(id))
        .await
        .map(drop)
}

pub async fn file_slug_taken(tx: &mut Tx, project_id: Id, slug: &str) -> DbResult<bool> {
    Ok(tx
        .fetch_optional(
            Query::new("SELECT 1 AS one FROM canvas_files WHERE project_id = $1 AND slug = $2")
                .bind(project_id)
                .bind(slug),
        )
        .await?
        .is_some())
}

pub async fn file_slugs_with_prefix(
    tx: &mut Tx,
    project_id: Id,
    prefix: &str,
) -> DbResult<HashSet<String>> {
    let rows = tx
        .fetch_all(
            Query::new("SELECT slug FROM canvas_files WHERE project_id = $1 AND slug LIKE $2")
                .bind(project_id)
                .bind(format!("{prefix}%")),
        )
        .await?;
    rows.iter().map(|r| r.text("slug")).collect()
}

/// A whole graph: its meta, nodes in draw order and connections (what the legacy
/// migration writes).
pub struct GraphRow {
    pub meta: GraphMeta,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

pub async fn get_graph_by_file(tx: &mut Tx, file_id: Id) -> DbResult<Option<GraphMeta>> {
    let Some(r) = tx
        .fetch_optional(
            Query::new(
                "SELECT id, file_id, project_id, viewport, version, created_at, updated_at \
                 FROM canvas_graphs WHERE file_id = $1",
            )
            .bind(file_id),
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(GraphMeta {
        id: r.id("id")?,
        file_id: r.id("file_id")?,
        project_id: r.id("project_id")?,
        viewport: r.json_as::<Viewport>("viewport")?,
        version: r.i64("version")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    }))
}

/// A graph's meta row; its nodes and edges are rows of their own (`store::graph`).
pub async fn insert_graph(tx: &mut Tx, g: &GraphMeta, user_id: Option<Id>) -> DbResult<()> {
    tx.execute(
        Query::new(
            "INSERT INTO canvas_graphs (id, file_id, project_id, user_id, viewport, version, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(g.id)
        .bind(g.file_id)
        .bind(g.project_id)
        .bind(user_id)
        .bind_json(&g.viewport)
        .bind(g.version)
        .bind(g.created_at)
        .bind(g.updated_at),
    )
    .await
    .map(drop)
}

pub async fn update_graph_meta(tx: &mut Tx, meta: &GraphMeta) -> DbResult<()> {
    tx.execute(
        Query::new(
            "UPDATE canvas_graphs SET viewport = $2, version = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(meta.id)
        .bind_json(&meta.viewport)
        .bind(meta.version)
        .bind(meta.updated_at),
    )
    .await
    .map(drop)
}
