//! Tool settings: the client's JSON Schema subset and the server's full validator
//! (`jsonschema`) judge every instance alike for every catalog schema, so an execution
//! the client accepts offline is one the server takes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;
use studio_core::validate::settings_schema;

struct Schema {
    slug: String,
    json: Value,
    full: jsonschema::Validator,
}

fn schemas() -> &'static [Schema] {
    static SCHEMAS: OnceLock<Vec<Schema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let catalog = studio_core::catalog::builtin().expect("the built-in catalog parses");
        catalog
            .tools
            .into_iter()
            .map(|tool| {
                let json = Value::Object(tool.settings_schema);
                let full = jsonschema::validator_for(&json).expect("a catalog schema compiles");
                Schema {
                    slug: tool.slug,
                    json,
                    full,
                }
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(instance) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for s in schemas() {
        let subset = settings_schema::validate(&s.json, &instance).is_empty();
        let full = s.full.is_valid(&instance);
        assert_eq!(
            subset, full,
            "{}: the client says {subset}, the server {full} for {instance}",
            s.slug
        );
    }
});
