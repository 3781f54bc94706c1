//! IndexedDB: the schema versions, the encoding of records, and the engine's
//! transaction over it.

pub mod codec;
pub mod open;
pub mod read;
pub mod repair;
pub mod reserve;
pub mod schema;
pub mod txn;
