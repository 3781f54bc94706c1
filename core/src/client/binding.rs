//! Which user a database belongs to. The server says who a token is (`GET /api/me`);
//! the first answer binds the database to that user, and after that another user's
//! token is refused, so one user's rows are never shown to or pushed for another.

use super::store::{StoreError, Txn};
use crate::ids::Id;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// The database was bound before, to this user.
    Same,
    /// The database had no user yet and now belongs to this one.
    Bound,
    /// The database belongs to another user.
    Other(Id),
}

/// Binds the database to `user` if it has no user yet, else compares. Edits made before
/// binding belong to the first user: their outbox entries take the id, so a rebase
/// replays them as that user's (owner fields, the one-default-template rule).
pub async fn bind_user<T: Txn>(txn: &mut T, user: Id) -> Result<Binding, StoreError> {
    let mut meta = txn.meta().await?;
    match meta.user_id {
        Some(bound) if bound == user => Ok(Binding::Same),
        Some(bound) => Ok(Binding::Other(bound)),
        None => {
            meta.user_id = Some(user);
            txn.put_meta(&meta)?;
            for mut e in txn.outbox().await? {
                if e.user_id.is_none() {
                    e.user_id = Some(user);
                    txn.outbox_put(&e)?;
                }
            }
            Ok(Binding::Bound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::Ctx;
    use crate::client::memory::{block_on as run, MemoryState};
    use crate::client::Engine;
    use crate::ids::new_id;
    use crate::protocol::mutation::{Mutation, ProjectCreate};

    #[test]
    fn the_first_user_binds_and_owns_earlier_edits_then_others_are_refused() {
        let mut state = MemoryState::new(new_id());
        let engine = Engine;
        let args: ProjectCreate =
            serde_json::from_value(serde_json::json!({"id": new_id(), "name": "Offline"})).unwrap();
        let create = Mutation::ProjectCreate(args);
        let mut txn = state.begin();
        let ctx = Ctx {
            user_id: None,
            now: 1,
        };
        run(engine.edit(&mut txn, &create, ctx)).unwrap();
        txn.commit();

        let (alice, bob) = (new_id(), new_id());
        let mut txn = state.begin();
        assert_eq!(run(bind_user(&mut txn, alice)).unwrap(), Binding::Bound);
        txn.commit();
        assert_eq!(state.meta.user_id, Some(alice));
        assert!(state.outbox.values().all(|e| e.user_id == Some(alice)));

        let mut txn = state.begin();
        assert_eq!(run(bind_user(&mut txn, alice)).unwrap(), Binding::Same);
        assert_eq!(
            run(bind_user(&mut txn, bob)).unwrap(),
            Binding::Other(alice)
        );
        drop(txn);
        assert_eq!(state.meta.user_id, Some(alice));
    }
}
