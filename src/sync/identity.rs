//! Whose database this is. The server says who a token is (`GET /api/me`); the first
//! answer binds the database to that user (core's `binding`), and another user's token
//! is refused with `wrong_user` before anything is pushed, pulled or shown.

use super::http::{HttpError, Server};
use crate::error::Failure;
use crate::idb::read;
use crate::idb::txn::IdbTxn;
use indexed_db_futures::database::Database;
use studio_core::client::binding::{bind_user, Binding};
use studio_core::client::store::SyncMeta;
use studio_core::protocol::Platform;
use studio_core::{ErrorCode, Id};

pub fn wrong_user() -> Failure {
    Failure::new(
        ErrorCode::WrongUser,
        "this database belongs to another user than the token's: open it with that user's token, or use another database name",
    )
}

/// Asks the server who the token is and binds or checks the database; the bound user.
/// Fails with `wrong_user`, or with why the server could not say (network, ...).
pub async fn verify(server: &Server, db: &Database, client_id: Id) -> Result<Id, Failure> {
    let me = server.me().await.map_err(super::http_failure)?;
    let meta = read::sync_meta(db).await?;
    if meta.user_id.is_none() {
        owns_client_id(server, client_id, &meta).await?;
    }
    let mut txn = IdbTxn::begin(db)?;
    let binding = bind_user(&mut txn, me.user_id).await?;
    txn.commit().await?;
    match binding {
        Binding::Same => Ok(me.user_id),
        Binding::Bound => {
            crate::idb::open::remember_identity(db).await?;
            Ok(me.user_id)
        }
        Binding::Other(_) => Err(wrong_user()),
    }
}

/// Before binding: the server knows whose the client id is if it ever synced (before
/// binding existed, or with a sync meta rebuilt after damage), and refuses anyone else's
/// pull with it; a client id it never saw passes.
async fn owns_client_id(server: &Server, client_id: Id, meta: &SyncMeta) -> Result<(), Failure> {
    let cursor = meta.cursors.get(&Platform::Projects).copied().unwrap_or(0);
    match server.pull(Platform::Projects, client_id, cursor, 1).await {
        Ok(_) => Ok(()),
        Err(HttpError::Status {
            code: ErrorCode::Forbidden,
            ..
        }) => Err(wrong_user()),
        Err(e) => Err(super::http_failure(e)),
    }
}
