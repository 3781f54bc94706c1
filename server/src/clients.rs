//! Each sync client's last processed seq. A client id is bound to the user who first
//! pushed with it; nobody else may use it.

use crate::db::{Query, Tx};
use crate::error::ApiError;
use std::collections::HashMap;
use studio_core::ids::{Id, Millis};
use studio_core::protocol::ErrorDetail;

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

fn seq_param(seq: u64) -> Result<i64, ApiError> {
    i64::try_from(seq).map_err(|_| ApiError::Malformed("seq is out of range".into()))
}

/// Keeps the answer to a rejected mutation, for a retry of its push.
pub async fn record_rejection(
    tx: &mut Tx,
    client_id: Id,
    seq: u64,
    error: &ErrorDetail,
    now: Millis,
) -> Result<(), ApiError> {
    tx.execute(
        Query::new(
            "INSERT INTO client_rejections (client_id, seq, error, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (client_id, seq) DO NOTHING",
        )
        .bind(client_id)
        .bind(seq_param(seq)?)
        .bind_json(error)
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Forgets the client's rejections below `first`, the first seq of the batch it pushes
/// now: a client sends its queue in order from its oldest unanswered entry, so it holds
/// the answers to every earlier seq and will not ask again. This keeps the table to
/// what a client may still retry instead of every rejection it ever had.
pub async fn forget_rejections_before(
    tx: &mut Tx,
    client_id: Id,
    first: u64,
) -> Result<(), ApiError> {
    tx.execute(
        Query::new("DELETE FROM client_rejections WHERE client_id = $1 AND seq < $2")
            .bind(client_id)
            .bind(seq_param(first)?),
    )
    .await?;
    Ok(())
}

/// The rejections among the client's seqs `from..=to`, by seq.
pub async fn rejections(
    tx: &mut Tx,
    client_id: Id,
    from: u64,
    to: u64,
) -> Result<HashMap<u64, ErrorDetail>, ApiError> {
    let rows = tx
        .fetch_all(
            Query::new(
                "SELECT seq, error FROM client_rejections \
                 WHERE client_id = $1 AND seq >= $2 AND seq <= $3",
            )
            .bind(client_id)
            .bind(seq_param(from)?)
            .bind(seq_param(to)?),
        )
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let seq = u64::try_from(r.i64("seq")?).unwrap_or(0);
        out.insert(seq, r.json_as::<ErrorDetail>("error")?);
    }
    Ok(out)
}
