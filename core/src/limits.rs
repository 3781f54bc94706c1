//! Size limits of the model. One place, so client, server and docs agree.

/// Names of projects, files, templates, chains (characters).
pub const NAME_MAX: usize = 200;
pub const SLUG_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 10_000;
pub const PROMPT_MAX: usize = 20_000;
pub const URL_MAX: usize = 2_048;
/// Free-form labels: node and edge types, tool categories, handles.
pub const LABEL_MAX: usize = 64;
pub const TAGS_MAX: usize = 50;
/// Any JSON document stored in one field (metadata, settings, node data), serialized bytes.
pub const JSON_MAX_BYTES: usize = 256 * 1024;
/// Nesting depth of such documents, so a hostile document cannot exhaust a stack.
pub const JSON_MAX_DEPTH: usize = 32;
pub const INPUT_IMAGES_MAX: usize = 16;
/// Ops in one `graph.apply`.
pub const OPS_PER_APPLY_MAX: usize = 10_000;
/// Mutations in one push request.
pub const MUTATIONS_PER_PUSH_MAX: usize = 500;
/// The ops of one `graph.apply`, serialized: one mutation must always fit in a push
/// body, or an outbox holding it could never drain.
pub const OPS_MAX_BYTES: usize = 768 * 1024;
/// What the client puts in one push body's mutations, leaving room for the envelope.
pub const PUSH_MUTATIONS_MAX_BYTES: usize = BODY_MAX_BYTES - 16 * 1024;
/// Changes in one pull page: at most, and when the client does not say.
pub const PULL_LIMIT_MAX: u32 = 1_000;
pub const PULL_LIMIT_DEFAULT: u32 = 500;
/// A request body the server accepts.
pub const BODY_MAX_BYTES: usize = 1024 * 1024;
/// |coordinate| of positions and viewports: far beyond any screen, well inside f64.
pub const COORD_MAX: f64 = 1e9;
