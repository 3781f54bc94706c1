//! The database's schema versions. Each version is a module of the store and index
//! names it introduced and an upgrade step from the version before; `upgrade` runs
//! the steps between the stored version and [`CURRENT`] inside IndexedDB's
//! versionchange transaction, so an upgrade lands whole or not at all.

pub mod v1;
pub mod v2;
pub mod v3;

use indexed_db_futures::database::VersionChangeEvent;
use indexed_db_futures::transaction::Transaction;

/// The versions this code knows, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// The first layout: every store and index, graph bucket items as objects.
    V1 = 1,
    /// Graph bucket items as arrays (cloned twice as fast); renders by project.
    V2 = 2,
    /// Graph buckets kept in `bases` as arrays too (v2 databases had them as objects).
    V3 = 3,
}

pub const CURRENT: Version = Version::V3;

impl Version {
    pub fn number(self) -> u32 {
        self as u32
    }

    fn from_number(n: u32) -> Option<Version> {
        match n {
            1 => Some(Version::V1),
            2 => Some(Version::V2),
            3 => Some(Version::V3),
            _ => None,
        }
    }
}

/// Every store of the current schema (a transaction over all of them is an engine step).
pub const ALL_STORES: &[&str] = &[
    v1::PROJECTS,
    v1::FILES,
    v1::GRAPHS,
    v1::BUCKETS,
    v1::TOOLS,
    v1::EXECUTIONS,
    v1::TEMPLATES,
    v1::CHAINS,
    v1::RENDERS,
    v1::OUTBOX,
    v1::BASES,
    v1::META,
];

/// Runs the upgrade steps from the stored version up to `target`.
pub async fn upgrade(
    event: VersionChangeEvent,
    tx: &Transaction<'_>,
    target: Version,
) -> indexed_db_futures::Result<()> {
    let old = event.old_version() as u32;
    for n in old + 1..=target.number() {
        match Version::from_number(n) {
            Some(Version::V1) => v1::create(tx)?,
            Some(Version::V2) => v2::upgrade(tx).await?,
            Some(Version::V3) => v3::upgrade(tx).await?,
            None => {}
        }
    }
    Ok(())
}
