//! studio-store: the offline-first data layer of the studio, as a wasm npm package.
//!
//! The platform-independent logic lives in `studio_core` (model, validation, graph
//! ops, the engine that turns edits and pulls into storage steps). This crate adds the
//! browser: IndexedDB (`idb`), the network and tabs (`sync`), and the JS surface (`api`).

pub use studio_core as core;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod error;
#[cfg(target_arch = "wasm32")]
pub mod idb;
#[cfg(target_arch = "wasm32")]
pub mod sync;
#[cfg(target_arch = "wasm32")]
pub mod util;
