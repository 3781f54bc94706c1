-- The target schema (seed audit, section 5) plus what the sync server needs: users,
-- hashed API tokens, each client's last processed seq and the change log.
-- Conventions: ids are hyphenated UUID text, timestamps INTEGER milliseconds since the
-- epoch, JSON is TEXT holding JSON, booleans are INTEGER 0|1.

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    token_hash  TEXT PRIMARY KEY,              -- sha256 of the token, hex
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX api_tokens_user_id ON api_tokens(user_id);

CREATE TABLE projects (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id),
    name               TEXT NOT NULL,
    slug               TEXT NOT NULL UNIQUE,
    description        TEXT,
    original_image_id  TEXT,
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    is_public          INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
    tags               TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    metadata           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX projects_user_id ON projects(user_id);

CREATE TABLE tools (
    id               TEXT PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    description      TEXT,
    category         TEXT NOT NULL,
    system_prompt    TEXT NOT NULL,
    input_type       TEXT NOT NULL CHECK (input_type IN ('image', 'image+text', 'multiple')),
    output_type      TEXT NOT NULL CHECK (output_type IN ('image', 'video')),
    icon             TEXT,
    color            TEXT,
    priority         TEXT NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    status           TEXT NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'offline')),
    settings_schema  TEXT NOT NULL CHECK (json_valid(settings_schema)),
    default_settings TEXT NOT NULL CHECK (json_valid(default_settings)),
    metadata         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    catalog_version  INTEGER NOT NULL,          -- the catalog file version this row came from
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE TABLE render_chains (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX render_chains_project_id ON render_chains(project_id);

-- Chat renders, and tools' output renders (no chain). No tool data in here: the
-- imageType CHECK keeps tools out of renders (seed phase 3, "prevent cross-contamination").
CREATE TABLE renders (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id        TEXT REFERENCES users(id),
    type           TEXT NOT NULL CHECK (type IN ('image', 'video')),
    prompt         TEXT NOT NULL DEFAULT '',
    settings       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings) AND json_type(settings) = 'object'
                                                     AND json_extract(settings, '$.imageType') IS NULL),
    chain_id       TEXT REFERENCES render_chains(id) ON DELETE CASCADE,
    chain_position INTEGER CHECK (chain_position IS NULL OR chain_position >= 0),
    output_url     TEXT,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CHECK (chain_position IS NULL OR chain_id IS NOT NULL)
);
CREATE INDEX renders_chain_id_chain_position ON renders(chain_id, chain_position);
CREATE INDEX renders_project_id ON renders(project_id);

CREATE TABLE tool_executions (
    id                  TEXT PRIMARY KEY,
    tool_id             TEXT NOT NULL REFERENCES tools(id),
    project_id          TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id             TEXT NOT NULL REFERENCES users(id),
    input_images        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(input_images) AND json_type(input_images) = 'array'),
    input_text          TEXT,
    input_settings      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(input_settings) AND json_type(input_settings) = 'object'),
    output_render_id    TEXT REFERENCES renders(id) ON DELETE SET NULL,
    output_url          TEXT,
    output_key          TEXT,
    status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    error_message       TEXT,
    processing_time     INTEGER CHECK (processing_time IS NULL OR processing_time >= 0),  -- seconds
    credits_cost        INTEGER CHECK (credits_cost IS NULL OR credits_cost >= 0),
    execution_config    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(execution_config)),
    parent_execution_id TEXT REFERENCES tool_executions(id) ON DELETE SET NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX tool_executions_tool_id_created_at ON tool_executions(tool_id, created_at);
CREATE INDEX tool_executions_project_id ON tool_executions(project_id);
CREATE INDEX tool_executions_status ON tool_executions(status);
CREATE INDEX tool_executions_parent_execution_id ON tool_executions(parent_execution_id);
CREATE INDEX tool_executions_output_render_id ON tool_executions(output_render_id);

CREATE TABLE tool_settings_templates (
    id          TEXT PRIMARY KEY,
    tool_id     TEXT NOT NULL REFERENCES tools(id),
    user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,   -- NULL: a global template
    name        TEXT NOT NULL,
    settings    TEXT NOT NULL CHECK (json_valid(settings) AND json_type(settings) = 'object'),
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX tool_settings_templates_tool_id ON tool_settings_templates(tool_id, user_id);
-- One default per tool and user.
CREATE UNIQUE INDEX tool_settings_templates_one_default
    ON tool_settings_templates(tool_id, user_id) WHERE is_default = 1;

CREATE TABLE canvas_files (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL,
    description   TEXT,
    thumbnail_url TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    metadata      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- Its index also serves "files by project" (project_id is its prefix).
    UNIQUE (project_id, slug)
);

CREATE TABLE canvas_graphs (
    id          TEXT PRIMARY KEY,
    file_id     TEXT NOT NULL UNIQUE REFERENCES canvas_files(id) ON DELETE CASCADE,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id     TEXT REFERENCES users(id),
    nodes       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(nodes) AND json_type(nodes) = 'array'),
    connections TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(connections) AND json_type(connections) = 'array'),
    viewport    TEXT NOT NULL DEFAULT '{"x":0,"y":0,"zoom":1}' CHECK (json_valid(viewport)),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX canvas_graphs_project_id ON canvas_graphs(project_id);

-- Sync bookkeeping.

CREATE TABLE clients (
    client_id   TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,   -- bound on first use
    last_seq    INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    updated_at  INTEGER NOT NULL
);

-- The server-wide change sequence: one row, bumped inside every write transaction.
CREATE TABLE seq_counter (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    v   INTEGER NOT NULL
);
INSERT INTO seq_counter (id, v) VALUES (1, 0);

-- The change log behind pull cursors: one row per entity (upserted with a fresh seq on
-- every write), plus at most one "revocation" row per project that went private, which
-- non-owners see as the project's tombstone.
CREATE TABLE changes (
    entity      TEXT NOT NULL CHECK (entity IN ('project', 'canvas_file', 'canvas_graph', 'canvas_node',
                    'canvas_edge', 'tool', 'tool_execution', 'tool_settings_template', 'render_chain', 'render')),
    entity_id   TEXT NOT NULL,
    revocation  INTEGER NOT NULL DEFAULT 0 CHECK (revocation IN (0, 1)),
    seq         INTEGER NOT NULL UNIQUE,
    platform    TEXT NOT NULL CHECK (platform IN ('projects', 'canvas', 'apps', 'render')),
    scope_id    TEXT NOT NULL,             -- the file for nodes and edges, else the id itself
    project_id  TEXT,                      -- NULL for tools and templates
    owner_id    TEXT,                      -- who may read it; NULL: everyone
    is_public   INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),  -- everyone may read it
    version     INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    value       TEXT CHECK (value IS NULL OR json_valid(value)),
    PRIMARY KEY (entity, entity_id, revocation)
);
-- Pull: one range scan per platform in seq order.
CREATE INDEX changes_platform_seq ON changes(platform, seq);
CREATE INDEX changes_project_id ON changes(project_id);
CREATE INDEX changes_scope_id ON changes(scope_id);

CREATE TABLE server_meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
