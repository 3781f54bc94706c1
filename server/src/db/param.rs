//! Query parameters, bound the way each database stores them.

use serde_json::value::RawValue;
use serde_json::Value;
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::{AssertSqlSafe, Postgres, Sqlite};
use std::borrow::Cow;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Param {
    Id(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
    /// JSON text, serialized once from whatever the caller holds: a 10,000-node graph
    /// must not be copied into a `Value` first.
    Json(Option<Box<RawValue>>),
}

impl From<Uuid> for Param {
    fn from(v: Uuid) -> Self {
        Param::Id(Some(v))
    }
}
impl From<Option<Uuid>> for Param {
    fn from(v: Option<Uuid>) -> Self {
        Param::Id(v)
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(Some(v))
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(Some(v.to_owned()))
    }
}
impl From<&String> for Param {
    fn from(v: &String) -> Self {
        Param::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        Param::Text(v)
    }
}
impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Self {
        Param::Text(v.map(str::to_owned))
    }
}
impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}
impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}
impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}
impl From<Value> for Param {
    fn from(v: Value) -> Self {
        Param::Json(Some(raw(&v)))
    }
}
impl From<Option<Value>> for Param {
    fn from(v: Option<Value>) -> Self {
        Param::Json(v.as_ref().map(raw))
    }
}

/// Our own types and values always serialize; should one not, it is stored as `null`
/// rather than failing a write halfway.
fn raw<T: serde::Serialize + ?Sized>(v: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(v)
        .unwrap_or_else(|_| RawValue::from_string("null".to_owned()).expect("null is JSON"))
}

/// SQL with `$n` placeholders and its parameters. The SQL is always a constant of this
/// crate (or assembled from constants); values only ever travel as parameters.
#[derive(Debug, Clone)]
pub struct Query {
    sql: Cow<'static, str>,
    params: Vec<Param>,
}

impl Query {
    pub fn new(sql: impl Into<Cow<'static, str>>) -> Self {
        Query {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    pub fn bind(mut self, p: impl Into<Param>) -> Self {
        self.params.push(p.into());
        self
    }

    /// A JSON value serialized from any of our types.
    pub fn bind_json<T: serde::Serialize + ?Sized>(self, v: &T) -> Self {
        self.bind(Param::Json(Some(raw(v))))
    }

    pub(super) fn sqlite(self) -> sqlx::query::Query<'static, Sqlite, SqliteArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.sql.into_owned()));
        for p in self.params {
            q = match p {
                Param::Id(v) => q.bind(v.map(|u| u.hyphenated().to_string())),
                Param::Text(v) => q.bind(v),
                Param::Int(v) => q.bind(v),
                Param::Bool(v) => q.bind(v),
                Param::Json(v) => q.bind(v.map(|j| String::from(Box::<str>::from(j)))),
            };
        }
        q
    }

    pub(super) fn postgres(self) -> sqlx::query::Query<'static, Postgres, PgArguments> {
        let mut q = sqlx::query(AssertSqlSafe(self.sql.into_owned()));
        for p in self.params {
            q = match p {
                Param::Id(v) => q.bind(v),
                Param::Text(v) => q.bind(v),
                Param::Int(v) => q.bind(v),
                Param::Bool(v) => q.bind(v),
                Param::Json(v) => q.bind(v.map(sqlx::types::Json)),
            };
        }
        q
    }
}
