//! Applying one pushed mutation inside its transaction. Each platform's mutations live
//! in their own module; the access rules they share live here.

pub mod apps;
mod canvas;
mod projects;
mod render;

use crate::db::Tx;
use crate::error::{forbidden, not_found, ApplyResult};
use crate::settings_schema::SettingsValidator;
use crate::store;
use studio_core::ids::{Id, Millis};
use studio_core::model::Project;
use studio_core::protocol::Mutation;

/// Who applies a mutation, and with what.
pub struct Ctx<'a> {
    pub user: Id,
    pub now: Millis,
    pub settings: &'a SettingsValidator,
}

impl Ctx<'_> {
    pub fn build(&self) -> studio_core::build::Ctx {
        studio_core::build::Ctx {
            user_id: Some(self.user),
            now: self.now,
        }
    }
}

pub async fn apply(tx: &mut Tx, ctx: &Ctx<'_>, m: Mutation) -> ApplyResult<()> {
    match m {
        Mutation::ProjectCreate(a) => projects::create(tx, ctx, a).await,
        Mutation::ProjectUpdate(a) => projects::update(tx, ctx, a).await,
        Mutation::ProjectDelete(a) => projects::delete(tx, ctx, a.id).await,
        Mutation::FileCreate(a) => canvas::create_file(tx, ctx, a).await,
        Mutation::FileUpdate(a) => canvas::update_file(tx, ctx, a).await,
        Mutation::FileDelete(a) => canvas::delete_file(tx, ctx, a.id).await,
        Mutation::GraphApply(a) => canvas::apply_graph(tx, ctx, a).await,
        Mutation::ExecutionCreate(a) => apps::create_execution(tx, ctx, a).await,
        Mutation::ExecutionReplay(a) => apps::replay_execution(tx, ctx, a).await,
        Mutation::TemplateUpsert(a) => apps::upsert_template(tx, ctx, a).await,
        Mutation::TemplateDelete(a) => apps::delete_template(tx, ctx, a.id).await,
        Mutation::ChainCreate(a) => render::create_chain(tx, ctx, a).await,
        Mutation::RenderCreate(a) => render::create_render(tx, ctx, a).await,
    }
}

/// The project, if `user` may write under it. Someone else's private project answers
/// exactly like an unknown id (`entity`/`id` name what the caller asked for), so nothing
/// tells whether it exists; a public one is visible, so it is plainly forbidden.
pub async fn writable_project(
    tx: &mut Tx,
    user: Id,
    project_id: Id,
    entity: &'static str,
    id: Id,
) -> ApplyResult<Project> {
    let Some(p) = store::projects::get(tx, project_id).await? else {
        return Err(not_found(entity, id));
    };
    if p.user_id == Some(user) {
        Ok(p)
    } else if p.is_public {
        Err(forbidden(format!(
            "{entity} {id} belongs to another user's project: read only"
        )))
    } else {
        Err(not_found(entity, id))
    }
}

/// Whether the project exists and is `user`'s own.
pub async fn owns_project(tx: &mut Tx, user: Id, project_id: Id) -> ApplyResult<bool> {
    Ok(store::projects::get(tx, project_id)
        .await?
        .is_some_and(|p| p.user_id == Some(user)))
}

/// Fails when an id is already taken: ids are client-generated, a reuse is a conflict.
pub fn ensure_new(exists: bool, entity: &str, id: Id) -> ApplyResult<()> {
    if exists {
        Err(crate::error::conflict(format!(
            "{entity} id {id} is already in use"
        )))
    } else {
        Ok(())
    }
}
