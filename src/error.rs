//! Errors as JavaScript sees them: an `Error` whose `code` is one of the stable codes
//! of `studio_core::ErrorCode`, with a message for people and `details` where known.
//! Every failure of the store reaches JS this way; nothing panics across the boundary.

use studio_core::client::engine::EngineError;
pub use studio_core::client::store::{Damage, StoreError};
use studio_core::{CoreError, ErrorCode};
use wasm_bindgen::{JsCast, JsValue};

pub fn internal(message: impl Into<String>) -> StoreError {
    StoreError::new(ErrorCode::Internal, message)
}

/// An IndexedDB failure, by the name of the `DOMException` behind it: names are
/// specified, messages differ between browsers and may say anything.
pub fn idb(e: indexed_db_futures::error::Error) -> StoreError {
    StoreError::new(idb_code(&e), format!("IndexedDB: {e}"))
}

/// The stable code of an IndexedDB error.
pub fn idb_code(e: &indexed_db_futures::error::Error) -> ErrorCode {
    use indexed_db_futures::error::{Error, JSError};
    match e {
        Error::DomException(d) => code_for_dom_name(&d.name()),
        // A DOMException the wrapper did not recognise as one (another realm's).
        Error::Unknown(JSError::Error(err)) => code_for_dom_name(&String::from(err.name())),
        _ => ErrorCode::Storage,
    }
}

/// The stable code for a `DOMException` name.
pub fn code_for_dom_name(name: &str) -> ErrorCode {
    match name {
        "QuotaExceededError" => ErrorCode::QuotaExceeded,
        // The connection is closing or closed (another tab's upgrade, `close()`).
        "InvalidStateError" => ErrorCode::Closed,
        // The database on disk is newer than this code.
        "VersionError" => ErrorCode::VersionBlocked,
        _ => ErrorCode::Storage,
    }
}

/// What the JS surface throws.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<serde_json::Value>,
    /// For `damaged`: the record (its store and key are also the `details`).
    pub damage: Option<Damage>,
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            details: None,
            damage: None,
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        CoreError::validation(field, message).into()
    }

    pub fn closed() -> Self {
        Failure::new(ErrorCode::Closed, "the store is closed")
    }
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        Failure {
            code: e.code(),
            message: e.to_string(),
            details: e.details(),
            damage: None,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure {
            code: e.code,
            message: e.message,
            details: e
                .damage
                .as_ref()
                .map(|d| serde_json::json!({ "store": d.store, "key": d.key })),
            damage: e.damage,
        }
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Rejected(e) => e.into(),
            EngineError::Store(e) => e.into(),
        }
    }
}

impl From<Failure> for JsValue {
    fn from(f: Failure) -> JsValue {
        let err = js_sys::Error::new(&f.message);
        err.set_name("StudioStoreError");
        let obj: &js_sys::Object = err.unchecked_ref();
        let _ = js_sys::Reflect::set(obj, &"code".into(), &f.code.as_str().into());
        if let Some(v) = f
            .details
            .as_ref()
            .and_then(|d| crate::idb::codec::to_js(d).ok())
        {
            let _ = js_sys::Reflect::set(obj, &"details".into(), &v);
        }
        err.into()
    }
}

/// A value from JS that does not have the expected shape: a validation error that
/// says where serde stopped.
pub fn bad_input(what: &str, e: impl std::fmt::Display) -> Failure {
    Failure::validation(what, e.to_string())
}
