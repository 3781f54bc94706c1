//! A JSON Schema subset for tool settings, small enough for the wasm package.
//!
//! The server validates settings with a full JSON Schema implementation (`jsonschema`).
//! A full validator in the client would be ~420-560 KB gzip (TOOLCHAIN.md) against a
//! 150 KB budget, so the client checks the keywords the tool catalog uses — `type`,
//! `properties`, `required`, `additionalProperties`, `enum`, `const`, `minimum`,
//! `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `minLength`,
//! `maxLength`, `items`, `minItems`, `maxItems`, `uniqueItems` — and ignores the rest,
//! leaving them to the server. [`unsupported_keywords`] lists what a schema uses beyond
//! the subset; a test keeps the catalog inside it, and a differential property test
//! ([`differential`]: generated and mutated instances of every catalog schema) checks
//! that this validator and `jsonschema` accept and refuse alike.

use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

const SUPPORTED: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
];

/// Keywords without effect on validity.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "title",
    "description",
    "default",
    "examples",
    "format",
    "$comment",
    "readOnly",
    "writeOnly",
    "deprecated",
    "x-ui",
];

/// One violation: where in the instance and what rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON pointer into the instance, `""` for the root.
    pub path: String,
    pub message: String,
}

/// All violations of `instance` against `schema` (empty: valid as far as the subset goes).
pub fn validate(schema: &Value, instance: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check(schema, instance, &mut String::new(), &mut out);
    out
}

/// Keywords of `schema` (at any depth) that this validator does not evaluate.
pub fn unsupported_keywords(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_unsupported(schema, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_unsupported(schema: &Value, out: &mut Vec<String>) {
    let Value::Object(map) = schema else { return };
    for (k, v) in map {
        if !SUPPORTED.contains(&k.as_str()) && !ANNOTATIONS.contains(&k.as_str()) {
            out.push(k.clone());
        }
        match k.as_str() {
            "properties" => {
                if let Value::Object(props) = v {
                    props.values().for_each(|p| collect_unsupported(p, out));
                }
            }
            "items" | "additionalProperties" => collect_unsupported(v, out),
            _ => {}
        }
    }
}

fn check(schema: &Value, instance: &Value, path: &mut String, out: &mut Vec<Violation>) {
    let schema = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => return push(out, path, "no value is allowed here".into()),
        Value::Object(map) => map,
        _ => return,
    };
    if let Some(t) = schema.get("type") {
        if !type_matches(t, instance) {
            return push(out, path, format!("must be of type {}", type_name(t)));
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        if !options.iter().any(|o| json_eq(o, instance)) {
            push(
                out,
                path,
                format!("must be one of {}", Value::Array(options.clone())),
            );
        }
    }
    if let Some(c) = schema.get("const") {
        if !json_eq(c, instance) {
            push(out, path, format!("must equal {c}"));
        }
    }
    match instance {
        Value::Number(n) => check_number(schema, n, path, out),
        Value::String(s) => check_string(schema, s, path, out),
        Value::Array(items) => check_array(schema, items, path, out),
        Value::Object(obj) => check_object(schema, obj, path, out),
        _ => {}
    }
}

fn check_number(schema: &Map<String, Value>, n: &Number, path: &str, out: &mut Vec<Violation>) {
    // Bounds compare exactly (an integer past 2^53 against a bound), as JSON Schema means.
    let bound = |k: &str| match schema.get(k) {
        Some(Value::Number(b)) => Some(b),
        _ => None,
    };
    let below = |b: &Number| cmp_numbers(n, b) == Ordering::Less;
    let above = |b: &Number| cmp_numbers(n, b) == Ordering::Greater;
    if let Some(m) = bound("minimum").filter(|m| below(m)) {
        push(out, path, format!("must be at least {m}"));
    }
    if let Some(m) = bound("maximum").filter(|m| above(m)) {
        push(out, path, format!("must be at most {m}"));
    }
    if let Some(m) = bound("exclusiveMinimum").filter(|m| !above(m)) {
        push(out, path, format!("must be greater than {m}"));
    }
    if let Some(m) = bound("exclusiveMaximum").filter(|m| !below(m)) {
        push(out, path, format!("must be less than {m}"));
    }
    if let Some(m) = bound("multipleOf").and_then(Number::as_f64) {
        if m > 0.0 && !is_multiple_of(n, m) {
            push(out, path, format!("must be a multiple of {m}"));
        }
    }
}

/// `multipleOf` in the decimal reading both numbers print as (`0.15` is a multiple of
/// `0.05`, `0.15000000000000002` is not), as the server's `jsonschema` judges it.
fn is_multiple_of(n: &Number, m: f64) -> bool {
    if m.fract() == 0.0 && m <= MAX_SAFE_INTEGER {
        // A whole divisor: integers divide exactly, floats must be whole.
        let whole = m as i128;
        if let Some(i) = exact_integer(n) {
            return i % whole == 0;
        }
        let v = n.as_f64().unwrap_or(f64::NAN);
        return v.fract() == 0.0 && v % m == 0.0;
    }
    let v = n.as_f64().unwrap_or(f64::NAN);
    if v == 0.0 {
        return true;
    }
    if v.abs() < m {
        return false;
    }
    match (decimal_parts(v), decimal_parts(m)) {
        (Some((vm, vd)), Some((mm, md))) if mm != 0 => {
            // v / m = (vm · 10^md) / (mm · 10^vd), shared powers of ten cancelled first.
            let shared = vd.min(md);
            let scale = |mantissa: i128, decimals: i32| {
                let places = u32::try_from(decimals - shared).ok()?;
                mantissa.checked_mul(10_i128.checked_pow(places)?)
            };
            match (scale(vm, md), scale(mm, vd)) {
                (Some(a), Some(b)) if b != 0 => a % b == 0,
                _ => (v / m).fract() == 0.0,
            }
        }
        // Past i128 (|v| ≳ 1e38 or very many digits): whole quotients only, in f64.
        _ => (v / m).fract() == 0.0,
    }
}

const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0; // 2^53

/// A finite float as the decimal it prints as (shortest round-trip form):
/// `mantissa / 10^decimals`. `None` past i128.
fn decimal_parts(v: f64) -> Option<(i128, i32)> {
    if !v.is_finite() {
        return None;
    }
    let text = format!("{:e}", v.abs());
    let (digits, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut mantissa: i128 = 0;
    for d in int.bytes().chain(frac.bytes()) {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(d.checked_sub(b'0')?))?;
    }
    let decimals = i32::try_from(frac.len()).ok()? - exponent;
    Some((if v < 0.0 { -mantissa } else { mantissa }, decimals))
}

/// The number as an exact integer, when it is one the JSON text wrote as an integer.
fn exact_integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// Exact ordering of two JSON numbers (integers past 2^53 included).
fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    match (exact_integer(a), exact_integer(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(x), None) => cmp_int_float(x, b.as_f64().unwrap_or(f64::NAN)),
        (None, Some(y)) => cmp_int_float(y, a.as_f64().unwrap_or(f64::NAN)).reverse(),
        (None, None) => {
            let (x, y) = (a.as_f64(), b.as_f64());
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

fn cmp_int_float(i: i128, f: f64) -> Ordering {
    // i128 spans ±1.7e38; serde_json's integers are within ±1.8e19.
    if f.is_nan() {
        return Ordering::Equal;
    }
    if f >= 1e38 {
        return Ordering::Less;
    }
    if f <= -1e38 {
        return Ordering::Greater;
    }
    let whole = f.trunc();
    match i.cmp(&(whole as i128)) {
        Ordering::Equal => 0.0_f64.partial_cmp(&(f - whole)).unwrap_or(Ordering::Equal),
        other => other,
    }
}

fn check_string(schema: &Map<String, Value>, s: &str, path: &str, out: &mut Vec<Violation>) {
    let len = s.chars().count() as u64;
    if let Some(m) = schema
        .get("minLength")
        .and_then(Value::as_u64)
        .filter(|m| len < *m)
    {
        push(out, path, format!("must be at least {m} characters"));
    }
    if let Some(m) = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .filter(|m| len > *m)
    {
        push(out, path, format!("must be at most {m} characters"));
    }
}

fn check_array(
    schema: &Map<String, Value>,
    items: &[Value],
    path: &mut String,
    out: &mut Vec<Violation>,
) {
    let len = items.len() as u64;
    if let Some(m) = schema
        .get("minItems")
        .and_then(Value::as_u64)
        .filter(|m| len < *m)
    {
        push(out, path, format!("must have at least {m} items"));
    }
    if let Some(m) = schema
        .get("maxItems")
        .and_then(Value::as_u64)
        .filter(|m| len > *m)
    {
        push(out, path, format!("must have at most {m} items"));
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        let dup = items
            .iter()
            .enumerate()
            .any(|(i, a)| items[..i].iter().any(|b| json_eq(a, b)));
        if dup {
            push(out, path, "must not repeat items".into());
        }
    }
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            let len = path.len();
            path.push('/');
            path.push_str(&i.to_string());
            check(item_schema, item, path, out);
            path.truncate(len);
        }
    }
}

fn check_object(
    schema: &Map<String, Value>,
    obj: &Map<String, Value>,
    path: &mut String,
    out: &mut Vec<Violation>,
) {
    if let Some(Value::Array(required)) = schema.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !obj.contains_key(name) {
                push(out, path, format!("is missing required property {name:?}"));
            }
        }
    }
    let props = schema.get("properties").and_then(Value::as_object);
    for (key, value) in obj {
        let sub = match props.and_then(|p| p.get(key)) {
            Some(s) => Some(s),
            None => schema.get("additionalProperties"),
        };
        if let Some(sub) = sub {
            let len = path.len();
            path.push('/');
            path.push_str(&key.replace('~', "~0").replace('/', "~1"));
            check(sub, value, path, out);
            path.truncate(len);
        }
    }
}

fn type_matches(t: &Value, v: &Value) -> bool {
    match t {
        Value::String(name) => is_type(name, v),
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .any(|n| is_type(n, v)),
        _ => true,
    }
}

fn is_type(name: &str, v: &Value) -> bool {
    match name {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|n| n.fract() == 0.0),
        _ => true,
    }
}

fn type_name(t: &Value) -> String {
    match t {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// JSON equality where 1 and 1.0 are the same number, as JSON Schema wants.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y) == Ordering::Equal,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn push(out: &mut Vec<Violation>, path: &str, message: String) {
    out.push(Violation {
        path: path.to_owned(),
        message,
    });
}

#[cfg(test)]
mod differential;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["quality"],
            "additionalProperties": false,
            "properties": {
                "quality": {"type": "string", "enum": ["standard", "high", "ultra"]},
                "scale": {"type": "number", "minimum": 0.5, "maximum": 4, "multipleOf": 0.5},
                "levels": {"type": "integer", "exclusiveMinimum": 0},
                "label": {"type": "string", "maxLength": 5},
                "layers": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": true}
            }
        })
    }

    #[test]
    fn accepts_valid_settings() {
        let ok = json!({"quality": "high", "scale": 1.5, "levels": 3, "layers": ["a", "b"]});
        assert_eq!(validate(&schema(), &ok), vec![]);
    }

    #[test]
    fn reports_each_rule() {
        let cases = [
            (json!({}), "required"),
            (json!({"quality": "low"}), "one of"),
            (json!({"quality": "high", "scale": 5}), "at most"),
            (json!({"quality": "high", "scale": 1.2}), "multiple"),
            (json!({"quality": "high", "levels": 0}), "greater than"),
            (json!({"quality": "high", "levels": 1.5}), "integer"),
            (json!({"quality": "high", "label": "toolong"}), "at most 5"),
            (json!({"quality": "high", "layers": ["a", "a"]}), "repeat"),
            (json!({"quality": "high", "layers": [1]}), "type string"),
            (json!({"quality": "high", "extra": 1}), "no value"),
            (json!("high"), "type object"),
        ];
        for (instance, expected) in cases {
            let v = validate(&schema(), &instance);
            assert!(
                v.iter().any(|v| v.message.contains(expected)),
                "{instance}: {v:?} lacks {expected:?}"
            );
        }
    }

    #[test]
    fn lists_unsupported_keywords() {
        let s = json!({"type": "object", "properties": {"a": {"pattern": "^x", "title": "A"}}, "oneOf": []});
        assert_eq!(unsupported_keywords(&s), vec!["oneOf", "pattern"]);
        assert!(unsupported_keywords(&schema()).is_empty());
    }
}
