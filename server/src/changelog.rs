//! The change log behind pull cursors.
//!
//! One row per entity, keyed by (entity, entity_id, scope_id): every write upserts it
//! with a fresh seq from the server-wide counter, so cursor 0 returns the current state
//! and the log never holds more rows than there are entities (tombstones included), plus
//! one revocation row per row of a project gone private (below). Each row keeps the
//! change's value JSON and who may read it (`owner_id`, `is_public`), so a pull is one
//! indexed range scan filtered by visibility, without joins.
//!
//! The scope is part of the key because node and edge ids are only unique inside their
//! file (one user may copy nodes between files, and anyone may reuse ids they read in a
//! public project): a node's row is its file's, and no edit elsewhere replaces it.
//! Everything else is its own scope, so for it the key is (entity, entity_id).
//!
//! Visibility flips: when a project goes private, its rows stop being public and each
//! row of it gets an extra *revocation* row (its tombstone, on its own platform,
//! readable by everyone but the owner), so non-owners drop all of it whatever platforms
//! they pull. When it goes public, the revocation rows go and all its rows get fresh
//! seqs, so readers whose cursor is already past them receive them.

use crate::db::{DbResult, Query, Tx};
use serde_json::{json, Value};
use studio_core::ids::Id;
use studio_core::model::Project;
use studio_core::protocol::{Change, EntityKind, Platform};

/// Who may read a log row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Audience {
    pub project_id: Option<Id>,
    /// `None`: everyone (tools, global templates).
    pub owner_id: Option<Id>,
    pub is_public: bool,
}

impl Audience {
    pub fn project(p: &Project) -> Audience {
        Audience {
            project_id: Some(p.id),
            owner_id: p.user_id,
            is_public: p.is_public,
        }
    }

    pub fn everyone() -> Audience {
        Audience {
            project_id: None,
            owner_id: None,
            is_public: true,
        }
    }

    pub fn user(user_id: Id) -> Audience {
        Audience {
            project_id: None,
            owner_id: Some(user_id),
            is_public: false,
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Entry {
    pub entity: EntityKind,
    pub id: Id,
    pub scope_id: Id,
    pub audience: Audience,
    /// The entity's own version where it has one; else the row's seq is used.
    pub version: Option<i64>,
    pub deleted: bool,
    pub value: Value,
}

impl Entry {
    pub fn put<T: serde::Serialize>(
        entity: EntityKind,
        id: Id,
        audience: Audience,
        version: Option<i64>,
        value: &T,
    ) -> Entry {
        Entry {
            entity,
            id,
            scope_id: id,
            audience,
            version,
            deleted: false,
            value: serde_json::to_value(value).unwrap_or(Value::Null),
        }
    }

    pub fn tombstone(
        entity: EntityKind,
        id: Id,
        audience: Audience,
        version: Option<i64>,
    ) -> Entry {
        Entry {
            entity,
            id,
            scope_id: id,
            audience,
            version,
            deleted: true,
            value: Value::Null,
        }
    }

    /// A node or an edge (`part` is "node" or "edge"), scoped to its file.
    pub fn graph_part<T: serde::Serialize>(
        entity: EntityKind,
        id: Id,
        file_id: Id,
        audience: Audience,
        version: i64,
        part: Option<(&str, &T)>,
    ) -> Entry {
        let (deleted, value) = match part {
            Some((key, v)) => (false, json!({ "file_id": file_id, key: v })),
            None => (true, json!({ "file_id": file_id })),
        };
        Entry {
            entity,
            id,
            scope_id: file_id,
            audience,
            version: Some(version),
            deleted,
            value,
        }
    }
}

/// Reserves `n` consecutive seqs; returns the first.
async fn alloc(tx: &mut Tx, n: i64) -> DbResult<i64> {
    let row = tx
        .fetch_one(Query::new("UPDATE seq_counter SET v = v + $1 WHERE id = 1 RETURNING v").bind(n))
        .await?;
    Ok(row.i64("v")? - n + 1)
}

const UPSERT_COLUMNS: &str = "INSERT INTO changes \
    (entity, entity_id, revocation, seq, platform, scope_id, project_id, owner_id, is_public, version, deleted, value) \
    VALUES ";

const UPSERT_SET: &str = " ON CONFLICT (entity, entity_id, scope_id, revocation) DO UPDATE SET \
    seq = excluded.seq, platform = excluded.platform, project_id = excluded.project_id, owner_id = excluded.owner_id, is_public = excluded.is_public, \
    version = excluded.version, deleted = excluded.deleted, value = excluded.value";

/// Rows per upsert statement (12 parameters each).
const UPSERT_CHUNK: usize = 200;

/// Records changes, in order, each with a fresh seq. A later entry for the same entity
/// (in the same scope) replaces an earlier one (one row per key; one statement cannot
/// upsert a key twice).
pub async fn record(tx: &mut Tx, entries: Vec<Entry>) -> DbResult<()> {
    let mut seen = std::collections::HashSet::new();
    let mut entries: Vec<Entry> = entries
        .into_iter()
        .rev()
        .filter(|e| seen.insert((e.entity, e.id, e.scope_id)))
        .collect();
    entries.reverse();
    if entries.is_empty() {
        return Ok(());
    }
    let first = alloc(tx, entries.len() as i64).await?;
    let mut seq = first;
    for chunk in entries.chunks(UPSERT_CHUNK) {
        let mut sql = String::from(UPSERT_COLUMNS);
        let mut q = Vec::with_capacity(chunk.len());
        for (i, e) in chunk.iter().enumerate() {
            let n = i * 12;
            sql.push_str(if i == 0 { "(" } else { ", (" });
            sql.push_str(
                &(1..=12)
                    .map(|k| format!("${}", n + k))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            sql.push(')');
            q.push((e, seq));
            seq += 1;
        }
        sql.push_str(UPSERT_SET);
        let mut query = Query::new(sql);
        for (e, seq) in q {
            let value = if e.value.is_null() {
                None
            } else {
                Some(e.value.clone())
            };
            query = query
                .bind(e.entity.as_str())
                .bind(e.id)
                .bind(false)
                .bind(seq)
                .bind(e.entity.platform().as_str())
                .bind(e.scope_id)
                .bind(e.audience.project_id)
                .bind(e.audience.owner_id)
                .bind(e.audience.is_public)
                .bind(e.version.unwrap_or(seq))
                .bind(e.deleted)
                .bind(value);
        }
        tx.execute(query).await?;
    }
    Ok(())
}

/// Gives every row matching `filter` (a constant SQL condition on `changes`, `$1` being
/// the project id) a fresh seq, keeping their order, and applies `set` to them.
async fn resequence(tx: &mut Tx, project_id: Id, filter: &str, set: &str) -> DbResult<()> {
    let count = tx
        .fetch_one(
            Query::new(format!("SELECT COUNT(*) AS n FROM changes WHERE {filter}"))
                .bind(project_id),
        )
        .await?
        .i64("n")?;
    if count == 0 {
        return Ok(());
    }
    let first = alloc(tx, count).await?;
    tx.execute(
        Query::new(format!(
            "UPDATE changes SET seq = $2 + r.n - 1{set} \
             FROM (SELECT entity AS r_entity, entity_id AS r_id, scope_id AS r_scope, \
                   revocation AS r_rev, ROW_NUMBER() OVER (ORDER BY seq) AS n \
                   FROM changes WHERE {filter}) r \
             WHERE changes.entity = r.r_entity AND changes.entity_id = r.r_id \
               AND changes.scope_id = r.r_scope AND changes.revocation = r.r_rev"
        ))
        .bind(project_id)
        .bind(first),
    )
    .await?;
    Ok(())
}

/// A project became public: readers who never saw it (or dropped it) get all of it.
pub async fn project_went_public(tx: &mut Tx, project_id: Id) -> DbResult<()> {
    tx.execute(
        Query::new("DELETE FROM changes WHERE project_id = $1 AND revocation = TRUE")
            .bind(project_id),
    )
    .await?;
    resequence(
        tx,
        project_id,
        "project_id = $1 AND revocation = FALSE",
        ", is_public = TRUE",
    )
    .await
}

/// Rows of a project that get a revocation tombstone when it goes private: all but its
/// nodes and edges, which readers drop with their file's tombstone (as on deletion).
const REVOKED_ROWS: &str = "project_id = $1 AND revocation = FALSE \
    AND entity NOT IN ('canvas_node', 'canvas_edge')";

/// A project became private: its rows are the owner's only, and everyone else gets, on
/// every platform, a tombstone for each of its rows (the project, files, graphs,
/// executions, chains, renders) — deleted ones too, whose own tombstones they can no
/// longer read. These revocation rows go when the project is public again.
pub async fn project_went_private(tx: &mut Tx, project_id: Id, owner_id: Id) -> DbResult<()> {
    tx.execute(
        Query::new("UPDATE changes SET is_public = FALSE WHERE project_id = $1").bind(project_id),
    )
    .await?;
    let count = tx
        .fetch_one(
            Query::new(format!(
                "SELECT COUNT(*) AS n FROM changes WHERE {REVOKED_ROWS}"
            ))
            .bind(project_id),
        )
        .await?
        .i64("n")?;
    if count == 0 {
        return Ok(());
    }
    let first = alloc(tx, count).await?;
    // Their seqs follow the rows' order; the version of a revocation is its seq.
    tx.execute(
        Query::new(format!(
            "INSERT INTO changes (entity, entity_id, revocation, seq, platform, scope_id, \
                 project_id, owner_id, is_public, version, deleted, value) \
             SELECT entity, entity_id, TRUE, $2 + n - 1, platform, scope_id, project_id, $3, \
                 FALSE, $2 + n - 1, TRUE, NULL \
             FROM (SELECT entity, entity_id, platform, scope_id, project_id, \
                       ROW_NUMBER() OVER (ORDER BY seq) AS n \
                   FROM changes WHERE {REVOKED_ROWS}) r"
        ))
        .bind(project_id)
        .bind(first)
        .bind(owner_id),
    )
    .await?;
    Ok(())
}

/// A project was deleted (its rows went by FK cascade): every row under it becomes a
/// tombstone, except nodes and edges, which clients drop with their file.
pub async fn project_deleted(tx: &mut Tx, project_id: Id) -> DbResult<()> {
    tx.execute(
        Query::new(
            "DELETE FROM changes WHERE project_id = $1 AND entity IN ('canvas_node', 'canvas_edge')",
        )
        .bind(project_id),
    )
    .await?;
    resequence(
        tx,
        project_id,
        "project_id = $1 AND revocation = FALSE",
        ", deleted = TRUE, value = NULL",
    )
    .await
}

/// A file was deleted: its nodes' and edges' rows go; the caller records the file's and
/// the graph's tombstones.
pub async fn file_parts_deleted(tx: &mut Tx, file_id: Id) -> DbResult<()> {
    tx.execute(
        Query::new(
            "DELETE FROM changes WHERE scope_id = $1 AND entity IN ('canvas_node', 'canvas_edge')",
        )
        .bind(file_id),
    )
    .await?;
    Ok(())
}

pub struct Page {
    pub changes: Vec<Change>,
    pub cursor: u64,
    pub has_more: bool,
}

/// The changes of one platform after `cursor` that `user` may read, in seq order.
pub async fn pull(
    tx: &mut Tx,
    platform: Platform,
    user: Id,
    cursor: u64,
    limit: u32,
) -> DbResult<Page> {
    let cursor_i = i64::try_from(cursor).unwrap_or(i64::MAX);
    let rows = tx
        .fetch_all(
            Query::new(
                "SELECT seq, entity, entity_id, version, deleted, value FROM changes \
                 WHERE platform = $1 AND seq > $2 \
                   AND ((revocation = FALSE AND (owner_id IS NULL OR owner_id = $3 OR is_public = TRUE)) \
                        OR (revocation = TRUE AND owner_id <> $3)) \
                 ORDER BY seq LIMIT $4",
            )
            .bind(platform.as_str())
            .bind(cursor_i)
            .bind(user)
            .bind(i64::from(limit) + 1),
        )
        .await?;
    let has_more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    let mut last = cursor;
    for row in rows.into_iter().take(limit as usize) {
        let entity_name = row.text("entity")?;
        let entity = EntityKind::parse(&entity_name)
            .ok_or_else(|| crate::db::DbError::Decode(format!("unknown entity {entity_name}")))?;
        last = u64::try_from(row.i64("seq")?).unwrap_or(last);
        changes.push(Change {
            entity,
            id: row.id("entity_id")?,
            version: row.i64("version")?,
            deleted: row.bool("deleted")?,
            value: row.opt_json("value")?.unwrap_or(Value::Null),
        });
    }
    Ok(Page {
        changes,
        cursor: last,
        has_more,
    })
}
