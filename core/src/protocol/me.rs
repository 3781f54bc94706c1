use crate::ids::Id;
use serde::{Deserialize, Serialize};

/// `GET /api/me`: who the bearer token belongs to. A client binds its database to
/// `user_id` on first contact and refuses another user's token after that.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user_id: Id,
    pub email: String,
}
