//! `store.sync`: status, `now()`, subscriptions.

use super::Inner;
use crate::error::Failure;
use crate::sync::status::SyncStatus;
use crate::sync::Feed;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Sync {
    inner: Rc<Inner>,
}

impl Sync {
    pub(crate) fn new(inner: Rc<Inner>) -> Self {
        Sync { inner }
    }

    pub(crate) fn on_status(&self, callback: js_sys::Function) -> js_sys::Function {
        self.subscribe(callback, Feed::Status)
    }

    pub(crate) fn on_rejected(&self, callback: js_sys::Function) -> js_sys::Function {
        self.subscribe(callback, Feed::Rejected)
    }

    pub(crate) fn on_set_aside(&self, callback: js_sys::Function) -> js_sys::Function {
        self.subscribe(callback, Feed::SetAside)
    }

    fn subscribe(&self, callback: js_sys::Function, feed: Feed) -> js_sys::Function {
        let syncer = self.inner.syncer.borrow().clone();
        let Some(syncer) = syncer else {
            if feed == Feed::Status {
                let _ = callback.call1(
                    &JsValue::NULL,
                    &crate::idb::codec::to_js(&SyncStatus::initial(false)).unwrap_or(JsValue::NULL),
                );
            }
            return Closure::once_into_js(|| {}).unchecked_into();
        };
        let id = syncer.subscribe(feed, callback);
        let weak = Rc::downgrade(&syncer);
        Closure::once_into_js(move || {
            if let Some(s) = weak.upgrade() {
                s.unsubscribe(id);
            }
        })
        .unchecked_into()
    }
}

#[wasm_bindgen]
impl Sync {
    /// This database's client id on the server (`null` without a server).
    #[wasm_bindgen(getter, js_name = clientId, unchecked_return_type = "Id | null")]
    pub fn client_id(&self) -> JsValue {
        self.inner
            .syncer
            .borrow()
            .as_ref()
            .map_or(JsValue::NULL, |s| {
                JsValue::from_str(&s.client_id().to_string())
            })
    }

    /// offline / syncing / synced / error, and the pending count.
    #[wasm_bindgen(unchecked_return_type = "SyncStatus")]
    pub fn status(&self) -> JsValue {
        let s = self.inner.syncer.borrow().as_ref().map_or_else(
            || SyncStatus::initial(false).with_storage(*self.inner.storage.borrow()),
            |s| s.status(),
        );
        crate::idb::codec::to_js(&s).unwrap_or(JsValue::NULL)
    }

    /// Mutations the server has not answered yet, counted in the database (so every
    /// tab agrees, also before the first round).
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn pending(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        super::promise(async move {
            let n = crate::idb::read::pending(&inner.db()?).await?;
            Ok(JsValue::from_f64(n as f64))
        })
    }

    /// Pushes what is pending and pulls everything new; resolves with the status when
    /// this round is done, rejects with its error (`network`, `unauthorized`, ...).
    #[wasm_bindgen(unchecked_return_type = "Promise<SyncStatus>")]
    pub fn now(&self) -> js_sys::Promise {
        match self.inner.syncer.borrow().as_ref() {
            Some(s) => s.now(),
            None => js_sys::Promise::reject(
                &Failure::validation("serverUrl", "this store has no server to sync with").into(),
            ),
        }
    }
}
