//! Legacy React Flow nodes and edges (string ids, camelCase, extra UI fields) as core's
//! nodes and edges.

use super::derived_id;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use studio_core::graph::zindex;
use studio_core::model::{Edge, Node, Position};
use uuid::Uuid;

/// The graph's nodes and edges, and how many of each could not be kept: ids derived
/// from the graph and the legacy id (a legacy UUID is kept unless a part of another
/// graph has it already: `used`, since part ids are unique across the change log), z
/// keys in array order.
pub(super) fn convert_graph(
    graph: Uuid,
    nodes: &[Value],
    edges: &[Value],
    used: &mut HashSet<Uuid>,
) -> (Vec<Node>, Vec<Edge>, u64, u64) {
    let legacy_id = |v: &Value| match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let map_id = |prefix: &str, legacy: &str, used: &HashSet<Uuid>| match Uuid::parse_str(legacy) {
        Ok(id) if !used.contains(&id) => id,
        _ => derived_id(graph, &format!("{prefix}:{legacy}")),
    };
    let num = |v: Option<&Value>| v.and_then(Value::as_f64);
    let mut ids = HashMap::new();
    let mut out_nodes = Vec::new();
    let mut top: Option<String> = None;
    let mut dropped_nodes = 0;
    for n in nodes {
        let Some(lid) = n.get("id").and_then(legacy_id) else {
            dropped_nodes += 1;
            continue;
        };
        let id = map_id("node", &lid, used);
        if ids.contains_key(&lid) || ids.values().any(|v| *v == id) {
            dropped_nodes += 1;
            continue;
        }
        let Ok(z) = zindex::key_after(top.as_deref()) else {
            dropped_nodes += 1;
            continue;
        };
        let node = Node {
            id,
            kind: n
                .get("type")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .unwrap_or("default")
                .chars()
                .take(studio_core::limits::LABEL_MAX)
                .collect(),
            position: Position {
                x: num(n.pointer("/position/x")).unwrap_or(0.0),
                y: num(n.pointer("/position/y")).unwrap_or(0.0),
            },
            data: n
                .get("data")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            z: z.clone(),
            width: num(n.get("width")),
            height: num(n.get("height")),
            parent_id: None,
            style: n.get("style").and_then(Value::as_object).cloned(),
            hidden: n.get("hidden").and_then(Value::as_bool).unwrap_or(false),
            locked: n
                .get("draggable")
                .and_then(Value::as_bool)
                .map(|d| !d)
                .unwrap_or(false),
        };
        if node.validate().is_err() {
            dropped_nodes += 1;
            continue;
        }
        top = Some(z);
        ids.insert(lid, id);
        used.insert(id);
        out_nodes.push((
            node,
            n.get("parentNode")
                .or_else(|| n.get("parentId"))
                .and_then(legacy_id),
        ));
    }
    let nodes: Vec<Node> = out_nodes
        .into_iter()
        .map(|(mut node, parent)| {
            node.parent_id = parent
                .and_then(|p| ids.get(&p).copied())
                .filter(|p| *p != node.id);
            node
        })
        .collect();
    let mut out_edges = Vec::new();
    let mut edge_ids = HashSet::new();
    let mut dropped_edges = 0;
    for e in edges {
        let endpoints = (
            e.get("source")
                .and_then(legacy_id)
                .and_then(|s| ids.get(&s).copied()),
            e.get("target")
                .and_then(legacy_id)
                .and_then(|t| ids.get(&t).copied()),
        );
        let (Some(source), Some(target)) = endpoints else {
            dropped_edges += 1;
            continue;
        };
        let lid = e
            .get("id")
            .and_then(legacy_id)
            .unwrap_or_else(|| format!("{source}->{target}"));
        let id = map_id("edge", &lid, used);
        let text = |k: &str| {
            e.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let edge = Edge {
            id,
            source,
            target,
            source_handle: text("sourceHandle").or_else(|| text("source_handle")),
            target_handle: text("targetHandle").or_else(|| text("target_handle")),
            kind: text("type"),
            data: e.get("data").and_then(Value::as_object).cloned(),
        };
        if edge.validate().is_err() || !edge_ids.insert(id) {
            dropped_edges += 1;
            continue;
        }
        used.insert(id);
        out_edges.push(edge);
    }
    (nodes, out_edges, dropped_nodes, dropped_edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_react_flow_graphs() {
        let g = Uuid::from_u128(7);
        let nodes = vec![
            json!({"id": "a", "type": "imageNode", "position": {"x": 1, "y": 2}, "data": {"k": 1}, "selected": true, "width": 10}),
            json!({"id": "b", "position": {"x": 3, "y": 4}, "parentNode": "a"}),
            json!({"type": "no-id"}),
            json!({"id": "c", "position": {"x": 1e12, "y": 0}}),
        ];
        let edges = vec![
            json!({"id": "e1", "source": "a", "target": "b", "sourceHandle": "out"}),
            json!({"id": "e2", "source": "a", "target": "zzz"}),
        ];
        let (n, e, dn, de) = convert_graph(g, &nodes, &edges, &mut HashSet::new());
        assert_eq!((n.len(), e.len(), dn, de), (2, 1, 2, 1));
        assert!(n[0].z < n[1].z);
        assert_eq!(n[1].parent_id, Some(n[0].id));
        assert_eq!(e[0].source_handle.as_deref(), Some("out"));
        assert_eq!((e[0].source, e[0].target), (n[0].id, n[1].id));
        // Stable: the same legacy graph gives the same ids.
        let again = convert_graph(g, &nodes, &edges, &mut HashSet::new());
        assert_eq!(again.0[0].id, n[0].id);
    }

    #[test]
    fn keeps_legacy_uuids_unless_another_graph_has_them() {
        let shared = Uuid::from_u128(42).to_string();
        let nodes = vec![json!({"id": shared, "position": {"x": 0, "y": 0}})];
        let mut used = HashSet::new();
        let first = convert_graph(Uuid::from_u128(1), &nodes, &[], &mut used).0;
        let second = convert_graph(Uuid::from_u128(2), &nodes, &[], &mut used).0;
        assert_eq!(first[0].id.to_string(), shared, "kept");
        assert_ne!(
            second[0].id, first[0].id,
            "a copy's node gets an id of its own"
        );
    }
}
