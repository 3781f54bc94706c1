//! The durable outbox: one ordered queue of this client's mutations, pushed in `seq`
//! order to each mutation's platform.

use crate::graph::coalesce::coalesce;
use crate::ids::{Id, Millis};
use crate::protocol::mutation::{GraphApply, Mutation};
use crate::protocol::{ErrorDetail, Platform, RawMutation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub seq: u64,
    #[serde(flatten)]
    pub mutation: Mutation,
    /// When the edit was made: a replay during rebase uses it, so it rebuilds the very
    /// rows the edit built.
    pub at: Millis,
    /// Who made it, as far as the client knew then (replays rebuild the same rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    /// The server's answer when it rejected the mutation; the entry leaves the outbox
    /// with the next pull, and the app hears why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<ErrorDetail>,
}

impl OutboxEntry {
    pub fn platform(&self) -> Platform {
        self.mutation.platform()
    }

    pub fn to_raw(&self) -> RawMutation {
        self.mutation.to_raw(self.seq)
    }
}

/// The mutation that does what `earlier` then `later` do, when they can be one.
/// The caller only asks for the outbox's tail, and only when nothing has sent it yet.
pub fn merge(earlier: &Mutation, later: &Mutation) -> Option<Mutation> {
    match (earlier, later) {
        (Mutation::GraphApply(a), Mutation::GraphApply(b)) if a.file_id == b.file_id => {
            coalesce(&a.ops, &b.ops).map(|ops| {
                Mutation::GraphApply(GraphApply {
                    file_id: a.file_id,
                    ops,
                })
            })
        }
        _ => None,
    }
}

/// Splits pending entries into the next push: the leading run of one platform, at most
/// `max` long (seq order must hold across platforms).
pub fn next_batch(pending: &[OutboxEntry], max: usize) -> Option<(Platform, &[OutboxEntry])> {
    let first = pending.first()?;
    let platform = first.platform();
    let run = pending
        .iter()
        .take(max)
        .take_while(|e| e.platform() == platform)
        .count();
    Some((platform, &pending[..run]))
}
