//! Browser suites: the JS surface in a real browser with real IndexedDB (headless
//! Chromium and Firefox through wasm-bindgen-test). Run by `scripts/test.sh`.

#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "browser/support.rs"]
mod support;

#[path = "browser/apps.rs"]
mod apps;
#[path = "browser/bad_input.rs"]
mod bad_input;
#[path = "browser/canvas.rs"]
mod canvas;
#[path = "browser/damage.rs"]
mod damage;
#[path = "browser/errors.rs"]
mod errors;
#[path = "browser/forward.rs"]
mod forward;
#[path = "browser/lifecycle.rs"]
mod lifecycle;
#[path = "browser/offline.rs"]
mod offline;
#[path = "browser/oversized.rs"]
mod oversized;
#[path = "browser/projects_render.rs"]
mod projects_render;
#[path = "browser/quota.rs"]
mod quota;
#[path = "browser/sync.rs"]
mod sync;
#[path = "browser/user_binding.rs"]
mod user_binding;
