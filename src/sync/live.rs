//! The server's poke channel (`GET /api/events`, server README "Live"): a streamed
//! response whose `poke` events each ask the sync loop for a round now, so an edit on
//! another device arrives in about a round trip instead of at the next poll. Only the
//! syncing tab listens, and only with automatic sync on. When the channel is down (an
//! older server, a proxy that buffers streams, offline) the loop polls as before; the
//! channel reconnects with backoff, and each (re)connection asks for a round, since
//! pokes sent while it was down are gone.

use super::{backoff_ms, Syncer};
use crate::util::sleep;
use js_sys::{Reflect, Uint8Array};
use std::rc::Weak;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStream, ReadableStreamDefaultReader};

/// Server-Sent Events' `event:` name of one block (`None` for a keep-alive comment).
fn event_name(block: &str) -> Option<&str> {
    block
        .lines()
        .find_map(|l| l.strip_prefix("event:").map(str::trim))
}

/// Listens for as long as the store syncs.
pub(super) async fn listen(me: Weak<Syncer>) {
    let mut failures = 0;
    loop {
        let Some(s) = me.upgrade().filter(|s| !s.stopped.get()) else {
            return;
        };
        let Ok(abort) = AbortController::new() else {
            return;
        };
        *s.live_abort.borrow_mut() = Some(abort.clone());
        let opened = s.server.events(s.client_id, &abort.signal()).await;
        drop(s);
        let heard = match opened {
            Ok(stream) => read_events(&me, stream).await,
            Err(_) => false,
        };
        if let Some(s) = me.upgrade() {
            s.update(|st| st.live = false);
        }
        failures = if heard { 1 } else { failures + 1 };
        sleep(backoff_ms(failures)).await;
    }
}

/// Reads events until the stream ends or fails; whether any arrived.
async fn read_events(me: &Weak<Syncer>, stream: ReadableStream) -> bool {
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut buf = String::new();
    let mut heard = false;
    loop {
        let Ok(chunk) = JsFuture::from(reader.read()).await else {
            return heard;
        };
        let done = Reflect::get(&chunk, &JsValue::from_str("done"))
            .map(|d| d.as_bool() != Some(false))
            .unwrap_or(true);
        let Some(s) = me.upgrade().filter(|s| !s.stopped.get()) else {
            return heard;
        };
        if done {
            return heard;
        }
        if let Ok(value) = Reflect::get(&chunk, &JsValue::from_str("value")) {
            let bytes: Uint8Array = value.unchecked_into();
            buf.push_str(&String::from_utf8_lossy(&bytes.to_vec()));
        }
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            match event_name(&block) {
                Some("ready") => {
                    heard = true;
                    s.update(|st| st.live = true);
                    s.poked();
                }
                Some("poke") => s.poked(),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::event_name;

    #[test]
    fn events_are_named_and_comments_are_not() {
        assert_eq!(event_name("event: poke\ndata: {}\n\n"), Some("poke"));
        assert_eq!(event_name(":\n\n"), None);
    }
}
