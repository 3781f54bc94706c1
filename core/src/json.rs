//! Free-form JSON documents (metadata, settings, node data) and their limits.

use crate::error::{CoreError, Result};
use crate::limits::{JSON_MAX_BYTES, JSON_MAX_DEPTH};
use serde_json::Value;

pub type JsonObject = serde_json::Map<String, Value>;

/// Checks size and depth of a document without serializing it.
pub fn check_json(field: &str, value: &Value) -> Result<()> {
    let mut bytes = 0usize;
    walk(field, value, 1, &mut bytes)
}

/// Bytes of `value` as compact JSON, counted without building the text.
pub fn serialized_len<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    // Serializing plain data into a counter cannot fail; a failure would count short,
    // and the server's body limit is still the last word.
    let _ = serde_json::to_writer(&mut c, value);
    c.0
}

/// Refuses a NUL character in any string or key of `value`, naming where (`field.key`,
/// `field[2]`; with an empty `field`, the path alone). PostgreSQL cannot store NUL in TEXT or JSONB while SQLite and IndexedDB
/// can; refusing it everywhere keeps client and both databases giving one answer.
pub fn check_no_nul(field: &str, value: &Value) -> Result<()> {
    match nul_path(value) {
        None => Ok(()),
        Some(path) => {
            let at = format!("{field}{path}");
            Err(CoreError::validation(
                at.strip_prefix('.').unwrap_or(&at),
                "contains a NUL character (\\u0000)",
            ))
        }
    }
}

/// Where the first NUL is, as a path suffix (`""` for `value` itself).
fn nul_path(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => s.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v).map(|p| format!("[{i}]{p}"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(format!(".{}", k.escape_debug()))
            } else {
                nul_path(v).map(|p| format!(".{k}{p}"))
            }
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

pub fn check_object(field: &str, value: &JsonObject) -> Result<()> {
    let mut bytes = 2usize;
    for (k, v) in value {
        bytes += k.len() + 4;
        walk(field, v, 2, &mut bytes)?;
    }
    Ok(())
}

fn walk(field: &str, value: &Value, depth: usize, bytes: &mut usize) -> Result<()> {
    if depth > JSON_MAX_DEPTH {
        return Err(CoreError::validation(
            field,
            format!("nested deeper than {JSON_MAX_DEPTH} levels"),
        ));
    }
    *bytes += match value {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 24,
        Value::String(s) => s.len() + 2,
        Value::Array(items) => {
            for item in items {
                walk(field, item, depth + 1, bytes)?;
            }
            items.len() + 2
        }
        Value::Object(map) => {
            for (k, v) in map {
                *bytes += k.len() + 4;
                walk(field, v, depth + 1, bytes)?;
            }
            2
        }
    };
    if *bytes > JSON_MAX_BYTES {
        return Err(CoreError::validation(
            field,
            format!("larger than {} KiB", JSON_MAX_BYTES / 1024),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rejects_deep_and_large_documents() {
        let mut deep = json!(1);
        for _ in 0..40 {
            deep = json!([deep]);
        }
        assert!(check_json("data", &deep).is_err());
        let big = json!({ "s": "x".repeat(JSON_MAX_BYTES) });
        assert!(check_json("data", &big).is_err());
        assert!(check_json("data", &json!({"a": [1, 2, {"b": "c"}]})).is_ok());
    }

    #[test]
    fn refuses_nul_in_strings_and_keys() {
        let field = |v: Value| match check_no_nul("args", &v) {
            Err(CoreError::Validation { field, .. }) => field,
            other => panic!("{v}: {other:?}"),
        };
        assert_eq!(
            field(json!({"metadata": {"k": "a\u{0}b"}})),
            "args.metadata.k"
        );
        assert_eq!(
            field(json!({"ops": [1, {"d": ["x", "\u{0}"]}]})),
            "args.ops[1].d[1]"
        );
        assert_eq!(field(json!({"m": {"a\u{0}": 1}})), "args.m.a\\0");
        assert_eq!(field(json!("\u{0}")), "args");
        assert!(matches!(
            check_no_nul("", &json!({"tags": ["\u{0}"]})),
            Err(CoreError::Validation { field, .. }) if field == "tags[0]"
        ));
        // The six characters `\u0000` are text, not a NUL.
        assert!(check_no_nul("args", &json!({"k": "\\u0000", "n": 0, "b": null})).is_ok());
    }

    #[test]
    fn counts_serialized_bytes() {
        let v = json!({"a": [1, "é"], "b": null});
        assert_eq!(serialized_len(&v), serde_json::to_vec(&v).unwrap().len());
    }
}

/// A serde error's text without the Rust type names it may carry ("expected struct
/// ProjectCreate"): they are internals, and mean nothing to a client.
pub fn serde_message(e: &serde_json::Error) -> String {
    without_type_names(&e.to_string())
}

fn without_type_names(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let noun = match words[i] {
            "struct" => Some("an object"),
            "enum" | "variant" => Some("a known value"),
            _ => None,
        };
        match (noun, words.get(i + 1)) {
            (Some(noun), Some(name)) if name.starts_with(|c: char| c.is_ascii_uppercase()) => {
                // "tuple struct X", "struct variant X::Y": the qualifier goes too.
                if matches!(
                    out.last().map(String::as_str),
                    Some("tuple" | "unit" | "newtype" | "struct")
                ) {
                    out.pop();
                }
                let tail =
                    name.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
                out.push(format!("{noun}{tail}"));
                i += 2;
            }
            _ => {
                out.push(words[i].to_owned());
                i += 1;
            }
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod serde_message_tests {
    use super::without_type_names;

    #[test]
    fn type_names_are_dropped() {
        for (serde, client) in [
            (
                "invalid type: integer `5`, expected struct ProjectCreate",
                "invalid type: integer `5`, expected an object",
            ),
            (
                "invalid length 0, expected struct PushRequest with 2 elements",
                "invalid length 0, expected an object with 2 elements",
            ),
            (
                "invalid type: map, expected struct variant GraphOp::NodeAdd",
                "invalid type: map, expected a known value",
            ),
            (
                "invalid type: null, expected tuple struct Id, at line 1",
                "invalid type: null, expected an object, at line 1",
            ),
            ("missing field `name`", "missing field `name`"),
        ] {
            assert_eq!(without_type_names(serde), client);
        }
    }
}
