//! The seed's enumerated TEXT columns, as enums. Unknown values fail to parse with a
//! validation error naming the allowed ones.

use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(tsify::Tsify))]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        // By hand: utoipa's derive does not see a `serde(rename)` whose text comes from
        // a macro argument, and would document the variant names (`Active`).
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(field: &str, text: &str) -> Result<Self> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(CoreError::validation(
                        field,
                        format!("must be one of {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What a tool takes: one image, one image and a text, or several images.
    InputType { Image = "image", ImageText = "image+text", Multiple = "multiple" }
);
text_enum!(OutputType { Image = "image", Video = "video" });
text_enum!(Priority { High = "high", Medium = "medium", Low = "low" });
text_enum!(ToolStatus { Online = "online", Offline = "offline" });
text_enum!(
    /// pending → processing → completed | failed, nothing else.
    ExecutionStatus {
        Pending = "pending",
        Processing = "processing",
        Completed = "completed",
        Failed = "failed",
    }
);
text_enum!(ProjectStatus { Active = "active", Archived = "archived" });
text_enum!(RenderType { Image = "image", Video = "video" });
text_enum!(RenderStatus {
    Pending = "pending",
    Processing = "processing",
    Completed = "completed",
    Failed = "failed",
});

impl ExecutionStatus {
    pub fn can_move_to(self, next: ExecutionStatus) -> bool {
        use ExecutionStatus::*;
        matches!(
            (self, next),
            (Pending, Processing) | (Processing, Completed) | (Processing, Failed)
        )
    }

    /// Checks a status change, so no code path can skip or reverse a step.
    pub fn transition(self, next: ExecutionStatus) -> Result<ExecutionStatus> {
        if self.can_move_to(next) {
            Ok(next)
        } else {
            Err(CoreError::Conflict(format!(
                "an execution cannot move from {self} to {next}"
            )))
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, ExecutionStatus::Completed | ExecutionStatus::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_status_moves_forward_only() {
        use ExecutionStatus::*;
        let allowed = [
            (Pending, Processing),
            (Processing, Completed),
            (Processing, Failed),
        ];
        for &from in ExecutionStatus::ALL {
            for &to in ExecutionStatus::ALL {
                assert_eq!(
                    from.transition(to).is_ok(),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn parses_known_values_only() {
        assert_eq!(
            InputType::parse("input_type", "image+text").unwrap(),
            InputType::ImageText
        );
        let err = InputType::parse("input_type", "audio").unwrap_err();
        assert!(err.to_string().contains("image, image+text, multiple"));
        let json: Result<Priority, _> = serde_json::from_str("\"urgent\"");
        assert!(json.is_err());
    }
}
