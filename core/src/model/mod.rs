//! The entities of the target schema (the seed audit's section 5), as stored in
//! IndexedDB, sent over the wire and kept by the server. Names are the seed's column
//! names in snake_case.

pub mod canvas;
pub mod enums;
pub mod execution;
pub mod project;
pub mod render;
pub mod template;
pub mod tool;

pub use canvas::{CanvasFile, CanvasGraph, Edge, GraphMeta, Node, Position, Viewport};
pub use enums::{
    ExecutionStatus, InputType, OutputType, Priority, ProjectStatus, RenderStatus, RenderType,
    ToolStatus,
};
pub use execution::ToolExecution;
pub use project::Project;
pub use render::{Render, RenderChain};
pub use template::ToolSettingsTemplate;
pub use tool::Tool;
