//! A pulled change, applied to the server-confirmed state.

use super::apply::{cascade_project, delete_file};
use super::record::{edge_unit, node_unit, Bucket, GraphRecord, Record};
use super::unit::Unit;
use super::workspace::{Step, Workspace};
use crate::error::CoreError;
use crate::protocol::change::{Change, EntityValue};
use crate::protocol::EntityKind;

/// Applies one change. A change of the wrong shape is an error: nothing of it is
/// stored, and the caller sets it aside; a change about something not here is simply
/// stored.
pub fn apply_change(c: &Change, ws: &mut Workspace) -> Step {
    let value = c
        .typed_value()
        .map_err(|e| CoreError::Malformed(e.to_string()))?;
    match (c.entity, value) {
        (EntityKind::Project, None) => cascade_project(c.id, ws),
        (EntityKind::CanvasFile, None) => {
            delete_file(c.id, ws);
            Ok(())
        }
        (EntityKind::CanvasGraph, None) => {
            // A graph goes with its file; the file's tombstone cascades. Alone, the
            // graph tombstone cannot name its file, so there is nothing to do.
            Ok(())
        }
        (EntityKind::CanvasNode | EntityKind::CanvasEdge, None) => {
            let file = c
                .file_id()?
                .ok_or_else(|| CoreError::Malformed("no file_id".into()))?;
            let unit = if c.entity == EntityKind::CanvasNode {
                node_unit(file, &c.id)
            } else {
                edge_unit(file, &c.id)
            };
            ws.require([unit])?;
            match ws.get(&unit)?.cloned() {
                Some(Record::Nodes(mut b)) => {
                    b.items.remove(&c.id);
                    put_bucket(ws, unit, Record::Nodes(b));
                }
                Some(Record::Edges(mut b)) => {
                    b.items.remove(&c.id);
                    put_bucket(ws, unit, Record::Edges(b));
                }
                _ => {}
            }
            Ok(())
        }
        (_, None) => {
            ws.delete(unit_of_row(c.entity, c.id));
            Ok(())
        }
        (_, Some(EntityValue::CanvasNode(v))) => {
            let unit = node_unit(v.file_id, &v.node.id);
            ws.require([unit, Unit::Graph(v.file_id)])?;
            let mut b = match ws.get(&unit)? {
                Some(Record::Nodes(b)) => b.clone(),
                _ => Bucket::empty(v.file_id, "n", bucket_no(&unit)),
            };
            // Keep the append hint above every known key.
            if let Some(Record::Graph(g)) = ws.get(&Unit::Graph(v.file_id))? {
                if g.top_z.as_deref().is_none_or(|t| v.node.z.as_str() > t) {
                    let mut g = g.clone();
                    g.top_z = Some(v.node.z.clone());
                    ws.put(Record::Graph(g));
                }
            }
            b.items.insert(v.node.id, v.node);
            ws.put(Record::Nodes(b));
            Ok(())
        }
        (_, Some(EntityValue::CanvasEdge(v))) => {
            let unit = edge_unit(v.file_id, &v.edge.id);
            ws.require([unit])?;
            let mut b = match ws.get(&unit)? {
                Some(Record::Edges(b)) => b.clone(),
                _ => Bucket::empty(v.file_id, "e", bucket_no(&unit)),
            };
            b.items.insert(v.edge.id, v.edge);
            ws.put(Record::Edges(b));
            Ok(())
        }
        (_, Some(EntityValue::CanvasGraph(meta))) => {
            let unit = Unit::Graph(meta.file_id);
            ws.require([unit])?;
            let top_z = match ws.get(&unit)? {
                Some(Record::Graph(g)) => g.top_z.clone(),
                _ => None,
            };
            ws.put(Record::Graph(GraphRecord { meta, top_z }));
            Ok(())
        }
        (_, Some(v)) => {
            let record = match v {
                EntityValue::Project(r) => Record::Project(r),
                EntityValue::CanvasFile(r) => Record::File(r),
                EntityValue::Tool(r) => Record::Tool(r),
                EntityValue::ToolExecution(r) => Record::Execution(r),
                EntityValue::ToolSettingsTemplate(r) => Record::Template(r),
                EntityValue::RenderChain(r) => Record::Chain(r),
                EntityValue::Render(r) => Record::Render(r),
                EntityValue::CanvasGraph(_)
                | EntityValue::CanvasNode(_)
                | EntityValue::CanvasEdge(_) => {
                    return Ok(());
                }
            };
            ws.put(record);
            Ok(())
        }
    }
}

fn unit_of_row(kind: EntityKind, id: crate::ids::Id) -> Unit {
    match kind {
        EntityKind::Project => Unit::Project(id),
        EntityKind::CanvasFile => Unit::File(id),
        EntityKind::Tool => Unit::Tool(id),
        EntityKind::ToolExecution => Unit::Execution(id),
        EntityKind::ToolSettingsTemplate => Unit::Template(id),
        EntityKind::RenderChain => Unit::Chain(id),
        EntityKind::Render => Unit::Render(id),
        // Graph parts are handled by the caller; a graph row by its file.
        EntityKind::CanvasGraph | EntityKind::CanvasNode | EntityKind::CanvasEdge => {
            Unit::Graph(id)
        }
    }
}

fn bucket_no(unit: &Unit) -> u16 {
    match unit {
        Unit::NodeBucket(_, b) | Unit::EdgeBucket(_, b) => *b,
        _ => 0,
    }
}

fn put_bucket(ws: &mut Workspace, unit: Unit, record: Record) {
    let empty = match &record {
        Record::Nodes(b) => b.items.is_empty(),
        Record::Edges(b) => b.items.is_empty(),
        _ => false,
    };
    if empty {
        ws.delete(unit);
    } else {
        ws.put(record);
    }
}
