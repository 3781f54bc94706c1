//! Small browser helpers: time, timers, racing futures.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use wasm_bindgen::{JsCast, JsValue};

/// Milliseconds since the epoch, from the JS clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Resolves after `ms` milliseconds (window or worker: whatever `setTimeout` is global).
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let set_timeout = js_sys::Reflect::get(&js_sys::global(), &"setTimeout".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        match set_timeout {
            Some(f) => {
                let _ = f.call2(&JsValue::NULL, &resolve, &JsValue::from_f64(f64::from(ms)));
            }
            None => {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The first of two futures to finish; the other is dropped.
pub async fn race<A: Future, B: Future>(a: A, b: B) -> Result<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Err(v));
        }
        Poll::Pending
    })
    .await
}
