//! Reads for the JS surface, in readonly transactions: rows by id, by index, whole
//! graphs. Every query an index can answer goes through that index.

use super::codec::decode;
use super::schema::v1;
use crate::error::{idb, StoreError};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyRange;
use js_sys::Array;
use studio_core::client::record::{rows, Bucket, FromRecord, GraphRecord};
use studio_core::client::Record;
use studio_core::graph::doc::sort_nodes;
use studio_core::model::{CanvasGraph, Edge, Node};
use studio_core::Id;
use wasm_bindgen::JsValue;

fn key(id: &Id) -> JsValue {
    JsValue::from_str(&id.to_string())
}

/// One row by primary key.
pub async fn get(
    db: &Database,
    store: &'static str,
    id: &Id,
) -> Result<Option<Record>, StoreError> {
    let tx = db
        .transaction(store)
        .with_mode(TransactionMode::Readonly)
        .build()
        .map_err(idb)?;
    let st = tx.object_store(store).map_err(idb)?;
    let v: Option<JsValue> = st
        .get(key(id))
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    v.filter(|v| !v.is_undefined())
        .map(|v| decode(store, v).map_err(|e| reported(db, e)))
        .transpose()
}

/// Rows of an index within a range (or the whole store when `index` is `None`).
pub async fn by_index(
    db: &Database,
    store: &'static str,
    index: Option<&str>,
    range: Option<KeyRange<JsValue>>,
) -> Result<Vec<Record>, StoreError> {
    let tx = db
        .transaction(store)
        .with_mode(TransactionMode::Readonly)
        .build()
        .map_err(idb)?;
    let st = tx.object_store(store).map_err(idb)?;
    let values: Vec<JsValue> = match (index, range) {
        (Some(i), Some(r)) => st
            .index(i)
            .map_err(idb)?
            .get_all()
            .with_query::<JsValue, _>(r)
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?
            .collect::<Result<_, _>>()
            .map_err(idb)?,
        (Some(i), None) => st
            .index(i)
            .map_err(idb)?
            .get_all()
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?
            .collect::<Result<_, _>>()
            .map_err(idb)?,
        (None, Some(r)) => st
            .get_all()
            .with_query::<JsValue, _>(r)
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?
            .collect::<Result<_, _>>()
            .map_err(idb)?,
        (None, None) => st
            .get_all()
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?
            .collect::<Result<_, _>>()
            .map_err(idb)?,
    };
    Ok(decode_all(db, store, values))
}

/// Decodes rows for a list: a damaged one is skipped, and reported (and repaired), so
/// one bad record never hides the others.
fn decode_all(db: &Database, store: &str, values: Vec<JsValue>) -> Vec<Record> {
    values
        .into_iter()
        .filter_map(|v| match decode(store, v) {
            Ok(r) => Some(r),
            Err(e) => {
                reported(db, e);
                None
            }
        })
        .collect()
}

/// A damaged record the caller asked for is its error, and is reported (and repaired).
fn reported(db: &Database, e: StoreError) -> StoreError {
    // Reads know only the database; the open store of that name hears of it.
    crate::api::damage::found(&db.name(), &e);
    e
}

pub fn only(id: &Id) -> KeyRange<JsValue> {
    KeyRange::Only(key(id))
}

/// `[a, b]` exactly, for compound indexes.
pub fn pair(a: &JsValue, b: &JsValue) -> KeyRange<JsValue> {
    KeyRange::Only(Array::of2(a, b).into())
}

/// Every compound key starting with `first`.
pub fn starting_with(first: &JsValue) -> KeyRange<JsValue> {
    KeyRange::Bound(
        Array::of1(first).into(),
        false,
        Array::of2(first, &Array::new()).into(),
        false,
    )
}

/// A file's whole graph: its meta row and every bucket, in one readonly transaction
/// and one range scan over the buckets.
pub async fn graph(db: &Database, file_id: &Id) -> Result<Option<CanvasGraph>, StoreError> {
    let tx = db
        .transaction([v1::GRAPHS, v1::BUCKETS])
        .with_mode(TransactionMode::Readonly)
        .build()
        .map_err(idb)?;
    let meta_req = tx
        .object_store(v1::GRAPHS)
        .map_err(idb)?
        .get::<JsValue, _, _>(key(file_id))
        .primitive()
        .map_err(idb)?;
    let buckets_req = tx
        .object_store(v1::BUCKETS)
        .map_err(idb)?
        .get_all::<JsValue>()
        .with_query::<JsValue, _>(starting_with(&key(file_id)))
        .primitive()
        .map_err(idb)?;
    let Some(meta) = meta_req.await.map_err(idb)?.filter(|v| !v.is_undefined()) else {
        return Ok(None);
    };
    let Record::Graph(GraphRecord { meta, .. }) =
        decode(v1::GRAPHS, meta).map_err(|e| reported(db, e))?
    else {
        return Err(crate::error::internal("graph row of the wrong kind"));
    };
    let mut nodes: Vec<Node> = Vec::new();
    let mut edges: Vec<Edge> = Vec::new();
    for v in buckets_req.await.map_err(idb)? {
        match decode(v1::BUCKETS, v.map_err(idb)?).map_err(|e| reported(db, e))? {
            Record::Nodes(Bucket { items, .. }) => nodes.extend(items.into_values()),
            Record::Edges(Bucket { items, .. }) => edges.extend(items.into_values()),
            _ => {}
        }
    }
    sort_nodes(&mut nodes);
    edges.sort_by_key(|e| e.id);
    Ok(Some(CanvasGraph {
        id: meta.id,
        file_id: meta.file_id,
        project_id: meta.project_id,
        nodes,
        connections: edges,
        viewport: meta.viewport,
        version: meta.version,
        created_at: meta.created_at,
        updated_at: meta.updated_at,
    }))
}

/// The sync bookkeeping, read without blocking writers.
pub async fn sync_meta(db: &Database) -> Result<studio_core::client::store::SyncMeta, StoreError> {
    let tx = db
        .transaction(v1::META)
        .with_mode(TransactionMode::Readonly)
        .build()
        .map_err(idb)?;
    let st = tx.object_store(v1::META).map_err(idb)?;
    let v: Option<JsValue> = st
        .get(JsValue::from_str(super::txn::META_KEY))
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    match v.filter(|v| !v.is_undefined()) {
        Some(v) => super::codec::from_js(v1::META, v),
        None => Err(crate::error::internal("the store has no sync meta")),
    }
}

/// Mutations the server has not answered yet.
pub async fn pending(db: &Database) -> Result<u64, StoreError> {
    let meta = sync_meta(db).await?;
    let tx = db
        .transaction(v1::OUTBOX)
        .with_mode(TransactionMode::Readonly)
        .build()
        .map_err(idb)?;
    let st = tx.object_store(v1::OUTBOX).map_err(idb)?;
    let n = st
        .count()
        .with_query::<JsValue, _>(KeyRange::LowerBound(
            JsValue::from_f64(meta.acked_through as f64),
            true,
        ))
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    Ok(u64::from(n))
}

/// One row of type `T` by primary key.
pub async fn row<T: FromRecord>(
    db: &Database,
    store: &'static str,
    id: &Id,
) -> Result<Option<T>, StoreError> {
    Ok(get(db, store, id).await?.and_then(T::from_record))
}

/// Rows of type `T` of an index within a range (the whole store without an index).
pub async fn rows_by<T: FromRecord>(
    db: &Database,
    store: &'static str,
    index: Option<&str>,
    range: Option<KeyRange<JsValue>>,
) -> Result<Vec<T>, StoreError> {
    Ok(rows(by_index(db, store, index, range).await?))
}
