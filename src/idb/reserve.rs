//! Room kept for a full disk. IndexedDB charges a transaction for every byte it puts,
//! even over an old value or beside a delete (measured in Chromium 156 under
//! `Storage.overrideQuotaForOrigin`: deleting 50 KB and putting 40 KB in one
//! transaction fails; deleting alone commits and frees at once). So on a full disk a
//! delete, which keeps a copy of what it deletes until the server has it, fails like
//! any edit, and so does the sync bookkeeping that would free the copies. The store
//! keeps a block of incompressible bytes in `meta`; when a write fails
//! `quota_exceeded` it deletes the block (a delete-only transaction) and tries once
//! more, and puts it back after a sync round has freed room.

use super::schema::v1;
use super::txn::commit_tx;
use crate::error::{idb, StoreError};
use indexed_db_futures::database::Database;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use wasm_bindgen::JsValue;

const KEY: &str = "reserve";
/// Enough for the sync's own writes and a delete of some hundred rows; small beside
/// any quota a browser gives a site.
pub const RESERVE_BYTES: u32 = 256 * 1024;

/// Puts the block back if it is missing. Best effort: on a full disk it stays out.
pub async fn restore(db: &Database) -> Result<bool, StoreError> {
    let tx = db
        .transaction(v1::META)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(idb)?;
    let store = tx.object_store(v1::META).map_err(idb)?;
    if is_kept(&store).await? {
        return Ok(false);
    }
    store
        .put(JsValue::from(incompressible(RESERVE_BYTES)))
        .with_key(JsValue::from_str(KEY))
        .without_key_type()
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    commit_tx(tx).await?;
    Ok(true)
}

/// Deletes the block: true when there was one to free.
pub async fn release(db: &Database) -> Result<bool, StoreError> {
    let tx = db
        .transaction(v1::META)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(idb)?;
    let store = tx.object_store(v1::META).map_err(idb)?;
    if !is_kept(&store).await? {
        return Ok(false);
    }
    store
        .delete(JsValue::from_str(KEY))
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    commit_tx(tx).await?;
    Ok(true)
}

async fn is_kept(store: &ObjectStore<'_>) -> Result<bool, StoreError> {
    let kept: Option<JsValue> = store
        .get(JsValue::from_str(KEY))
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    Ok(kept.is_some_and(|v| !v.is_undefined()))
}

/// Bytes the browser cannot compress (it compresses what it stores, so zeros would
/// reserve nothing): xorshift, seeded from the clock.
fn incompressible(len: u32) -> js_sys::Uint8Array {
    let mut x = (js_sys::Date::now() as u64) | 1;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    js_sys::Uint8Array::from(bytes.as_slice())
}
