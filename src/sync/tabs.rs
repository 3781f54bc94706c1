//! Other tabs of the same database: a BroadcastChannel carries which topics a commit
//! touched (so every tab's watchers fire) and "the outbox grew" (so the syncing tab
//! pushes soon).

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use studio_core::client::Topic;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TabMessage {
    /// A commit in another tab touched these topics.
    Changed { topics: Vec<Topic>, remote: bool },
    /// Another tab added to the outbox.
    OutboxGrew,
    /// Another tab's `sync.now()`: the syncing tab runs a round even if it would not.
    SyncNow,
    /// Another tab's sync status, for tabs that do not sync themselves.
    Status { status: serde_json::Value },
}

pub struct Tabs {
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Tabs {
    /// Joins the channel of database `name`; `on_message` gets every message of other tabs.
    pub fn join(name: &str, mut on_message: impl FnMut(TabMessage) + 'static) -> Option<Tabs> {
        let channel = BroadcastChannel::new(&format!("studio-store/{name}")).ok()?;
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            if let Ok(msg) = crate::idb::codec::from_js::<TabMessage>("the tab channel", ev.data())
            {
                on_message(msg);
            }
        });
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        Some(Tabs {
            channel,
            _on_message: handler,
        })
    }

    pub fn send(&self, msg: &TabMessage) {
        if let Ok(v) = crate::idb::codec::to_js(msg) {
            let _ = self.channel.post_message(&v);
        }
    }

    pub fn changed(&self, topics: &BTreeSet<Topic>, remote: bool) {
        if !topics.is_empty() {
            self.send(&TabMessage::Changed {
                topics: topics.iter().copied().collect(),
                remote,
            });
        }
    }
}

impl Drop for Tabs {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

/// A JS value for status messages.
pub fn status_value(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
