//! `migrate-legacy`: phases 1–3 of the seed's migration, in place.
//!
//! 1. The legacy tables are renamed `legacy_*` (kept as a read-only archive), the target
//!    schema is created by the regular migrations and the tool catalog is loaded
//!    (phase 1: tools).
//! 2. One transaction copies the legacy rows into the target tables ([`super::plan`]
//!    decides what each becomes, [`super::write`] writes it): users, projects, chains,
//!    chat renders; tool renders become executions — of an offline tool row when the
//!    catalog does not have their `imageType` (phase 1); canvas graphs become canvas
//!    files with their graphs (phase 2). A legacy row keeps its id wherever the target
//!    keeps the entity; each copied entity gets its change-log row, so clients pull it.
//!    Nothing of a project that has an owner is dropped: what has lost its chain is
//!    recovered into its project ("Recovered canvas" files, "Recovered renders" chains).
//! 3. Cleanup (phase 3): tool data leaves the renders; the target schema's constraints
//!    — the renders CHECK against `imageType`, foreign keys, enum CHECKs — and indexes
//!    hold every copied row; on SQLite the foreign keys are re-checked.
//!
//! A marker table (`legacy_migration`, with the report) makes a rerun change nothing.
//! `--dry-run` reads and plans only.

use super::read::{self, TABLES};
use super::report::Report;
use super::{plan, write};
use crate::db::{Backend, Db, DbError, DbResult, Query};

enum State {
    /// The legacy tables under their own names.
    Unmigrated,
    /// Renamed to `legacy_*`, copy not finished (an interrupted run).
    Renamed,
    Done(Option<Report>),
    NotLegacy,
}

async fn state(db: &Db) -> DbResult<State> {
    if super::table_exists(db, "legacy_migration").await? {
        let row = db
            .fetch_optional(Query::new(
                "SELECT report FROM legacy_migration ORDER BY id DESC LIMIT 1",
            ))
            .await?;
        let report = row
            .map(|r| r.text("report"))
            .transpose()?
            .and_then(|t| serde_json::from_str(&t).ok());
        return Ok(State::Done(report));
    }
    if super::is_unmigrated_legacy(db).await? {
        return Ok(State::Unmigrated);
    }
    if super::table_exists(db, "legacy_canvas_graphs").await? {
        return Ok(State::Renamed);
    }
    Ok(State::NotLegacy)
}

/// Whether `serve` must refuse this database: legacy data not migrated yet.
pub async fn needs_migration(db: &Db) -> DbResult<bool> {
    Ok(matches!(
        state(db).await?,
        State::Unmigrated | State::Renamed
    ))
}

pub async fn run(db: &Db, dry_run: bool) -> DbResult<Report> {
    let catalog = crate::catalog::builtin()?;
    let base = Report {
        database: db.backend().as_str().to_owned(),
        dry_run,
        catalog_version: catalog.version,
        ..Default::default()
    };
    let prefix = match state(db).await? {
        State::Done(stored) => return Ok(already_migrated(stored.unwrap_or(base), dry_run)),
        State::NotLegacy => {
            let mut r = base;
            r.state = "not a legacy database".into();
            return Ok(r);
        }
        State::Unmigrated => "",
        State::Renamed => "legacy_",
    };
    let legacy = read::read(db, prefix).await?;
    let mut report = base;
    let plan = plan::plan(&legacy, &catalog, &mut report);
    report.created = plan.counts();
    if dry_run {
        report.state = "would migrate".into();
        return Ok(report);
    }
    if prefix.is_empty() {
        rename_legacy_tables(db).await?;
    }
    db.migrate().await?;
    let tools = crate::catalog::load(db).await?;
    report.state = "migrated".into();
    report.changed = true;
    report.legacy_tables = TABLES.map(|t| format!("legacy_{t}")).join(", ");
    report.created.insert("tools".into(), tools as u64);
    write::write(db, &plan, &report).await?;
    if db.backend() == Backend::Sqlite {
        check_foreign_keys(db).await?;
        report
            .notes
            .push("foreign keys re-checked: all hold".into());
    }
    Ok(report)
}

/// The stored report of the run that migrated this database, as this run's answer.
fn already_migrated(mut stored: Report, dry_run: bool) -> Report {
    stored.dry_run = dry_run;
    stored.state = "already migrated".into();
    stored.changed = false;
    stored.created.clear();
    stored
}

/// Phase 1's archive: the legacy tables under `legacy_*`, out of the target's way.
async fn rename_legacy_tables(db: &Db) -> DbResult<()> {
    let mut tx = db.begin().await?;
    for t in TABLES {
        tx.execute(Query::new(format!("ALTER TABLE {t} RENAME TO legacy_{t}")))
            .await?;
    }
    tx.commit().await
}

async fn check_foreign_keys(db: &Db) -> DbResult<()> {
    let broken = db
        .fetch_optional(Query::new("SELECT * FROM pragma_foreign_key_check LIMIT 1"))
        .await?;
    match broken {
        Some(_) => Err(DbError::Setup(
            "foreign keys broken after the migration".into(),
        )),
        None => Ok(()),
    }
}
