//! The durable outbox: one ordered queue of this client's mutations, pushed in `seq`
//! order to each mutation's platform.

use crate::graph::coalesce::coalesce;
use crate::ids::{Id, Millis};
use crate::json::serialized_len;
use crate::limits::PUSH_MUTATIONS_MAX_BYTES;
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
/// A merge is itself a mutation the server must take: one that would break a limit a
/// single mutation has (ops per apply, their encoded size) is no merge, else two edits
/// valid alone would be pushed as one the server refuses.
pub fn merge(earlier: &Mutation, later: &Mutation) -> Option<Mutation> {
    let merged = match (earlier, later) {
        (Mutation::GraphApply(a), Mutation::GraphApply(b)) if a.file_id == b.file_id => {
            coalesce(&a.ops, &b.ops).map(|ops| {
                Mutation::GraphApply(GraphApply {
                    file_id: a.file_id,
                    ops,
                })
            })
        }
        _ => None,
    }?;
    merged.validate().is_ok().then_some(merged)
}

/// What an entry the server refused as too large becomes: two halves of its ops, kept
/// in order (applying both is applying it), or nothing when it cannot be split.
pub fn split_oversized(m: &Mutation) -> Vec<Mutation> {
    match m {
        Mutation::GraphApply(a) if a.ops.len() > 1 => {
            let (first, second) = a.ops.split_at(a.ops.len() / 2);
            [first, second]
                .into_iter()
                .map(|ops| {
                    Mutation::GraphApply(GraphApply {
                        file_id: a.file_id,
                        ops: ops.to_vec(),
                    })
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Splits pending entries into the next push: the leading run of one platform (seq
/// order must hold across platforms), at most `max` long and small enough for one
/// request body. The first entry always goes: validation keeps any one mutation
/// under the body limit (`OPS_MAX_BYTES`).
pub fn next_batch(pending: &[OutboxEntry], max: usize) -> Option<(Platform, Vec<RawMutation>)> {
    let first = pending.first()?;
    let platform = first.platform();
    let mut bytes = 0usize;
    let mut batch = Vec::new();
    for e in pending.iter().take(max.max(1)) {
        if e.platform() != platform {
            break;
        }
        let raw = e.to_raw();
        bytes += serialized_len(&raw) + 1;
        if !batch.is_empty() && bytes > PUSH_MUTATIONS_MAX_BYTES {
            break;
        }
        batch.push(raw);
    }
    Some((platform, batch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ops::{GraphOp, NodeInput, NodePatch};
    use crate::json::JsonObject;
    use crate::model::Position;
    use crate::protocol::mutation::ById;
    use uuid::Uuid;

    fn add(seq: u64, text_bytes: usize) -> OutboxEntry {
        let mut node = NodeInput::new(
            Uuid::from_u128(u128::from(seq)),
            "note",
            Position { x: 0.0, y: 0.0 },
        );
        node.data
            .insert("t".into(), serde_json::json!("x".repeat(text_bytes)));
        OutboxEntry {
            seq,
            mutation: Mutation::GraphApply(GraphApply {
                file_id: Uuid::from_u128(1),
                ops: vec![GraphOp::NodeAdd { node }],
            }),
            at: 0,
            user_id: None,
            rejected: None,
        }
    }

    #[test]
    fn a_batch_is_one_platform_and_at_most_max_long() {
        let mut pending: Vec<OutboxEntry> = (1..=5).map(|s| add(s, 10)).collect();
        pending.push(OutboxEntry {
            seq: 6,
            mutation: Mutation::ProjectDelete(ById {
                id: Uuid::from_u128(9),
            }),
            ..add(6, 0)
        });
        let (platform, batch) = next_batch(&pending, 3).unwrap();
        assert_eq!(platform, Platform::Canvas);
        assert_eq!(batch.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3]);
        let (_, batch) = next_batch(&pending, 100).unwrap();
        assert_eq!(batch.len(), 5);
        assert!(next_batch(&[], 100).is_none());
    }

    /// `graph.apply` of one `node.set` per node, each setting `prop` (data or style) to
    /// a document of `kib_each` KiB.
    fn sets(nodes: u128, prop: &str, kib_each: usize) -> Mutation {
        let doc: JsonObject = [(
            "t".to_owned(),
            serde_json::json!("x".repeat(kib_each * 1024)),
        )]
        .into_iter()
        .collect();
        let ops = (1..=nodes)
            .map(|n| GraphOp::NodeSet {
                id: Uuid::from_u128(n),
                props: NodePatch {
                    data: (prop == "data").then(|| doc.clone()),
                    style: (prop == "style").then(|| Some(doc.clone())),
                    ..Default::default()
                },
            })
            .collect();
        Mutation::GraphApply(GraphApply {
            file_id: Uuid::from_u128(1),
            ops,
        })
    }

    #[test]
    fn a_merge_never_breaks_the_limit_of_one_mutation() {
        // Two calls of ~450 KiB and two of ~760 KiB, setting different properties of
        // the same nodes: each is valid alone, merged they are not.
        for (nodes, kib_each) in [(3, 150), (4, 190)] {
            let a = sets(nodes, "data", kib_each);
            let b = sets(nodes, "style", kib_each);
            assert!(a.validate().is_ok() && b.validate().is_ok());
            assert_eq!(merge(&a, &b), None, "{nodes} x {kib_each} KiB");
        }
        // Small ones still merge, into a mutation that is itself valid.
        let merged = merge(&sets(3, "data", 1), &sets(3, "style", 1)).unwrap();
        assert!(merged.validate().is_ok());
        let Mutation::GraphApply(g) = &merged else {
            panic!("not a graph.apply")
        };
        assert_eq!(g.ops.len(), 3);
    }

    #[test]
    fn a_refused_entry_splits_in_order_until_one_op_is_left() {
        let m = sets(3, "data", 1);
        let halves = split_oversized(&m);
        let ops = |m: &Mutation| match m {
            Mutation::GraphApply(g) => g.ops.clone(),
            _ => Vec::new(),
        };
        assert_eq!(halves.len(), 2);
        let rejoined: Vec<GraphOp> = halves.iter().flat_map(ops).collect();
        assert_eq!(rejoined, ops(&m));
        assert!(split_oversized(&sets(1, "data", 1)).is_empty());
        assert!(split_oversized(&Mutation::ProjectDelete(ById {
            id: Uuid::from_u128(9)
        }))
        .is_empty());
    }

    #[test]
    fn a_batch_fits_in_one_request_body() {
        // Five mutations of ~300 KiB each: a count of 100 would make a 1.5 MiB body.
        let pending: Vec<OutboxEntry> = (1..=5).map(|s| add(s, 300 * 1024)).collect();
        let (_, batch) = next_batch(&pending, 100).unwrap();
        assert_eq!(batch.len(), 3);
        let body = serialized_len(&batch);
        assert!(body <= PUSH_MUTATIONS_MAX_BYTES, "{body}");
        let (_, rest) = next_batch(&pending[3..], 100).unwrap();
        assert_eq!(rest.len(), 2);
    }
}
