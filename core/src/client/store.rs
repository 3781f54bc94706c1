//! What the engine needs from storage: one transaction over the visible state, the
//! bases, the outbox and the sync meta. IndexedDB implements it in the wasm crate,
//! memory in [`super::memory`]. Reads see the transaction's own earlier writes.

use super::outbox::OutboxEntry;
use super::record::Record;
use super::unit::Unit;
use super::workspace::Query;
use crate::error::ErrorCode;
use crate::ids::Id;
use crate::protocol::Platform;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A storage failure: the transaction is abandoned and changes nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    /// `storage`, `quota_exceeded`, `closed`, `version_blocked`, `damaged` or `internal`.
    pub code: ErrorCode,
    pub message: String,
    /// For `damaged`: the record that does not decode.
    pub damage: Option<Damage>,
}

impl StoreError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        StoreError {
            code,
            message: message.into(),
            damage: None,
        }
    }

    /// A stored record that does not decode.
    pub fn damaged(damage: Damage, message: impl Into<String>) -> Self {
        StoreError {
            code: ErrorCode::Damaged,
            message: message.into(),
            damage: Some(damage),
        }
    }
}

/// Where a record that does not decode is kept: its store and its key (as JSON text for
/// compound keys).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Damage {
    pub store: String,
    pub key: String,
}

/// Sync bookkeeping, stored with the data so it commits with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncMeta {
    pub client_id: Id,
    /// The seq the next new outbox entry gets.
    pub next_seq: u64,
    /// Highest seq ever handed to a push: entries up to it may be at the server, so
    /// they never absorb later edits.
    pub sent_through: u64,
    /// Highest seq the server has answered for; pushes resume after it.
    pub acked_through: u64,
    /// The signed-in user, once the server has said.
    #[serde(default)]
    pub user_id: Option<Id>,
    #[serde(default)]
    pub cursors: BTreeMap<Platform, u64>,
}

impl SyncMeta {
    pub fn new(client_id: Id) -> Self {
        SyncMeta {
            client_id,
            next_seq: 1,
            sent_through: 0,
            acked_through: 0,
            user_id: None,
            cursors: BTreeMap::new(),
        }
    }
}

#[allow(async_fn_in_trait)] // single-threaded (wasm): no Send bound wanted
pub trait Txn {
    /// Visible values of the units, in order (`None`: absent).
    async fn load(&mut self, units: &[Unit]) -> Result<Vec<Option<Record>>, StoreError>;
    /// Units matching the query in the visible state, with their records.
    async fn query(&mut self, q: &Query) -> Result<Vec<Record>, StoreError>;
    fn write(&mut self, unit: &Unit, value: Option<&Record>) -> Result<(), StoreError>;

    /// Whether each unit has a base (is touched by a pending mutation).
    async fn base_contains(&mut self, units: &[Unit]) -> Result<Vec<bool>, StoreError>;
    /// Every unit with a base, and its base value.
    async fn bases(&mut self) -> Result<Vec<(Unit, Option<Record>)>, StoreError>;
    fn write_base(&mut self, unit: &Unit, value: Option<&Record>) -> Result<(), StoreError>;
    fn clear_bases(&mut self) -> Result<(), StoreError>;

    /// All outbox entries, in seq order.
    async fn outbox(&mut self) -> Result<Vec<OutboxEntry>, StoreError>;
    /// At most `limit` entries with a seq above `seq`, in seq order.
    async fn outbox_after(
        &mut self,
        seq: u64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError>;
    async fn outbox_tail(&mut self) -> Result<Option<OutboxEntry>, StoreError>;
    fn outbox_put(&mut self, entry: &OutboxEntry) -> Result<(), StoreError>;
    fn outbox_delete(&mut self, seqs: &[u64]) -> Result<(), StoreError>;

    async fn meta(&mut self) -> Result<SyncMeta, StoreError>;
    fn put_meta(&mut self, meta: &SyncMeta) -> Result<(), StoreError>;
}

/// Units of a set, for callers that want to know what a step changed.
pub type UnitSet = BTreeSet<Unit>;
