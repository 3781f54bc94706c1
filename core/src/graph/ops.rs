//! The canvas delta ops, as the JS outline and the wire carry them:
//! `{"op": "node.set", "id": ..., "props": {...}}`.

use crate::error::{CoreError, Result};
use crate::ids::Id;
use crate::json::serialized_len;
use crate::json::{check_object, JsonObject};
use crate::limits::{LABEL_MAX, OPS_MAX_BYTES, OPS_PER_APPLY_MAX};
use crate::model::{Edge, Node, Position, Viewport};
use crate::strict::{strict, strict_option};
use crate::validate::required_text;
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", deny_unknown_fields)]
pub enum GraphOp {
    #[serde(rename = "node.add")]
    NodeAdd { node: NodeInput },
    /// Sets the given properties only, so concurrent edits of other properties survive.
    #[serde(rename = "node.set")]
    NodeSet { id: Id, props: NodePatch },
    #[serde(rename = "node.remove")]
    NodeRemove { id: Id },
    #[serde(rename = "edge.add")]
    EdgeAdd {
        #[serde(deserialize_with = "strict")]
        edge: Edge,
    },
    #[serde(rename = "edge.remove")]
    EdgeRemove { id: Id },
    #[serde(rename = "viewport.set")]
    ViewportSet {
        #[serde(deserialize_with = "strict")]
        viewport: Viewport,
    },
}

/// A node as given to `node.add`: `z` may be left out to put it on top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NodeInput {
    pub id: Id,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "strict")]
    pub position: Position,
    #[serde(default)]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub style: Option<JsonObject>,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub locked: bool,
}

impl NodeInput {
    /// A node of `kind` at `position`, with no data and every optional left out.
    pub fn new(id: Id, kind: impl Into<String>, position: Position) -> Self {
        NodeInput {
            id,
            kind: kind.into(),
            position,
            data: JsonObject::new(),
            z: None,
            width: None,
            height: None,
            parent_id: None,
            style: None,
            hidden: false,
            locked: false,
        }
    }

    pub fn into_node(self, z: String) -> Node {
        Node {
            id: self.id,
            kind: self.kind,
            position: self.position,
            data: self.data,
            z,
            width: self.width,
            height: self.height,
            parent_id: self.parent_id,
            style: self.style,
            hidden: self.hidden,
            locked: self.locked,
        }
    }
}

/// The properties `node.set` may change. A property left out is untouched; `null`
/// clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NodePatch {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(
        default,
        deserialize_with = "strict_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub position: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", tsify(type = "number | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub width: Option<Option<f64>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", tsify(type = "number | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>))]
    pub height: Option<Option<f64>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", tsify(type = "Id | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub parent_id: Option<Option<Id>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ts", tsify(type = "JsonObject | null"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub style: Option<Option<JsonObject>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
}

/// `Some(None)` for an explicit `null`, so "clear" differs from "leave alone".
fn nullable<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl NodePatch {
    pub fn is_empty(&self) -> bool {
        *self == NodePatch::default()
    }

    /// Applies the present properties to `node`.
    pub fn apply_to(&self, node: &mut Node) {
        if let Some(v) = &self.kind {
            node.kind.clone_from(v);
        }
        if let Some(v) = self.position {
            node.position = v;
        }
        if let Some(v) = &self.data {
            node.data.clone_from(v);
        }
        if let Some(v) = &self.z {
            node.z.clone_from(v);
        }
        if let Some(v) = self.width {
            node.width = v;
        }
        if let Some(v) = self.height {
            node.height = v;
        }
        if let Some(v) = self.parent_id {
            node.parent_id = v;
        }
        if let Some(v) = &self.style {
            node.style.clone_from(v);
        }
        if let Some(v) = self.hidden {
            node.hidden = v;
        }
        if let Some(v) = self.locked {
            node.locked = v;
        }
    }

    /// `later` on top of `self`: what applying both in order sets.
    pub fn merge(&mut self, later: &NodePatch) {
        macro_rules! take {
            ($($f:ident),*) => { $( if later.$f.is_some() { self.$f.clone_from(&later.$f); } )* };
        }
        take!(kind, position, data, z, width, height, parent_id, style, hidden, locked);
    }
}

impl GraphOp {
    /// Checks one op on its own (the merge rules check it against the graph).
    pub fn validate(&self) -> Result<()> {
        match self {
            GraphOp::NodeAdd { node } => {
                let z = node.z.clone().unwrap_or_else(|| "a0".into());
                let full = node.clone().into_node(z);
                full.validate()?;
                if node.parent_id == Some(node.id) {
                    return Err(CoreError::validation(
                        "node.parent_id",
                        "a node cannot be its own parent",
                    ));
                }
                Ok(())
            }
            GraphOp::NodeSet { id, props } => {
                if props.is_empty() {
                    return Err(CoreError::validation(
                        "props",
                        "must set at least one property",
                    ));
                }
                if let Some(kind) = &props.kind {
                    required_text("props.type", kind, LABEL_MAX)?;
                }
                if let Some(p) = &props.position {
                    p.validate("props.position")?;
                }
                if let Some(d) = &props.data {
                    check_object("props.data", d)?;
                }
                if let Some(z) = &props.z {
                    super::zindex::check("props.z", z)?;
                }
                for (field, v) in [("props.width", props.width), ("props.height", props.height)] {
                    if let Some(Some(v)) = v {
                        if !(v.is_finite() && (0.0..=1e6).contains(&v)) {
                            return Err(CoreError::validation(
                                field,
                                "must be a number in [0, 1e6]",
                            ));
                        }
                    }
                }
                if let Some(Some(style)) = &props.style {
                    check_object("props.style", style)?;
                }
                if props.parent_id == Some(Some(*id)) {
                    return Err(CoreError::validation(
                        "props.parent_id",
                        "a node cannot be its own parent",
                    ));
                }
                Ok(())
            }
            GraphOp::EdgeAdd { edge } => edge.validate(),
            GraphOp::ViewportSet { viewport } => viewport.validate(),
            GraphOp::NodeRemove { .. } | GraphOp::EdgeRemove { .. } => Ok(()),
        }
    }
}

/// Checks a whole batch; one bad op fails the batch, naming its index.
pub fn validate_ops(ops: &[GraphOp]) -> Result<()> {
    if ops.is_empty() {
        return Err(CoreError::validation("ops", "must not be empty"));
    }
    if ops.len() > OPS_PER_APPLY_MAX {
        return Err(CoreError::validation(
            "ops",
            format!("more than {OPS_PER_APPLY_MAX} ops in one batch"),
        ));
    }
    for (i, op) in ops.iter().enumerate() {
        op.validate().map_err(|e| at_op(i, e))?;
    }
    let bytes = serialized_len(ops);
    if bytes > OPS_MAX_BYTES {
        return Err(CoreError::validation(
            "ops",
            format!(
                "{} KiB in one batch, more than {} KiB; split it into several calls",
                bytes / 1024,
                OPS_MAX_BYTES / 1024
            ),
        ));
    }
    Ok(())
}

/// Splits `ops` into consecutive batches that each pass [`validate_ops`]'s limits (op
/// count and serialized size, measured the same way), for a caller whose edits outgrew
/// one `graph.apply`. Returns each batch's length, in order. One op alone always gets a
/// batch, even one over the size limit: `validate_ops` then says why.
pub fn batch_sizes(ops: &[GraphOp]) -> Vec<usize> {
    // A batch's JSON is `[` + ops joined by `,` + `]`.
    let mut sizes = Vec::new();
    let (mut count, mut bytes) = (0usize, 2usize);
    for op in ops {
        let len = serialized_len(op);
        if count > 0 && (count == OPS_PER_APPLY_MAX || bytes + 1 + len > OPS_MAX_BYTES) {
            sizes.push(count);
            (count, bytes) = (0, 2);
        }
        bytes += len + usize::from(count > 0);
        count += 1;
    }
    if count > 0 {
        sizes.push(count);
    }
    sizes
}

/// Names the op a validation error is about: `ops[i].<field>`.
pub(crate) fn at_op(i: usize, e: CoreError) -> CoreError {
    match e {
        CoreError::Validation { field, message } => {
            CoreError::validation(format!("ops[{i}].{field}"), message)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_outline_ops() {
        let id = "3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31";
        let ops: Vec<GraphOp> = serde_json::from_value(json!([
            {"op": "node.add", "node": {"id": id, "type": "image", "position": {"x": 0, "y": 0}, "data": {}}},
            {"op": "node.set", "id": id, "props": {"position": {"x": 10, "y": 20}, "width": null}},
            {"op": "edge.add", "edge": {"id": id, "source": id, "target": id}},
            {"op": "viewport.set", "viewport": {"x": 1, "y": 2, "zoom": 1.5}},
        ]))
        .unwrap();
        assert!(validate_ops(&ops).is_ok());
        match &ops[1] {
            GraphOp::NodeSet { props, .. } => {
                assert_eq!(props.width, Some(None));
                assert_eq!(props.height, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_unknown_ops_and_fields() {
        let id = "3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31";
        for bad in [
            json!({"op": "node.explode", "id": id}),
            json!({"op": "node.set", "id": id, "props": {"colour": "red"}}),
            json!({"op": "node.set", "id": "not-a-uuid", "props": {"hidden": true}}),
            json!({"op": "node.add", "node": {"id": id, "type": "image", "position": {"x": "0", "y": 0}}}),
        ] {
            assert!(
                serde_json::from_value::<GraphOp>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bad_op_fails_the_batch_with_its_index() {
        let id: Id = "3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31".parse().unwrap();
        let ops = vec![
            GraphOp::NodeRemove { id },
            GraphOp::NodeSet {
                id,
                props: NodePatch {
                    position: Some(Position {
                        x: f64::NAN,
                        y: 0.0,
                    }),
                    ..Default::default()
                },
            },
        ];
        let err = validate_ops(&ops).unwrap_err();
        assert!(
            err.to_string().starts_with("ops[1].props.position.x"),
            "{err}"
        );
        assert!(validate_ops(&[]).is_err());
    }

    #[test]
    fn a_batch_too_big_for_one_push_is_refused_whole() {
        let op = |i: u128| {
            let mut node = NodeInput::new(
                uuid::Uuid::from_u128(i + 1),
                "note",
                Position { x: 0.0, y: 0.0 },
            );
            node.data.insert("text".into(), json!("x".repeat(1000)));
            GraphOp::NodeAdd { node }
        };
        let fits: Vec<GraphOp> = (0..500).map(op).collect();
        assert!(validate_ops(&fits).is_ok());
        let too_big: Vec<GraphOp> = (0..1000).map(op).collect();
        let err = validate_ops(&too_big).unwrap_err();
        assert!(err.to_string().contains("split it"), "{err}");
    }

    /// Every batch `batch_sizes` makes passes `validate_ops`, and fuller ones would not.
    #[test]
    fn batch_sizes_fill_each_batch_to_the_limits() {
        let node_op = |i: u128, text: usize| {
            let mut node = NodeInput::new(
                uuid::Uuid::from_u128(i + 1),
                "note",
                Position { x: 0.0, y: 0.0 },
            );
            node.data.insert("text".into(), json!("é".repeat(text)));
            GraphOp::NodeAdd { node }
        };
        let by_count: Vec<GraphOp> = (0..OPS_PER_APPLY_MAX as u128 * 2 + 1)
            .map(|i| GraphOp::NodeRemove {
                id: uuid::Uuid::from_u128(i + 1),
            })
            .collect();
        let by_bytes: Vec<GraphOp> = (0..2000).map(|i| node_op(i, 700)).collect();
        for ops in [by_count, by_bytes] {
            let sizes = batch_sizes(&ops);
            assert!(sizes.len() > 1, "{sizes:?}");
            assert_eq!(sizes.iter().sum::<usize>(), ops.len());
            let mut start = 0;
            for (i, n) in sizes.iter().enumerate() {
                let batch = &ops[start..start + n];
                assert!(validate_ops(batch).is_ok(), "batch {i} of {sizes:?}");
                if let Some(next) = ops.get(start + n) {
                    let mut fuller = batch.to_vec();
                    fuller.push(next.clone());
                    assert!(validate_ops(&fuller).is_err(), "batch {i} could hold more");
                }
                start += n;
            }
        }
        assert!(batch_sizes(&[]).is_empty());
    }
}
