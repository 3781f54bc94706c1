//! Mutations: what a client pushes. Args are the entity's fields under the seed's column
//! names; an update carries `id` and the changed fields only.

use super::platform::Platform;
use crate::error::{CoreError, Result};
use crate::graph::ops::{validate_ops, GraphOp};
use crate::ids::Id;
use crate::json::{check_no_nul, check_object, JsonObject};
use crate::limits::{DESCRIPTION_MAX, NAME_MAX, PROMPT_MAX};
use crate::model::execution::check_input_shape;
use crate::model::project::check_tags;
use crate::model::{ProjectStatus, RenderType};
use crate::validate::{optional_text, required_text, slug, text, url};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A mutation as it travels: the name and args stay raw until each is checked on its
/// own, so one bad mutation cannot fail the parsing of its whole batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawMutation {
    pub seq: u64,
    pub name: String,
    #[serde(default)]
    pub args: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "name", content = "args")]
pub enum Mutation {
    #[serde(rename = "project.create")]
    ProjectCreate(ProjectCreate),
    #[serde(rename = "project.update")]
    ProjectUpdate(ProjectUpdate),
    #[serde(rename = "project.delete")]
    ProjectDelete(ById),
    #[serde(rename = "file.create")]
    FileCreate(FileCreate),
    #[serde(rename = "file.update")]
    FileUpdate(FileUpdate),
    #[serde(rename = "file.delete")]
    FileDelete(ById),
    #[serde(rename = "graph.apply")]
    GraphApply(GraphApply),
    #[serde(rename = "execution.create")]
    ExecutionCreate(ExecutionCreate),
    #[serde(rename = "execution.replay")]
    ExecutionReplay(ExecutionReplay),
    #[serde(rename = "template.upsert")]
    TemplateUpsert(TemplateUpsert),
    #[serde(rename = "template.delete")]
    TemplateDelete(ById),
    #[serde(rename = "chain.create")]
    ChainCreate(ChainCreate),
    #[serde(rename = "render.create")]
    RenderCreate(RenderCreate),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ById {
    pub id: Id,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProjectCreate {
    pub id: Id,
    pub name: String,
    /// Left out, the server derives a unique slug from the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub is_public: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_image_id: Option<Id>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProjectUpdate {
    pub id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<JsonObject>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ProjectStatus>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub original_image_id: Option<Option<Id>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FileCreate {
    pub id: Id,
    pub project_id: Id,
    pub name: String,
    /// Left out, the server derives a slug from the name, unique in the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: JsonObject,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FileUpdate {
    pub id: Id,
    /// Renaming keeps the slug, so links stay valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new slug only when asked for; it must be free in the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub thumbnail_url: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<JsonObject>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GraphApply {
    pub file_id: Id,
    pub ops: Vec<GraphOp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExecutionCreate {
    pub id: Id,
    pub tool_id: Id,
    pub project_id: Id,
    pub input_images: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_text: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub input_settings: JsonObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_execution_id: Option<Id>,
}

/// Runs an execution's recorded config again as a new child execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExecutionReplay {
    pub id: Id,
    pub source_execution_id: Id,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TemplateUpsert {
    pub id: Id,
    pub tool_id: Id,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: JsonObject,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChainCreate {
    pub id: Id,
    pub project_id: Id,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A chat render, appended to its chain (the server assigns `chain_position`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenderCreate {
    pub id: Id,
    pub project_id: Id,
    pub chain_id: Id,
    #[serde(rename = "type")]
    pub kind: RenderType,
    pub prompt: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: JsonObject,
}

fn nullable<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

impl Mutation {
    pub const NAMES: [&'static str; 13] = [
        "project.create",
        "project.update",
        "project.delete",
        "file.create",
        "file.update",
        "file.delete",
        "graph.apply",
        "execution.create",
        "execution.replay",
        "template.upsert",
        "template.delete",
        "chain.create",
        "render.create",
    ];

    /// Whether it only takes content away (a delete, or graph ops that only remove):
    /// what a full disk should still let through, as it frees room once synced.
    pub fn only_removes(&self) -> bool {
        use crate::graph::ops::GraphOp;
        match self {
            Mutation::ProjectDelete(_) | Mutation::FileDelete(_) | Mutation::TemplateDelete(_) => {
                true
            }
            Mutation::GraphApply(g) => g
                .ops
                .iter()
                .all(|op| matches!(op, GraphOp::NodeRemove { .. } | GraphOp::EdgeRemove { .. })),
            _ => false,
        }
    }

    /// Parses and checks one raw mutation.
    pub fn from_raw(name: &str, args: &Value) -> Result<Mutation> {
        if !Mutation::NAMES.contains(&name) {
            return Err(CoreError::validation(
                "name",
                format!("unknown mutation {name:?}"),
            ));
        }
        if !args.is_object() {
            // serde would take a struct's fields by position from an array, too.
            return Err(CoreError::validation("args", "must be an object"));
        }
        let tagged = serde_json::json!({ "name": name, "args": args });
        let m = Mutation::deserialize(&tagged)
            .map_err(|e| CoreError::validation("args", crate::json::serde_message(&e)))?;
        m.validate()?;
        Ok(m)
    }

    pub fn to_raw(&self, seq: u64) -> RawMutation {
        // Serializing our own derive-only types to a Value cannot fail.
        let tagged = serde_json::to_value(self).unwrap_or(Value::Null);
        RawMutation {
            seq,
            name: self.name().to_owned(),
            args: tagged.get("args").cloned().unwrap_or(Value::Null),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Mutation::ProjectCreate(_) => "project.create",
            Mutation::ProjectUpdate(_) => "project.update",
            Mutation::ProjectDelete(_) => "project.delete",
            Mutation::FileCreate(_) => "file.create",
            Mutation::FileUpdate(_) => "file.update",
            Mutation::FileDelete(_) => "file.delete",
            Mutation::GraphApply(_) => "graph.apply",
            Mutation::ExecutionCreate(_) => "execution.create",
            Mutation::ExecutionReplay(_) => "execution.replay",
            Mutation::TemplateUpsert(_) => "template.upsert",
            Mutation::TemplateDelete(_) => "template.delete",
            Mutation::ChainCreate(_) => "chain.create",
            Mutation::RenderCreate(_) => "render.create",
        }
    }

    pub fn platform(&self) -> Platform {
        match self {
            Mutation::ProjectCreate(_)
            | Mutation::ProjectUpdate(_)
            | Mutation::ProjectDelete(_) => Platform::Projects,
            Mutation::FileCreate(_)
            | Mutation::FileUpdate(_)
            | Mutation::FileDelete(_)
            | Mutation::GraphApply(_) => Platform::Canvas,
            Mutation::ExecutionCreate(_)
            | Mutation::ExecutionReplay(_)
            | Mutation::TemplateUpsert(_)
            | Mutation::TemplateDelete(_) => Platform::Apps,
            Mutation::ChainCreate(_) | Mutation::RenderCreate(_) => Platform::Render,
        }
    }

    /// Rules that need nothing but the args; the rules against stored state (ownership,
    /// the tool, slug uniqueness) are checked by whoever applies the mutation.
    pub fn validate(&self) -> Result<()> {
        self.check_no_nul()?;
        self.validate_fields()
    }

    /// No string anywhere in the args (names, keys, node data, settings) holds a NUL.
    fn check_no_nul(&self) -> Result<()> {
        // Serializing our own derive-only types to a Value cannot fail.
        let tagged = serde_json::to_value(self).unwrap_or(Value::Null);
        check_no_nul("", tagged.get("args").unwrap_or(&Value::Null))
    }

    fn validate_fields(&self) -> Result<()> {
        match self {
            Mutation::ProjectCreate(a) => {
                required_text("name", &a.name, NAME_MAX)?;
                if let Some(s) = &a.slug {
                    slug::check("slug", s)?;
                }
                optional_text("description", a.description.as_deref(), DESCRIPTION_MAX)?;
                check_tags(&a.tags)?;
                check_object("metadata", &a.metadata)
            }
            Mutation::ProjectUpdate(a) => {
                if let Some(n) = &a.name {
                    required_text("name", n, NAME_MAX)?;
                }
                if let Some(s) = &a.slug {
                    slug::check("slug", s)?;
                }
                if let Some(Some(d)) = &a.description {
                    text("description", d, DESCRIPTION_MAX)?;
                }
                if let Some(t) = &a.tags {
                    check_tags(t)?;
                }
                if let Some(m) = &a.metadata {
                    check_object("metadata", m)?;
                }
                Ok(())
            }
            Mutation::FileCreate(a) => {
                required_text("name", &a.name, NAME_MAX)?;
                if let Some(s) = &a.slug {
                    slug::check("slug", s)?;
                }
                optional_text("description", a.description.as_deref(), DESCRIPTION_MAX)?;
                check_object("metadata", &a.metadata)
            }
            Mutation::FileUpdate(a) => {
                if let Some(n) = &a.name {
                    required_text("name", n, NAME_MAX)?;
                }
                if let Some(s) = &a.slug {
                    slug::check("slug", s)?;
                }
                if let Some(Some(d)) = &a.description {
                    text("description", d, DESCRIPTION_MAX)?;
                }
                if let Some(Some(u)) = &a.thumbnail_url {
                    url("thumbnail_url", u)?;
                }
                if let Some(m) = &a.metadata {
                    check_object("metadata", m)?;
                }
                Ok(())
            }
            Mutation::GraphApply(a) => validate_ops(&a.ops),
            Mutation::ExecutionCreate(a) => {
                check_input_shape(&a.input_images, a.input_text.as_deref(), &a.input_settings)
            }
            Mutation::TemplateUpsert(a) => {
                required_text("name", &a.name, NAME_MAX)?;
                check_object("settings", &a.settings)
            }
            Mutation::ChainCreate(a) => {
                required_text("name", &a.name, NAME_MAX)?;
                optional_text("description", a.description.as_deref(), DESCRIPTION_MAX)
            }
            Mutation::RenderCreate(a) => {
                text("prompt", &a.prompt, PROMPT_MAX)?;
                check_object("settings", &a.settings)
            }
            Mutation::ProjectDelete(_)
            | Mutation::FileDelete(_)
            | Mutation::TemplateDelete(_)
            | Mutation::ExecutionReplay(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_through_raw() {
        let m = Mutation::FileCreate(FileCreate {
            id: Id::from_u128(1),
            project_id: Id::from_u128(2),
            name: "Ground floor".into(),
            slug: None,
            description: None,
            metadata: Default::default(),
        });
        let raw = m.to_raw(7);
        assert_eq!(raw.seq, 7);
        assert_eq!(raw.name, "file.create");
        assert_eq!(raw.args["name"], "Ground floor");
        assert!(raw.args.get("slug").is_none());
        assert_eq!(Mutation::from_raw(&raw.name, &raw.args).unwrap(), m);
        assert_eq!(m.platform(), Platform::Canvas);
    }

    #[test]
    fn rejects_bad_mutations_with_validation_errors() {
        let id = "3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31";
        let cases = [
            ("file.explode", json!({"id": id})),
            ("file.create", json!({"id": id, "name": "x"})),
            (
                "file.create",
                json!({"id": "nope", "project_id": id, "name": "x"}),
            ),
            (
                "file.create",
                json!({"id": id, "project_id": id, "name": ""}),
            ),
            (
                "file.create",
                json!({"id": id, "project_id": id, "name": "x", "slug": "Bad Slug"}),
            ),
            (
                "file.create",
                json!({"id": id, "project_id": id, "name": "x", "owner": "me"}),
            ),
            ("project.update", json!({"id": id, "status": "deleted"})),
            ("graph.apply", json!({"file_id": id, "ops": []})),
            (
                "execution.create",
                json!({"id": id, "tool_id": id, "project_id": id, "input_images": "a.png"}),
            ),
            (
                "project.create",
                json!({"id": id, "name": "x".repeat(NAME_MAX + 1)}),
            ),
        ];
        for (name, args) in cases {
            let err = Mutation::from_raw(name, &args).unwrap_err();
            assert_eq!(
                err.code(),
                crate::error::ErrorCode::Validation,
                "{name} {args}"
            );
        }
    }

    #[test]
    fn refuses_nul_anywhere_in_the_args() {
        let id = "3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31";
        let cases = [
            (
                "project.create",
                json!({"id": id, "name": "x", "metadata": {"k": "a\u{0}b"}}),
                "metadata.k",
            ),
            (
                "project.create",
                json!({"id": id, "name": "x", "metadata": {"k\u{0}": 1}}),
                "metadata.k\\0",
            ),
            (
                "project.update",
                json!({"id": id, "tags": ["a", "b\u{0}"]}),
                "tags[1]",
            ),
            (
                "file.create",
                json!({"id": id, "project_id": id, "name": "x", "metadata": {"a": ["\u{0}"]}}),
                "metadata.a[0]",
            ),
            (
                "graph.apply",
                json!({"file_id": id, "ops": [{"op": "node.add", "node":
                {"id": id, "type": "image", "position": {"x": 0, "y": 0}, "data": {"t": "\u{0}"}}}]}),
                "ops[0].node.data.t",
            ),
            (
                "render.create",
                json!({"id": id, "project_id": id, "chain_id": id, "type": "image",
                "prompt": "p", "settings": {"s": "\u{0}"}}),
                "settings.s",
            ),
        ];
        for (name, args, field) in cases {
            match Mutation::from_raw(name, &args) {
                Err(CoreError::Validation { field: f, .. }) => assert_eq!(f, field, "{name}"),
                other => panic!("{name} {args}: {other:?}"),
            }
        }
    }

    #[test]
    fn updates_tell_null_from_absent() {
        let id = "3f0a7c1e-8d5b-4b8e-9a55-0d7c8b1e2f31";
        let m = Mutation::from_raw("file.update", &json!({"id": id, "description": null})).unwrap();
        let Mutation::FileUpdate(u) = m else { panic!() };
        assert_eq!(u.description, Some(None));
        assert_eq!(u.thumbnail_url, None);
    }
}
