//! The platform-independent core of studio-store: the model of the target schema and its
//! validation, slugs, canvas delta ops and their merge rules, the wire protocol, and the
//! outbox and rebase logic. Compiled natively (tests, the server, the simulation) and to
//! wasm (the client); nothing in here does I/O.

pub mod build;
pub mod catalog;
pub mod client;
pub mod error;
pub mod graph;
pub mod ids;
pub mod json;
pub mod limits;
pub mod model;
pub mod protocol;
pub mod strict;
pub mod validate;

pub use error::{CoreError, ErrorCode, Result};
pub use ids::{Id, Millis};
