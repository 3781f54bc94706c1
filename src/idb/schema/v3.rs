//! Version 3: repairs the bases the first v2 upgrade forgot. That upgrade rewrote the
//! visible graph buckets to item arrays but left the confirmed copies in `bases` as
//! objects, so a database upgraded with pending canvas edits failed every pull. The v2
//! step now converts both; this one converts what a v2 database may still hold (and
//! finds nothing to do after a fixed v2 step).

use super::v1::BASES;
use super::v2::rewrite_buckets;
use indexed_db_futures::transaction::Transaction;

pub async fn upgrade(tx: &Transaction<'_>) -> indexed_db_futures::Result<()> {
    rewrite_buckets(tx, BASES).await
}
