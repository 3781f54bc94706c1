//! Version 2: graph bucket items become arrays, and renders get an index by project
//! (a project's deletion cascades to its renders without a scan).

use super::v1::{BASES, BUCKETS, RENDERS};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::Transaction;
use indexed_db_futures::KeyPath;
use studio_core::client::Unit;
use wasm_bindgen::{JsCast, JsValue};

pub const BY_PROJECT: &str = "project_id";

pub async fn upgrade(tx: &Transaction<'_>) -> indexed_db_futures::Result<()> {
    tx.object_store(RENDERS)?
        .create_index(BY_PROJECT, KeyPath::One("project_id"))
        .build()?;
    // `{id: item}` → `[item]`: rewrite every bucket once, here, so no reader ever has
    // to understand both shapes. Buckets live in two stores: the visible ones, and the
    // confirmed copies a pending edit keeps in `bases`.
    rewrite_buckets(tx, BUCKETS).await?;
    rewrite_buckets(tx, BASES).await
}

/// Rewrites the bucket records of `store` whose items are still an object.
pub(super) async fn rewrite_buckets(
    tx: &Transaction<'_>,
    store: &str,
) -> indexed_db_futures::Result<()> {
    let store_handle = tx.object_store(store)?;
    let Some(mut cursor) = store_handle.open_cursor().await? else {
        return Ok(());
    };
    loop {
        let value: Option<JsValue> = cursor.next_record().await?;
        let Some(value) = value else { break };
        if store == BASES && !holds_bucket(cursor.key::<JsValue>()?) {
            continue;
        }
        if let Some(items) = items_as_array(&value) {
            let _ = js_sys::Reflect::set(&value, &"items".into(), &items);
            cursor.update(value).await?;
        }
    }
    Ok(())
}

/// Whether a base's key names a node or edge bucket (other bases are rows).
fn holds_bucket(key: Option<JsValue>) -> bool {
    key.and_then(|k| k.as_string())
        .and_then(|k| Unit::parse(&k))
        .is_some_and(|u| matches!(u, Unit::NodeBucket(..) | Unit::EdgeBucket(..)))
}

/// The bucket's items as an array, if they are still an object.
fn items_as_array(bucket: &JsValue) -> Option<JsValue> {
    if !bucket.is_object() {
        return None; // a base of a unit that did not exist yet is null
    }
    let items = js_sys::Reflect::get(bucket, &"items".into()).ok()?;
    if items.is_array() || !items.is_object() {
        return None;
    }
    let values: js_sys::Array = js_sys::Object::values(items.unchecked_ref());
    Some(values.into())
}
