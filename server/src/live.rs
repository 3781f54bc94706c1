//! Live updates. After a write commits, the server pokes the connected clients who may
//! read one of the rows it changed (`GET /api/events`, Server-Sent Events), and they
//! pull. A poke names platforms only — no id, no value — and reaches only users who may
//! read a changed row, so it tells nobody anything their pull would not. On PostgreSQL
//! pokes travel through `NOTIFY studio_poke`, so clients of every instance hear them;
//! SQLite has one instance, and pokes stay in its process. Polling stays the client's
//! fallback: a lost poke delays an update until the next poll, never loses it.

use crate::db::{Backend, Db, DbResult, Query, Tx};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;
use studio_core::ids::Id;
use studio_core::protocol::Platform;
use tokio::sync::{broadcast, watch};

pub const CHANNEL: &str = "studio_poke";

/// Who should pull, and on which platforms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Poke {
    /// A changed row is readable by everyone (public project, catalog, revocation).
    pub everyone: bool,
    pub users: BTreeSet<Id>,
    pub platforms: BTreeSet<Platform>,
    /// The client whose push it was: its own channel is not poked about it (it has
    /// what it pushed; a poke would only cut its pause between rounds short).
    /// Server-side only: no client is told another's id.
    pub origin: Option<Id>,
}

impl Poke {
    pub fn reaches(&self, user: Id, client: Option<Id>) -> bool {
        (self.everyone || self.users.contains(&user)) && (client.is_none() || client != self.origin)
    }

    fn is_empty(&self) -> bool {
        self.platforms.is_empty()
    }
}

/// Pokes to this instance's connected clients.
#[derive(Clone)]
pub struct Hub {
    local: broadcast::Sender<Arc<Poke>>,
    /// True once the server shuts down: the event streams end, so a graceful shutdown
    /// does not wait on them forever.
    closing: Arc<watch::Sender<bool>>,
    /// The PostgreSQL listener's task: stopped at shutdown, since its connection is
    /// the pool's, and closing the pool waits for every connection to come back.
    listener: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            // A slow receiver that falls this far behind only misses pokes (it is told
            // it lagged, and pulls anyway).
            local: broadcast::channel(256).0,
            closing: Arc::new(watch::channel(false).0),
            listener: Arc::default(),
        }
    }
}

/// The change sequence where a write transaction starts: the rows it commits are the
/// ones above it. Read under the transaction's lock of the counter.
pub async fn seq_now(tx: &mut Tx) -> DbResult<i64> {
    tx.fetch_one(Query::new("SELECT v FROM seq_counter WHERE id = 1"))
        .await?
        .i64("v")
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Poke>> {
        self.local.subscribe()
    }

    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn close(&self) {
        self.closing.send_replace(true);
        if let Some(task) = self.listener.lock().ok().and_then(|mut l| l.take()) {
            task.abort();
        }
    }

    fn deliver(&self, poke: Poke) {
        // No receivers is fine: nobody is listening.
        let _ = self.local.send(Arc::new(poke));
    }

    /// Pokes the readers of every row committed with a seq above `after`. Called after
    /// the commit; a failure only costs a poke (clients poll), so it is logged.
    pub async fn changed_since(&self, db: &Db, after: i64, origin: Option<Id>) {
        match readers_since(db, after).await {
            Ok(poke) if poke.is_empty() => {}
            Ok(mut poke) => {
                poke.origin = origin;
                if let Err(e) = self.publish(db, poke).await {
                    tracing::warn!("live: poke not sent: {e}");
                }
            }
            Err(e) => tracing::warn!("live: readers not found: {e}"),
        }
    }

    async fn publish(&self, db: &Db, poke: Poke) -> DbResult<()> {
        match db.backend() {
            Backend::Sqlite => {
                self.deliver(poke);
                Ok(())
            }
            // Every instance, this one included, hears it back through its listener.
            Backend::Postgres => {
                for part in split_for_notify(poke) {
                    let payload = serde_json::to_string(&part).unwrap_or_default();
                    db.notify(CHANNEL, &payload).await?;
                }
                Ok(())
            }
        }
    }

    /// On PostgreSQL: hands every instance's pokes to this instance's clients, for as
    /// long as the server runs (the listener reconnects by itself).
    pub fn listen(&self, db: &Db) {
        let Some(mut listener) = db.listener(CHANNEL) else {
            return;
        };
        let hub = self.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(payload) => match serde_json::from_str::<Poke>(&payload) {
                        Ok(poke) => hub.deliver(poke),
                        Err(e) => tracing::warn!("live: a poke that does not parse: {e}"),
                    },
                    Err(e) => {
                        tracing::warn!("live: listener: {e}");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        if let Ok(mut slot) = self.listener.lock() {
            *slot = Some(task);
        }
    }
}

/// NOTIFY payloads must stay under 8000 bytes: a poke for many users goes in parts.
fn split_for_notify(poke: Poke) -> Vec<Poke> {
    const USERS_PER_NOTIFY: usize = 100;
    if poke.users.len() <= USERS_PER_NOTIFY {
        return vec![poke];
    }
    let users: Vec<Id> = poke.users.into_iter().collect();
    users
        .chunks(USERS_PER_NOTIFY)
        .map(|c| Poke {
            everyone: poke.everyone,
            users: c.iter().copied().collect(),
            platforms: poke.platforms.clone(),
            origin: poke.origin,
        })
        .collect()
}

/// Who may read the rows above `after`: the change log's own audience columns, as a
/// pull filters them.
async fn readers_since(db: &Db, after: i64) -> DbResult<Poke> {
    let mut tx = db.begin().await?;
    let rows = tx
        .fetch_all(
            Query::new(
                "SELECT DISTINCT platform, owner_id, is_public, revocation FROM changes \
                 WHERE seq > $1",
            )
            .bind(after),
        )
        .await?;
    tx.commit().await?;
    let mut poke = Poke::default();
    for r in &rows {
        let platform: Platform = crate::store::enum_col(r, "platform")?;
        poke.platforms.insert(platform);
        match r.opt_id("owner_id")? {
            Some(owner) if !r.bool("is_public")? && !r.bool("revocation")? => {
                poke.users.insert(owner);
            }
            _ => poke.everyone = true,
        }
    }
    Ok(poke)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poke_reaches_its_users_or_everyone() {
        let (a, b) = (Id::from_u128(1), Id::from_u128(2));
        let mut p = Poke {
            users: [a].into(),
            platforms: [Platform::Canvas].into(),
            ..Default::default()
        };
        assert!(p.reaches(a, None) && !p.reaches(b, None));
        p.everyone = true;
        assert!(p.reaches(b, None));
        let (mine, other) = (Id::from_u128(3), Id::from_u128(4));
        p.origin = Some(mine);
        assert!(!p.reaches(a, Some(mine)) && p.reaches(a, Some(other)));
    }

    #[test]
    fn many_users_are_split_under_the_notify_limit() {
        let users: BTreeSet<Id> = (0..250u128).map(Id::from_u128).collect();
        let parts = split_for_notify(Poke {
            users: users.clone(),
            platforms: [Platform::Projects].into(),
            everyone: false,
            origin: None,
        });
        assert_eq!(parts.len(), 3);
        for p in &parts {
            assert!(serde_json::to_string(p).unwrap().len() < 8000);
        }
        let back: BTreeSet<Id> = parts.into_iter().flat_map(|p| p.users).collect();
        assert_eq!(back, users);
    }
}
