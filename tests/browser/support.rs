//! Calling the store as JS does: JSON in, promises, thrown errors with codes.

#![allow(dead_code)]

use serde_json::Value;
use studio_store::api::StudioStore;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A database name no other test uses.
pub fn fresh_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

pub fn js(v: Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).expect("json")
}

pub fn json(v: &JsValue) -> Value {
    if v.is_undefined() {
        return Value::Null;
    }
    let text = js_sys::JSON::stringify(v)
        .expect("stringify")
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Awaits a promise; Err carries the thrown error as `{name, code, message}`.
pub async fn call(p: js_sys::Promise) -> Result<Value, Value> {
    match JsFuture::from(p).await {
        Ok(v) => Ok(json(&v)),
        Err(e) => Err(error_json(&e)),
    }
}

pub fn error_json(e: &JsValue) -> Value {
    let get = |k: &str| {
        js_sys::Reflect::get(e, &k.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    serde_json::json!({ "name": get("name"), "code": get("code"), "message": get("message") })
}

pub async fn ok(p: js_sys::Promise) -> Value {
    match call(p).await {
        Ok(v) => v,
        Err(e) => panic!("unexpected error {e}"),
    }
}

/// Expects a rejection with the given code.
pub async fn fails(p: js_sys::Promise, code: &str) -> Value {
    match call(p).await {
        Ok(v) => panic!("expected {code}, got {v}"),
        Err(e) => {
            assert_eq!(e["code"], code, "wrong error: {e}");
            assert_eq!(e["name"], "StudioStoreError");
            e
        }
    }
}

pub async fn open_with(options: Value) -> Result<StudioStore, Value> {
    match JsFuture::from(StudioStore::open(js(options))).await {
        Ok(v) => Ok(v.unchecked_into_store()),
        Err(e) => Err(error_json(&e)),
    }
}

pub async fn open(name: &str) -> StudioStore {
    open_with(serde_json::json!({ "name": name }))
        .await
        .expect("open")
}

/// wasm-bindgen hands the store back as a JS object; take it back as the Rust type.
pub trait IntoStore {
    fn unchecked_into_store(self) -> StudioStore;
}

impl IntoStore for JsValue {
    fn unchecked_into_store(self) -> StudioStore {
        use wasm_bindgen::convert::TryFromJsValue;
        StudioStore::try_from_js_value(self).expect("a StudioStore")
    }
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A project and a file in it, for tests about files and graphs.
pub async fn project_and_file(store: &StudioStore) -> (Value, Value) {
    let p = ok(store
        .projects()
        .create(js(serde_json::json!({ "name": "Villa" }))))
    .await;
    let f = ok(store.canvas().create_file(js(
        serde_json::json!({ "projectId": p["id"], "name": "Ground floor" }),
    )))
    .await;
    (p, f)
}

pub fn node(id: &str, x: f64) -> Value {
    serde_json::json!({ "id": id, "type": "image", "position": { "x": x, "y": 0 }, "data": {} })
}

/// Lets pending microtasks and timers run.
pub async fn tick(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let g = js_sys::global();
        let f: js_sys::Function = js_sys::Reflect::get(&g, &"setTimeout".into())
            .unwrap()
            .unchecked_into();
        let _ = f.call2(&JsValue::NULL, &resolve, &JsValue::from(ms));
    });
    let _ = JsFuture::from(p).await;
}
