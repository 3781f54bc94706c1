//! The client's logic, without its storage: what an edit writes, how a pulled change
//! lands, how pending mutations are rebased on the server's state, when outbox entries
//! coalesce. The wasm crate runs it over IndexedDB; the simulation over memory.
//!
//! State is kept in *units* (a row, or a bucket of a graph's nodes or edges). The
//! visible state is the server-confirmed state plus the pending mutations; for every
//! unit a pending mutation touched, the confirmed value is kept aside as its *base*, so a
//! rebase resets those units to their base and replays what is still pending.

pub mod apply;
pub mod binding;
pub mod engine;
pub mod memory;
pub mod outbox;
pub mod pulled;
pub mod record;
pub mod store;
pub mod topic;
pub mod unit;
pub mod workspace;

#[cfg(test)]
mod tests;

pub use engine::Engine;
pub use outbox::OutboxEntry;
pub use record::{Bucket, GraphRecord, Record};
pub use store::Txn;
pub use topic::Topic;
pub use unit::Unit;
