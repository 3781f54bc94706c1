//! A model of the reference server, in memory: the wire protocol's rules (seq, last_seq,
//! cursors, tombstones) and the shared merge rules, for the deterministic simulation.
//! The real server (server/) is tested against the same rules over HTTP.

use std::collections::BTreeMap;
use studio_core::build::{self, Ctx};
use studio_core::catalog;
use studio_core::client::record::{edge_unit, node_unit, Bucket, GraphRecord, Record};
use studio_core::client::Unit;
use studio_core::error::CoreError;
use studio_core::graph::GraphDoc;
use studio_core::ids::Id;
use studio_core::model::*;
use studio_core::protocol::change::{EdgeValue, NodeValue};
use studio_core::protocol::mutation::Mutation;
use studio_core::protocol::*;
use studio_core::validate::slug;

type Key = (EntityKind, Id, Id);

#[derive(Debug, Clone)]
struct Row {
    seq: u64,
    change: Change,
}

pub enum PushOutcome {
    Ok(PushResponse),
    SeqGap(studio_core::protocol::push::SeqGapDetails),
}

#[derive(Debug, Default)]
pub struct SimServer {
    pub user: Id,
    projects: BTreeMap<Id, Project>,
    files: BTreeMap<Id, CanvasFile>,
    graphs: BTreeMap<Id, (GraphMeta, GraphDoc)>,
    tools: BTreeMap<Id, Tool>,
    executions: BTreeMap<Id, ToolExecution>,
    templates: BTreeMap<Id, ToolSettingsTemplate>,
    chains: BTreeMap<Id, RenderChain>,
    renders: BTreeMap<Id, Render>,
    log: BTreeMap<Key, Row>,
    by_seq: BTreeMap<u64, Key>,
    versions: BTreeMap<Key, i64>,
    counter: u64,
    last_seq: BTreeMap<Id, u64>,
    /// Every (client, seq) processed, with whether it applied: each exactly once.
    pub processed: Vec<(Id, u64, bool)>,
    pub now: i64,
}

impl SimServer {
    pub fn new(user: Id) -> Self {
        let mut s = SimServer {
            user,
            now: 1_000,
            ..Default::default()
        };
        for tool in catalog::builtin().expect("catalog").tools {
            s.log_value(
                EntityKind::Tool,
                tool.id,
                tool.id,
                serde_json::to_value(&tool).unwrap_or_default(),
            );
            s.tools.insert(tool.id, tool);
        }
        s
    }

    fn ctx(&mut self) -> Ctx {
        self.now += 1;
        Ctx {
            user_id: Some(self.user),
            now: self.now,
        }
    }

    fn bump(&mut self, key: Key) -> (u64, i64) {
        self.counter += 1;
        let v = self.versions.entry(key).or_insert(0);
        *v += 1;
        (self.counter, *v)
    }

    fn put_row(&mut self, key: Key, mut change: Change) {
        let (seq, version) = self.bump(key);
        change.version = version;
        if let Some(old) = self.log.insert(key, Row { seq, change }) {
            self.by_seq.remove(&old.seq);
        }
        self.by_seq.insert(seq, key);
    }

    fn log_value(&mut self, kind: EntityKind, scope: Id, id: Id, value: serde_json::Value) {
        self.put_row(
            (kind, scope, id),
            Change {
                entity: kind,
                id,
                version: 0,
                deleted: false,
                value,
            },
        );
    }

    fn log_tombstone(&mut self, kind: EntityKind, scope: Id, id: Id) {
        let file = kind.is_graph_part().then_some(scope);
        self.put_row((kind, scope, id), Change::tombstone(kind, id, 0, file));
    }

    fn log<T: serde::Serialize>(&mut self, kind: EntityKind, id: Id, row: &T) {
        self.log_value(kind, id, id, serde_json::to_value(row).unwrap_or_default());
    }

    pub fn push(&mut self, client: Id, req: &[RawMutation]) -> PushOutcome {
        let mut results = Vec::new();
        for raw in req {
            let last = *self.last_seq.get(&client).unwrap_or(&0);
            if raw.seq <= last {
                results.push(MutationResult {
                    seq: raw.seq,
                    status: MutationStatus::Applied,
                    error: None,
                });
                continue;
            }
            if raw.seq > last + 1 {
                return PushOutcome::SeqGap(studio_core::protocol::push::SeqGapDetails {
                    last_seq: last,
                    results,
                });
            }
            let outcome = Mutation::from_raw(&raw.name, &raw.args).and_then(|m| self.apply(&m));
            self.last_seq.insert(client, raw.seq);
            self.processed.push((client, raw.seq, outcome.is_ok()));
            results.push(match outcome {
                Ok(()) => MutationResult {
                    seq: raw.seq,
                    status: MutationStatus::Applied,
                    error: None,
                },
                Err(e) => MutationResult {
                    seq: raw.seq,
                    status: MutationStatus::Rejected,
                    error: Some(ErrorDetail::from(&e)),
                },
            });
        }
        PushOutcome::Ok(PushResponse {
            results,
            last_seq: *self.last_seq.get(&client).unwrap_or(&0),
        })
    }

    pub fn pull(&self, client: Id, platform: Platform, cursor: u64, limit: usize) -> PullResponse {
        let mut changes = Vec::new();
        let mut next = cursor;
        let mut has_more = false;
        for (seq, key) in self.by_seq.range(cursor + 1..) {
            if key.0.platform() != platform {
                continue;
            }
            if changes.len() == limit {
                has_more = true;
                break;
            }
            changes.push(self.log[key].change.clone());
            next = *seq;
        }
        PullResponse {
            cursor: next,
            has_more,
            changes,
            last_seq: *self.last_seq.get(&client).unwrap_or(&0),
        }
    }

    pub fn last_seq(&self, client: Id) -> u64 {
        *self.last_seq.get(&client).unwrap_or(&0)
    }

    fn slug_free_project(&self, s: &str, except: Option<Id>) -> bool {
        !self
            .projects
            .values()
            .any(|p| p.slug == s && Some(p.id) != except)
    }

    fn slug_free_file(&self, project: Id, s: &str, except: Option<Id>) -> bool {
        !self
            .files
            .values()
            .any(|f| f.project_id == project && f.slug == s && Some(f.id) != except)
    }

    fn own_project(&self, id: Id) -> Result<(), CoreError> {
        if self.projects.contains_key(&id) {
            Ok(())
        } else {
            Err(CoreError::not_found("project", id))
        }
    }

    fn apply(&mut self, m: &Mutation) -> Result<(), CoreError> {
        let ctx = self.ctx();
        match m {
            Mutation::ProjectCreate(a) => {
                if self.projects.contains_key(&a.id) {
                    return Err(CoreError::Conflict("id used".into()));
                }
                let s = match &a.slug {
                    Some(s) if !self.slug_free_project(s, None) => {
                        return Err(CoreError::SlugTaken { slug: s.clone() })
                    }
                    Some(s) => s.clone(),
                    None => slug::unique(&slug::slugify(&a.name), |c| {
                        !self.slug_free_project(c, None)
                    }),
                };
                let p = build::new_project(a, s, ctx);
                self.log(EntityKind::Project, p.id, &p);
                self.projects.insert(p.id, p);
            }
            Mutation::ProjectUpdate(a) => {
                let mut p = self
                    .projects
                    .get(&a.id)
                    .cloned()
                    .ok_or_else(|| CoreError::not_found("project", a.id))?;
                if let Some(s) = &a.slug {
                    if !self.slug_free_project(s, Some(a.id)) {
                        return Err(CoreError::SlugTaken { slug: s.clone() });
                    }
                }
                build::update_project(&mut p, a, ctx.now);
                self.log(EntityKind::Project, p.id, &p);
                self.projects.insert(p.id, p);
            }
            Mutation::ProjectDelete(a) => {
                self.own_project(a.id)?;
                let files: Vec<Id> = self
                    .files
                    .values()
                    .filter(|f| f.project_id == a.id)
                    .map(|f| f.id)
                    .collect();
                for f in files {
                    self.delete_file(f);
                }
                for (kind, ids) in [
                    (
                        EntityKind::ToolExecution,
                        self.executions
                            .values()
                            .filter(|e| e.project_id == a.id)
                            .map(|e| e.id)
                            .collect::<Vec<_>>(),
                    ),
                    (
                        EntityKind::RenderChain,
                        self.chains
                            .values()
                            .filter(|c| c.project_id == a.id)
                            .map(|c| c.id)
                            .collect(),
                    ),
                    (
                        EntityKind::Render,
                        self.renders
                            .values()
                            .filter(|r| r.project_id == a.id)
                            .map(|r| r.id)
                            .collect(),
                    ),
                ] {
                    for id in ids {
                        self.executions.remove(&id);
                        self.chains.remove(&id);
                        self.renders.remove(&id);
                        self.log_tombstone(kind, id, id);
                    }
                }
                self.projects.remove(&a.id);
                self.log_tombstone(EntityKind::Project, a.id, a.id);
            }
            Mutation::FileCreate(a) => {
                self.own_project(a.project_id)?;
                if self.files.contains_key(&a.id) {
                    return Err(CoreError::Conflict("id used".into()));
                }
                let s = match &a.slug {
                    Some(s) if !self.slug_free_file(a.project_id, s, None) => {
                        return Err(CoreError::SlugTaken { slug: s.clone() })
                    }
                    Some(s) => s.clone(),
                    None => slug::unique(&slug::slugify(&a.name), |c| {
                        !self.slug_free_file(a.project_id, c, None)
                    }),
                };
                let (file, meta) = build::new_file(a, s, ctx);
                self.log(EntityKind::CanvasFile, file.id, &file);
                self.log(EntityKind::CanvasGraph, meta.id, &meta);
                self.graphs.insert(file.id, (meta, GraphDoc::default()));
                self.files.insert(file.id, file);
            }
            Mutation::FileUpdate(a) => {
                let mut f = self
                    .files
                    .get(&a.id)
                    .cloned()
                    .ok_or_else(|| CoreError::not_found("file", a.id))?;
                if let Some(s) = &a.slug {
                    if !self.slug_free_file(f.project_id, s, Some(f.id)) {
                        return Err(CoreError::SlugTaken { slug: s.clone() });
                    }
                }
                build::update_file(&mut f, a, ctx.now);
                self.log(EntityKind::CanvasFile, f.id, &f);
                self.files.insert(f.id, f);
            }
            Mutation::FileDelete(a) => {
                if !self.files.contains_key(&a.id) {
                    return Err(CoreError::not_found("file", a.id));
                }
                self.delete_file(a.id);
            }
            Mutation::GraphApply(a) => {
                let (mut meta, mut doc) = self
                    .graphs
                    .get(&a.file_id)
                    .cloned()
                    .ok_or_else(|| CoreError::not_found("file", a.file_id))?;
                let report = doc.apply(&a.ops)?;
                meta.version += 1;
                meta.viewport = doc.viewport;
                meta.updated_at = ctx.now;
                let f = a.file_id;
                for id in &report.nodes_put {
                    let v = serde_json::to_value(NodeValue {
                        file_id: f,
                        node: doc.nodes[id].clone(),
                    })
                    .unwrap_or_default();
                    self.log_value(EntityKind::CanvasNode, f, *id, v);
                }
                for id in &report.nodes_removed {
                    self.log_tombstone(EntityKind::CanvasNode, f, *id);
                }
                for id in &report.edges_put {
                    let v = serde_json::to_value(EdgeValue {
                        file_id: f,
                        edge: doc.edges[id].clone(),
                    })
                    .unwrap_or_default();
                    self.log_value(EntityKind::CanvasEdge, f, *id, v);
                }
                for id in &report.edges_removed {
                    self.log_tombstone(EntityKind::CanvasEdge, f, *id);
                }
                self.log(EntityKind::CanvasGraph, meta.id, &meta);
                self.graphs.insert(f, (meta, doc));
            }
            Mutation::ExecutionCreate(a) => {
                self.own_project(a.project_id)?;
                let tool = self
                    .tools
                    .get(&a.tool_id)
                    .cloned()
                    .ok_or_else(|| CoreError::not_found("tool", a.tool_id))?;
                if self.executions.contains_key(&a.id) {
                    return Err(CoreError::Conflict("id used".into()));
                }
                let e = build::new_execution(a, &tool, ctx)?;
                self.log(EntityKind::ToolExecution, e.id, &e);
                self.executions.insert(e.id, e);
            }
            Mutation::ExecutionReplay(a) => {
                let src = self
                    .executions
                    .get(&a.source_execution_id)
                    .cloned()
                    .ok_or_else(|| CoreError::not_found("execution", a.source_execution_id))?;
                if self.executions.contains_key(&a.id) {
                    return Err(CoreError::Conflict("id used".into()));
                }
                let e = build::replay_execution(&src, a.id, ctx);
                self.log(EntityKind::ToolExecution, e.id, &e);
                self.executions.insert(e.id, e);
            }
            Mutation::TemplateUpsert(a) => {
                let tool = self
                    .tools
                    .get(&a.tool_id)
                    .cloned()
                    .ok_or_else(|| CoreError::not_found("tool", a.tool_id))?;
                let existing = self.templates.get(&a.id).cloned();
                let t = build::upsert_template(existing.as_ref(), a, &tool, ctx)?;
                if t.is_default {
                    let others: Vec<ToolSettingsTemplate> = self
                        .templates
                        .values()
                        .filter(|o| {
                            o.id != t.id
                                && o.is_default
                                && o.tool_id == t.tool_id
                                && o.user_id == t.user_id
                        })
                        .cloned()
                        .collect();
                    for mut o in others {
                        o.is_default = false;
                        o.updated_at = ctx.now;
                        self.log(EntityKind::ToolSettingsTemplate, o.id, &o);
                        self.templates.insert(o.id, o);
                    }
                }
                self.log(EntityKind::ToolSettingsTemplate, t.id, &t);
                self.templates.insert(t.id, t);
            }
            Mutation::TemplateDelete(a) => {
                self.templates
                    .remove(&a.id)
                    .ok_or_else(|| CoreError::not_found("template", a.id))?;
                self.log_tombstone(EntityKind::ToolSettingsTemplate, a.id, a.id);
            }
            Mutation::ChainCreate(a) => {
                self.own_project(a.project_id)?;
                if self.chains.contains_key(&a.id) {
                    return Err(CoreError::Conflict("id used".into()));
                }
                let c = build::new_chain(a, ctx);
                self.log(EntityKind::RenderChain, c.id, &c);
                self.chains.insert(c.id, c);
            }
            Mutation::RenderCreate(a) => {
                match self.chains.get(&a.chain_id) {
                    Some(c) if c.project_id == a.project_id => {}
                    _ => return Err(CoreError::not_found("chain", a.chain_id)),
                }
                if self.renders.contains_key(&a.id) {
                    return Err(CoreError::Conflict("id used".into()));
                }
                let next = self
                    .renders
                    .values()
                    .filter(|r| r.chain_id == Some(a.chain_id))
                    .filter_map(|r| r.chain_position)
                    .max()
                    .map_or(0, |p| p + 1);
                let r = build::new_render(a, next, ctx);
                self.log(EntityKind::Render, r.id, &r);
                self.renders.insert(r.id, r);
            }
        }
        Ok(())
    }

    fn delete_file(&mut self, id: Id) {
        if let Some((meta, doc)) = self.graphs.remove(&id) {
            for n in doc.nodes.keys() {
                if let Some(row) = self.log.remove(&(EntityKind::CanvasNode, id, *n)) {
                    self.by_seq.remove(&row.seq);
                }
            }
            for e in doc.edges.keys() {
                if let Some(row) = self.log.remove(&(EntityKind::CanvasEdge, id, *e)) {
                    self.by_seq.remove(&row.seq);
                }
            }
            self.log_tombstone(EntityKind::CanvasGraph, meta.id, meta.id);
        }
        self.files.remove(&id);
        self.log_tombstone(EntityKind::CanvasFile, id, id);
    }

    /// The tool runner: moves one unfinished execution a step forward.
    pub fn run_tool_step(&mut self, pick: u64) {
        let open: Vec<Id> = self
            .executions
            .values()
            .filter(|e| !e.status.is_final())
            .map(|e| e.id)
            .collect();
        let Some(id) = open
            .get((pick % open.len().max(1) as u64) as usize)
            .copied()
        else {
            return;
        };
        let ctx = self.ctx();
        let Some(mut e) = self.executions.get(&id).cloned() else {
            return;
        };
        let next = if e.status == ExecutionStatus::Pending {
            ExecutionStatus::Processing
        } else if pick.is_multiple_of(5) {
            ExecutionStatus::Failed
        } else {
            ExecutionStatus::Completed
        };
        let Ok(status) = e.status.transition(next) else {
            return;
        };
        e.status = status;
        e.updated_at = ctx.now;
        if status == ExecutionStatus::Completed {
            e.output_url = Some(format!("/outputs/{}.png", e.id));
            e.processing_time = Some(3);
            e.credits_cost = Some(1);
        }
        self.log(EntityKind::ToolExecution, e.id, &e);
        self.executions.insert(e.id, e);
    }

    /// The state a client holds once fully synced, as units.
    pub fn projection(&self) -> BTreeMap<Unit, Record> {
        let mut out = BTreeMap::new();
        let mut put = |r: Record| {
            out.insert(r.unit(), r);
        };
        self.projects
            .values()
            .for_each(|r| put(Record::Project(r.clone())));
        self.files
            .values()
            .for_each(|r| put(Record::File(r.clone())));
        self.tools
            .values()
            .for_each(|r| put(Record::Tool(r.clone())));
        self.executions
            .values()
            .for_each(|r| put(Record::Execution(r.clone())));
        self.templates
            .values()
            .for_each(|r| put(Record::Template(r.clone())));
        self.chains
            .values()
            .for_each(|r| put(Record::Chain(r.clone())));
        self.renders
            .values()
            .for_each(|r| put(Record::Render(r.clone())));
        let mut buckets: BTreeMap<Unit, Record> = BTreeMap::new();
        for (file, (meta, doc)) in &self.graphs {
            out.insert(
                Unit::Graph(*file),
                Record::Graph(GraphRecord {
                    meta: meta.clone(),
                    top_z: None,
                }),
            );
            for n in doc.nodes.values() {
                let u = node_unit(*file, &n.id);
                let Unit::NodeBucket(_, b) = u else { continue };
                if let Record::Nodes(bucket) = buckets
                    .entry(u)
                    .or_insert_with(|| Record::Nodes(Bucket::empty(*file, "n", b)))
                {
                    bucket.items.insert(n.id, n.clone());
                }
            }
            for e in doc.edges.values() {
                let u = edge_unit(*file, &e.id);
                let Unit::EdgeBucket(_, b) = u else { continue };
                if let Record::Edges(bucket) = buckets
                    .entry(u)
                    .or_insert_with(|| Record::Edges(Bucket::empty(*file, "e", b)))
                {
                    bucket.items.insert(e.id, e.clone());
                }
            }
        }
        out.extend(buckets);
        out
    }
}
