//! Opening the database: upgrades, a blocked upgrade reported instead of waited on
//! forever, and the first-open set-up (client id, tool catalog).

use super::codec::{from_js, to_js};
use super::schema::{self, v1, CURRENT};
use crate::error::{idb, idb_code, Failure};
use crate::util::{race, sleep};
use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::error::OpenDbError;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use std::cell::Cell;
use std::rc::Rc;
use studio_core::client::store::SyncMeta;
use studio_core::model::Tool;
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

/// First-open set-up in one transaction: a client id for sync, and the built-in tool
/// catalog when the stored one is older (tools work offline before any sync).
pub async fn prepare(db: &Database) -> Result<SyncMeta, Failure> {
    let tx = db
        .transaction([v1::META, v1::TOOLS])
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
    let meta = match stored.filter(|v| !v.is_undefined()) {
        Some(v) => from_js::<SyncMeta>(v1::META, v)?,
        None => {
            let meta = SyncMeta::new(studio_core::ids::new_id());
            meta_store
                .put(to_js(&meta)?)
                .with_key(JsValue::from_str(super::txn::META_KEY))
                .without_key_type()
                .primitive()
                .map_err(idb)?
                .await
                .map_err(idb)?;
            meta
        }
    };
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
    Ok(meta)
}
