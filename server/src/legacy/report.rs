//! The migration report: every legacy row moved, kept, or skipped with a reason, with
//! counts that reconcile per table.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TableReport {
    pub total: u64,
    /// Moved into a target table of another kind (renders → tool_executions,
    /// canvas_graphs → canvas_files + canvas_graphs).
    pub moved: u64,
    /// Kept in the table of the same name.
    pub kept: u64,
    /// The kept rows that needed a repair to fit, by what was done.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kept_by: BTreeMap<String, u64>,
    pub skipped: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub moved_by: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Up to five legacy ids per reason, to look them up in the legacy table.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped_samples: BTreeMap<String, Vec<String>>,
}

impl TableReport {
    pub fn moved(&mut self, by: &str) {
        self.total += 1;
        self.moved += 1;
        *self.moved_by.entry(by.to_owned()).or_default() += 1;
    }

    pub fn kept(&mut self) {
        self.total += 1;
        self.kept += 1;
    }

    /// Kept, after the repair `how`.
    pub fn kept_as(&mut self, how: &str) {
        self.kept();
        *self.kept_by.entry(how.to_owned()).or_default() += 1;
    }

    pub fn skipped(&mut self, reason: &str, id: &str) {
        self.total += 1;
        self.skipped += 1;
        *self.skipped_by_reason.entry(reason.to_owned()).or_default() += 1;
        let samples = self.skipped_samples.entry(reason.to_owned()).or_default();
        if samples.len() < 5 {
            samples.push(id.to_owned());
        }
    }

    pub fn reconciles(&self) -> bool {
        self.moved + self.kept + self.skipped == self.total
            && self.skipped_by_reason.values().sum::<u64>() == self.skipped
            && (self.moved_by.is_empty() || self.moved_by.values().sum::<u64>() == self.moved)
            && self.kept_by.values().sum::<u64>() <= self.kept
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub database: String,
    pub dry_run: bool,
    /// `would migrate`, `migrated`, `already migrated`, `not a legacy database`.
    pub state: String,
    /// Whether this run changed the database.
    pub changed: bool,
    pub catalog_version: u32,
    /// Where the legacy tables are (renamed, read-only archive) after the migration.
    pub legacy_tables: String,
    pub tables: BTreeMap<String, TableReport>,
    /// Rows written to the target tables.
    pub created: BTreeMap<String, u64>,
    /// Every `imageType` slug the tool catalog does not have, with its number of renders:
    /// each got an offline tool row, and those renders its executions.
    #[serde(default)]
    pub unknown_tools: BTreeMap<String, u64>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn table(&mut self, name: &str) -> &mut TableReport {
        self.tables.entry(name.to_owned()).or_default()
    }

    pub fn reconciles(&self) -> bool {
        self.tables.values().all(TableReport::reconciles)
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "migrate-legacy ({}{}): {}{}",
            self.database,
            if self.dry_run { ", dry run" } else { "" },
            self.state,
            if self.changed {
                ""
            } else {
                " — nothing changed"
            }
        );
        let _ = writeln!(out, "tool catalog version {}", self.catalog_version);
        for (name, t) in &self.tables {
            let _ = writeln!(
                out,
                "  {name:<14} total {:>6}  moved {:>6}  kept {:>6}  skipped {:>5}  {}",
                t.total,
                t.moved,
                t.kept,
                t.skipped,
                if t.reconciles() {
                    "ok"
                } else {
                    "DOES NOT RECONCILE"
                }
            );
            for (by, n) in &t.moved_by {
                let _ = writeln!(out, "      moved {n:>6}  {by}");
            }
            for (how, n) in &t.kept_by {
                let _ = writeln!(out, "      kept {n:>7}  {how}");
            }
            for (reason, n) in &t.skipped_by_reason {
                let samples = t
                    .skipped_samples
                    .get(reason)
                    .map(|s| s.join(", "))
                    .unwrap_or_default();
                let _ = writeln!(out, "      skipped {n:>4}  {reason} (e.g. {samples})");
            }
        }
        if !self.unknown_tools.is_empty() {
            let _ = writeln!(
                out,
                "  imageTypes not in the tool catalog (offline tools now):"
            );
            for (slug, n) in &self.unknown_tools {
                let _ = writeln!(out, "      {n:>6}  {slug}");
            }
        }
        if !self.created.is_empty() {
            let _ = writeln!(out, "  written to the target tables:");
            for (name, n) in &self.created {
                let _ = writeln!(out, "      {n:>6}  {name}");
            }
        }
        for note in &self.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        if !self.legacy_tables.is_empty() {
            let _ = writeln!(
                out,
                "  legacy rows stay readable in: {}",
                self.legacy_tables
            );
        }
        out
    }
}
