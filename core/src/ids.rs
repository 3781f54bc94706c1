//! Identifiers and timestamps. Every id is a client-generated UUID, so offline creation
//! never waits for the server.

use uuid::Uuid;

pub type Id = Uuid;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// Fixed namespaces for ids derived from other ids, so every client and the server derive
/// the same id without talking to each other.
mod namespace {
    use uuid::Uuid;
    pub const GRAPH: Uuid = Uuid::from_u128(0x6d1c_3f0e_9b1a_4c8e_8f4b_5a2e_7c90_1d01);
    pub const TOOL: Uuid = Uuid::from_u128(0x6d1c_3f0e_9b1a_4c8e_8f4b_5a2e_7c90_1d02);
}

/// The id of a file's graph: a file has exactly one graph, created with it.
pub fn graph_id_for(file_id: Id) -> Id {
    Uuid::new_v5(&namespace::GRAPH, file_id.as_bytes())
}

/// The id of a catalog tool, derived from its slug, stable across servers.
pub fn tool_id_for(slug: &str) -> Id {
    Uuid::new_v5(&namespace::TOOL, slug.as_bytes())
}

/// The id of a tool's global default template (seeded from the catalog).
pub fn global_template_id(tool_id: Id) -> Id {
    Uuid::new_v5(&tool_id, b"global-default-template")
}

/// The id of the render an execution writes as its output, so every server instance
/// (and a retry of the runner) writes the same row.
pub fn output_render_id(execution_id: Id) -> Id {
    Uuid::new_v5(&execution_id, b"output-render")
}

pub fn new_id() -> Id {
    Uuid::new_v4()
}
