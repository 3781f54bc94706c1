use serde::{Deserialize, Serialize};

/// The server's per-platform endpoints: `/api/{platform}/push|pull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Projects,
    Canvas,
    Apps,
    Render,
}

impl Platform {
    pub const ALL: [Platform; 4] = [
        Platform::Projects,
        Platform::Canvas,
        Platform::Apps,
        Platform::Render,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Projects => "projects",
            Platform::Canvas => "canvas",
            Platform::Apps => "apps",
            Platform::Render => "render",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
