//! The browser's storage for this site, as the status shows it: whether it is
//! persistent (`navigator.storage.persist()`, asked once at open: without it the browser
//! may evict the database, unsynced edits included, under storage pressure) and how
//! much of the quota is used (`navigator.storage.estimate()`), so an app can warn before
//! edits fail with `quota_exceeded`.

use crate::api::Inner;
use js_sys::{Promise, Reflect};
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageUse {
    /// The browser's answer to `persist()`; `None` where it cannot be asked.
    pub persisted: Option<bool>,
    /// Bytes used and available to this site, per `estimate()`.
    pub usage: Option<u64>,
    pub quota: Option<u64>,
}

/// `navigator.storage.<method>()`, awaited; `None` where the API is missing or fails.
async fn storage_call(method: &str) -> Option<JsValue> {
    let navigator = Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let storage = Reflect::get(&navigator, &"storage".into()).ok()?;
    let f: js_sys::Function = Reflect::get(&storage, &method.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let p: Promise = f.call0(&storage).ok()?.dyn_into().ok()?;
    JsFuture::from(p).await.ok()
}

fn number(v: &JsValue, key: &str) -> Option<u64> {
    Reflect::get(v, &key.into())
        .ok()?
        .as_f64()
        .map(|n| n as u64)
}

/// Measures, reads whether storage is persistent already, and asks for it. The answer
/// to `persist()` may never come (Firefox asks the user, and headless nobody answers):
/// until it does, the status shows `persisted()`.
pub(crate) fn start(inner: &Rc<Inner>) {
    let weak = Rc::downgrade(inner);
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(inner) = weak.upgrade() {
            refresh(&inner).await;
        }
        let already = storage_call("persisted").await.and_then(|v| v.as_bool());
        show_persisted(&weak, already);
        let asked = storage_call("persist").await.and_then(|v| v.as_bool());
        show_persisted(&weak, asked);
    });
}

fn show_persisted(inner: &std::rc::Weak<Inner>, persisted: Option<bool>) {
    let (Some(inner), Some(persisted)) = (inner.upgrade(), persisted) else {
        return;
    };
    let now = {
        let mut s = inner.storage.borrow_mut();
        s.persisted = Some(persisted);
        *s
    };
    let syncer = inner.syncer.borrow().clone();
    if let Some(syncer) = syncer {
        syncer.show_storage(now);
    }
}

/// Measures again (after a round: sync changes what is stored) and shows it.
pub(crate) async fn refresh(inner: &Inner) {
    let estimate = storage_call("estimate").await;
    let usage = estimate.as_ref().and_then(|e| number(e, "usage"));
    let quota = estimate.as_ref().and_then(|e| number(e, "quota"));
    let now = {
        let mut s = inner.storage.borrow_mut();
        s.usage = usage;
        s.quota = quota;
        *s
    };
    if let Some(syncer) = inner.syncer.borrow().as_ref() {
        syncer.show_storage(now);
    }
}
