use crate::db::Db;
use crate::settings_schema::SettingsValidator;
use std::sync::Arc;
use tokio::sync::Notify;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<SettingsValidator>,
    /// Wakes the tool runner when an execution was created.
    pub runner: Arc<Notify>,
    /// Pokes to the clients on `/api/events` after a write.
    pub live: crate::live::Hub,
}
