//! studio-store: the wasm client.
pub use studio_core as core;
