//! IndexedDB failures reach JS with the code their `DOMException` name gives, whatever
//! the browser's message says.

use super::lifecycle::raw_open;
use super::support::*;
use serde_json::json;
use studio_store::core::ErrorCode;
use studio_store::error::idb;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

fn dom_exception(name: &str, message: &str) -> indexed_db_futures::error::Error {
    let e =
        web_sys::DomException::new_with_message_and_name(message, name).expect("a DOMException");
    JsValue::from(e).into()
}

#[wasm_bindgen_test]
fn idb_errors_are_classified_by_the_dom_exception_name() {
    let cases = [
        ("QuotaExceededError", "", ErrorCode::QuotaExceeded),
        (
            "InvalidStateError",
            "The database connection is closed.",
            ErrorCode::Closed,
        ),
        ("VersionError", "", ErrorCode::VersionBlocked),
        // Messages mislead: only the name counts.
        (
            "NotFoundError",
            "the object store was closed over",
            ErrorCode::Storage,
        ),
        (
            "DataError",
            "QuotaExceeded is in this key",
            ErrorCode::Storage,
        ),
        (
            "UnknownError",
            "VersionError, as a message",
            ErrorCode::Storage,
        ),
        ("InvalidStateError", "no word for it", ErrorCode::Closed),
    ];
    for (name, message, code) in cases {
        let got = idb(dom_exception(name, message)).code;
        assert_eq!(got, code, "{name}: {message:?}");
    }
    // Not a DOMException at all: storage.
    let e: indexed_db_futures::error::Error =
        JsValue::from(js_sys::Error::new("connection closed")).into();
    assert_eq!(idb(e).code, ErrorCode::Storage);
}

/// A database on disk at a version newer than this code (a newer app's, then this one
/// loaded again): `version_blocked`, from the real `VersionError`.
#[wasm_bindgen_test]
async fn a_newer_database_on_disk_fails_open_with_version_blocked() {
    let name = fresh_name("newer");
    raw_open(&name, 1_000).await.close();
    let err = open_with(json!({ "name": name }))
        .await
        .err()
        .expect("cannot open a newer database");
    assert_eq!(err["code"], "version_blocked", "{err}");
}
