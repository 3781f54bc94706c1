//! A full disk. Headless browsers give a site a quota of a large share of the disk, and
//! a wasm-bindgen test cannot reach CDP's `Storage.overrideQuotaForOrigin`, so the full
//! disk is injected where Chromium reports it: the transaction's commit aborts with the
//! transaction's `error` a `QuotaExceededError` DOMException and no failed request.
//! The IndexedDB work before it is real. The status shows persistence and storage use.

use super::support::*;
use super::sync::{device, sync};
use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

/// The next transaction commit fails as on a full disk in Chromium.
fn fill_the_disk_for_one_commit() {
    js_sys::eval(
        r#"
        (() => {
          const real = IDBTransaction.prototype.commit;
          IDBTransaction.prototype.commit = function () {
            IDBTransaction.prototype.commit = real;
            Object.defineProperty(this, "error", {
              value: new DOMException("The quota has been exceeded.", "QuotaExceededError"),
              configurable: true,
            });
            this.abort();
          };
        })()
        "#,
    )
    .expect("inject");
}

#[wasm_bindgen_test]
async fn a_full_disk_is_quota_exceeded_and_changes_nothing() {
    let store = open(&fresh_name("quota")).await;
    let kept = ok(store.projects().create(js(json!({ "name": "Kept" })))).await;
    fill_the_disk_for_one_commit();
    let e = fails(
        store.projects().create(js(json!({ "name": "Too much" }))),
        "quota_exceeded",
    )
    .await;
    assert!(e["message"].as_str().unwrap().contains("full"), "{e}");
    let list = ok(store.projects().list()).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "nothing half-written: {list}"
    );
    assert_eq!(list[0]["id"], kept["id"]);
    // With room again, edits work.
    ok(store.projects().create(js(json!({ "name": "Later" })))).await;
}

/// Polls the status until the storage figures are in.
async fn status_with_storage(status: impl Fn() -> serde_json::Value) -> serde_json::Value {
    for _ in 0..100 {
        let s = status();
        if s["storageQuota"].is_number() && s["persisted"].is_boolean() {
            return s;
        }
        tick(50).await;
    }
    status()
}

#[wasm_bindgen_test]
async fn the_status_shows_persistence_and_storage_use() {
    let local = open(&fresh_name("storage-local")).await;
    let s = status_with_storage(|| json(&local.sync().status())).await;
    assert!(s["persisted"].is_boolean(), "{s}");
    assert!(s["storageQuota"].as_f64().unwrap() > 0.0, "{s}");
    assert!(s["storageUsage"].is_number(), "{s}");
    assert_eq!(s["state"], "local");

    let synced = device(&fresh_name("storage-synced"), 'a').await;
    sync(&synced).await;
    let s = status_with_storage(|| json(&synced.sync().status())).await;
    assert!(s["persisted"].is_boolean(), "{s}");
    assert!(s["storageQuota"].as_f64().unwrap() > 0.0, "{s}");
    assert!(s["storageUsage"].is_number(), "{s}");
}
