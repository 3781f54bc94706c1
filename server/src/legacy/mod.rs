//! The seed's legacy layout and its in-place migration to the target layout.

pub mod fixture;
pub mod migrate;
mod plan;
mod read;
pub mod report;
mod write;

use crate::db::{Backend, Db, DbResult, Query};

/// Whether a table exists (in the current schema on PostgreSQL).
pub async fn table_exists(db: &Db, name: &str) -> DbResult<bool> {
    let q = match db.backend() {
        Backend::Sqlite => {
            Query::new("SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1")
        }
        Backend::Postgres => Query::new(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = $1",
        ),
    };
    Ok(db.fetch_optional(q.bind(name)).await?.is_some())
}

/// Whether a table has a column.
pub async fn column_exists(db: &Db, table: &str, column: &str) -> DbResult<bool> {
    let q = match db.backend() {
        Backend::Sqlite => Query::new("SELECT name FROM pragma_table_info($1) WHERE name = $2"),
        Backend::Postgres => Query::new(
            "SELECT column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
        ),
    };
    Ok(db
        .fetch_optional(q.bind(table).bind(column))
        .await?
        .is_some())
}

/// A database still in the legacy layout: `canvas_graphs` keyed by `chain_id`.
pub async fn is_unmigrated_legacy(db: &Db) -> DbResult<bool> {
    column_exists(db, "canvas_graphs", "chain_id").await
}

/// Whether `serve` must refuse this database: legacy data not (fully) migrated yet.
pub async fn needs_migration(db: &Db) -> DbResult<bool> {
    migrate::needs_migration(db).await
}
