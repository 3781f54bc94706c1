//! Canvas graph deltas: the ops, their merge rules (one implementation for the client,
//! the server and the simulation), z-order keys, coalescing and the storage layouts
//! (the client's buckets, the server's rows).

pub mod coalesce;
pub mod doc;
pub mod layout;
pub mod ops;
pub mod rows;
pub mod zindex;

pub use doc::{ApplyReport, GraphDoc};
pub use ops::{batch_sizes, GraphOp, NodeInput, NodePatch};
