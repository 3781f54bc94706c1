//! What the app shows about sync.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No server: nothing to sync.
    Local,
    Offline,
    Syncing,
    Synced,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub state: SyncState,
    pub pending: u64,
    pub error: Option<StatusError>,
    pub leader: bool,
    /// Changes received so far in the current pull.
    pub pulled: u64,
    pub last_synced_at: Option<i64>,
    /// Completed rounds (a `sync.now()` in another tab waits for the next one).
    pub round: u64,
    /// Pulled changes set aside since the store opened: this client could not use them
    /// (each one also reaches `onSetAside`); the rest of their pages applied.
    #[serde(default)]
    pub set_aside: u64,
    /// The browser's answer to `navigator.storage.persist()` (`null`: not known yet).
    pub persisted: Option<bool>,
    /// Bytes this site stores and may store, per `navigator.storage.estimate()`.
    pub storage_usage: Option<u64>,
    pub storage_quota: Option<u64>,
    /// The server's poke channel is open: another device's edit arrives in about a
    /// round trip; otherwise at the next poll.
    #[serde(default)]
    pub live: bool,
}

impl SyncStatus {
    /// With the storage figures.
    pub fn with_storage(mut self, s: super::storage::StorageUse) -> Self {
        self.persisted = s.persisted;
        self.storage_usage = s.usage;
        self.storage_quota = s.quota;
        self
    }

    pub fn initial(has_server: bool) -> Self {
        SyncStatus {
            state: if has_server {
                SyncState::Syncing
            } else {
                SyncState::Local
            },
            pending: 0,
            error: None,
            leader: false,
            pulled: 0,
            last_synced_at: None,
            round: 0,
            set_aside: 0,
            persisted: None,
            storage_usage: None,
            storage_quota: None,
            live: false,
        }
    }
}
