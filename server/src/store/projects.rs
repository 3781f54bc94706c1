use super::{enum_col, object_col};
use crate::db::{DbResult, Query, Row, Tx};
use std::collections::HashSet;
use studio_core::ids::Id;
use studio_core::model::Project;

const COLUMNS: &str =
    "id, user_id, name, slug, description, original_image_id, status, is_public, \
                       tags, metadata, created_at, updated_at";

fn from_row(r: &Row) -> DbResult<Project> {
    Ok(Project {
        id: r.id("id")?,
        user_id: r.opt_id("user_id")?,
        name: r.text("name")?,
        slug: r.text("slug")?,
        description: r.opt_text("description")?,
        original_image_id: r.opt_id("original_image_id")?,
        status: enum_col(r, "status")?,
        is_public: r.bool("is_public")?,
        tags: r.json_as("tags")?,
        metadata: object_col(r, "metadata")?,
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
    })
}

pub async fn get(tx: &mut Tx, id: Id) -> DbResult<Option<Project>> {
    tx.fetch_optional(Query::new(format!("SELECT {COLUMNS} FROM projects WHERE id = $1")).bind(id))
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub async fn insert(tx: &mut Tx, p: &Project) -> DbResult<()> {
    tx.execute(
        Query::new(format!(
            "INSERT INTO projects ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(p.id)
        .bind(p.user_id)
        .bind(&p.name)
        .bind(&p.slug)
        .bind(p.description.clone())
        .bind(p.original_image_id)
        .bind(p.status.as_str())
        .bind(p.is_public)
        .bind_json(&p.tags)
        .bind_json(&p.metadata)
        .bind(p.created_at)
        .bind(p.updated_at),
    )
    .await
    .map(drop)
}

pub async fn update(tx: &mut Tx, p: &Project) -> DbResult<()> {
    tx.execute(
        Query::new(
            "UPDATE projects SET name = $2, slug = $3, description = $4, original_image_id = $5, \
             status = $6, is_public = $7, tags = $8, metadata = $9, updated_at = $10 WHERE id = $1",
        )
        .bind(p.id)
        .bind(&p.name)
        .bind(&p.slug)
        .bind(p.description.clone())
        .bind(p.original_image_id)
        .bind(p.status.as_str())
        .bind(p.is_public)
        .bind_json(&p.tags)
        .bind_json(&p.metadata)
        .bind(p.updated_at),
    )
    .await
    .map(drop)
}

pub async fn delete(tx: &mut Tx, id: Id) -> DbResult<()> {
    tx.execute(Query::new("DELETE FROM projects WHERE id = $1").bind(id))
        .await
        .map(drop)
}

/// Whether one of `owner`'s projects has this slug: slugs are unique per owner, so
/// nobody learns from a slug that someone else has a (private) project of that name.
pub async fn slug_taken(tx: &mut Tx, owner: Id, slug: &str) -> DbResult<bool> {
    Ok(tx
        .fetch_optional(
            Query::new("SELECT 1 AS one FROM projects WHERE user_id = $1 AND slug = $2")
                .bind(owner)
                .bind(slug),
        )
        .await?
        .is_some())
}

/// `owner`'s slugs starting with `prefix`: the candidates `slug::unique` may try.
pub async fn slugs_with_prefix(tx: &mut Tx, owner: Id, prefix: &str) -> DbResult<HashSet<String>> {
    let rows = tx
        .fetch_all(
            Query::new("SELECT slug FROM projects WHERE user_id = $1 AND slug LIKE $2")
                .bind(owner)
                .bind(format!("{prefix}%")),
        )
        .await?;
    rows.iter().map(|r| r.text("slug")).collect()
}
