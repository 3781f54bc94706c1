//! What `watch` subscribers listen to, derived from the units a step wrote.

use super::record::Record;
use super::unit::Unit;
use crate::ids::Id;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "topic", content = "id", rename_all = "snake_case")]
pub enum Topic {
    /// The project list (any project).
    Projects,
    /// A project's row.
    Project(Id),
    /// A project's files.
    Files(Id),
    /// A file's row and its graph.
    Canvas(Id),
    /// A tool's executions.
    Executions(Id),
    /// One execution.
    Execution(Id),
    /// A tool's templates.
    Templates(Id),
    /// The tool catalog.
    Tools,
    /// A project's chains.
    Chains(Id),
    /// A chain's renders.
    Renders(Id),
}

/// Topics a write to `unit` concerns, from its value before and after.
pub fn topics(
    unit: &Unit,
    before: Option<&Record>,
    after: Option<&Record>,
    out: &mut BTreeSet<Topic>,
) {
    match unit {
        Unit::Graph(f) | Unit::NodeBucket(f, _) | Unit::EdgeBucket(f, _) => {
            out.insert(Topic::Canvas(*f));
        }
        Unit::Tool(_) => {
            out.insert(Topic::Tools);
        }
        _ => {}
    }
    for r in [before, after].into_iter().flatten() {
        match r {
            Record::Project(p) => {
                out.insert(Topic::Projects);
                out.insert(Topic::Project(p.id));
            }
            Record::File(f) => {
                out.insert(Topic::Files(f.project_id));
                out.insert(Topic::Canvas(f.id));
            }
            Record::Execution(e) => {
                out.insert(Topic::Executions(e.tool_id));
                out.insert(Topic::Execution(e.id));
            }
            Record::Template(t) => {
                out.insert(Topic::Templates(t.tool_id));
            }
            Record::Chain(c) => {
                out.insert(Topic::Chains(c.project_id));
            }
            Record::Render(r) => {
                if let Some(c) = r.chain_id {
                    out.insert(Topic::Renders(c));
                }
            }
            Record::Graph(_) | Record::Nodes(_) | Record::Edges(_) | Record::Tool(_) => {}
        }
    }
}
