//! The part of the state one step works on. A step reads through the workspace; what
//! is not loaded yet is collected as [`Needs`] and the step is run again once the store
//! has loaded it, so a step never has to know its reads up front and never runs half.

use super::record::Record;
use super::unit::Unit;
use crate::error::CoreError;
use crate::ids::Id;
use std::collections::{BTreeMap, BTreeSet};

/// Index lookups a step may need.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Query {
    /// Projects whose slug starts with the text (slug uniqueness).
    ProjectSlugPrefix(String),
    /// Files of a project whose slug starts with the text.
    FileSlugPrefix(Id, String),
    FilesOfProject(Id),
    ExecutionsOfProject(Id),
    ChainsOfProject(Id),
    RendersOfProject(Id),
    RendersOfChain(Id),
    TemplatesOfTool(Id),
}

impl Query {
    /// Whether a record is among the query's results, so results can count this step's
    /// own writes, which the store has not seen.
    pub fn matches(&self, record: &Record) -> bool {
        match (self, record) {
            (Query::ProjectSlugPrefix(p), Record::Project(r)) => r.slug.starts_with(p.as_str()),
            (Query::FileSlugPrefix(pid, p), Record::File(r)) => {
                r.project_id == *pid && r.slug.starts_with(p.as_str())
            }
            (Query::FilesOfProject(pid), Record::File(r)) => r.project_id == *pid,
            (Query::ExecutionsOfProject(pid), Record::Execution(r)) => r.project_id == *pid,
            (Query::ChainsOfProject(pid), Record::Chain(r)) => r.project_id == *pid,
            (Query::RendersOfProject(pid), Record::Render(r)) => r.project_id == *pid,
            (Query::RendersOfChain(cid), Record::Render(r)) => r.chain_id == Some(*cid),
            (Query::TemplatesOfTool(tid), Record::Template(r)) => r.tool_id == *tid,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Needs {
    pub units: BTreeSet<Unit>,
    pub queries: BTreeSet<Query>,
}

impl Needs {
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.queries.is_empty()
    }
}

/// Why a step stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum StepError {
    /// Load these and run the step again.
    Missing(Needs),
    /// The step breaks a rule; nothing it did counts.
    Rejected(CoreError),
}

impl From<CoreError> for StepError {
    fn from(e: CoreError) -> Self {
        StepError::Rejected(e)
    }
}

pub type Step<T = ()> = Result<T, StepError>;

/// Loaded values, this step's writes, and the settled writes of earlier steps that the
/// store has not been given yet.
#[derive(Debug, Default)]
pub struct Workspace {
    loaded: BTreeMap<Unit, Option<Record>>,
    queries: BTreeMap<Query, BTreeSet<Unit>>,
    writes: BTreeMap<Unit, Option<Record>>,
    unflushed: BTreeMap<Unit, Option<Record>>,
    /// Each unit's value when first loaded, before any step of this workspace.
    first: BTreeMap<Unit, Option<Record>>,
}

impl Workspace {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert_loaded(&mut self, unit: Unit, value: Option<Record>) {
        self.first.entry(unit).or_insert_with(|| value.clone());
        self.loaded.insert(unit, value);
    }

    /// A unit's value before any step of this workspace.
    pub fn original(&self, unit: &Unit) -> Option<&Record> {
        self.first.get(unit).and_then(Option::as_ref)
    }

    /// Query results from the store, which must also have loaded every unit in them.
    pub fn insert_query(&mut self, q: Query, units: Vec<Unit>) {
        self.queries.insert(q, units.into_iter().collect());
    }

    pub fn is_loaded(&self, unit: &Unit) -> bool {
        self.loaded.contains_key(unit)
    }

    pub fn has_query(&self, q: &Query) -> bool {
        self.queries.contains_key(q)
    }

    /// Fails with every unit of `units` not loaded yet, so one round loads them all.
    pub fn require(&self, units: impl IntoIterator<Item = Unit>) -> Step {
        let missing: BTreeSet<Unit> = units
            .into_iter()
            .filter(|u| !self.loaded.contains_key(u))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(StepError::Missing(Needs {
                units: missing,
                queries: BTreeSet::new(),
            }))
        }
    }

    /// The current value of a unit: written in this step, else loaded.
    pub fn get(&self, unit: &Unit) -> Step<Option<&Record>> {
        if let Some(w) = self.writes.get(unit) {
            return Ok(w.as_ref());
        }
        match self.loaded.get(unit) {
            Some(v) => Ok(v.as_ref()),
            None => Err(StepError::Missing(Needs {
                units: BTreeSet::from([*unit]),
                queries: BTreeSet::new(),
            })),
        }
    }

    /// Units matching a query now: the store's answer, plus this workspace's own writes
    /// that match, minus those that no longer match.
    pub fn query(&self, q: &Query) -> Step<Vec<Unit>> {
        let Some(stored) = self.queries.get(q) else {
            return Err(StepError::Missing(Needs {
                units: BTreeSet::new(),
                queries: BTreeSet::from([q.clone()]),
            }));
        };
        // Everything loaded counts: a unit settled (and maybe flushed) after the store
        // answered this query is not in the store's answer.
        let candidates: BTreeSet<Unit> = stored
            .iter()
            .chain(self.loaded.keys())
            .chain(self.writes.keys())
            .copied()
            .collect();
        Ok(candidates
            .into_iter()
            .filter(|u| matches!(self.get(u), Ok(Some(r)) if q.matches(r)))
            .collect())
    }

    pub fn put(&mut self, record: Record) {
        self.writes.insert(record.unit(), Some(record));
    }

    pub fn delete(&mut self, unit: Unit) {
        self.writes.insert(unit, None);
    }

    /// The value a unit had before this step.
    pub fn before(&self, unit: &Unit) -> Option<&Record> {
        self.loaded.get(unit).and_then(Option::as_ref)
    }

    pub fn writes(&self) -> &BTreeMap<Unit, Option<Record>> {
        &self.writes
    }

    /// Drops this step's writes (the step failed; it never happened).
    pub fn discard_writes(&mut self) {
        self.writes.clear();
    }

    /// Ends a step: its writes become the state the next step sees and wait for
    /// [`Workspace::take_unflushed`].
    pub fn settle(&mut self) {
        for (u, v) in std::mem::take(&mut self.writes) {
            self.loaded.insert(u, v.clone());
            self.unflushed.insert(u, v);
        }
    }

    /// The settled writes the store has not been given yet.
    pub fn take_unflushed(&mut self) -> BTreeMap<Unit, Option<Record>> {
        std::mem::take(&mut self.unflushed)
    }
}
