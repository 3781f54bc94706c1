//! Version 2: graph bucket items become arrays, and renders get an index by project
//! (a project's deletion cascades to its renders without a scan).

use super::v1::{BUCKETS, RENDERS};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::Transaction;
use indexed_db_futures::KeyPath;
use wasm_bindgen::{JsCast, JsValue};

pub const BY_PROJECT: &str = "project_id";

pub async fn upgrade(tx: &Transaction<'_>) -> indexed_db_futures::Result<()> {
    tx.object_store(RENDERS)?
        .create_index(BY_PROJECT, KeyPath::One("project_id"))
        .build()?;
    // `{id: item}` → `[item]`: rewrite every bucket once, here, so no reader ever has
    // to understand both shapes.
    let store = tx.object_store(BUCKETS)?;
    let Some(mut cursor) = store.open_cursor().await? else {
        return Ok(());
    };
    loop {
        let value: Option<JsValue> = cursor.next_record().await?;
        let Some(value) = value else { break };
        if let Some(items) = items_as_array(&value) {
            let _ = js_sys::Reflect::set(&value, &"items".into(), &items);
            cursor.update(value).await?;
        }
    }
    Ok(())
}

/// The bucket's items as an array, if they are still an object.
fn items_as_array(bucket: &JsValue) -> Option<JsValue> {
    let items = js_sys::Reflect::get(bucket, &"items".into()).ok()?;
    if items.is_array() || !items.is_object() {
        return None;
    }
    let values: js_sys::Array = js_sys::Object::values(items.unchecked_ref());
    Some(values.into())
}
