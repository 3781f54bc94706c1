//! A mutation's optimistic effect on the client's state: what the user sees at once,
//! and what a rebase replays on top of the server's state.

use super::record::{edge_unit, node_unit, Bucket, GraphRecord, Record};
use super::unit::Unit;
use super::workspace::{Query, Step, Workspace};
use crate::build::{self, Ctx};
use crate::error::CoreError;
use crate::graph::layout::needs;
use crate::graph::GraphDoc;
use crate::ids::Id;
use crate::protocol::mutation::{FileCreate, GraphApply, Mutation, ProjectCreate};
use crate::validate::slug;

/// Applies `m` to the workspace (its writes stay in the workspace until settled).
pub fn apply(m: &Mutation, ws: &mut Workspace, ctx: Ctx) -> Step {
    match m {
        Mutation::ProjectCreate(a) => project_create(a, ws, ctx),
        Mutation::ProjectUpdate(a) => {
            let mut p = match ws.get(&Unit::Project(a.id))? {
                Some(Record::Project(p)) => p.clone(),
                _ => return Err(CoreError::not_found("project", a.id).into()),
            };
            if let Some(s) = a.slug.as_ref().filter(|s| **s != p.slug) {
                let taken = ws.query(&Query::ProjectSlugPrefix(s.clone()))?;
                if taken
                    .iter()
                    .any(|u| slug_of(ws, u).as_deref() == Some(s.as_str()))
                {
                    return Err(CoreError::SlugTaken { slug: s.clone() }.into());
                }
            }
            build::update_project(&mut p, a, ctx.now);
            ws.put(Record::Project(p));
            Ok(())
        }
        Mutation::ProjectDelete(a) => project_delete(a.id, ws),
        Mutation::FileCreate(a) => file_create(a, ws, ctx),
        Mutation::FileUpdate(a) => {
            let mut f = match ws.get(&Unit::File(a.id))? {
                Some(Record::File(f)) => f.clone(),
                _ => return Err(CoreError::not_found("file", a.id).into()),
            };
            if let Some(s) = a.slug.as_ref().filter(|s| **s != f.slug) {
                let taken = ws.query(&Query::FileSlugPrefix(f.project_id, s.clone()))?;
                if taken
                    .iter()
                    .any(|u| slug_of(ws, u).as_deref() == Some(s.as_str()))
                {
                    return Err(CoreError::SlugTaken { slug: s.clone() }.into());
                }
            }
            build::update_file(&mut f, a, ctx.now);
            ws.put(Record::File(f));
            Ok(())
        }
        Mutation::FileDelete(a) => {
            match ws.get(&Unit::File(a.id))? {
                Some(Record::File(_)) => {}
                _ => return Err(CoreError::not_found("file", a.id).into()),
            }
            delete_file(a.id, ws);
            Ok(())
        }
        Mutation::GraphApply(a) => graph_apply(a, ws, ctx),
        Mutation::ExecutionCreate(a) => {
            ws.require([
                Unit::Tool(a.tool_id),
                Unit::Project(a.project_id),
                Unit::Execution(a.id),
            ])?;
            let tool = match ws.get(&Unit::Tool(a.tool_id))? {
                Some(Record::Tool(t)) => t.clone(),
                _ => return Err(CoreError::not_found("tool", a.tool_id).into()),
            };
            require_project(ws, a.project_id)?;
            require_absent(ws, Unit::Execution(a.id), "execution")?;
            let e = build::new_execution(a, &tool, ctx)?;
            ws.put(Record::Execution(e));
            Ok(())
        }
        Mutation::ExecutionReplay(a) => {
            ws.require([
                Unit::Execution(a.source_execution_id),
                Unit::Execution(a.id),
            ])?;
            let source = match ws.get(&Unit::Execution(a.source_execution_id))? {
                Some(Record::Execution(e)) => e.clone(),
                _ => return Err(CoreError::not_found("execution", a.source_execution_id).into()),
            };
            require_absent(ws, Unit::Execution(a.id), "execution")?;
            if let Some(Record::Tool(t)) = ws.get(&Unit::Tool(source.tool_id))? {
                t.check_available("source_execution_id")?;
            }
            ws.put(Record::Execution(build::replay_execution(
                &source, a.id, ctx,
            )));
            Ok(())
        }
        Mutation::TemplateUpsert(a) => {
            ws.require([Unit::Tool(a.tool_id), Unit::Template(a.id)])?;
            let tool = match ws.get(&Unit::Tool(a.tool_id))? {
                Some(Record::Tool(t)) => t.clone(),
                _ => return Err(CoreError::not_found("tool", a.tool_id).into()),
            };
            let existing = match ws.get(&Unit::Template(a.id))? {
                Some(Record::Template(t)) => Some(t.clone()),
                _ => None,
            };
            if existing
                .as_ref()
                .is_some_and(|t| t.user_id.is_none() && ctx.user_id.is_some())
            {
                return Err(CoreError::Forbidden("global templates are read-only".into()).into());
            }
            let t = build::upsert_template(existing.as_ref(), a, &tool, ctx)?;
            // One default per tool and user: the server does the same, and only the
            // caller's own templates (known once the user id is) are touched.
            if t.is_default && ctx.user_id.is_some() {
                for u in ws.query(&Query::TemplatesOfTool(a.tool_id))? {
                    if let Some(Record::Template(other)) = ws.get(&u)? {
                        if other.id != t.id && other.is_default && other.user_id == ctx.user_id {
                            let mut other = other.clone();
                            other.is_default = false;
                            other.updated_at = ctx.now;
                            ws.put(Record::Template(other));
                        }
                    }
                }
            }
            ws.put(Record::Template(t));
            Ok(())
        }
        Mutation::TemplateDelete(a) => match ws.get(&Unit::Template(a.id))? {
            Some(Record::Template(t)) if t.user_id.is_none() && ctx.user_id.is_some() => {
                Err(CoreError::Forbidden("global templates are read-only".into()).into())
            }
            Some(Record::Template(_)) => {
                ws.delete(Unit::Template(a.id));
                Ok(())
            }
            _ => Err(CoreError::not_found("template", a.id).into()),
        },
        Mutation::ChainCreate(a) => {
            ws.require([Unit::Project(a.project_id), Unit::Chain(a.id)])?;
            require_project(ws, a.project_id)?;
            require_absent(ws, Unit::Chain(a.id), "chain")?;
            ws.put(Record::Chain(build::new_chain(a, ctx)));
            Ok(())
        }
        Mutation::RenderCreate(a) => {
            ws.require([Unit::Chain(a.chain_id), Unit::Render(a.id)])?;
            match ws.get(&Unit::Chain(a.chain_id))? {
                Some(Record::Chain(c)) if c.project_id == a.project_id => {}
                _ => return Err(CoreError::not_found("chain", a.chain_id).into()),
            }
            require_absent(ws, Unit::Render(a.id), "render")?;
            let mut next = 0;
            for u in ws.query(&Query::RendersOfChain(a.chain_id))? {
                if let Some(Record::Render(r)) = ws.get(&u)? {
                    next = next.max(r.chain_position.unwrap_or(0) + 1);
                }
            }
            ws.put(Record::Render(build::new_render(a, next, ctx)));
            Ok(())
        }
    }
}

fn slug_of(ws: &Workspace, unit: &Unit) -> Option<String> {
    match ws.get(unit) {
        Ok(Some(Record::Project(p))) => Some(p.slug.clone()),
        Ok(Some(Record::File(f))) => Some(f.slug.clone()),
        _ => None,
    }
}

fn require_project(ws: &Workspace, id: Id) -> Step {
    match ws.get(&Unit::Project(id))? {
        Some(Record::Project(_)) => Ok(()),
        _ => Err(CoreError::not_found("project", id).into()),
    }
}

fn require_absent(ws: &Workspace, unit: Unit, entity: &'static str) -> Step {
    match ws.get(&unit)? {
        None => Ok(()),
        Some(_) => Err(CoreError::Conflict(format!("{entity} id is already used")).into()),
    }
}

/// A free slug: the asked-for one if free (else `slug_taken`), or one derived from the name.
fn free_slug(
    ws: &Workspace,
    asked: Option<&String>,
    name: &str,
    query: impl Fn(String) -> Query,
) -> Step<String> {
    let base = asked.cloned().unwrap_or_else(|| slug::slugify(name));
    let prefix = ws.query(&query(base.clone()))?;
    let taken: Vec<String> = prefix.iter().filter_map(|u| slug_of(ws, u)).collect();
    let is_taken = |s: &str| taken.iter().any(|t| t == s);
    match asked {
        Some(s) if is_taken(s) => Err(CoreError::SlugTaken { slug: s.clone() }.into()),
        Some(s) => Ok(s.clone()),
        None => Ok(slug::unique(&base, is_taken)),
    }
}

fn project_create(a: &ProjectCreate, ws: &mut Workspace, ctx: Ctx) -> Step {
    ws.require([Unit::Project(a.id)])?;
    require_absent(ws, Unit::Project(a.id), "project")?;
    let slug = free_slug(ws, a.slug.as_ref(), &a.name, Query::ProjectSlugPrefix)?;
    ws.put(Record::Project(build::new_project(a, slug, ctx)));
    Ok(())
}

fn file_create(a: &FileCreate, ws: &mut Workspace, ctx: Ctx) -> Step {
    ws.require([
        Unit::Project(a.project_id),
        Unit::File(a.id),
        Unit::Graph(a.id),
    ])?;
    require_project(ws, a.project_id)?;
    require_absent(ws, Unit::File(a.id), "file")?;
    let pid = a.project_id;
    let slug = free_slug(ws, a.slug.as_ref(), &a.name, |p| {
        Query::FileSlugPrefix(pid, p)
    })?;
    let (file, meta) = build::new_file(a, slug, ctx);
    ws.put(Record::File(file));
    ws.put(Record::Graph(GraphRecord { meta, top_z: None }));
    Ok(())
}

/// Deletes a file with its graph (meta and every bucket).
pub fn delete_file(file_id: Id, ws: &mut Workspace) {
    for u in std::iter::once(Unit::File(file_id)).chain(Unit::graph_units(file_id)) {
        ws.delete(u);
    }
}

/// Deletes a project and everything under it.
pub fn project_delete(id: Id, ws: &mut Workspace) -> Step {
    match ws.get(&Unit::Project(id))? {
        Some(Record::Project(_)) => {}
        _ => return Err(CoreError::not_found("project", id).into()),
    }
    cascade_project(id, ws)
}

/// Removes a project and its children, whether or not the project row is here.
pub fn cascade_project(id: Id, ws: &mut Workspace) -> Step {
    let queries = [
        Query::FilesOfProject(id),
        Query::ExecutionsOfProject(id),
        Query::ChainsOfProject(id),
        Query::RendersOfProject(id),
    ];
    // Ask for all four at once rather than one round each.
    let missing: Vec<Query> = queries
        .iter()
        .filter(|q| !ws.has_query(q))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Err(super::workspace::StepError::Missing(
            super::workspace::Needs {
                units: Default::default(),
                queries: missing.into_iter().collect(),
            },
        ));
    }
    let mut children = Vec::new();
    for q in &queries {
        children.extend(ws.query(q)?);
    }
    for u in children {
        match u {
            Unit::File(f) => delete_file(f, ws),
            other => ws.delete(other),
        }
    }
    ws.delete(Unit::Project(id));
    Ok(())
}

fn graph_apply(a: &GraphApply, ws: &mut Workspace, ctx: Ctx) -> Step {
    let need = needs(&a.ops);
    let units: Vec<Unit> = std::iter::once(Unit::Graph(a.file_id))
        .chain(
            need.node_buckets
                .iter()
                .map(|b| Unit::NodeBucket(a.file_id, *b)),
        )
        .chain(
            need.edge_buckets
                .iter()
                .map(|b| Unit::EdgeBucket(a.file_id, *b)),
        )
        .collect();
    ws.require(units.iter().copied())?;
    let mut graph = match ws.get(&Unit::Graph(a.file_id))? {
        Some(Record::Graph(g)) => g.clone(),
        _ => return Err(CoreError::not_found("file", a.file_id).into()),
    };
    let mut doc = GraphDoc {
        viewport: graph.meta.viewport,
        top_z: graph.top_z.clone(),
        ..Default::default()
    };
    for u in &units {
        match ws.get(u)? {
            Some(Record::Nodes(b)) => doc
                .nodes
                .extend(b.items.iter().map(|(k, v)| (*k, v.clone()))),
            Some(Record::Edges(b)) => doc
                .edges
                .extend(b.items.iter().map(|(k, v)| (*k, v.clone()))),
            _ => {}
        }
    }
    let report = doc.apply(&a.ops)?;
    let file = a.file_id;
    let touched_nodes = report
        .nodes_put
        .iter()
        .chain(&report.nodes_removed)
        .map(|id| node_unit(file, id));
    let touched_edges = report
        .edges_put
        .iter()
        .chain(&report.edges_removed)
        .map(|id| edge_unit(file, id));
    let touched: std::collections::BTreeSet<Unit> = touched_nodes.chain(touched_edges).collect();
    for u in touched {
        write_bucket(ws, u, &doc)?;
    }
    // The version stays the server's: it counts applied batches there, and a local
    // count would differ once drags coalesce.
    graph.meta.viewport = doc.viewport;
    graph.meta.updated_at = ctx.now;
    graph.top_z = doc.top_z;
    ws.put(Record::Graph(graph));
    Ok(())
}

/// Writes one bucket from the doc: every item of the doc in that bucket (the doc holds
/// the whole bucket, since it was loaded whole). An empty bucket is deleted.
fn write_bucket(ws: &mut Workspace, unit: Unit, doc: &GraphDoc) -> Step {
    use crate::graph::layout::bucket_of;
    match unit {
        Unit::NodeBucket(file, b) => {
            let mut bucket = Bucket::empty(file, "n", b);
            bucket.items = doc
                .nodes
                .iter()
                .filter(|(k, _)| bucket_of(k) == b)
                .map(|(k, v)| (*k, v.clone()))
                .collect();
            if bucket.items.is_empty() {
                ws.delete(unit)
            } else {
                ws.put(Record::Nodes(bucket))
            }
        }
        Unit::EdgeBucket(file, b) => {
            let mut bucket = Bucket::empty(file, "e", b);
            bucket.items = doc
                .edges
                .iter()
                .filter(|(k, _)| bucket_of(k) == b)
                .map(|(k, v)| (*k, v.clone()))
                .collect();
            if bucket.items.is_empty() {
                ws.delete(unit)
            } else {
                ws.put(Record::Edges(bucket))
            }
        }
        _ => {}
    }
    Ok(())
}
