//! Differential property test: the client's subset ([`super::validate`]) and the server's
//! full validator (the `jsonschema` crate) must judge every instance alike.
//!
//! Instances are generated from each schema — every tool's `settings_schema` in the
//! catalog plus a few schemas that use the rest of the subset (arrays, string lengths,
//! exclusive bounds, `const`, type unions, nested objects) — and then mutated: values of
//! the wrong type, required properties removed, extra properties added, numbers pushed
//! past their bounds or off their `multipleOf`, enum strings changed, arrays grown,
//! shrunk or given duplicates. Within the subset the relation is equality (accept ⇔
//! accept); for a schema using keywords beyond it the subset ignores them, so it may
//! only accept more: full-valid ⇒ subset-valid.

use super::{unsupported_keywords, validate};
use crate::catalog;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Number, Value};
use std::cell::Cell;

/// Cases per schema; `PROPTEST_CASES` raises it for a longer hunt.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(384)
}

/// Schemas inside the subset that reach the keywords the catalog does not use yet.
fn subset_schemas() -> Vec<(String, Value)> {
    [
        (
            "arrays",
            json!({"type": "object", "required": ["layers"], "additionalProperties": false,
                   "properties": {
                       "layers": {"type": "array", "minItems": 1, "maxItems": 3, "uniqueItems": true,
                                  "items": {"type": "string", "minLength": 1, "maxLength": 3}},
                       "grid": {"type": "array", "maxItems": 4,
                                "items": {"type": "integer", "minimum": -2, "maximum": 2}},
                       "pair": {"type": "array", "minItems": 2, "maxItems": 2,
                                "items": {"enum": [0, 0.5, 1]}}}}),
        ),
        (
            "bounds",
            json!({"type": "object", "properties": {
                       "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                       "steps": {"type": "integer", "minimum": 5, "maximum": 100, "multipleOf": 5},
                       "offset": {"type": "number", "minimum": -10, "maximum": 10, "multipleOf": 0.1},
                       "huge": {"type": "integer", "maximum": 9_007_199_254_740_992_u64},
                       "label": {"type": "string", "minLength": 2, "maxLength": 6}}}),
        ),
        (
            "consts and unions",
            json!({"type": "object", "additionalProperties": {"type": "number"},
                   "properties": {
                       "version": {"const": 2},
                       "mode": {"enum": ["a", 1, null, [1, 2], {"k": true}]},
                       "note": {"type": ["string", "null"], "maxLength": 4},
                       "anything": true,
                       "never": false}}),
        ),
        (
            "nested",
            json!({"type": "object", "required": ["camera"], "properties": {
                       "camera": {"type": "object", "required": ["fov"], "additionalProperties": false,
                                  "properties": {
                                      "fov": {"type": "number", "minimum": 10, "maximum": 120},
                                      "tags": {"type": "array", "uniqueItems": true,
                                               "items": {"enum": ["a", "b", "c"]}}}}}}),
        ),
    ]
    .into_iter()
    .map(|(name, schema)| (name.to_owned(), schema))
    .collect()
}

/// Every catalog tool's settings schema, and the subset schemas above.
fn schemas() -> Vec<(String, Value)> {
    let catalog = catalog::builtin().expect("the built-in catalog parses");
    let mut all: Vec<(String, Value)> = catalog
        .tools
        .iter()
        .map(|t| (t.slug.clone(), Value::Object(t.settings_schema.clone())))
        .collect();
    all.extend(subset_schemas());
    all
}

// ---- instances from a schema ----

/// Any JSON value, small.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-zé😀 ]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

fn number_of(schema: &Map<String, Value>, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

fn length_of(schema: &Map<String, Value>, key: &str) -> Option<usize> {
    schema
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

/// A float as a JSON number (non-finite ones are not JSON: null instead).
fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// The next float above (`up`) or below a finite one.
fn next_float(v: f64, up: bool) -> f64 {
    if v == 0.0 {
        return if up {
            f64::from_bits(1)
        } else {
            -f64::from_bits(1)
        };
    }
    let bits = v.to_bits();
    let away = (v > 0.0) == up;
    f64::from_bits(if away { bits + 1 } else { bits - 1 })
}

/// `k · step` written the way a person types it (`0.15`, not `3 * 0.05 =
/// 0.15000000000000002`), parsed as JSON.
fn decimal_multiple(k: i64, step: f64) -> Value {
    let text = format!("{step}");
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
    let scaled: i64 = text.replace('.', "").parse().unwrap_or(1);
    let product = i128::from(k) * i128::from(scaled);
    let digits = format!("{:0>width$}", product.unsigned_abs(), width = decimals + 1);
    let (int, frac) = digits.split_at(digits.len() - decimals);
    let sign = if product < 0 { "-" } else { "" };
    let literal = if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    };
    serde_json::from_str(&literal).unwrap_or(Value::Null)
}

/// Numbers around a number schema's bounds and steps, and far from them.
fn number(schema: &Map<String, Value>, integer: bool) -> BoxedStrategy<Value> {
    let lo = number_of(schema, "minimum").or(number_of(schema, "exclusiveMinimum"));
    let hi = number_of(schema, "maximum").or(number_of(schema, "exclusiveMaximum"));
    let (lo, hi) = (lo.unwrap_or(-1_000.0), hi.unwrap_or(1_000.0));
    let mut edges: Vec<Value> = vec![
        json!(0),
        json!(-0.0),
        json!(1),
        json!(-1),
        json!(1e300),
        json!(-1e300),
        json!(1e-300),
        json!(f64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(9_007_199_254_740_993_u64),
        json!(9_007_199_254_740_992.0),
    ];
    for b in [lo, hi] {
        edges.extend([
            float(b),
            float(next_float(b, true)),
            float(next_float(b, false)),
            float(b + 1.0),
            float(b - 1.0),
            float(b + 1e-9),
            float(b - 1e-9),
        ]);
        if b.fract() == 0.0 && b.abs() < 1e15 {
            edges.push(json!(b as i64));
        }
    }
    let in_range: BoxedStrategy<Value> = if integer {
        ((lo.ceil() as i64)..=(hi.floor() as i64).max(lo.ceil() as i64))
            .prop_flat_map(|i| prop_oneof![Just(json!(i)), Just(float(i as f64))])
            .boxed()
    } else {
        (lo..=hi.max(lo)).prop_map(float).boxed()
    };
    let mut options = vec![in_range, prop::sample::select(edges).boxed()];
    if let Some(step) = number_of(schema, "multipleOf").filter(|s| *s > 0.0) {
        let k_lo = (lo / step).floor() as i64 - 1;
        let k_hi = (hi / step).ceil() as i64 + 1;
        options.push(
            (k_lo..=k_hi)
                .prop_map(move |k| decimal_multiple(k, step))
                .boxed(),
        );
        // Off the step by a hair, and the float product a program computes.
        options.push(
            (
                k_lo..=k_hi,
                prop::sample::select(vec![1e-12, 1e-9, -1e-9, 1e-3]),
            )
                .prop_map(move |(k, off)| float(k as f64 * step + off))
                .boxed(),
        );
        options.push(
            (k_lo..=k_hi)
                .prop_map(move |k| float(k as f64 * step))
                .boxed(),
        );
    }
    prop::strategy::Union::new(options).boxed()
}

/// Strings around a string schema's lengths, in characters of 1 to 4 UTF-8 bytes.
fn string(schema: &Map<String, Value>) -> BoxedStrategy<Value> {
    let min = length_of(schema, "minLength").unwrap_or(0);
    let max = length_of(schema, "maxLength").unwrap_or(min + 6);
    let chars = prop::sample::select(vec!['a', 'Z', '-', ' ', 'é', '字', '😀']);
    prop::collection::vec(chars, min.saturating_sub(1)..=max + 1)
        .prop_map(|c| Value::String(c.into_iter().collect()))
        .boxed()
}

/// Arrays around an array schema's lengths, sometimes with a repeated item.
fn array(schema: &Map<String, Value>) -> BoxedStrategy<Value> {
    let min = length_of(schema, "minItems").unwrap_or(0);
    let max = length_of(schema, "maxItems").unwrap_or(min + 4);
    let item = schema.get("items").map_or_else(any_json, instance);
    (
        prop::collection::vec(item, min.saturating_sub(1)..=max + 1),
        any::<bool>(),
    )
        .prop_map(|(mut items, repeat)| {
            if repeat && !items.is_empty() {
                let last = items.len() - 1;
                items[last] = items[0].clone();
            }
            Value::Array(items)
        })
        .boxed()
}

/// Objects with every required property, some optional ones, and (where the schema
/// allows a schema for them) additional ones.
fn object(schema: &Map<String, Value>) -> BoxedStrategy<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props: Vec<BoxedStrategy<Option<(String, Value)>>> = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(key, sub)| {
            let is_required = required.contains(&key.as_str());
            let key = key.clone();
            let value = instance(sub).prop_map(move |v| (key.clone(), v));
            if is_required {
                value.prop_map(Some).boxed()
            } else {
                prop::option::weighted(0.6, value).boxed()
            }
        })
        .collect();
    let extra: BoxedStrategy<Vec<(String, Value)>> = match schema.get("additionalProperties") {
        Some(Value::Object(_)) | None => {
            let sub = schema
                .get("additionalProperties")
                .map_or_else(any_json, instance);
            prop::collection::vec(("x-[a-z]{1,3}", sub), 0..2).boxed()
        }
        _ => Just(Vec::new()).boxed(),
    };
    (props, extra)
        .prop_map(|(props, extra)| {
            let mut out: Map<String, Value> = props.into_iter().flatten().collect();
            out.extend(extra);
            Value::Object(out)
        })
        .boxed()
}

fn typed(schema: &Map<String, Value>, name: &str) -> BoxedStrategy<Value> {
    match name {
        "object" => object(schema),
        "array" => array(schema),
        "string" => string(schema),
        "integer" => number(schema, true),
        "number" => number(schema, false),
        "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
        "null" => Just(Value::Null).boxed(),
        _ => any_json(),
    }
}

/// Instances of a schema: mostly valid, near its edges.
fn instance(schema: &Value) -> BoxedStrategy<Value> {
    let Value::Object(s) = schema else {
        return any_json();
    };
    if let Some(Value::Array(options)) = s.get("enum") {
        let mut options = options.clone();
        // 2 and 2.0 are the same number to JSON Schema.
        options.extend(
            options
                .iter()
                .filter_map(|o| o.as_i64().map(|i| float(i as f64)))
                .collect::<Vec<_>>(),
        );
        return prop::sample::select(options).boxed();
    }
    if let Some(c) = s.get("const") {
        return Just(c.clone()).boxed();
    }
    match s.get("type") {
        Some(Value::String(t)) => typed(s, t),
        Some(Value::Array(types)) => {
            let options: Vec<BoxedStrategy<Value>> = types
                .iter()
                .filter_map(Value::as_str)
                .map(|t| typed(s, t))
                .collect();
            prop::strategy::Union::new(options).boxed()
        }
        _ => any_json(),
    }
}

// ---- mutations ----

#[derive(Debug, Clone)]
enum Mutation {
    /// The node becomes a value of some (usually other) type.
    Retype(Value),
    /// An object loses a property, an array its last item.
    Remove,
    /// An object or array gains an entry.
    Add(String, Value),
    /// A number moves by the delta, a string gains a character, an array repeats its
    /// first item.
    Nudge(f64),
    /// A string becomes another string (a bad enum value).
    Rename(String),
}

fn mutation() -> impl Strategy<Value = (usize, Mutation)> {
    let retype = prop::sample::select(vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(2.5),
        json!("2"),
        json!([]),
        json!({}),
    ]);
    let kind = prop_oneof![
        retype.prop_map(Mutation::Retype),
        Just(Mutation::Remove),
        ("extra|quality|scale|[a-z]{1,6}", any_json()).prop_map(|(k, v)| Mutation::Add(k, v)),
        prop::sample::select(vec![1.0, -1.0, 0.5, 1e-9, -1e-12, 100.0, -100.0])
            .prop_map(Mutation::Nudge),
        "(high|HIGH|north |[a-z-]{0,8})".prop_map(Mutation::Rename),
    ];
    (any::<usize>(), kind)
}

/// JSON pointers of every node of `v`, the root first.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn apply(instance: &mut Value, (at, m): &(usize, Mutation)) {
    let mut all = Vec::new();
    pointers(instance, String::new(), &mut all);
    let Some(node) = instance.pointer_mut(&all[at % all.len()]) else {
        return;
    };
    match (m, &mut *node) {
        (Mutation::Retype(v), _) => *node = v.clone(),
        (Mutation::Remove, Value::Object(o)) => {
            let first = o.keys().next().cloned();
            if let Some(k) = first {
                o.remove(&k);
            }
        }
        (Mutation::Remove, Value::Array(a)) => {
            a.pop();
        }
        (Mutation::Add(k, v), Value::Object(o)) => {
            o.insert(k.clone(), v.clone());
        }
        (Mutation::Add(_, v), Value::Array(a)) => a.push(v.clone()),
        (Mutation::Nudge(d), Value::Number(n)) => {
            *node = float(n.as_f64().unwrap_or(0.0) + d);
        }
        (Mutation::Nudge(_), Value::String(s)) => s.push('é'),
        (Mutation::Nudge(_), Value::Array(a)) => {
            if let Some(first) = a.first().cloned() {
                a.push(first);
            }
        }
        (Mutation::Rename(s), Value::String(_)) => *node = Value::String(s.clone()),
        _ => {}
    }
}

// ---- the properties ----

/// How many instances each validator accepted and how many it refused, for one schema.
#[derive(Default)]
struct Tally {
    accepted: Cell<u32>,
    refused: Cell<u32>,
}

/// Runs the generated, mutated instances of `schema` through both validators and
/// checks `relation(subset_accepts, full_accepts)`.
fn differential(
    name: &str,
    schema: &Value,
    relation: fn(bool, bool) -> bool,
) -> Result<Tally, String> {
    let full = jsonschema::validator_for(schema).map_err(|e| format!("{name}: {e}"))?;
    let strategy = (instance(schema), prop::collection::vec(mutation(), 0..=2)).prop_map(
        |(mut v, mutations)| {
            mutations.iter().for_each(|m| apply(&mut v, m));
            v
        },
    );
    let tally = Tally::default();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |v| {
            let subset = validate(schema, &v).is_empty();
            let reference = full.is_valid(&v);
            let counter = if reference {
                &tally.accepted
            } else {
                &tally.refused
            };
            counter.set(counter.get() + 1);
            if relation(subset, reference) {
                Ok(())
            } else {
                Err(TestCaseError::fail(format!(
                    "{name}: the subset {} {v}, jsonschema {} it ({:?})",
                    if subset { "accepts" } else { "refuses" },
                    if reference { "accepts" } else { "refuses" },
                    validate(schema, &v),
                )))
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(tally)
}

#[test]
fn the_subset_judges_every_catalog_schema_like_jsonschema() {
    for (name, schema) in schemas() {
        assert_eq!(
            unsupported_keywords(&schema),
            Vec::<String>::new(),
            "{name} stays inside the subset, where the two must agree exactly"
        );
        let tally = differential(&name, &schema, |subset, full| subset == full)
            .unwrap_or_else(|e| panic!("{e}"));
        // Both sides of the boundary were exercised, not just one.
        assert!(
            tally.accepted.get() > 0 && tally.refused.get() > 0,
            "{name}: {} accepted, {} refused",
            tally.accepted.get(),
            tally.refused.get()
        );
    }
}

/// Numbers where a float-based check and an exact one part: they must not part here.
#[test]
fn both_judge_the_tricky_numbers_alike() {
    let tricky = [
        json!(1e-300),
        json!(-0.0),
        json!(0.15),
        json!(0.15000000000000002),
        json!(0.30000000000000004),
        json!(0.7),
        json!(2.0),
        json!(4.000000000000001),
        json!(20.0),
        json!(9_007_199_254_740_993_u64),
        json!(9_007_199_254_740_992.0),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e300),
        json!(f64::MAX),
    ];
    for (name, schema) in schemas() {
        let full = jsonschema::validator_for(&schema).expect("a valid schema");
        // The smallest instance every required property is in (by its first enum value).
        let mut base = Map::new();
        let required = schema["required"].as_array().cloned().unwrap_or_default();
        let fillable = required.iter().all(|k| {
            let first = k
                .as_str()
                .and_then(|k| schema["properties"][k]["enum"].get(0));
            if let (Some(k), Some(v)) = (k.as_str(), first) {
                base.insert(k.to_owned(), v.clone());
            }
            first.is_some()
        });
        let Some(props) = schema["properties"].as_object().filter(|_| fillable) else {
            continue;
        };
        for (key, number) in props
            .keys()
            .flat_map(|k| tricky.iter().map(move |n| (k, n)))
        {
            let mut v = base.clone();
            v.insert(key.clone(), number.clone());
            let v = Value::Object(v);
            assert_eq!(
                validate(&schema, &v).is_empty(),
                full.is_valid(&v),
                "{name}: {v}: {:?}",
                validate(&schema, &v)
            );
        }
    }
}

#[test]
fn beyond_the_subset_it_only_accepts_more() {
    // `pattern` and `not` are left to the server: the client may accept what the server
    // refuses, never the other way round.
    let schema = json!({"type": "object", "required": ["code"], "properties": {
        "code": {"type": "string", "maxLength": 4, "pattern": "^[a-z]+$"},
        "level": {"type": "integer", "minimum": 0, "maximum": 9, "not": {"const": 4}}}});
    assert_eq!(unsupported_keywords(&schema), vec!["not", "pattern"]);
    let tally = differential("beyond", &schema, |subset, full| subset || !full)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(tally.accepted.get() > 0 && tally.refused.get() > 0);
}
