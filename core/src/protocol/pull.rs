use super::change::Change;
use crate::ids::Id;
use serde::{Deserialize, Serialize};

/// `GET /api/{platform}/pull?client_id=&cursor=&limit=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullQuery {
    pub client_id: Id,
    #[serde(default)]
    pub cursor: u64,
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// Where the next pull starts: a server-wide, monotonically increasing change sequence.
    pub cursor: u64,
    pub has_more: bool,
    pub changes: Vec<Change>,
    /// The calling client's last processed seq.
    pub last_seq: u64,
}

/// A pull response as a client reads it, forward compatibly: a change it cannot read
/// (an entity kind it does not know, not even a change's shape) does not fail the page
/// but is kept as [`PulledChange::Unreadable`], to be set aside and reported while the
/// rest applies and the cursor moves on. Unknown fields anywhere are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PulledPage {
    pub cursor: u64,
    pub has_more: bool,
    pub changes: Vec<PulledChange>,
    pub last_seq: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PulledChange {
    Readable(Change),
    Unreadable(SetAside),
}

/// A pulled change the client could not use, with what it could tell of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetAside {
    /// The entity kind as the server spelled it (`"?"` when there was none).
    pub entity: String,
    /// The id as the server sent it (`"?"` when there was none).
    pub id: String,
    /// Why it could not be used.
    pub reason: String,
}

impl SetAside {
    pub fn of(change: &Change, reason: impl Into<String>) -> Self {
        SetAside {
            entity: change.entity.as_str().to_owned(),
            id: change.id.to_string(),
            reason: reason.into(),
        }
    }
}

impl<'de> Deserialize<'de> for PulledChange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let field = |name: &str| match value.get(name) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) if !other.is_null() => other.to_string(),
            _ => "?".to_owned(),
        };
        let (entity, id) = (field("entity"), field("id"));
        Ok(match Change::deserialize(value) {
            Ok(c) => PulledChange::Readable(c),
            Err(e) => PulledChange::Unreadable(SetAside {
                entity,
                id,
                reason: format!("unreadable change: {e}"),
            }),
        })
    }
}

impl From<&PullResponse> for PulledPage {
    fn from(r: &PullResponse) -> Self {
        PulledPage {
            cursor: r.cursor,
            has_more: r.has_more,
            changes: r
                .changes
                .iter()
                .cloned()
                .map(PulledChange::Readable)
                .collect(),
            last_seq: r.last_seq,
        }
    }
}
