//! The wire protocol between the client and the server's per-platform endpoints
//! (DESIGN.md, "Wire protocol"). Both sides use these types; neither copies them.

pub mod change;
pub mod error_body;
pub mod me;
pub mod mutation;
pub mod platform;
pub mod pull;
pub mod push;

pub use change::{Change, EntityKind};
pub use error_body::{ErrorBody, ErrorDetail};
pub use me::Me;
pub use mutation::{Mutation, RawMutation};
pub use platform::Platform;
pub use pull::{PullQuery, PullResponse};
pub use push::{MutationResult, MutationStatus, PushRequest, PushResponse};
