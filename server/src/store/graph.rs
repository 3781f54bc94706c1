//! A graph's nodes and edges, a row each (`canvas_nodes`, `canvas_edges`, keyed by
//! `(file_id, id)`): an op batch reads the rows core's `row_needs` names and writes
//! back the rows it changed, so one edit costs a few indexed reads and writes however
//! big the file is. The seed's whole-graph arrays stay readable in the
//! `canvas_graphs_json` view.

use crate::db::{DbResult, Query, Tx};
use std::collections::BTreeMap;
use studio_core::graph::rows::RowNeeds;
use studio_core::graph::{ApplyReport, GraphDoc};
use studio_core::ids::Id;
use studio_core::model::{Edge, Node, Viewport};

/// Ids per `IN (…)` list and rows per multi-row insert: far below SQLite's and
/// PostgreSQL's parameter limits, big enough that a 10,000-node upload is a few dozen
/// statements.
const IDS_PER_QUERY: usize = 500;
const ROWS_PER_INSERT: usize = 200;

/// `$from, $from+1, …` for `n` parameters.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A query on one file's rows with an id list bound after the file: `$1` is the file,
/// `{ids}` in `sql` becomes `$2, $3, …`.
fn with_ids(sql: &str, file_id: Id, ids: &[Id]) -> Query {
    let q = Query::new(sql.replace("{ids}", &placeholders(2, ids.len()))).bind(file_id);
    ids.iter().fold(q, |q, id| q.bind(*id))
}

/// The `body` of every row that `sql` finds for `ids`, an `IN` list at a time.
async fn rows_where<T: serde::de::DeserializeOwned>(
    tx: &mut Tx,
    sql: &str,
    file_id: Id,
    ids: &[Id],
) -> DbResult<Vec<T>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        for r in tx.fetch_all(with_ids(sql, file_id, chunk)).await? {
            found.push(r.json_as::<T>("body")?);
        }
    }
    Ok(found)
}

const NODES_BY_ID: &str = "SELECT body FROM canvas_nodes WHERE file_id = $1 AND id IN ({ids})";
const EDGES_BY_ID: &str = "SELECT body FROM canvas_edges WHERE file_id = $1 AND id IN ({ids})";
/// The nodes and their stored `parent_id` chains (UNION stops at a loop).
const NODES_AND_ANCESTORS: &str = "WITH RECURSIVE chain(id) AS ( \
       SELECT id FROM canvas_nodes WHERE file_id = $1 AND id IN ({ids}) \
       UNION SELECT n.parent_id FROM canvas_nodes n JOIN chain c ON n.id = c.id \
       WHERE n.file_id = $1 AND n.parent_id IS NOT NULL) \
     SELECT n.body FROM canvas_nodes n JOIN chain c ON n.id = c.id WHERE n.file_id = $1";
/// The nodes and every node whose stored `parent_id` chain reaches one of them.
const NODES_AND_DESCENDANTS: &str = "WITH RECURSIVE sub(id) AS ( \
       SELECT id FROM canvas_nodes WHERE file_id = $1 AND id IN ({ids}) \
       UNION SELECT n.id FROM canvas_nodes n JOIN sub s ON n.parent_id = s.id \
       WHERE n.file_id = $1) \
     SELECT n.body FROM canvas_nodes n JOIN sub s ON n.id = s.id WHERE n.file_id = $1";
const EDGES_OF_NODES: &str = "SELECT body FROM canvas_edges WHERE file_id = $1 \
     AND (source IN ({ids}) OR target IN ({ids}))";

/// The highest z key in the graph: where `node.add` without one goes.
async fn top_z(tx: &mut Tx, file_id: Id) -> DbResult<Option<String>> {
    let r = tx
        .fetch_one(
            Query::new("SELECT MAX(z) AS top FROM canvas_nodes WHERE file_id = $1").bind(file_id),
        )
        .await?;
    r.opt_text("top")
}

fn ids(set: &std::collections::BTreeSet<Id>) -> Vec<Id> {
    set.iter().copied().collect()
}

/// The part of a file's graph that a batch with these needs reads.
pub async fn load(
    tx: &mut Tx,
    file_id: Id,
    needs: &RowNeeds,
    viewport: Viewport,
) -> DbResult<GraphDoc> {
    let mut nodes: BTreeMap<Id, Node> = BTreeMap::new();
    let mut found: Vec<Node> = rows_where(tx, NODES_BY_ID, file_id, &ids(&needs.nodes)).await?;
    if !needs.ancestors_of.is_empty() {
        let sql = NODES_AND_ANCESTORS;
        found.extend(rows_where::<Node>(tx, sql, file_id, &ids(&needs.ancestors_of)).await?);
    }
    if !needs.descendants_of.is_empty() {
        let sql = NODES_AND_DESCENDANTS;
        found.extend(rows_where::<Node>(tx, sql, file_id, &ids(&needs.descendants_of)).await?);
    }
    nodes.extend(found.into_iter().map(|n| (n.id, n)));

    let mut edges: BTreeMap<Id, Edge> = BTreeMap::new();
    let mut found: Vec<Edge> = rows_where(tx, EDGES_BY_ID, file_id, &ids(&needs.edges)).await?;
    if needs.edges_of_loaded_nodes && !nodes.is_empty() {
        let loaded: Vec<Id> = nodes.keys().copied().collect();
        found.extend(rows_where::<Edge>(tx, EDGES_OF_NODES, file_id, &loaded).await?);
    }
    edges.extend(found.into_iter().map(|e| (e.id, e)));

    Ok(GraphDoc {
        nodes,
        edges,
        viewport,
        top_z: top_z(tx, file_id).await?,
    })
}

/// Writes back what a batch changed (`report`) from the doc it was applied to.
pub async fn write(tx: &mut Tx, file_id: Id, doc: &GraphDoc, report: &ApplyReport) -> DbResult<()> {
    let removed_nodes: Vec<Id> = report.nodes_removed.iter().copied().collect();
    let removed_edges: Vec<Id> = report.edges_removed.iter().copied().collect();
    // Edges first: nothing ever points at a removed node, even inside the transaction.
    delete(tx, "canvas_edges", file_id, &removed_edges).await?;
    delete(tx, "canvas_nodes", file_id, &removed_nodes).await?;
    let put_nodes: Vec<&Node> = report
        .nodes_put
        .iter()
        .filter_map(|i| doc.nodes.get(i))
        .collect();
    let put_edges: Vec<&Edge> = report
        .edges_put
        .iter()
        .filter_map(|i| doc.edges.get(i))
        .collect();
    self::put_nodes(tx, file_id, &put_nodes).await?;
    self::put_edges(tx, file_id, &put_edges).await
}

async fn delete(tx: &mut Tx, table: &str, file_id: Id, ids: &[Id]) -> DbResult<()> {
    let sql = format!("DELETE FROM {table} WHERE file_id = $1 AND id IN ({{ids}})");
    for chunk in ids.chunks(IDS_PER_QUERY) {
        tx.execute(with_ids(&sql, file_id, chunk)).await?;
    }
    Ok(())
}

/// `($1, $2, …, $k), ($1, $k+1, …)`: rows of `cols` parameters after the shared file id.
fn value_rows(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("($1, {})", placeholders(2 + r * cols, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts or replaces rows of `table` (keyed by `(file_id, id)`), many per statement;
/// `bind` adds one row's values, one per column of `columns` (`id` first).
async fn upsert<T: ?Sized>(
    tx: &mut Tx,
    file_id: Id,
    table: &str,
    columns: &[&str],
    rows: &[&T],
    bind: impl Fn(Query, &T) -> Query,
) -> DbResult<()> {
    let set = columns[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO {table} (file_id, {}) VALUES {} ON CONFLICT (file_id, id) DO UPDATE SET {set}",
            columns.join(", "),
            value_rows(chunk.len(), columns.len())
        );
        let q = chunk
            .iter()
            .fold(Query::new(sql).bind(file_id), |q, r| bind(q, r));
        tx.execute(q).await?;
    }
    Ok(())
}

/// Inserts or replaces nodes, many rows per statement.
pub async fn put_nodes(tx: &mut Tx, file_id: Id, nodes: &[&Node]) -> DbResult<()> {
    let columns = ["id", "z", "parent_id", "body"];
    upsert(tx, file_id, "canvas_nodes", &columns, nodes, |q, n| {
        q.bind(n.id).bind(&n.z).bind(n.parent_id).bind_json(n)
    })
    .await
}

/// Inserts or replaces edges, many rows per statement.
pub async fn put_edges(tx: &mut Tx, file_id: Id, edges: &[&Edge]) -> DbResult<()> {
    let columns = ["id", "source", "target", "body"];
    upsert(tx, file_id, "canvas_edges", &columns, edges, |q, e| {
        q.bind(e.id).bind(e.source).bind(e.target).bind_json(e)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_after_the_file() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        assert_eq!(value_rows(2, 2), "($1, $2, $3), ($1, $4, $5)");
        let q = with_ids(NODES_BY_ID, Id::nil(), &[Id::nil(), Id::max()]);
        assert!(format!("{q:?}").contains("id IN ($2, $3)"));
    }
}
