//! chain.create, render.create (chat renders only: tools go through executions)

use super::{ensure_new, writable_project, Ctx};
use crate::changelog::{self, Audience, Entry};
use crate::db::Tx;
use crate::error::{not_found, validation, ApplyResult};
use crate::store;
use studio_core::build;
use studio_core::protocol::mutation::{ChainCreate, RenderCreate};
use studio_core::protocol::EntityKind;

pub async fn create_chain(tx: &mut Tx, ctx: &Ctx<'_>, a: ChainCreate) -> ApplyResult<()> {
    let p = writable_project(tx, ctx.user, a.project_id, "project", a.project_id).await?;
    ensure_new(
        store::render::get_chain(tx, a.id).await?.is_some(),
        "render_chain",
        a.id,
    )?;
    let c = build::new_chain(&a, ctx.build());
    c.validate()?;
    store::render::insert_chain(tx, &c).await?;
    changelog::record(
        tx,
        vec![Entry::put(
            EntityKind::RenderChain,
            c.id,
            Audience::project(&p),
            None,
            &c,
        )],
    )
    .await?;
    Ok(())
}

pub async fn create_render(tx: &mut Tx, ctx: &Ctx<'_>, a: RenderCreate) -> ApplyResult<()> {
    let p = writable_project(tx, ctx.user, a.project_id, "project", a.project_id).await?;
    match store::render::get_chain(tx, a.chain_id).await? {
        Some(c) if c.project_id == p.id => {}
        _ => return Err(not_found("render_chain", a.chain_id)),
    }
    if a.settings.contains_key("imageType") {
        // The seed's cross-contamination: tools run as executions, never as renders.
        return Err(validation(
            "settings.imageType",
            "tool runs are executions (execution.create), not renders",
        ));
    }
    ensure_new(
        store::render::get_render(tx, a.id).await?.is_some(),
        "render",
        a.id,
    )?;
    let position = store::render::next_position(tx, a.chain_id).await?;
    let r = build::new_render(&a, position, ctx.build());
    r.validate()?;
    store::render::insert_render(tx, &r).await?;
    changelog::record(
        tx,
        vec![Entry::put(
            EntityKind::Render,
            r.id,
            Audience::project(&p),
            None,
            &r,
        )],
    )
    .await?;
    Ok(())
}
