//! The client's transactions, storage-agnostic: an edit, a pulled page with its rebase,
//! and the push bookkeeping. Each runs inside one [`Txn`]; the caller commits it, or
//! drops it on error so nothing of it lands.

use super::apply::apply;
use super::outbox::{merge, next_batch, split_oversized, OutboxEntry};
use super::pulled::apply_change;
use super::record::Record;
use super::store::{StoreError, Txn};
use super::topic::{topics, Topic};
use super::unit::Unit;
use super::workspace::{Needs, StepError, Workspace};
use crate::build::Ctx;
use crate::error::{CoreError, ErrorCode};
use crate::protocol::pull::{PulledChange, PulledPage, SetAside};
use crate::protocol::push::SeqGapDetails;
use crate::protocol::{
    ErrorDetail, Mutation, MutationResult, MutationStatus, Platform, PushResponse, RawMutation,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Rejected(#[from] CoreError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Rejected(e) => e.code(),
            EngineError::Store(e) => e.code,
        }
    }
}

/// What an edit did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EditOutcome {
    /// The outbox entry that carries it (a new one, or the tail it merged into).
    pub seq: Option<u64>,
    pub merged: bool,
    pub topics: BTreeSet<Topic>,
}

/// A mutation the server rejected, now gone from the visible state.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub seq: u64,
    pub mutation: Mutation,
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullOutcome {
    pub applied: usize,
    pub acknowledged: usize,
    pub rejections: Vec<Rejection>,
    /// Pulled changes this client could not use (the rest of the page applied).
    pub set_aside: Vec<SetAside>,
    pub topics: BTreeSet<Topic>,
    pub rebased: bool,
}

/// What became of an entry refused as too large.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Oversized {
    /// How far every later entry's seq moved (+1 split in two, -1 dropped, 0 not found).
    pub shift: i64,
    /// Set when it was dropped: the app hears which edit and why.
    pub rejection: Option<Rejection>,
    pub topics: BTreeSet<Topic>,
}

/// Rounds of loading one step may take before we call it a bug (a store that does not
/// load what it is asked for would otherwise loop forever).
const MAX_ROUNDS: usize = 32;

/// Every edit is recorded for sync (outbox entry and bases), with or without a server:
/// a store used local-only (no server configured, or the app opened offline) and later
/// opened with one pushes everything it holds, and a pull rebases on top of it instead
/// of writing over units that would have no base.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Engine;

impl Engine {
    /// An optimistic edit: the new visible state and its outbox entry, in one transaction.
    pub async fn edit<T: Txn>(
        &self,
        txn: &mut T,
        m: &Mutation,
        ctx: Ctx,
    ) -> Result<EditOutcome, EngineError> {
        m.validate()?;
        let mut ws = Workspace::new();
        run_step(txn, &mut ws, &Source::Visible, |ws| apply(m, ws, ctx)).await??;
        let mut out = EditOutcome::default();
        let mut captured = BTreeSet::new();
        self.flush_step(txn, &mut ws, &mut captured, &mut out.topics)
            .await?;
        let mut meta = txn.meta().await?;
        if let Some(tail) = txn.outbox_tail().await? {
            let unsent = tail.seq > meta.sent_through && tail.rejected.is_none();
            if let Some(merged) = unsent.then(|| merge(&tail.mutation, m)).flatten() {
                txn.outbox_put(&OutboxEntry {
                    mutation: merged,
                    at: ctx.now,
                    user_id: ctx.user_id,
                    ..tail.clone()
                })?;
                out.seq = Some(tail.seq);
                out.merged = true;
                return Ok(out);
            }
        }
        let seq = meta.next_seq;
        meta.next_seq += 1;
        txn.outbox_put(&OutboxEntry {
            seq,
            mutation: m.clone(),
            at: ctx.now,
            user_id: ctx.user_id,
            rejected: None,
        })?;
        txn.put_meta(&meta)?;
        out.seq = Some(seq);
        Ok(out)
    }

    /// Writes a settled step: first the base of every unit no pending mutation had
    /// touched yet (its visible value is still the confirmed one), then the new values.
    async fn flush_step<T: Txn>(
        &self,
        txn: &mut T,
        ws: &mut Workspace,
        captured: &mut BTreeSet<Unit>,
        topic_out: &mut BTreeSet<Topic>,
    ) -> Result<(), StoreError> {
        let before: BTreeMap<Unit, Option<Record>> = ws
            .writes()
            .keys()
            .map(|u| (*u, ws.before(u).cloned()))
            .collect();
        ws.settle();
        let writes = ws.take_unflushed();
        let fresh: Vec<Unit> = writes
            .keys()
            .filter(|u| !captured.contains(u))
            .copied()
            .collect();
        let has = txn.base_contains(&fresh).await?;
        for (u, has) in fresh.iter().zip(has) {
            if !has {
                txn.write_base(u, before.get(u).and_then(Option::as_ref))?;
            }
            captured.insert(*u);
        }
        for (u, v) in &writes {
            txn.write(u, v.as_ref())?;
            topics(
                u,
                before.get(u).and_then(Option::as_ref),
                v.as_ref(),
                topic_out,
            );
        }
        Ok(())
    }

    /// Lands one pulled page on the confirmed state. A unit some pending mutation
    /// touched keeps showing the optimistic value until the round finishes: with
    /// `finish: Some(through)` (the last page of the last platform of a round that pulled
    /// every platform, `through` the least `last_seq` its pages reported), the mutations
    /// the server has answered up to `through` leave the outbox and the rest are replayed
    /// on the confirmed state (rebase) — once per round, however many pages it took, and
    /// only after every platform's changes are in, so nothing flickers out in between.
    pub async fn apply_pull<T: Txn>(
        &self,
        txn: &mut T,
        platform: Platform,
        page: &PulledPage,
        user_id: Option<crate::ids::Id>,
        finish: Option<u64>,
    ) -> Result<PullOutcome, EngineError> {
        let mut out = PullOutcome::default();
        let bases: BTreeMap<Unit, Option<Record>> = txn.bases().await?.into_iter().collect();

        // 1. The confirmed state: a unit with a base is confirmed there, else visibly.
        // A change that cannot be used is set aside, not fatal: failing the page would
        // hold the cursor, and sync, there for good.
        let mut ws = Workspace::new();
        let source = Source::Confirmed(&bases);
        for pulled in &page.changes {
            let change = match pulled {
                PulledChange::Readable(c) => c,
                PulledChange::Unreadable(s) => {
                    out.set_aside.push(s.clone());
                    continue;
                }
            };
            match run_step(txn, &mut ws, &source, |ws| apply_change(change, ws)).await? {
                Ok(()) => out.applied += 1,
                Err(e) => out.set_aside.push(SetAside::of(change, e.to_string())),
            }
            ws.settle();
        }
        let mut new_bases = bases.clone();
        for (u, v) in ws.take_unflushed() {
            if let Some(slot) = new_bases.get_mut(&u) {
                txn.write_base(&u, v.as_ref())?;
                slot.clone_from(&v);
            } else {
                txn.write(&u, v.as_ref())?;
                topics(&u, ws.original(&u), v.as_ref(), &mut out.topics);
            }
        }

        let mut meta = txn.meta().await?;
        meta.cursors.insert(platform, page.cursor);
        meta.acked_through = meta.acked_through.max(page.last_seq);
        meta.sent_through = meta.sent_through.max(page.last_seq);
        if user_id.is_some() {
            meta.user_id = user_id;
        }
        txn.put_meta(&meta)?;
        let Some(through) = finish else {
            return Ok(out);
        };

        // 2. Answered mutations leave; the rejected among them are reported.
        let entries = txn.outbox().await?;
        let (acked, pending): (Vec<OutboxEntry>, Vec<OutboxEntry>) =
            entries.into_iter().partition(|e| e.seq <= through);
        out.acknowledged = acked.len();
        let acked_seqs: Vec<u64> = acked.iter().map(|e| e.seq).collect();
        out.rejections = acked
            .into_iter()
            .filter_map(|e| {
                e.rejected.map(|error| Rejection {
                    seq: e.seq,
                    mutation: e.mutation,
                    error,
                })
            })
            .collect();
        if !acked_seqs.is_empty() {
            txn.outbox_delete(&acked_seqs)?;
        }

        // 3. Rebase: dirty units back to confirmed, then what is pending replayed.
        out.rebased = self
            .rebase(txn, &new_bases, &pending, &mut out.topics)
            .await?;
        Ok(out)
    }

    /// Puts every unit with a base back to that confirmed value and replays `pending`
    /// on top (what the visible state is by definition). False when nothing had a base.
    async fn rebase<T: Txn>(
        &self,
        txn: &mut T,
        bases: &BTreeMap<Unit, Option<Record>>,
        pending: &[OutboxEntry],
        topic_out: &mut BTreeSet<Topic>,
    ) -> Result<bool, StoreError> {
        if bases.is_empty() {
            return Ok(false);
        }
        for (u, v) in bases {
            txn.write(u, v.as_ref())?;
            topics(u, None, v.as_ref(), topic_out);
        }
        txn.clear_bases()?;
        let mut ws = Workspace::new();
        let mut captured = BTreeSet::new();
        for e in pending {
            let ctx = Ctx {
                user_id: e.user_id,
                now: e.at,
            };
            match run_step(txn, &mut ws, &Source::Visible, |ws| {
                apply(&e.mutation, ws, ctx)
            })
            .await?
            {
                Ok(()) => {
                    self.flush_step(txn, &mut ws, &mut captured, topic_out)
                        .await?
                }
                // No longer applies here: it stays pending, without effect, until the
                // server answers for it.
                Err(_) => ws.discard_writes(),
            }
        }
        Ok(true)
    }

    /// The server refused the push of entry `seq` alone as too large (413): it can never
    /// go as it is, and seqs must stay contiguous for the server, so the entry is
    /// replaced in place — by its halves when it splits (both still reach the server),
    /// else by nothing, reported as a rejection and its effect rebased away — and every
    /// later entry is renumbered to follow. None of them has reached the server: it
    /// processes in seq order and never got past `seq`.
    pub async fn refuse_oversized<T: Txn>(
        &self,
        txn: &mut T,
        seq: u64,
    ) -> Result<Oversized, EngineError> {
        let mut out = Oversized::default();
        let mut meta = txn.meta().await?;
        let from_seq = txn.outbox_after(seq.saturating_sub(1), usize::MAX).await?;
        let Some(refused) = from_seq.first().filter(|e| e.seq == seq).cloned() else {
            return Ok(out);
        };
        let halves = split_oversized(&refused.mutation);
        let replaced = halves.iter().map(|m| OutboxEntry {
            mutation: m.clone(),
            ..refused.clone()
        });
        let renumbered: Vec<OutboxEntry> = replaced
            .chain(from_seq[1..].iter().cloned())
            .zip(seq..)
            .map(|(e, seq)| OutboxEntry { seq, ..e })
            .collect();
        let old_seqs: Vec<u64> = from_seq.iter().map(|e| e.seq).collect();
        txn.outbox_delete(&old_seqs)?;
        for e in &renumbered {
            txn.outbox_put(e)?;
        }
        out.shift = renumbered.len() as i64 - from_seq.len() as i64;
        meta.next_seq = meta.next_seq.saturating_add_signed(out.shift);
        meta.sent_through = meta.sent_through.min(seq.saturating_sub(1));
        txn.put_meta(&meta)?;
        if halves.is_empty() {
            out.rejection = Some(Rejection {
                seq,
                error: ErrorDetail::new(
                    ErrorCode::PayloadTooLarge,
                    "the server refused this edit as too large to send; it was dropped",
                ),
                mutation: refused.mutation,
            });
            let bases: BTreeMap<Unit, Option<Record>> = txn.bases().await?.into_iter().collect();
            let pending = txn.outbox().await?;
            self.rebase(txn, &bases, &pending, &mut out.topics).await?;
        }
        Ok(out)
    }

    /// The next push: pending entries after the last answered seq and before
    /// `before_seq`, the leading run of one platform. Marks them sent, so none absorbs a
    /// later edit.
    pub async fn next_push<T: Txn>(
        &self,
        txn: &mut T,
        max: usize,
        before_seq: u64,
    ) -> Result<Option<(Platform, Vec<RawMutation>)>, EngineError> {
        let mut meta = txn.meta().await?;
        // Only the next `max` entries: a long offline session must not cost a read of
        // the whole outbox per push.
        let mut pending = txn.outbox_after(meta.acked_through, max).await?;
        pending.retain(|e| e.seq < before_seq);
        let Some((platform, raw)) = next_batch(&pending, max) else {
            return Ok(None);
        };
        if let Some(last) = raw.last() {
            meta.sent_through = meta.sent_through.max(last.seq);
            txn.put_meta(&meta)?;
        }
        Ok(Some((platform, raw)))
    }

    /// Records the server's answer to a push.
    pub async fn record_push<T: Txn>(
        &self,
        txn: &mut T,
        resp: &PushResponse,
    ) -> Result<(), EngineError> {
        mark_rejected(txn, &resp.results).await?;
        let mut meta = txn.meta().await?;
        meta.acked_through = meta.acked_through.max(resp.last_seq);
        txn.put_meta(&meta)?;
        Ok(())
    }

    /// The server has processed up to `last_seq` (a 409 `seq_gap`): resume after it,
    /// keeping the answers it gave for the part of the batch before the gap.
    pub async fn record_seq_gap<T: Txn>(
        &self,
        txn: &mut T,
        gap: &SeqGapDetails,
    ) -> Result<(), EngineError> {
        mark_rejected(txn, &gap.results).await?;
        let mut meta = txn.meta().await?;
        meta.acked_through = gap.last_seq;
        txn.put_meta(&meta)?;
        Ok(())
    }

    /// Room on a full disk: when the server has applied every outbox entry, the entries
    /// and the bases they kept are deleted now instead of at the end of the next pull —
    /// a transaction that only deletes, which a full disk still commits (IndexedDB
    /// charges a transaction for what it puts, not for what it frees). The visible state
    /// is what the server applied; the next pull writes the server's rows over it, with
    /// no base left to shield them. False (and nothing touched) when an entry is still
    /// unanswered or was rejected: undoing a rejection needs the bases.
    pub async fn release_acknowledged<T: Txn>(&self, txn: &mut T) -> Result<bool, EngineError> {
        let meta = txn.meta().await?;
        let entries = txn.outbox().await?;
        let all_applied = entries
            .iter()
            .all(|e| e.seq <= meta.acked_through && e.rejected.is_none());
        if entries.is_empty() || !all_applied {
            return Ok(false);
        }
        let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
        txn.outbox_delete(&seqs)?;
        txn.clear_bases()?;
        Ok(true)
    }

    /// Outbox entries not yet answered by the server (what the app shows as pending).
    pub async fn pending_count<T: Txn>(&self, txn: &mut T) -> Result<usize, EngineError> {
        let meta = txn.meta().await?;
        Ok(txn
            .outbox()
            .await?
            .iter()
            .filter(|e| e.seq > meta.acked_through)
            .count())
    }
}

/// Keeps the server's error on each rejected entry; the entry leaves the outbox (and
/// the app hears why) with the next pull of its platform.
async fn mark_rejected<T: Txn>(txn: &mut T, results: &[MutationResult]) -> Result<(), StoreError> {
    let rejected: BTreeMap<u64, &ErrorDetail> = results
        .iter()
        .filter(|r| r.status == MutationStatus::Rejected)
        .filter_map(|r| r.error.as_ref().map(|e| (r.seq, e)))
        .collect();
    if rejected.is_empty() {
        return Ok(());
    }
    for mut e in txn.outbox().await? {
        // An entry that carries its own rejection (a placeholder for a damaged one)
        // keeps it: the server's answer to the placeholder says nothing to the app.
        if let (Some(err), None) = (rejected.get(&e.seq), &e.rejected) {
            e.rejected = Some((*err).clone());
            txn.outbox_put(&e)?;
        }
    }
    Ok(())
}

/// Where a step's reads come from.
enum Source<'a> {
    Visible,
    /// Confirmed state: the base where a unit has one, else the visible value.
    Confirmed(&'a BTreeMap<Unit, Option<Record>>),
}

/// Runs a step to completion, loading what it asks for between attempts.
async fn run_step<T: Txn>(
    txn: &mut T,
    ws: &mut Workspace,
    source: &Source<'_>,
    mut step: impl FnMut(&mut Workspace) -> Result<(), StepError>,
) -> Result<Result<(), CoreError>, StoreError> {
    for _ in 0..MAX_ROUNDS {
        match step(ws) {
            Ok(()) => return Ok(Ok(())),
            Err(StepError::Rejected(e)) => {
                ws.discard_writes();
                return Ok(Err(e));
            }
            Err(StepError::Missing(needs)) => {
                ws.discard_writes();
                load(txn, ws, source, needs).await?;
            }
        }
    }
    Err(StoreError::new(
        ErrorCode::Internal,
        "a step kept asking for more data",
    ))
}

async fn load<T: Txn>(
    txn: &mut T,
    ws: &mut Workspace,
    source: &Source<'_>,
    needs: Needs,
) -> Result<(), StoreError> {
    let units: Vec<Unit> = needs
        .units
        .into_iter()
        .filter(|u| !ws.is_loaded(u))
        .collect();
    let (from_base, from_store): (Vec<Unit>, Vec<Unit>) = match source {
        Source::Visible => (Vec::new(), units),
        Source::Confirmed(bases) => units.into_iter().partition(|u| bases.contains_key(u)),
    };
    if let Source::Confirmed(bases) = source {
        for u in from_base {
            ws.insert_loaded(u, bases.get(&u).cloned().flatten());
        }
    }
    if !from_store.is_empty() {
        let values = txn.load(&from_store).await?;
        for (u, v) in from_store.into_iter().zip(values) {
            ws.insert_loaded(u, v);
        }
    }
    for q in needs.queries {
        let records = txn.query(&q).await?;
        let mut units = Vec::with_capacity(records.len());
        for r in records {
            let u = r.unit();
            units.push(u);
            if !ws.is_loaded(&u) {
                let value = match source {
                    Source::Confirmed(bases) if bases.contains_key(&u) => {
                        bases.get(&u).cloned().flatten()
                    }
                    _ => Some(r),
                };
                ws.insert_loaded(u, value);
            }
        }
        // A unit that is confirmed but locally deleted is in no visible index.
        if let Source::Confirmed(bases) = source {
            for (u, v) in bases.iter() {
                if v.as_ref().is_some_and(|r| q.matches(r)) && !units.contains(u) {
                    units.push(*u);
                    if !ws.is_loaded(u) {
                        ws.insert_loaded(*u, v.clone());
                    }
                }
            }
        }
        ws.insert_query(q, units);
    }
    Ok(())
}
