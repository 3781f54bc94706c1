-- The target schema (seed audit, section 5) plus what the sync server needs: users,
-- hashed API tokens, each client's last processed seq and the change log.
-- Conventions: ids are UUID, timestamps BIGINT milliseconds since the epoch,
-- JSON is JSONB, booleans are BOOLEAN.

CREATE TABLE users (
    id          UUID PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash  TEXT PRIMARY KEY,              -- sha256 of the token, hex
    user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX api_tokens_user_id ON api_tokens(user_id);

CREATE TABLE projects (
    id                 UUID PRIMARY KEY,
    user_id            UUID NOT NULL REFERENCES users(id),
    name               TEXT NOT NULL,
    slug               TEXT NOT NULL UNIQUE,
    description        TEXT,
    original_image_id  UUID,
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    is_public          BOOLEAN NOT NULL DEFAULT FALSE,
    tags               JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tags) = 'array'),
    metadata           JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX projects_user_id ON projects(user_id);

CREATE TABLE tools (
    id               UUID PRIMARY KEY,
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
    settings_schema  JSONB NOT NULL,
    default_settings JSONB NOT NULL,
    metadata         JSONB NOT NULL DEFAULT '{}',
    catalog_version  BIGINT NOT NULL,          -- the catalog file version this row came from
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE render_chains (
    id          UUID PRIMARY KEY,
    project_id  UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX render_chains_project_id ON render_chains(project_id);

-- Chat renders, and tools' output renders (no chain). No tool data in here: the
-- imageType CHECK keeps tools out of renders (seed phase 3, "prevent cross-contamination").
CREATE TABLE renders (
    id             UUID PRIMARY KEY,
    project_id     UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id        UUID REFERENCES users(id),
    type           TEXT NOT NULL CHECK (type IN ('image', 'video')),
    prompt         TEXT NOT NULL DEFAULT '',
    settings       JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object' AND NOT (settings ? 'imageType')),
    chain_id       UUID REFERENCES render_chains(id) ON DELETE CASCADE,
    chain_position BIGINT CHECK (chain_position IS NULL OR chain_position >= 0),
    output_url     TEXT,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    CHECK (chain_position IS NULL OR chain_id IS NOT NULL)
);
CREATE INDEX renders_chain_id_chain_position ON renders(chain_id, chain_position);
CREATE INDEX renders_project_id ON renders(project_id);

CREATE TABLE tool_executions (
    id                  UUID PRIMARY KEY,
    tool_id             UUID NOT NULL REFERENCES tools(id),
    project_id          UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id             UUID NOT NULL REFERENCES users(id),
    input_images        JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(input_images) = 'array'),
    input_text          TEXT,
    input_settings      JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(input_settings) = 'object'),
    output_render_id    UUID REFERENCES renders(id) ON DELETE SET NULL,
    output_url          TEXT,
    output_key          TEXT,
    status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    error_message       TEXT,
    processing_time     BIGINT CHECK (processing_time IS NULL OR processing_time >= 0),  -- seconds
    credits_cost        BIGINT CHECK (credits_cost IS NULL OR credits_cost >= 0),
    execution_config    JSONB NOT NULL DEFAULT '{}',
    parent_execution_id UUID REFERENCES tool_executions(id) ON DELETE SET NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX tool_executions_tool_id_created_at ON tool_executions(tool_id, created_at);
CREATE INDEX tool_executions_project_id ON tool_executions(project_id);
CREATE INDEX tool_executions_status ON tool_executions(status);
CREATE INDEX tool_executions_parent_execution_id ON tool_executions(parent_execution_id);
CREATE INDEX tool_executions_output_render_id ON tool_executions(output_render_id);

CREATE TABLE tool_settings_templates (
    id          UUID PRIMARY KEY,
    tool_id     UUID NOT NULL REFERENCES tools(id),
    user_id     UUID REFERENCES users(id) ON DELETE CASCADE,   -- NULL: a global template
    name        TEXT NOT NULL,
    settings    JSONB NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX tool_settings_templates_tool_id ON tool_settings_templates(tool_id, user_id);
-- One default per tool and user.
CREATE UNIQUE INDEX tool_settings_templates_one_default
    ON tool_settings_templates(tool_id, user_id) WHERE is_default;

CREATE TABLE canvas_files (
    id            UUID PRIMARY KEY,
    project_id    UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id       UUID NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL,
    description   TEXT,
    thumbnail_url TEXT,
    version       BIGINT NOT NULL DEFAULT 1,
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    metadata      JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    -- Its index also serves "files by project" (project_id is its prefix).
    UNIQUE (project_id, slug)
);

CREATE TABLE canvas_graphs (
    id          UUID PRIMARY KEY,
    file_id     UUID NOT NULL UNIQUE REFERENCES canvas_files(id) ON DELETE CASCADE,
    project_id  UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id     UUID REFERENCES users(id),
    nodes       JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(nodes) = 'array'),
    connections JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(connections) = 'array'),
    viewport    JSONB NOT NULL DEFAULT '{"x":0,"y":0,"zoom":1}',
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX canvas_graphs_project_id ON canvas_graphs(project_id);

-- Sync bookkeeping.

CREATE TABLE clients (
    client_id   UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,   -- bound on first use
    last_seq    BIGINT NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    updated_at  BIGINT NOT NULL
);

-- The server-wide change sequence: one row, bumped inside every write transaction.
CREATE TABLE seq_counter (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    v   BIGINT NOT NULL
);
INSERT INTO seq_counter (id, v) VALUES (1, 0);

-- The change log behind pull cursors: one row per entity (upserted with a fresh seq on
-- every write), plus at most one "revocation" row per project that went private, which
-- non-owners see as the project's tombstone.
CREATE TABLE changes (
    entity      TEXT NOT NULL CHECK (entity IN ('project', 'canvas_file', 'canvas_graph', 'canvas_node',
                    'canvas_edge', 'tool', 'tool_execution', 'tool_settings_template', 'render_chain', 'render')),
    entity_id   UUID NOT NULL,
    revocation  BOOLEAN NOT NULL DEFAULT FALSE,
    seq         BIGINT NOT NULL UNIQUE,
    platform    TEXT NOT NULL CHECK (platform IN ('projects', 'canvas', 'apps', 'render')),
    scope_id    UUID NOT NULL,             -- the file for nodes and edges, else the id itself
    project_id  UUID,                      -- NULL for tools and templates
    owner_id    UUID,                      -- who may read it; NULL: everyone
    is_public   BOOLEAN NOT NULL DEFAULT FALSE,  -- everyone may read it
    version     BIGINT NOT NULL,
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
    value       JSONB,
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
