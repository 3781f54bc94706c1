//! Units: the pieces of state an edit reads and writes, each one stored record.

use crate::graph::layout::BUCKETS;
use crate::ids::Id;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    Project(Id),
    File(Id),
    /// A graph's meta row, by the graph's file.
    Graph(Id),
    NodeBucket(Id, u16),
    EdgeBucket(Id, u16),
    Tool(Id),
    Execution(Id),
    Template(Id),
    Chain(Id),
    Render(Id),
}

impl Unit {
    /// Every unit that holds part of a file's graph.
    pub fn graph_units(file_id: Id) -> impl Iterator<Item = Unit> {
        std::iter::once(Unit::Graph(file_id))
            .chain((0..BUCKETS).map(move |b| Unit::NodeBucket(file_id, b)))
            .chain((0..BUCKETS).map(move |b| Unit::EdgeBucket(file_id, b)))
    }

    /// A stable text key (the base store's key and the outbox's unit list).
    pub fn key(&self) -> String {
        self.to_string()
    }

    pub fn parse(key: &str) -> Option<Unit> {
        let mut parts = key.split('/');
        let kind = parts.next()?;
        let id: Id = parts.next()?.parse().ok()?;
        let bucket = parts.next().map(str::parse::<u16>);
        let unit = match (kind, bucket) {
            ("project", None) => Unit::Project(id),
            ("file", None) => Unit::File(id),
            ("graph", None) => Unit::Graph(id),
            ("nodes", Some(Ok(b))) if b < BUCKETS => Unit::NodeBucket(id, b),
            ("edges", Some(Ok(b))) if b < BUCKETS => Unit::EdgeBucket(id, b),
            ("tool", None) => Unit::Tool(id),
            ("execution", None) => Unit::Execution(id),
            ("template", None) => Unit::Template(id),
            ("chain", None) => Unit::Chain(id),
            ("render", None) => Unit::Render(id),
            _ => return None,
        };
        parts.next().is_none().then_some(unit)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::Project(id) => write!(f, "project/{id}"),
            Unit::File(id) => write!(f, "file/{id}"),
            Unit::Graph(id) => write!(f, "graph/{id}"),
            Unit::NodeBucket(id, b) => write!(f, "nodes/{id}/{b}"),
            Unit::EdgeBucket(id, b) => write!(f, "edges/{id}/{b}"),
            Unit::Tool(id) => write!(f, "tool/{id}"),
            Unit::Execution(id) => write!(f, "execution/{id}"),
            Unit::Template(id) => write!(f, "template/{id}"),
            Unit::Chain(id) => write!(f, "chain/{id}"),
            Unit::Render(id) => write!(f, "render/{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let id = Id::from_u128(42);
        for u in [
            Unit::Project(id),
            Unit::NodeBucket(id, 255),
            Unit::EdgeBucket(id, 0),
            Unit::Render(id),
        ] {
            assert_eq!(Unit::parse(&u.key()), Some(u));
        }
        for bad in [
            "",
            "project",
            "project/x",
            "nodes/00000000-0000-0000-0000-00000000002a/256",
            "project/00000000-0000-0000-0000-00000000002a/1",
        ] {
            assert_eq!(Unit::parse(bad), None, "{bad}");
        }
    }
}
