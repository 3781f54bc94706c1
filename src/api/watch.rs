//! Subscriptions: `watch(topic, id, callback)` returns its own unsubscribe function.
//! A committed change notifies the topics it touched, in this tab at once and in the
//! other tabs through the tab channel.

use js_sys::Function;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use studio_core::client::Topic;
use studio_core::Id;
use wasm_bindgen::JsValue;

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Local,
    Tab,
    Remote,
}

#[derive(Serialize)]
struct Event {
    topic: &'static str,
    id: Option<Id>,
    origin: Origin,
}

/// The topic a `watch` call names.
pub fn parse_topic(name: &str, id: Option<Id>) -> Option<Topic> {
    Some(match (name, id) {
        ("projects", _) => Topic::Projects,
        ("tools", _) => Topic::Tools,
        ("project", Some(i)) => Topic::Project(i),
        ("files", Some(i)) => Topic::Files(i),
        ("canvas", Some(i)) => Topic::Canvas(i),
        ("executions", Some(i)) => Topic::Executions(i),
        ("execution", Some(i)) => Topic::Execution(i),
        ("templates", Some(i)) => Topic::Templates(i),
        ("chains", Some(i)) => Topic::Chains(i),
        ("renders", Some(i)) => Topic::Renders(i),
        _ => return None,
    })
}

fn describe(t: &Topic) -> (&'static str, Option<Id>) {
    match *t {
        Topic::Projects => ("projects", None),
        Topic::Tools => ("tools", None),
        Topic::Project(i) => ("project", Some(i)),
        Topic::Files(i) => ("files", Some(i)),
        Topic::Canvas(i) => ("canvas", Some(i)),
        Topic::Executions(i) => ("executions", Some(i)),
        Topic::Execution(i) => ("execution", Some(i)),
        Topic::Templates(i) => ("templates", Some(i)),
        Topic::Chains(i) => ("chains", Some(i)),
        Topic::Renders(i) => ("renders", Some(i)),
    }
}

#[derive(Default)]
pub struct Watchers {
    next: RefCell<u32>,
    subs: RefCell<BTreeMap<Topic, Vec<(u32, Function)>>>,
}

impl Watchers {
    pub fn add(self: &Rc<Self>, topic: Topic, callback: Function) -> u32 {
        let mut next = self.next.borrow_mut();
        *next += 1;
        let id = *next;
        self.subs
            .borrow_mut()
            .entry(topic)
            .or_default()
            .push((id, callback));
        id
    }

    pub fn remove(&self, topic: &Topic, id: u32) {
        if let Some(list) = self.subs.borrow_mut().get_mut(topic) {
            list.retain(|(i, _)| *i != id);
        }
    }

    /// Calls every subscriber of the topics. A throwing callback does not stop the
    /// others, nor the store.
    pub fn notify(&self, topics: &BTreeSet<Topic>, origin: Origin) {
        let calls: Vec<(Function, JsValue)> = {
            let subs = self.subs.borrow();
            topics
                .iter()
                .filter_map(|t| subs.get(t).map(|list| (t, list)))
                .flat_map(|(t, list)| {
                    let (topic, id) = describe(t);
                    let event = crate::idb::codec::to_js(&Event { topic, id, origin })
                        .unwrap_or(JsValue::NULL);
                    list.iter().map(move |(_, f)| (f.clone(), event.clone()))
                })
                .collect()
        };
        for (f, event) in calls {
            let _ = f.call1(&JsValue::NULL, &event);
        }
    }

    pub fn clear(&self) {
        self.subs.borrow_mut().clear();
    }
}
