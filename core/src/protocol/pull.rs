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
