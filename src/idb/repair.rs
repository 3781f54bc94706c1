//! A record that does not decode must not take down more than itself. It is set aside
//! (its raw value kept in the meta store under `damaged:<store>:<key>`, for support) and
//! removed; a confirmed record is then fetched again from the server (its platform's
//! cursor goes back to 0, so the next pull brings the current state, tombstones too),
//! and a pending outbox entry is replaced by a placeholder the server refuses, so the
//! seqs after it still follow on.

use super::codec::{from_js, locate, to_js};
use super::schema::{v1, ALL_STORES};
use super::txn::META_KEY;
use crate::error::{idb, internal, Damage, StoreError};
use crate::util::now_ms;
use indexed_db_futures::database::Database;
use indexed_db_futures::future::VoidRequest;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use studio_core::client::outbox::OutboxEntry;
use studio_core::client::store::SyncMeta;
use studio_core::client::Unit;
use studio_core::protocol::mutation::{ById, Mutation};
use studio_core::protocol::{ErrorDetail, Platform};
use studio_core::ErrorCode;
use wasm_bindgen::JsValue;

/// What became of a damaged record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// Removed; the next pull brings the server's copy.
    Refetch,
    /// Removed (a pending entry: replaced by a placeholder); nothing can bring it back.
    SetAside,
    /// Already gone (another call repaired it).
    Gone,
}

impl Repair {
    pub fn as_str(self) -> &'static str {
        match self {
            Repair::Refetch => "refetch",
            Repair::SetAside => "set_aside",
            Repair::Gone => "gone",
        }
    }
}

/// Sets the damaged record aside in one transaction. `synced`: whether the store has a
/// server to fetch a confirmed record from again.
pub async fn set_aside(db: &Database, d: &Damage, synced: bool) -> Result<Repair, StoreError> {
    let tx = db
        .transaction(ALL_STORES)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(idb)?;
    let key = store_key(d)?;
    let Some(raw) = get(&tx, &d.store, key.clone()).await? else {
        return Ok(Repair::Gone);
    };
    let kept = serde_json::json!({ "store": d.store, "key": d.key, "at": now_ms() });
    let kept = to_js(&kept)?;
    let _ = js_sys::Reflect::set(&kept, &"value".into(), &raw);
    let aside = JsValue::from_str(&format!("damaged:{}:{}", d.store, d.key));
    let mut writes = vec![put(&tx, v1::META, &kept, Some(&aside))?];
    let repair = match d.store.as_str() {
        v1::OUTBOX => {
            let seq = key.as_f64().unwrap_or(0.0) as u64;
            let meta = meta(&tx).await?;
            if seq > meta.acked_through {
                writes.push(put(&tx, v1::OUTBOX, &to_js(&placeholder(seq))?, None)?);
            } else {
                writes.push(delete(&tx, v1::OUTBOX, key)?);
            }
            Repair::SetAside
        }
        v1::BASES => {
            // Its confirmed value is lost: drop the unit altogether and fetch it again.
            writes.push(delete(&tx, v1::BASES, key)?);
            let unit = Unit::parse(&d.key);
            if let Some(u) = &unit {
                let (store, k) = locate(u);
                writes.push(delete(&tx, store, k)?);
            }
            let platform = unit.as_ref().map(|u| platform_of(locate(u).0));
            refetch(&tx, platform, synced, &mut writes).await?
        }
        store => {
            writes.push(delete(&tx, store, key)?);
            refetch(&tx, Some(platform_of(store)), synced, &mut writes).await?
        }
    };
    for w in writes {
        w.await.map_err(idb)?;
    }
    super::txn::commit_tx(tx).await?;
    Ok(repair)
}

/// The outbox entry standing in for a damaged pending one: a delete of the nil id, which
/// the server refuses (`not_found`) and which changes nothing here; it carries its own
/// rejection, so the app hears `damaged` for that seq.
fn placeholder(seq: u64) -> OutboxEntry {
    OutboxEntry {
        seq,
        mutation: Mutation::ProjectDelete(ById {
            id: uuid::Uuid::nil(),
        }),
        at: now_ms(),
        user_id: None,
        rejected: Some(ErrorDetail::new(
            ErrorCode::Damaged,
            "this pending edit was damaged in storage and could not be sent",
        )),
    }
}

/// Sends the platform's next pull back to cursor 0.
async fn refetch(
    tx: &Transaction<'_>,
    platform: Option<Platform>,
    synced: bool,
    writes: &mut Vec<VoidRequest>,
) -> Result<Repair, StoreError> {
    let (Some(platform), true) = (platform, synced) else {
        return Ok(Repair::SetAside);
    };
    let mut m = meta(tx).await?;
    m.cursors.remove(&platform);
    writes.push(put(
        tx,
        v1::META,
        &to_js(&m)?,
        Some(&JsValue::from_str(META_KEY)),
    )?);
    Ok(Repair::Refetch)
}

/// The platform whose pull delivers a store's records.
fn platform_of(store: &str) -> Platform {
    match store {
        v1::FILES | v1::GRAPHS | v1::BUCKETS => Platform::Canvas,
        v1::TOOLS | v1::EXECUTIONS | v1::TEMPLATES => Platform::Apps,
        v1::CHAINS | v1::RENDERS => Platform::Render,
        _ => Platform::Projects,
    }
}

/// The damage's key as IndexedDB keys it (the text form of `codec::key_of`).
fn store_key(d: &Damage) -> Result<JsValue, StoreError> {
    match d.store.as_str() {
        v1::BUCKETS => js_sys::JSON::parse(&d.key).map_err(|_| internal("bad bucket key")),
        v1::OUTBOX => d
            .key
            .parse::<f64>()
            .map(JsValue::from_f64)
            .map_err(|_| internal("bad outbox key")),
        _ => Ok(JsValue::from_str(&d.key)),
    }
}

async fn get(
    tx: &Transaction<'_>,
    store: &str,
    key: JsValue,
) -> Result<Option<JsValue>, StoreError> {
    let v: Option<JsValue> = tx
        .object_store(store)
        .map_err(idb)?
        .get(key)
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    Ok(v.filter(|v| !v.is_undefined()))
}

async fn meta(tx: &Transaction<'_>) -> Result<SyncMeta, StoreError> {
    match get(tx, v1::META, JsValue::from_str(META_KEY)).await? {
        Some(v) => from_js(v1::META, v),
        None => Err(internal("the store has no sync meta")),
    }
}

fn put(
    tx: &Transaction<'_>,
    store: &str,
    value: &JsValue,
    key: Option<&JsValue>,
) -> Result<VoidRequest, StoreError> {
    let s = tx.object_store(store).map_err(idb)?;
    let req = match key {
        Some(k) => s.put(value).with_key(k).without_key_type().primitive(),
        None => s.put(value).primitive(),
    };
    req.map_err(idb)
}

fn delete(tx: &Transaction<'_>, store: &str, key: JsValue) -> Result<VoidRequest, StoreError> {
    let s = tx.object_store(store).map_err(idb)?;
    s.delete::<JsValue, _>(indexed_db_futures::KeyRange::Only(key))
        .primitive()
        .map_err(idb)
}
