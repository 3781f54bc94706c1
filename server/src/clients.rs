//! Each sync client's last processed seq. A client id is bound to the user who first
//! pushed with it; nobody else may use it.

use crate::db::{Query, Tx};
use crate::error::ApiError;
use studio_core::ids::{Id, Millis};

/// The client's last processed seq (0 for a new client); forbidden when the id is
/// another user's.
pub async fn last_seq(tx: &mut Tx, client_id: Id, user: Id) -> Result<u64, ApiError> {
    let Some(row) = tx
        .fetch_optional(
            Query::new("SELECT user_id, last_seq FROM clients WHERE client_id = $1")
                .bind(client_id),
        )
        .await?
    else {
        return Ok(0);
    };
    if row.id("user_id")? != user {
        return Err(ApiError::Forbidden(
            "this client_id belongs to another user".into(),
        ));
    }
    Ok(u64::try_from(row.i64("last_seq")?).unwrap_or(0))
}

pub async fn set_last_seq(
    tx: &mut Tx,
    client_id: Id,
    user: Id,
    seq: u64,
    now: Millis,
) -> Result<(), ApiError> {
    let seq = i64::try_from(seq).map_err(|_| ApiError::Malformed("seq is out of range".into()))?;
    tx.execute(
        Query::new(
            "INSERT INTO clients (client_id, user_id, last_seq, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (client_id) DO UPDATE SET last_seq = excluded.last_seq, \
             updated_at = excluded.updated_at",
        )
        .bind(client_id)
        .bind(user)
        .bind(seq)
        .bind(now),
    )
    .await?;
    Ok(())
}
