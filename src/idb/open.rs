//! Opening the database: upgrades, a blocked upgrade reported instead of waited on
//! forever, and the first-open set-up (client id, tool catalog).

use super::codec::{from_js, json_text, to_js};
use super::schema::{self, v1, CURRENT};
use crate::error::{idb, idb_code, Failure};
use crate::util::{race, sleep};
use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::error::OpenDbError;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::rc::Rc;
use studio_core::client::store::SyncMeta;
use studio_core::ids::new_id;
use studio_core::model::Tool;
use studio_core::Id;
use studio_core::{catalog, ErrorCode};
use wasm_bindgen::JsValue;

/// Meta key of the catalog version the tools store was last seeded from.
const CATALOG_VERSION: &str = "catalog_version";

/// Opens (creating or upgrading) the database. If another connection holds an older
/// version open and does not close within `blocked_ms`, fails with `version_blocked`.
pub async fn open(name: &str, blocked_ms: u32) -> Result<Database, Failure> {
    open_at(name, CURRENT, blocked_ms).await
}

/// Opens at a given schema version (tests open older versions to check upgrades).
pub async fn open_at(
    name: &str,
    version: schema::Version,
    blocked_ms: u32,
) -> Result<Database, Failure> {
    let blocked = Rc::new(Cell::new(false));
    let flag = blocked.clone();
    let request = Database::open(name)
        .with_version(version.number())
        .with_on_blocked(move |_ev| {
            flag.set(true);
            Ok(())
        })
        .with_on_upgrade_needed_fut(
            async move |event: VersionChangeEvent, tx: &Transaction<'_>| {
                schema::upgrade(event, tx, version).await
            },
        );
    let opening = async move { request.await };
    let wait = async {
        // Give a blocked upgrade the time the caller allows, then give up on it.
        loop {
            sleep(blocked_ms.max(1)).await;
            if blocked.get() {
                return;
            }
        }
    };
    match race(opening, wait).await {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) => {
            let code = match &e {
                OpenDbError::Base(base) => idb_code(base),
                _ => ErrorCode::Storage,
            };
            Err(Failure::new(code, format!("cannot open database {name:?}: {e}")))
        }
        Err(()) => Err(Failure::new(
            ErrorCode::VersionBlocked,
            format!("database {name:?} is held open at an older version by another tab; close it and retry"),
        )),
    }
}

/// What opening found.
pub struct Prepared {
    pub meta: SyncMeta,
    /// Why the sync meta had to be rebuilt (it was damaged, or gone over a non-empty
    /// outbox), for the `onDamaged` event.
    pub rebuilt: Option<String>,
}

/// First-open set-up in one transaction: a client id for sync, and the built-in tool
/// catalog when the stored one is older (tools work offline before any sync).
pub async fn prepare(db: &Database) -> Result<Prepared, Failure> {
    let tx = db
        .transaction([v1::META, v1::TOOLS, v1::OUTBOX])
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(idb)?;
    let meta_store = tx.object_store(v1::META).map_err(idb)?;
    let stored: Option<JsValue> = meta_store
        .get(JsValue::from_str(super::txn::META_KEY))
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    let stored = stored.filter(|v| !v.is_undefined());
    let (meta, rebuilt) = match stored.map(|v| (from_js::<SyncMeta>(v1::META, v.clone()), v)) {
        Some((Ok(meta), _)) => (meta, None),
        Some((Err(e), raw)) => {
            let meta = rebuild_meta(&tx, Some(&raw)).await?;
            (meta, Some(e.message))
        }
        None => {
            let meta = rebuild_meta(&tx, None).await?;
            let rebuilt = (meta.next_seq > 1)
                .then(|| "the sync meta was missing; rebuilt from the outbox".to_owned());
            (meta, rebuilt)
        }
    };
    keep_identity(&tx, &meta).await?;
    let builtin = catalog::builtin()?;
    let seeded: Option<JsValue> = meta_store
        .get(JsValue::from_str(CATALOG_VERSION))
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    let seeded = seeded.and_then(|v| v.as_f64()).unwrap_or(0.0) as u32;
    if seeded < builtin.version {
        let tools = tx.object_store(v1::TOOLS).map_err(idb)?;
        for tool in &builtin.tools {
            // A tool the server sent later than this catalog stays as the server sent it.
            let existing: Option<JsValue> = tools
                .get(JsValue::from_str(&tool.id.to_string()))
                .primitive()
                .map_err(idb)?
                .await
                .map_err(idb)?;
            let newer = existing
                .filter(|v| !v.is_undefined())
                .and_then(|v| from_js::<Tool>(v1::TOOLS, v).ok())
                .is_some_and(|t| t.updated_at > tool.updated_at);
            if !newer {
                tools
                    .put(to_js(tool)?)
                    .primitive()
                    .map_err(idb)?
                    .await
                    .map_err(idb)?;
            }
        }
        meta_store
            .put(JsValue::from_f64(f64::from(builtin.version)))
            .with_key(JsValue::from_str(CATALOG_VERSION))
            .without_key_type()
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?;
    }
    tx.commit().await.map_err(idb)?;
    Ok(Prepared { meta, rebuilt })
}

/// Meta key of a copy of the client id and the bound user, kept apart from the sync
/// meta so that a damaged or deleted sync meta loses neither.
const IDENTITY: &str = "identity";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Identity {
    client_id: Id,
    #[serde(default)]
    user_id: Option<Id>,
}

/// A new sync meta, over whatever the outbox still holds: the client id (and user) from
/// the damaged meta or the identity copy, `next_seq` past the outbox's highest seq (so
/// no new edit overwrites a pending one), every entry counted as possibly sent (none
/// absorbs a later edit) and unanswered (the server skips what it already has), and the
/// cursors back to 0 (a full pull restores the confirmed state). Without any client id,
/// a new one, and the outbox renumbered from 1 for it.
async fn rebuild_meta(
    tx: &Transaction<'_>,
    damaged: Option<&JsValue>,
) -> Result<SyncMeta, Failure> {
    let salvaged: Option<Identity> = damaged
        .and_then(json_text)
        .and_then(|t| serde_json::from_str(&t).ok());
    let kept: Option<Identity> = match get(tx, v1::META, IDENTITY).await? {
        Some(v) => from_js(v1::META, v).ok(),
        None => None,
    };
    let identity = salvaged.or(kept);
    let outbox = tx.object_store(v1::OUTBOX).map_err(idb)?;
    let seqs: Vec<u64> = outbox
        .get_all_keys::<JsValue>()
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?
        .filter_map(|k| k.ok().and_then(|k| k.as_f64()).map(|k| k as u64))
        .collect();
    let (Some(first), Some(last)) = (seqs.iter().min().copied(), seqs.iter().max().copied()) else {
        let mut meta = SyncMeta::new(identity.as_ref().map_or_else(new_id, |i| i.client_id));
        meta.user_id = identity.and_then(|i| i.user_id);
        return put_meta(tx, meta).await;
    };
    let meta = match identity {
        Some(i) => SyncMeta {
            next_seq: last + 1,
            sent_through: last,
            acked_through: first - 1,
            user_id: i.user_id,
            ..SyncMeta::new(i.client_id)
        },
        None => {
            renumber_outbox(tx, &seqs).await?;
            let n = seqs.len() as u64;
            SyncMeta {
                next_seq: n + 1,
                sent_through: n,
                ..SyncMeta::new(new_id())
            }
        }
    };
    put_meta(tx, meta).await
}

/// Gives the outbox's entries the seqs 1..=n, in order, for a new client id.
async fn renumber_outbox(tx: &Transaction<'_>, seqs: &[u64]) -> Result<(), Failure> {
    let outbox = tx.object_store(v1::OUTBOX).map_err(idb)?;
    let mut sorted = seqs.to_vec();
    sorted.sort_unstable();
    let mut values = Vec::with_capacity(sorted.len());
    for seq in &sorted {
        if let Some(v) = get(tx, v1::OUTBOX, JsValue::from_f64(*seq as f64)).await? {
            values.push(v);
        }
    }
    outbox.clear().map_err(idb)?.await.map_err(idb)?;
    for (i, v) in values.into_iter().enumerate() {
        let _ = js_sys::Reflect::set(&v, &"seq".into(), &JsValue::from_f64((i + 1) as f64));
        outbox
            .put(&v)
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?;
    }
    Ok(())
}

async fn put_meta(tx: &Transaction<'_>, meta: SyncMeta) -> Result<SyncMeta, Failure> {
    tx.object_store(v1::META)
        .map_err(idb)?
        .put(to_js(&meta)?)
        .with_key(JsValue::from_str(super::txn::META_KEY))
        .without_key_type()
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    Ok(meta)
}

/// Writes the identity copy when it differs from the sync meta's.
pub async fn keep_identity(tx: &Transaction<'_>, meta: &SyncMeta) -> Result<(), Failure> {
    let identity = Identity {
        client_id: meta.client_id,
        user_id: meta.user_id,
    };
    let kept: Option<Identity> = match get(tx, v1::META, IDENTITY).await? {
        Some(v) => from_js(v1::META, v).ok(),
        None => None,
    };
    if kept.as_ref() != Some(&identity) {
        tx.object_store(v1::META)
            .map_err(idb)?
            .put(to_js(&identity)?)
            .with_key(JsValue::from_str(IDENTITY))
            .without_key_type()
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?;
    }
    Ok(())
}

async fn get<K: Into<JsValue>>(
    tx: &Transaction<'_>,
    store: &str,
    key: K,
) -> Result<Option<JsValue>, Failure> {
    let v: Option<JsValue> = tx
        .object_store(store)
        .map_err(idb)?
        .get(key.into())
        .primitive()
        .map_err(idb)?
        .await
        .map_err(idb)?;
    Ok(v.filter(|v| !v.is_undefined()))
}

/// Refreshes the identity copy after the sync meta changed user (binding).
pub async fn remember_identity(db: &Database) -> Result<(), Failure> {
    let tx = db
        .transaction(v1::META)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .map_err(idb)?;
    let meta = match get(&tx, v1::META, super::txn::META_KEY).await? {
        Some(v) => from_js::<SyncMeta>(v1::META, v)?,
        None => return Ok(()),
    };
    keep_identity(&tx, &meta).await?;
    tx.commit().await.map_err(idb)?;
    Ok(())
}
