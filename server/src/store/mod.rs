//! Rows of the target schema, read into and written from core's model types.

pub mod apps;
pub mod canvas;
pub mod graph;
pub mod projects;
pub mod render;

use crate::db::{DbError, DbResult, Row};
use serde::de::DeserializeOwned;

/// A TEXT enum column read into core's enum (CHECK constraints keep them valid).
pub(crate) fn enum_col<T: DeserializeOwned>(row: &Row, col: &str) -> DbResult<T> {
    let text = row.text(col)?;
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|e| DbError::Decode(format!("column {col}: {e}")))
}

/// A JSON column holding an object.
pub(crate) fn object_col(row: &Row, col: &str) -> DbResult<studio_core::json::JsonObject> {
    match row.json(col)? {
        serde_json::Value::Object(m) => Ok(m),
        serde_json::Value::Null => Ok(Default::default()),
        other => Err(DbError::Decode(format!(
            "column {col}: not an object: {other}"
        ))),
    }
}
