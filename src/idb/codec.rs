//! Records to and from the JS objects IndexedDB stores, and units to store keys.
//! Stored objects use the model's snake_case JSON shape, so what a tab, the server and
//! the devtools show is the same document.

use super::schema::v1;
use crate::error::{internal, StoreError};
use js_sys::Array;
use serde::de::DeserializeOwned;
use serde::Serialize;
use studio_core::client::store::Damage;
use studio_core::client::{Record, Unit};
use wasm_bindgen::JsValue;

/// How every value crosses into JS: as JSON text, parsed by the engine's native
/// `JSON.parse`. One serde code path (serde_json) for all of the crate keeps the package
/// small, and native parsing is fast for big documents (a 10k-node graph).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, StoreError> {
    let text = serde_json::to_string(value)
        .map_err(|e| internal(format!("cannot encode a record: {e}")))?;
    js_sys::JSON::parse(&text).map_err(|_| internal("cannot encode a record"))
}

/// A JS value as JSON text; `None` for what JSON cannot hold (BigInt, cycles).
pub fn json_text(value: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
}

/// Reads a stored document; a damaged one is a `damaged` error naming its store and key.
pub fn from_js<T: DeserializeOwned>(store: &str, value: JsValue) -> Result<T, StoreError> {
    let Some(text) = json_text(&value) else {
        return Err(damaged_record(store, &value, "is not JSON"));
    };
    serde_json::from_str(&text).map_err(|e| damaged_record(store, &value, &e.to_string()))
}

/// The `damaged` error of a stored value that does not decode.
pub fn damaged_record(store: &str, value: &JsValue, why: &str) -> StoreError {
    let key = key_of(store, value);
    let message = format!("the record {key} in {store} is damaged: {why}");
    StoreError::damaged(
        Damage {
            store: store.to_owned(),
            key,
        },
        message,
    )
}

/// A stored value's primary key, as text: the store's key path read from the value
/// (IndexedDB only stores a value whose key path yields a key, so even a damaged record
/// has it). The meta store keys out of line; its one decoded document is the sync meta.
pub fn key_of(store: &str, value: &JsValue) -> String {
    let field =
        |name: &str| js_sys::Reflect::get(value, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let key = match store {
        v1::META => return super::txn::META_KEY.to_owned(),
        v1::GRAPHS => field("file_id"),
        v1::BUCKETS => Array::of3(&field("file_id"), &field("kind"), &field("bucket")).into(),
        v1::OUTBOX => field("seq"),
        _ => field("id"),
    };
    key.as_string()
        .or_else(|| json_text(&key))
        .unwrap_or_else(|| "?".to_owned())
}

/// The store and key of a unit.
pub fn locate(unit: &Unit) -> (&'static str, JsValue) {
    let id = |id: &studio_core::Id| JsValue::from_str(&id.to_string());
    let bucket = |file: &studio_core::Id, kind: &str, b: u16| -> JsValue {
        Array::of3(
            &id(file),
            &JsValue::from_str(kind),
            &JsValue::from_f64(f64::from(b)),
        )
        .into()
    };
    match unit {
        Unit::Project(i) => (v1::PROJECTS, id(i)),
        Unit::File(i) => (v1::FILES, id(i)),
        Unit::Graph(f) => (v1::GRAPHS, id(f)),
        Unit::NodeBucket(f, b) => (v1::BUCKETS, bucket(f, "n", *b)),
        Unit::EdgeBucket(f, b) => (v1::BUCKETS, bucket(f, "e", *b)),
        Unit::Tool(i) => (v1::TOOLS, id(i)),
        Unit::Execution(i) => (v1::EXECUTIONS, id(i)),
        Unit::Template(i) => (v1::TEMPLATES, id(i)),
        Unit::Chain(i) => (v1::CHAINS, id(i)),
        Unit::Render(i) => (v1::RENDERS, id(i)),
    }
}

pub fn encode(record: &Record) -> Result<JsValue, StoreError> {
    match record {
        Record::Project(r) => to_js(r),
        Record::File(r) => to_js(r),
        Record::Graph(r) => to_js(r),
        Record::Nodes(r) => to_js(r),
        Record::Edges(r) => to_js(r),
        Record::Tool(r) => to_js(r),
        Record::Execution(r) => to_js(r),
        Record::Template(r) => to_js(r),
        Record::Chain(r) => to_js(r),
        Record::Render(r) => to_js(r),
    }
}

/// Decodes a stored document of `store` into the record it holds.
pub fn decode(store: &str, value: JsValue) -> Result<Record, StoreError> {
    Ok(match store {
        v1::PROJECTS => Record::Project(from_js(store, value)?),
        v1::FILES => Record::File(from_js(store, value)?),
        v1::GRAPHS => Record::Graph(from_js(store, value)?),
        v1::BUCKETS => {
            let kind = js_sys::Reflect::get(&value, &"kind".into())
                .ok()
                .and_then(|k| k.as_string());
            match kind.as_deref() {
                Some("n") => Record::Nodes(from_js(store, value)?),
                Some("e") => Record::Edges(from_js(store, value)?),
                _ => return Err(damaged_record(store, &value, "it has no kind")),
            }
        }
        v1::TOOLS => Record::Tool(from_js(store, value)?),
        v1::EXECUTIONS => Record::Execution(from_js(store, value)?),
        v1::TEMPLATES => Record::Template(from_js(store, value)?),
        v1::CHAINS => Record::Chain(from_js(store, value)?),
        v1::RENDERS => Record::Render(from_js(store, value)?),
        other => return Err(internal(format!("no records live in {other}"))),
    })
}
