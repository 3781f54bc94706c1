//! Full JSON Schema validation of tool settings on the server (the client checks a
//! subset, see core's `validate::settings_schema`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use studio_core::json::JsonObject;
use studio_core::model::Tool;
use studio_core::CoreError;

/// Compiled validators, per tool row version.
#[derive(Default)]
pub struct SettingsValidator {
    cache: Mutex<HashMap<(studio_core::Id, i64), Arc<jsonschema::Validator>>>,
}

impl SettingsValidator {
    fn validator(&self, tool: &Tool) -> Result<Arc<jsonschema::Validator>, CoreError> {
        let key = (tool.id, tool.updated_at);
        if let Some(v) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(v);
        }
        let schema = serde_json::Value::Object(tool.settings_schema.clone());
        let v = Arc::new(jsonschema::validator_for(&schema).map_err(|e| {
            tracing::error!("tool {} has an invalid settings schema: {e}", tool.slug);
            CoreError::validation("tool_id", "the tool's settings schema is unusable")
        })?);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, v.clone());
        }
        Ok(v)
    }

    /// Checks `settings` against the tool's full schema; the error names the first
    /// violation's place under `field`.
    pub fn check(&self, tool: &Tool, field: &str, settings: &JsonObject) -> Result<(), CoreError> {
        let v = self.validator(tool)?;
        let instance = serde_json::Value::Object(settings.clone());
        if let Some(e) = v.iter_errors(&instance).next() {
            return Err(CoreError::validation(
                format!("{field}{}", e.instance_path()),
                e.to_string(),
            ));
        }
        Ok(())
    }
}
