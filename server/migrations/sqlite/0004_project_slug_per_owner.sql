-- no-transaction
-- A project's slug is unique among its owner's projects, not server-wide: a server-wide
-- rule answers slug_taken (and derives "villa-2") because of someone else's private
-- project, which tells that it exists. SQLite cannot drop a column's UNIQUE, so the
-- table is rebuilt (SQLite's documented procedure). Foreign keys are off meanwhile so
-- that dropping the old table does not cascade into the rows that reference it; they
-- can only be switched outside a transaction, hence "no-transaction" above.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE projects_per_owner (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(id),
    name               TEXT NOT NULL,
    slug               TEXT NOT NULL,
    description        TEXT,
    original_image_id  TEXT,
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    is_public          INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
    tags               TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    metadata           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (user_id, slug)
);
INSERT INTO projects_per_owner (id, user_id, name, slug, description, original_image_id, status,
    is_public, tags, metadata, created_at, updated_at)
    SELECT id, user_id, name, slug, description, original_image_id, status,
        is_public, tags, metadata, created_at, updated_at FROM projects;
DROP TABLE projects;
ALTER TABLE projects_per_owner RENAME TO projects;
CREATE INDEX projects_user_id ON projects(user_id);
COMMIT;
PRAGMA foreign_keys = ON;
