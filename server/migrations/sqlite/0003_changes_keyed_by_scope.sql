-- Nodes and edges belong to one file, and their ids are only unique inside it: the
-- change log keys every row by its scope too (the file for nodes and edges, the id
-- itself for everything else), so an edit in one file never replaces another file's
-- row. SQLite cannot change a primary key in place: the table is rebuilt.
CREATE TABLE changes_by_scope (
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
    PRIMARY KEY (entity, entity_id, scope_id, revocation)
);
INSERT INTO changes_by_scope
    (entity, entity_id, revocation, seq, platform, scope_id, project_id, owner_id, is_public, version, deleted, value)
    SELECT entity, entity_id, revocation, seq, platform, scope_id, project_id, owner_id, is_public, version, deleted, value
    FROM changes;
DROP TABLE changes;
ALTER TABLE changes_by_scope RENAME TO changes;
-- Pull: one range scan per platform in seq order.
CREATE INDEX changes_platform_seq ON changes(platform, seq);
CREATE INDEX changes_project_id ON changes(project_id);
CREATE INDEX changes_scope_id ON changes(scope_id);
