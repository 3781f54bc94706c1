//! The engine's transaction over IndexedDB: one readwrite transaction across every
//! store. Reads are awaited; writes go out at once and are awaited together before the
//! commit, so a failed write (quota, a damaged key) fails the step with its own error
//! and the dropped transaction rolls everything back.

use super::codec::{decode, encode, from_js, locate, to_js};
use super::schema::{v1, v2, ALL_STORES};
use crate::error::{idb, internal, StoreError};
use indexed_db_futures::database::Database;
use indexed_db_futures::future::VoidRequest;
use indexed_db_futures::internals::SystemRepr;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use indexed_db_futures::KeyRange;
use js_sys::Array;
use studio_core::client::outbox::OutboxEntry;
use studio_core::client::store::{Damage, SyncMeta, Txn};
use studio_core::client::workspace::Query;
use studio_core::client::{Record, Unit};
use studio_core::ErrorCode;
use wasm_bindgen::{JsCast, JsValue};

/// The meta key of the sync bookkeeping.
const SYNC_META: &str = "sync";

pub struct IdbTxn<'a> {
    tx: Transaction<'a>,
    writes: Vec<VoidRequest>,
}

impl<'a> IdbTxn<'a> {
    /// A readwrite transaction over every store.
    pub fn begin(db: &'a Database) -> Result<Self, StoreError> {
        let tx = db
            .transaction(ALL_STORES)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(idb)?;
        Ok(IdbTxn {
            tx,
            writes: Vec::new(),
        })
    }

    /// Waits for every write, then commits. On any failure nothing lands.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let raw = raw_tx(&self.tx);
        for w in std::mem::take(&mut self.writes) {
            w.await
                .map_err(|e| aborted_because(&raw).unwrap_or_else(|| idb(e)))?;
        }
        commit_tx(self.tx).await
    }

    fn put_raw(
        &mut self,
        store: &str,
        value: &JsValue,
        key: Option<&JsValue>,
    ) -> Result<(), StoreError> {
        let s = self.tx.object_store(store).map_err(idb)?;
        let req = match key {
            Some(k) => s.put(value).with_key(k).without_key_type().primitive(),
            None => s.put(value).primitive(),
        };
        self.writes.push(req.map_err(idb)?);
        Ok(())
    }

    fn delete_raw(&mut self, store: &str, key: KeyRange<JsValue>) -> Result<(), StoreError> {
        let s = self.tx.object_store(store).map_err(idb)?;
        self.writes
            .push(s.delete::<JsValue, _>(key).primitive().map_err(idb)?);
        Ok(())
    }

    async fn get_raw(&self, store: &str, key: JsValue) -> Result<Option<JsValue>, StoreError> {
        let s = self.tx.object_store(store).map_err(idb)?;
        s.get(key).primitive().map_err(idb)?.await.map_err(idb)
    }

    async fn get_all(
        &self,
        store: &str,
        index: Option<&str>,
        range: KeyRange<JsValue>,
    ) -> Result<Vec<JsValue>, StoreError> {
        let s = self.tx.object_store(store).map_err(idb)?;
        let values: Vec<JsValue> = match index {
            Some(i) => {
                let ix = s.index(i).map_err(idb)?;
                ix.get_all()
                    .with_query::<JsValue, _>(range)
                    .primitive()
                    .map_err(idb)?
                    .await
                    .map_err(idb)?
                    .collect::<Result<_, _>>()
                    .map_err(idb)?
            }
            None => s
                .get_all()
                .with_query::<JsValue, _>(range)
                .primitive()
                .map_err(idb)?
                .await
                .map_err(idb)?
                .collect::<Result<_, _>>()
                .map_err(idb)?,
        };
        Ok(values)
    }
}

/// Commits. A transaction the browser aborts says why only on itself: on a full disk,
/// Chromium aborts at commit with the transaction's `error` a `QuotaExceededError` and
/// no failed request, so that error's name decides the code.
pub async fn commit_tx(tx: Transaction<'_>) -> Result<(), StoreError> {
    let raw = raw_tx(&tx);
    tx.commit()
        .await
        .map_err(|e| aborted_because(&raw).unwrap_or_else(|| idb(e)))
}

fn raw_tx(tx: &Transaction<'_>) -> web_sys::IdbTransaction {
    tx.as_sys()
        .unchecked_ref::<web_sys::IdbTransaction>()
        .clone()
}

/// The `quota_exceeded` error, when the transaction's own error is a
/// `QuotaExceededError` (by the DOMException's name, as `error::idb` classifies).
fn aborted_because(raw: &web_sys::IdbTransaction) -> Option<StoreError> {
    let error = js_sys::Reflect::get(raw, &"error".into()).ok()?;
    let name = js_sys::Reflect::get(&error, &"name".into())
        .ok()?
        .as_string()?;
    (name == "QuotaExceededError").then(|| {
        StoreError::new(
            ErrorCode::QuotaExceeded,
            "the browser's storage for this site is full; nothing of this change was written",
        )
    })
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

/// Every key that starts with `prefix` in a string index: `[prefix, prefix + U+FFFF]`.
fn prefix_range(prefix: &str) -> KeyRange<JsValue> {
    KeyRange::Bound(s(prefix), false, s(&format!("{prefix}\u{ffff}")), false)
}

/// Every array key whose first element is `first`: `[first] .. [first, []]` (an array
/// sorts after every string and number).
fn first_is(first: &JsValue) -> KeyRange<JsValue> {
    KeyRange::Bound(
        Array::of1(first).into(),
        false,
        Array::of2(first, &Array::new()).into(),
        false,
    )
}

impl Txn for IdbTxn<'_> {
    async fn load(&mut self, units: &[Unit]) -> Result<Vec<Option<Record>>, StoreError> {
        // Send every get first, then wait: one round trip for the lot.
        let mut reqs = Vec::with_capacity(units.len());
        for u in units {
            let (store, key) = locate(u);
            let st = self.tx.object_store(store).map_err(idb)?;
            reqs.push((
                store,
                st.get::<JsValue, _, _>(key).primitive().map_err(idb)?,
            ));
        }
        let mut out = Vec::with_capacity(units.len());
        for (store, req) in reqs {
            match req.await.map_err(idb)? {
                Some(v) if !v.is_undefined() => out.push(Some(decode(store, v)?)),
                _ => out.push(None),
            }
        }
        Ok(out)
    }

    async fn query(&mut self, q: &Query) -> Result<Vec<Record>, StoreError> {
        let id = |i: &studio_core::Id| s(&i.to_string());
        let (store, index, range) = match q {
            Query::ProjectSlugPrefix(p) => (v1::PROJECTS, v1::BY_SLUG, prefix_range(p)),
            Query::FileSlugPrefix(pid, p) => (
                v1::FILES,
                v1::BY_PROJECT_SLUG,
                KeyRange::Bound(
                    Array::of2(&id(pid), &s(p)).into(),
                    false,
                    Array::of2(&id(pid), &s(&format!("{p}\u{ffff}"))).into(),
                    false,
                ),
            ),
            Query::FilesOfProject(p) => (v1::FILES, v1::BY_PROJECT, KeyRange::Only(id(p))),
            Query::ExecutionsOfProject(p) => {
                (v1::EXECUTIONS, v1::BY_PROJECT, KeyRange::Only(id(p)))
            }
            Query::ChainsOfProject(p) => (v1::CHAINS, v1::BY_PROJECT, KeyRange::Only(id(p))),
            Query::RendersOfProject(p) => (v1::RENDERS, v2::BY_PROJECT, KeyRange::Only(id(p))),
            Query::RendersOfChain(c) => (v1::RENDERS, v1::BY_CHAIN_POSITION, first_is(&id(c))),
            Query::TemplatesOfTool(t) => (v1::TEMPLATES, v1::BY_TOOL, KeyRange::Only(id(t))),
        };
        self.get_all(store, Some(index), range)
            .await?
            .into_iter()
            .map(|v| decode(store, v))
            .collect()
    }

    fn write(&mut self, unit: &Unit, value: Option<&Record>) -> Result<(), StoreError> {
        let (store, key) = locate(unit);
        match value {
            Some(r) if r.unit() == *unit => self.put_raw(store, &encode(r)?, None),
            Some(_) => Err(internal("record written to another unit")),
            None => self.delete_raw(store, KeyRange::Only(key)),
        }
    }

    async fn base_contains(&mut self, units: &[Unit]) -> Result<Vec<bool>, StoreError> {
        let st = self.tx.object_store(v1::BASES).map_err(idb)?;
        let mut reqs = Vec::with_capacity(units.len());
        for u in units {
            reqs.push(
                st.count()
                    .with_query::<JsValue, _>(KeyRange::Only(s(&u.key())))
                    .primitive()
                    .map_err(idb)?,
            );
        }
        let mut out = Vec::with_capacity(units.len());
        for r in reqs {
            out.push(r.await.map_err(idb)? > 0);
        }
        Ok(out)
    }

    async fn bases(&mut self) -> Result<Vec<(Unit, Option<Record>)>, StoreError> {
        let st = self.tx.object_store(v1::BASES).map_err(idb)?;
        let keys: Vec<JsValue> = st
            .get_all_keys()
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?
            .collect::<Result<_, _>>()
            .map_err(idb)?;
        let values: Vec<JsValue> = st
            .get_all()
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?
            .collect::<Result<_, _>>()
            .map_err(idb)?;
        let mut out = Vec::with_capacity(keys.len());
        for (k, v) in keys.into_iter().zip(values) {
            let key = k.as_string().unwrap_or_default();
            let damaged_base = |why: String| {
                StoreError::damaged(
                    Damage {
                        store: v1::BASES.to_owned(),
                        key: key.clone(),
                    },
                    format!("the record {key} in {} is damaged: {why}", v1::BASES),
                )
            };
            let unit = Unit::parse(&key).ok_or_else(|| damaged_base("not a unit key".into()))?;
            let record = if v.is_null() || v.is_undefined() {
                None
            } else {
                Some(decode(locate(&unit).0, v).map_err(|e| damaged_base(e.message))?)
            };
            out.push((unit, record));
        }
        Ok(out)
    }

    fn write_base(&mut self, unit: &Unit, value: Option<&Record>) -> Result<(), StoreError> {
        let v = match value {
            Some(r) => encode(r)?,
            None => JsValue::NULL,
        };
        self.put_raw(v1::BASES, &v, Some(&s(&unit.key())))
    }

    fn clear_bases(&mut self) -> Result<(), StoreError> {
        let st = self.tx.object_store(v1::BASES).map_err(idb)?;
        self.writes.push(st.clear().map_err(idb)?);
        Ok(())
    }

    async fn outbox(&mut self) -> Result<Vec<OutboxEntry>, StoreError> {
        let st = self.tx.object_store(v1::OUTBOX).map_err(idb)?;
        let all: Vec<JsValue> = st
            .get_all()
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?
            .collect::<Result<_, _>>()
            .map_err(idb)?;
        all.into_iter().map(|v| from_js(v1::OUTBOX, v)).collect()
    }

    async fn outbox_after(
        &mut self,
        seq: u64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let st = self.tx.object_store(v1::OUTBOX).map_err(idb)?;
        let after = KeyRange::LowerBound(JsValue::from_f64(seq as f64), true);
        let rows: Vec<JsValue> = st
            .get_all()
            .with_query::<JsValue, _>(after)
            .with_limit(u32::try_from(limit).unwrap_or(u32::MAX))
            .primitive()
            .map_err(idb)?
            .await
            .map_err(idb)?
            .collect::<Result<_, _>>()
            .map_err(idb)?;
        rows.into_iter().map(|v| from_js(v1::OUTBOX, v)).collect()
    }

    async fn outbox_tail(&mut self) -> Result<Option<OutboxEntry>, StoreError> {
        let st = self.tx.object_store(v1::OUTBOX).map_err(idb)?;
        let cursor = st
            .open_cursor()
            .with_direction(indexed_db_futures::cursor::CursorDirection::Prev)
            .await
            .map_err(idb)?;
        let Some(mut cursor) = cursor else {
            return Ok(None);
        };
        match cursor.next_record::<JsValue>().await.map_err(idb)? {
            Some(v) => Ok(Some(from_js(v1::OUTBOX, v)?)),
            None => Ok(None),
        }
    }

    fn outbox_put(&mut self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let v = to_js(entry)?;
        self.put_raw(v1::OUTBOX, &v, None)
    }

    fn outbox_delete(&mut self, seqs: &[u64]) -> Result<(), StoreError> {
        for seq in seqs {
            self.delete_raw(v1::OUTBOX, KeyRange::Only(JsValue::from_f64(*seq as f64)))?;
        }
        Ok(())
    }

    async fn meta(&mut self) -> Result<SyncMeta, StoreError> {
        match self.get_raw(v1::META, s(SYNC_META)).await? {
            Some(v) if !v.is_undefined() => from_js(v1::META, v),
            _ => Err(internal("the store has no sync meta")),
        }
    }

    fn put_meta(&mut self, meta: &SyncMeta) -> Result<(), StoreError> {
        let v = to_js(meta)?;
        self.put_raw(v1::META, &v, Some(&s(SYNC_META)))
    }
}

pub const META_KEY: &str = SYNC_META;
