//! The client's state in memory: the storage of native tests and of the simulation.
//! A transaction writes in place and keeps an undo journal; dropped without commit it
//! rolls back, so a transaction abandoned on error changes nothing, as in IndexedDB.

use super::outbox::OutboxEntry;
use super::record::Record;
use super::store::{StoreError, SyncMeta, Txn};
use super::unit::Unit;
use super::workspace::Query;
use crate::error::ErrorCode;
use crate::ids::Id;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs the engine's future over memory to completion: a memory transaction never waits
/// on anything outside itself, so polling until ready is a whole executor (the native
/// tests', the simulation's and the fuzz targets').
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemoryState {
    pub visible: BTreeMap<Unit, Record>,
    pub bases: BTreeMap<Unit, Option<Record>>,
    pub outbox: BTreeMap<u64, OutboxEntry>,
    pub meta: SyncMeta,
    /// A full disk as IndexedDB has it: every transaction that puts anything fails
    /// `quota_exceeded` (a put is charged its size even over an old value), one that
    /// only deletes commits.
    pub full_disk: bool,
}

impl MemoryState {
    pub fn new(client_id: Id) -> Self {
        MemoryState {
            visible: BTreeMap::new(),
            bases: BTreeMap::new(),
            outbox: BTreeMap::new(),
            meta: SyncMeta::new(client_id),
            full_disk: false,
        }
    }

    pub fn begin(&mut self) -> MemoryTxn<'_> {
        MemoryTxn {
            state: self,
            undo: Vec::new(),
        }
    }
}

enum Undo {
    Visible(Unit, Option<Record>),
    Base(Unit, Option<Option<Record>>),
    Bases(BTreeMap<Unit, Option<Record>>),
    OutboxEntry(u64, Option<OutboxEntry>),
    OutboxRemoved(Vec<OutboxEntry>),
    Meta(SyncMeta),
}

pub struct MemoryTxn<'a> {
    state: &'a mut MemoryState,
    undo: Vec<Undo>,
}

impl MemoryTxn<'_> {
    pub fn commit(mut self) {
        self.undo.clear();
    }
}

impl Drop for MemoryTxn<'_> {
    fn drop(&mut self) {
        while let Some(u) = self.undo.pop() {
            match u {
                Undo::Visible(unit, Some(r)) => {
                    self.state.visible.insert(unit, r);
                }
                Undo::Visible(unit, None) => {
                    self.state.visible.remove(&unit);
                }
                Undo::Base(unit, Some(v)) => {
                    self.state.bases.insert(unit, v);
                }
                Undo::Base(unit, None) => {
                    self.state.bases.remove(&unit);
                }
                Undo::Bases(b) => self.state.bases = b,
                Undo::OutboxEntry(seq, Some(e)) => {
                    self.state.outbox.insert(seq, e);
                }
                Undo::OutboxEntry(seq, None) => {
                    self.state.outbox.remove(&seq);
                }
                Undo::OutboxRemoved(entries) => {
                    self.state
                        .outbox
                        .extend(entries.into_iter().map(|e| (e.seq, e)));
                }
                Undo::Meta(m) => self.state.meta = m,
            }
        }
    }
}

impl MemoryTxn<'_> {
    fn charge_put(&self) -> Result<(), StoreError> {
        if self.state.full_disk {
            return Err(StoreError::new(
                ErrorCode::QuotaExceeded,
                "the disk is full (memory store)",
            ));
        }
        Ok(())
    }
}

impl Txn for MemoryTxn<'_> {
    async fn load(&mut self, units: &[Unit]) -> Result<Vec<Option<Record>>, StoreError> {
        Ok(units
            .iter()
            .map(|u| self.state.visible.get(u).cloned())
            .collect())
    }

    async fn query(&mut self, q: &Query) -> Result<Vec<Record>, StoreError> {
        Ok(self
            .state
            .visible
            .values()
            .filter(|r| q.matches(r))
            .cloned()
            .collect())
    }

    fn write(&mut self, unit: &Unit, value: Option<&Record>) -> Result<(), StoreError> {
        if value.is_some() {
            self.charge_put()?;
        }
        let old = match value {
            Some(r) if r.unit() == *unit => self.state.visible.insert(*unit, r.clone()),
            Some(_) => {
                return Err(StoreError::new(
                    ErrorCode::Internal,
                    "record written to another unit",
                ))
            }
            None => self.state.visible.remove(unit),
        };
        self.undo.push(Undo::Visible(*unit, old));
        Ok(())
    }

    async fn base_contains(&mut self, units: &[Unit]) -> Result<Vec<bool>, StoreError> {
        Ok(units
            .iter()
            .map(|u| self.state.bases.contains_key(u))
            .collect())
    }

    async fn bases(&mut self) -> Result<Vec<(Unit, Option<Record>)>, StoreError> {
        Ok(self
            .state
            .bases
            .iter()
            .map(|(u, v)| (*u, v.clone()))
            .collect())
    }

    fn write_base(&mut self, unit: &Unit, value: Option<&Record>) -> Result<(), StoreError> {
        self.charge_put()?;
        let old = self.state.bases.insert(*unit, value.cloned());
        self.undo.push(Undo::Base(*unit, old));
        Ok(())
    }

    fn clear_bases(&mut self) -> Result<(), StoreError> {
        self.undo
            .push(Undo::Bases(std::mem::take(&mut self.state.bases)));
        Ok(())
    }

    async fn outbox(&mut self) -> Result<Vec<OutboxEntry>, StoreError> {
        Ok(self.state.outbox.values().cloned().collect())
    }

    async fn outbox_after(
        &mut self,
        seq: u64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        Ok(self
            .state
            .outbox
            .range(seq + 1..)
            .take(limit)
            .map(|(_, e)| e.clone())
            .collect())
    }

    async fn outbox_tail(&mut self) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self.state.outbox.values().next_back().cloned())
    }

    fn outbox_put(&mut self, entry: &OutboxEntry) -> Result<(), StoreError> {
        self.charge_put()?;
        let old = self.state.outbox.insert(entry.seq, entry.clone());
        self.undo.push(Undo::OutboxEntry(entry.seq, old));
        Ok(())
    }

    fn outbox_delete(&mut self, seqs: &[u64]) -> Result<(), StoreError> {
        let removed = seqs
            .iter()
            .filter_map(|s| self.state.outbox.remove(s))
            .collect();
        self.undo.push(Undo::OutboxRemoved(removed));
        Ok(())
    }

    async fn meta(&mut self) -> Result<SyncMeta, StoreError> {
        Ok(self.state.meta.clone())
    }

    fn put_meta(&mut self, meta: &SyncMeta) -> Result<(), StoreError> {
        self.charge_put()?;
        self.undo.push(Undo::Meta(std::mem::replace(
            &mut self.state.meta,
            meta.clone(),
        )));
        Ok(())
    }
}
