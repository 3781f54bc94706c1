//! One syncing tab per database, by Web Locks: every tab asks for the same lock; the
//! holder syncs until it closes, then the next waiting tab gets it (the handover).

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Holds (or waits for) the lock; dropping it lets the lock go.
pub struct Leadership {
    release: Rc<RefCell<Option<js_sys::Function>>>,
    /// Cancels a request still waiting, so the callback never runs after a drop.
    abort: Option<web_sys::AbortController>,
    _granted: Option<Closure<dyn FnMut(JsValue) -> js_sys::Promise>>,
}

impl Leadership {
    /// Asks for the lock; `on_granted` runs once this tab holds it. Without Web Locks
    /// (old browsers, some workers) the tab leads at once.
    pub fn request(name: &str, on_granted: impl FnOnce() + 'static) -> Leadership {
        let release: Rc<RefCell<Option<js_sys::Function>>> = Rc::new(RefCell::new(None));
        let locks = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
            .ok()
            .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()).ok())
            .filter(|l| !l.is_undefined() && !l.is_null());
        let Some(locks) = locks else {
            on_granted();
            return Leadership {
                release,
                abort: None,
                _granted: None,
            };
        };
        let slot = release.clone();
        let mut on_granted = Some(on_granted);
        let granted =
            Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_lock: JsValue| {
                // The lock is held until this promise settles: keep its resolve for release.
                let slot = slot.clone();
                let held = js_sys::Promise::new(&mut |resolve, _| {
                    *slot.borrow_mut() = Some(resolve);
                });
                if let Some(f) = on_granted.take() {
                    f();
                }
                held
            });
        let request = js_sys::Reflect::get(&locks, &"request".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let abort = web_sys::AbortController::new().ok();
        let options = js_sys::Object::new();
        if let Some(a) = &abort {
            let _ = js_sys::Reflect::set(&options, &"signal".into(), &a.signal());
        }
        if let Some(request) = request {
            let lock_name = JsValue::from_str(&format!("studio-store-sync/{name}"));
            if let Ok(p) = request.call3(
                &locks,
                &lock_name,
                &options,
                granted.as_ref().unchecked_ref(),
            ) {
                // An aborted wait rejects; that is expected, not an error to report.
                if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
                    let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
                    let _ = p.catch(&ignore);
                    ignore.forget();
                }
            }
        }
        Leadership {
            release,
            abort,
            _granted: Some(granted),
        }
    }
}

impl Drop for Leadership {
    fn drop(&mut self) {
        if let Some(a) = &self.abort {
            a.abort();
        }
        if let Some(resolve) = self.release.borrow_mut().take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}
