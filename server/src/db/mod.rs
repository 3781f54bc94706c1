//! One database layer for SQLite and PostgreSQL. SQL is written once with `$n`
//! placeholders (both drivers accept them); parameters and rows go through small enums
//! that know how each database stores ids (UUID / TEXT), JSON (JSONB / TEXT) and
//! booleans, so nothing above this module knows which database it talks to.
//!
//! Storage conventions, the same on both: timestamps are BIGINT/INTEGER milliseconds
//! since the epoch (the wire's `Millis`, no conversion anywhere); ids are UUID on
//! PostgreSQL and hyphenated TEXT on SQLite; JSON is JSONB on PostgreSQL and TEXT on
//! SQLite; booleans are BOOLEAN / INTEGER 0|1.

mod param;
mod row;

pub use param::{Param, Query};
pub use row::Row;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Postgres, Sqlite, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use studio_core::ErrorCode;

pub type DbResult<T> = Result<T, DbError>;

/// A database failure. Its text stays in the server's log; clients get a generic 500.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data: {0}")]
    Decode(String),
    /// An invariant of ours broke (a bug, never a caller's fault).
    #[error("invariant: {0}")]
    Invariant(String),
    #[error("{0}")]
    Setup(String),
}

impl DbError {
    /// The rejection a statement's failure earns when its cause is the data it was
    /// given — the same on every retry, so a 5xx would jam the client for good: a broken
    /// constraint is a `conflict`, a value the database cannot hold a `validation`.
    /// `None` when a retry may succeed (connection, I/O, lock, timeout) or the fault is
    /// ours (stored data we cannot read): those stay a 5xx and the client keeps its edit.
    pub fn rejection_code(&self) -> Option<ErrorCode> {
        match self {
            DbError::Sqlx(sqlx::Error::Database(e)) => {
                let code = e.code().unwrap_or_default();
                if e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some()
                {
                    postgres_rejection(&code)
                } else {
                    sqlite_rejection(&code)
                }
            }
            // The driver could not encode a parameter: a value of the mutation.
            DbError::Sqlx(sqlx::Error::Encode(_)) => Some(ErrorCode::Validation),
            _ => None,
        }
    }
}

/// By SQLSTATE class: 23 integrity constraint violation, 22 data exception (such as a
/// NUL in text), 54 program limit exceeded (such as an index row too large).
fn postgres_rejection(sqlstate: &str) -> Option<ErrorCode> {
    match sqlstate.get(..2) {
        Some("23") => Some(ErrorCode::Conflict),
        Some("22" | "54") => Some(ErrorCode::Validation),
        _ => None,
    }
}

/// By primary result code (the low byte of the extended code sqlx reports). Codes that
/// mean a bug of ours (a misbound parameter, a bad statement) are not the value's fault
/// and stay a 5xx.
fn sqlite_rejection(extended: &str) -> Option<ErrorCode> {
    const CONSTRAINT: i64 = 19;
    const TOOBIG: i64 = 18;
    const MISMATCH: i64 = 20;
    match extended.parse::<i64>().ok()? & 0xff {
        CONSTRAINT => Some(ErrorCode::Conflict),
        TOOBIG | MISMATCH => Some(ErrorCode::Validation),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone)]
enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// A handle on the database: cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Opens `url`: `postgres://` / `postgresql://` for PostgreSQL, anything else is a
    /// SQLite path or `sqlite:` URL whose file (and directory) is created when missing.
    pub async fn connect(url: &str) -> DbResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?.disable_statement_logging();
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            return Ok(Db {
                pool: Pool::Postgres(pool),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbError::Setup(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before its push is answered, even across a
            // power loss; a push commits once per run, so this costs one fsync per run.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await?;
        Ok(Db {
            pool: Pool::Sqlite(pool),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// PostgreSQL `NOTIFY`: a message to every instance listening on `channel`.
    pub async fn notify(&self, channel: &str, payload: &str) -> DbResult<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            Query::new("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload),
        )
        .await?;
        tx.commit().await
    }

    /// On PostgreSQL, a listener for `channel`'s notifications (it reconnects by itself
    /// when its connection drops); on SQLite, none: there is one instance.
    pub fn listener(&self, channel: &'static str) -> Option<Listener> {
        match &self.pool {
            Pool::Sqlite(_) => None,
            Pool::Postgres(p) => Some(Listener {
                pool: p.clone(),
                channel,
                inner: None,
            }),
        }
    }

    /// Applies the schema migrations of this database.
    pub async fn migrate(&self) -> DbResult<()> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// A plain transaction: for reads, and for schema changes outside the change log.
    pub async fn begin(&self) -> DbResult<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A transaction for writes. Its first statement locks the change-sequence counter
    /// row, so writes are serialized across connections and server instances: checks
    /// such as "is this slug free" stay true until commit, and commits happen in seq
    /// order, so a puller never misses a row committed later with a smaller seq.
    pub async fn write(&self) -> DbResult<Tx> {
        let mut tx = match &self.pool {
            // IMMEDIATE takes SQLite's write lock up front: no deadlock between two
            // deferred transactions that both want to upgrade.
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        };
        tx.execute(Query::new("UPDATE seq_counter SET v = v WHERE id = 1"))
            .await?;
        Ok(tx)
    }

    pub async fn fetch_optional(&self, q: Query) -> DbResult<Option<Row>> {
        let mut tx = self.begin().await?;
        let row = tx.fetch_optional(q).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// An open transaction on either database.
/// A PostgreSQL `LISTEN`, connected on first use.
pub struct Listener {
    pool: sqlx::PgPool,
    channel: &'static str,
    inner: Option<sqlx::postgres::PgListener>,
}

impl Listener {
    /// The next notification's payload.
    pub async fn recv(&mut self) -> DbResult<String> {
        let listener = match &mut self.inner {
            Some(l) => l,
            None => {
                let mut l = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
                l.listen(self.channel).await?;
                self.inner.insert(l)
            }
        };
        Ok(listener.recv().await?.payload().to_owned())
    }
}

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn execute(&mut self, q: Query) -> DbResult<u64> {
        Ok(match self {
            Tx::Sqlite(tx) => q.sqlite().execute(&mut **tx).await?.rows_affected(),
            Tx::Postgres(tx) => q.postgres().execute(&mut **tx).await?.rows_affected(),
        })
    }

    /// Runs several statements without parameters (schema changes).
    pub async fn execute_script(&mut self, sql: &str) -> DbResult<()> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            Tx::Sqlite(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
            }
            Tx::Postgres(tx) => {
                sqlx::raw_sql(sql).execute(&mut **tx).await?;
            }
        }
        Ok(())
    }

    pub async fn fetch_all(&mut self, q: Query) -> DbResult<Vec<Row>> {
        Ok(match self {
            Tx::Sqlite(tx) => q
                .sqlite()
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Tx::Postgres(tx) => q
                .postgres()
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(Row::Postgres)
                .collect(),
        })
    }

    pub async fn fetch_optional(&mut self, q: Query) -> DbResult<Option<Row>> {
        Ok(match self {
            Tx::Sqlite(tx) => q.sqlite().fetch_optional(&mut **tx).await?.map(Row::Sqlite),
            Tx::Postgres(tx) => q
                .postgres()
                .fetch_optional(&mut **tx)
                .await?
                .map(Row::Postgres),
        })
    }

    pub async fn fetch_one(&mut self, q: Query) -> DbResult<Row> {
        self.fetch_optional(q)
            .await?
            .ok_or_else(|| DbError::Decode("expected a row".into()))
    }

    /// A savepoint: what a rejected mutation rolls back to, keeping the transaction
    /// (and on PostgreSQL a transaction that saw an error) usable.
    pub async fn savepoint(&mut self) -> DbResult<()> {
        self.execute(Query::new("SAVEPOINT mutation"))
            .await
            .map(drop)
    }

    pub async fn rollback_to_savepoint(&mut self) -> DbResult<()> {
        self.execute(Query::new("ROLLBACK TO SAVEPOINT mutation"))
            .await?;
        self.release_savepoint().await
    }

    pub async fn release_savepoint(&mut self) -> DbResult<()> {
        self.execute(Query::new("RELEASE SAVEPOINT mutation"))
            .await
            .map(drop)
    }

    pub async fn commit(self) -> DbResult<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> DbResult<()> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod rejection_tests;
#[cfg(test)]
mod schema_tests;
