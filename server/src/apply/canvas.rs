//! file.create | update | delete, graph.apply

use super::projects::derived_slug_base;
use super::{ensure_new, writable_project, Ctx};
use crate::changelog::{self, Audience, Entry};
use crate::db::Tx;
use crate::error::{not_found, slug_taken, ApplyResult};
use crate::store;
use studio_core::build;
use studio_core::graph::rows::row_needs;
use studio_core::ids::{graph_id_for, Id};
use studio_core::model::{CanvasFile, Project};
use studio_core::protocol::mutation::{FileCreate, FileUpdate, GraphApply};
use studio_core::protocol::EntityKind;
use studio_core::validate::slug;

/// The file and its project, if `user` may write it.
async fn writable_file(tx: &mut Tx, user: Id, id: Id) -> ApplyResult<(CanvasFile, Project)> {
    let Some(f) = store::canvas::get_file(tx, id).await? else {
        return Err(not_found("canvas_file", id));
    };
    let p = writable_project(tx, user, f.project_id, "canvas_file", id).await?;
    Ok((f, p))
}

pub async fn create_file(tx: &mut Tx, ctx: &Ctx<'_>, a: FileCreate) -> ApplyResult<()> {
    let p = writable_project(tx, ctx.user, a.project_id, "project", a.project_id).await?;
    ensure_new(
        store::canvas::get_file(tx, a.id).await?.is_some(),
        "canvas_file",
        a.id,
    )?;
    let slug = match &a.slug {
        Some(s) if store::canvas::file_slug_taken(tx, p.id, s).await? => return Err(slug_taken(s)),
        Some(s) => s.clone(),
        None => {
            let (base, prefix) = derived_slug_base(&a.name);
            let taken = store::canvas::file_slugs_with_prefix(tx, p.id, &prefix).await?;
            slug::unique(&base, |s| taken.contains(s))
        }
    };
    let (file, graph) = build::new_file(&a, slug, ctx.build());
    file.validate()?;
    store::canvas::insert_file(tx, &file).await?;
    store::canvas::insert_graph(tx, &graph, Some(ctx.user)).await?;
    let aud = Audience::project(&p);
    changelog::record(
        tx,
        vec![
            Entry::put(
                EntityKind::CanvasFile,
                file.id,
                aud,
                Some(file.version),
                &file,
            ),
            Entry::put(
                EntityKind::CanvasGraph,
                graph.id,
                aud,
                Some(graph.version),
                &graph,
            ),
        ],
    )
    .await?;
    Ok(())
}

pub async fn update_file(tx: &mut Tx, ctx: &Ctx<'_>, a: FileUpdate) -> ApplyResult<()> {
    let (mut f, p) = writable_file(tx, ctx.user, a.id).await?;
    if let Some(s) = &a.slug {
        if *s != f.slug && store::canvas::file_slug_taken(tx, f.project_id, s).await? {
            return Err(slug_taken(s));
        }
    }
    build::update_file(&mut f, &a, ctx.now);
    f.validate()?;
    store::canvas::update_file(tx, &f).await?;
    changelog::record(
        tx,
        vec![Entry::put(
            EntityKind::CanvasFile,
            f.id,
            Audience::project(&p),
            Some(f.version),
            &f,
        )],
    )
    .await?;
    Ok(())
}

pub async fn delete_file(tx: &mut Tx, ctx: &Ctx<'_>, id: Id) -> ApplyResult<()> {
    let (f, p) = writable_file(tx, ctx.user, id).await?;
    // A migrated legacy graph keeps its own id, not the one derived from its file.
    let graph_id = store::canvas::get_graph_by_file(tx, id)
        .await?
        .map_or_else(|| graph_id_for(id), |g| g.id);
    // The graph goes with its file (FK cascade).
    store::canvas::delete_file(tx, id).await?;
    changelog::file_parts_deleted(tx, id).await?;
    let aud = Audience::project(&p);
    changelog::record(
        tx,
        vec![
            Entry::tombstone(EntityKind::CanvasFile, id, aud, Some(f.version + 1)),
            Entry::tombstone(EntityKind::CanvasGraph, graph_id, aud, None),
        ],
    )
    .await?;
    Ok(())
}

pub async fn apply_graph(tx: &mut Tx, ctx: &Ctx<'_>, a: GraphApply) -> ApplyResult<()> {
    let (_, p) = writable_file(tx, ctx.user, a.file_id).await?;
    let Some(mut meta) = store::canvas::get_graph_by_file(tx, a.file_id).await? else {
        return Err(not_found("canvas_file", a.file_id));
    };
    // Only the rows the ops name, check or cascade to: the cost follows the ops.
    let needs = row_needs(&a.ops);
    let mut doc = store::graph::load(tx, a.file_id, &needs, meta.viewport).await?;
    // An op that does not fit (core's merge rules: a node that is not there, a
    // duplicate id, a parent cycle) rejects the mutation, naming the op: `applied`
    // always means stored. Only removals of what is gone already change nothing.
    let report = doc.apply(&a.ops)?;
    if !report.changed_anything() {
        return Ok(());
    }
    meta.version += 1;
    meta.viewport = doc.viewport;
    meta.updated_at = ctx.now;
    store::graph::write(tx, a.file_id, &doc, &report).await?;
    store::canvas::update_graph_meta(tx, &meta).await?;

    let aud = Audience::project(&p);
    let (file_id, version) = (a.file_id, meta.version);
    let mut entries = vec![Entry::put(
        EntityKind::CanvasGraph,
        meta.id,
        aud,
        Some(version),
        &meta,
    )];
    for id in &report.nodes_put {
        if let Some(n) = doc.nodes.get(id) {
            entries.push(Entry::graph_part(
                EntityKind::CanvasNode,
                *id,
                file_id,
                aud,
                version,
                Some(("node", n)),
            ));
        }
    }
    for id in &report.nodes_removed {
        entries.push(Entry::graph_part::<()>(
            EntityKind::CanvasNode,
            *id,
            file_id,
            aud,
            version,
            None,
        ));
    }
    for id in &report.edges_put {
        if let Some(e) = doc.edges.get(id) {
            entries.push(Entry::graph_part(
                EntityKind::CanvasEdge,
                *id,
                file_id,
                aud,
                version,
                Some(("edge", e)),
            ));
        }
    }
    for id in &report.edges_removed {
        entries.push(Entry::graph_part::<()>(
            EntityKind::CanvasEdge,
            *id,
            file_id,
            aud,
            version,
            None,
        ));
    }
    changelog::record(tx, entries).await?;
    Ok(())
}
