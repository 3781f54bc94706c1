//! Result rows, read the way each database stores them.

use super::{DbError, DbResult};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row as _;
use uuid::Uuid;

pub enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

fn err(col: &str, e: impl std::fmt::Display) -> DbError {
    DbError::Decode(format!("column {col}: {e}"))
}

impl Row {
    pub fn opt_id(&self, col: &str) -> DbResult<Option<Uuid>> {
        match self {
            Row::Sqlite(r) => {
                let s: Option<String> = r.try_get(col).map_err(|e| err(col, e))?;
                s.map(|s| Uuid::parse_str(&s).map_err(|e| err(col, e)))
                    .transpose()
            }
            Row::Postgres(r) => r.try_get(col).map_err(|e| err(col, e)),
        }
    }

    pub fn id(&self, col: &str) -> DbResult<Uuid> {
        self.opt_id(col)?.ok_or_else(|| err(col, "is null"))
    }

    pub fn opt_text(&self, col: &str) -> DbResult<Option<String>> {
        match self {
            Row::Sqlite(r) => r.try_get(col).map_err(|e| err(col, e)),
            Row::Postgres(r) => r.try_get(col).map_err(|e| err(col, e)),
        }
    }

    pub fn text(&self, col: &str) -> DbResult<String> {
        self.opt_text(col)?.ok_or_else(|| err(col, "is null"))
    }

    pub fn opt_i64(&self, col: &str) -> DbResult<Option<i64>> {
        match self {
            Row::Sqlite(r) => r.try_get(col).map_err(|e| err(col, e)),
            Row::Postgres(r) => r.try_get(col).map_err(|e| err(col, e)),
        }
    }

    pub fn i64(&self, col: &str) -> DbResult<i64> {
        self.opt_i64(col)?.ok_or_else(|| err(col, "is null"))
    }

    pub fn bool(&self, col: &str) -> DbResult<bool> {
        match self {
            Row::Sqlite(r) => r.try_get(col).map_err(|e| err(col, e)),
            Row::Postgres(r) => r.try_get(col).map_err(|e| err(col, e)),
        }
    }

    pub fn opt_json(&self, col: &str) -> DbResult<Option<Value>> {
        match self {
            Row::Sqlite(r) => {
                let s: Option<String> = r.try_get(col).map_err(|e| err(col, e))?;
                s.map(|s| serde_json::from_str(&s).map_err(|e| err(col, e)))
                    .transpose()
            }
            Row::Postgres(r) => {
                let v: Option<sqlx::types::Json<Value>> =
                    r.try_get(col).map_err(|e| err(col, e))?;
                Ok(v.map(|j| j.0))
            }
        }
    }

    pub fn json(&self, col: &str) -> DbResult<Value> {
        self.opt_json(col)?.ok_or_else(|| err(col, "is null"))
    }

    /// A JSON column read straight into one of our types (no `Value` in between: a
    /// big graph is parsed once).
    pub fn json_as<T: serde::de::DeserializeOwned>(&self, col: &str) -> DbResult<T> {
        match self {
            Row::Sqlite(r) => {
                let s: &str = r.try_get(col).map_err(|e| err(col, e))?;
                serde_json::from_str(s).map_err(|e| err(col, e))
            }
            Row::Postgres(r) => {
                let v: sqlx::types::Json<T> = r.try_get(col).map_err(|e| err(col, e))?;
                Ok(v.0)
            }
        }
    }
}
