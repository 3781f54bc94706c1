//! Strict reading of what a client sends, for types that are also read from the server.
//!
//! The model's types (nodes, edges, positions, viewports) ignore fields they do not know,
//! so a value a newer server sends still decodes in an older client. Where the same
//! types are input (ops from JS, mutations a client pushes), an unknown field is a
//! mistake to report, not to drop silently: such fields are read through [`strict`]
//! (or [`strict_option`]), which refuses keys the type does not declare.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{forward_to_deserialize_any, Deserialize};
use serde_json::Value;

/// Reads a struct, refusing any key it has no field for.
pub fn strict<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(d)?;
    check_fields::<T, D::Error>(&value)?;
    T::deserialize(value).map_err(de::Error::custom)
}

/// [`strict`] for an optional field.
pub fn strict_option<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(value) => {
            check_fields::<T, D::Error>(&value)?;
            T::deserialize(value).map(Some).map_err(de::Error::custom)
        }
    }
}

fn check_fields<T: DeserializeOwned, E: de::Error>(value: &Value) -> Result<(), E> {
    let (Value::Object(map), Some(known)) = (value, struct_fields::<T>()) else {
        return Ok(());
    };
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(E::unknown_field(unknown, known)),
        None => Ok(()),
    }
}

/// The field names a derived `Deserialize` of a struct declares (after renames), found
/// by asking it to deserialize from a probe that records what it is told.
fn struct_fields<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let mut fields = None;
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

struct Probe<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("probed"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edge, Position};
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Input {
        #[serde(deserialize_with = "strict")]
        at: Position,
        #[serde(default, deserialize_with = "strict_option")]
        edge: Option<Edge>,
    }

    #[test]
    fn refuses_what_the_type_does_not_know_and_nothing_else() {
        let id = "3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31";
        let ok: Input = serde_json::from_value(json!({
            "at": {"x": 1, "y": 2},
            "edge": {"id": id, "source": id, "target": id, "type": "smooth"}
        }))
        .unwrap();
        assert_eq!(ok.at.x, 1.0);
        assert!(ok.edge.is_some());
        let err = serde_json::from_value::<Input>(json!({"at": {"x": 1, "y": 2, "z": 3}}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `z`"), "{err}");
        let err = serde_json::from_value::<Input>(json!({
            "at": {"x": 1, "y": 2},
            "edge": {"id": id, "source": id, "target": id, "weight": 2}
        }))
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `weight`"), "{err}");
        // The type itself stays lenient for values from the server.
        let p: Position = serde_json::from_value(json!({"x": 1, "y": 2, "z": 3})).unwrap();
        assert_eq!(p.y, 2.0);
    }
}
