//! project.create | update | delete

use super::{ensure_new, writable_project, Ctx};
use crate::changelog::{self, Audience, Entry};
use crate::db::Tx;
use crate::error::{slug_taken, ApplyResult};
use crate::store;
use studio_core::build;
use studio_core::ids::Id;
use studio_core::limits::SLUG_MAX;
use studio_core::model::Project;
use studio_core::protocol::mutation::{ProjectCreate, ProjectUpdate};
use studio_core::protocol::EntityKind;
use studio_core::validate::slug;

/// Longest suffix `slug::unique` appends ("-" and a u64), plus the one hyphen it may
/// strip from the cut stem.
const SUFFIX_MAX: usize = 22;

/// The slug derived from a name, and the prefix every candidate `slug::unique` may try
/// starts with (so one query fetches all the taken ones).
pub(super) fn derived_slug_base(name: &str) -> (String, String) {
    let base = slug::slugify(name);
    let prefix = base.chars().take(SLUG_MAX - SUFFIX_MAX).collect();
    (base, prefix)
}

pub async fn create(tx: &mut Tx, ctx: &Ctx<'_>, a: ProjectCreate) -> ApplyResult<()> {
    ensure_new(
        store::projects::get(tx, a.id).await?.is_some(),
        "project",
        a.id,
    )?;
    let slug = match &a.slug {
        Some(s) if store::projects::slug_taken(tx, ctx.user, s).await? => {
            return Err(slug_taken(s))
        }
        Some(s) => s.clone(),
        None => {
            let (base, prefix) = derived_slug_base(&a.name);
            let taken = store::projects::slugs_with_prefix(tx, ctx.user, &prefix).await?;
            slug::unique(&base, |s| taken.contains(s))
        }
    };
    let p = build::new_project(&a, slug, ctx.build());
    p.validate()?;
    store::projects::insert(tx, &p).await?;
    changelog::record(tx, vec![project_entry(&p)]).await?;
    Ok(())
}

fn project_entry(p: &Project) -> Entry {
    Entry::put(EntityKind::Project, p.id, Audience::project(p), None, p)
}

pub async fn update(tx: &mut Tx, ctx: &Ctx<'_>, a: ProjectUpdate) -> ApplyResult<()> {
    let mut p = writable_project(tx, ctx.user, a.id, "project", a.id).await?;
    if let Some(s) = &a.slug {
        if *s != p.slug && store::projects::slug_taken(tx, ctx.user, s).await? {
            return Err(slug_taken(s));
        }
    }
    let was_public = p.is_public;
    build::update_project(&mut p, &a, ctx.now);
    p.validate()?;
    store::projects::update(tx, &p).await?;
    changelog::record(tx, vec![project_entry(&p)]).await?;
    match (was_public, p.is_public) {
        (false, true) => changelog::project_went_public(tx, p.id).await?,
        (true, false) => changelog::project_went_private(tx, p.id, ctx.user).await?,
        _ => {}
    }
    Ok(())
}

pub async fn delete(tx: &mut Tx, ctx: &Ctx<'_>, id: Id) -> ApplyResult<()> {
    writable_project(tx, ctx.user, id, "project", id).await?;
    // Variations elsewhere lose their parent: logged, so clients drop the stale id.
    let detached = store::apps::detach_children_of_project(tx, id, ctx.now).await?;
    // Files, graphs, executions, chains and renders go by FK cascade.
    store::projects::delete(tx, id).await?;
    changelog::project_deleted(tx, id).await?;
    let mut entries = Vec::with_capacity(detached.len());
    for e in &detached {
        if let Some(p) = store::projects::get(tx, e.project_id).await? {
            entries.push(super::apps::execution_entry(e, &p));
        }
    }
    changelog::record(tx, entries).await?;
    Ok(())
}
