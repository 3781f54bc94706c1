//! Damaged records as the app hears of them. A read that meets a record which does not
//! decode skips it (a list) or fails with `damaged` (the record asked for); either way
//! the record is set aside and, where a server has it, fetched again (`idb::repair`),
//! and `store.onDamaged(cb)` hears `{store, key, message, action}`.

use super::Inner;
use crate::error::{Failure, StoreError};
use crate::idb::repair::{set_aside, Repair};
use js_sys::Function;
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;

thread_local! {
    /// The open stores of this page, by database name: where a read reports damage.
    static OPEN: RefCell<Vec<(String, Weak<Inner>)>> = const { RefCell::new(Vec::new()) };
}

#[derive(Debug, Clone, Serialize)]
struct DamageEvent {
    store: String,
    key: String,
    message: String,
    /// `refetch` (the server's copy comes with the next sync), `set_aside` (nothing can
    /// bring it back; a pending edit's seq is kept by a placeholder), or `rebuilt` (the sync meta, at open).
    action: &'static str,
}

/// The `onDamaged` subscribers; events before the first one are kept for it (damage
/// found while opening).
#[derive(Default)]
pub(crate) struct DamageEvents {
    subs: RefCell<Vec<(u32, Function)>>,
    unheard: RefCell<Vec<DamageEvent>>,
    next: Cell<u32>,
}

impl DamageEvents {
    pub fn subscribe(&self, f: Function) -> u32 {
        let id = self.next.get() + 1;
        self.next.set(id);
        for e in self.unheard.borrow_mut().drain(..) {
            let _ = f.call1(&JsValue::NULL, &event_js(&e));
        }
        self.subs.borrow_mut().push((id, f));
        id
    }

    pub fn unsubscribe(&self, id: u32) {
        self.subs.borrow_mut().retain(|(i, _)| *i != id);
    }

    fn emit(&self, e: DamageEvent) {
        let subs: Vec<Function> = self.subs.borrow().iter().map(|(_, f)| f.clone()).collect();
        if subs.is_empty() {
            self.unheard.borrow_mut().push(e);
            return;
        }
        let v = event_js(&e);
        for f in subs {
            let _ = f.call1(&JsValue::NULL, &v);
        }
    }
}

fn event_js(e: &DamageEvent) -> JsValue {
    crate::idb::codec::to_js(e).unwrap_or(JsValue::NULL)
}

pub(crate) fn register(inner: &Rc<Inner>) {
    OPEN.with(|open| {
        let mut open = open.borrow_mut();
        open.retain(|(_, w)| w.strong_count() > 0);
        open.push((inner.name.clone(), Rc::downgrade(inner)));
    });
}

/// A read met damage in database `db_name`: repair it in the background and report it.
pub(crate) fn found(db_name: &str, e: &StoreError) {
    if e.damage.is_none() {
        return;
    }
    let inner = OPEN.with(|open| {
        open.borrow()
            .iter()
            .filter(|(name, _)| name == db_name)
            .find_map(|(_, w)| w.upgrade())
    });
    if let Some(inner) = inner {
        let failure = Failure::from(e.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let _ = inner.repair(&failure).await;
        });
    }
}

impl Inner {
    /// Sets the damaged record of `f` aside and reports it; whether there was damage to
    /// repair (a caller may then retry what failed).
    pub async fn repair(&self, f: &Failure) -> Result<bool, Failure> {
        let Some(d) = &f.damage else {
            return Ok(false);
        };
        let has_server = self.syncer.borrow().is_some();
        let repair = set_aside(&self.db()?, d, has_server).await?;
        if repair != Repair::Gone {
            self.damage.emit(DamageEvent {
                store: d.store.clone(),
                key: d.key.clone(),
                message: f.message.clone(),
                action: repair.as_str(),
            });
        }
        if repair == Repair::Refetch {
            if let Some(s) = self.syncer.borrow().as_ref() {
                s.round_requested();
            }
        }
        Ok(true)
    }

    /// Damage found while opening (the sync meta), reported once someone listens.
    pub fn report_at_open(&self, store: &str, key: &str, message: &str) {
        self.damage.emit(DamageEvent {
            store: store.to_owned(),
            key: key.to_owned(),
            message: message.to_owned(),
            action: "rebuilt",
        });
    }
}
