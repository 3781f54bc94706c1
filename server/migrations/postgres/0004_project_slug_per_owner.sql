-- A project's slug is unique among its owner's projects, not server-wide: a server-wide
-- rule answers slug_taken (and derives "villa-2") because of someone else's private
-- project, which tells that it exists. The old constraint is found by its column, not
-- by name: next to a renamed legacy table, PostgreSQL may have named it otherwise.
DO $$
DECLARE
    old_name TEXT;
BEGIN
    SELECT c.conname INTO old_name
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
    WHERE c.conrelid = 'projects'::regclass AND c.contype = 'u'
      AND array_length(c.conkey, 1) = 1 AND a.attname = 'slug';
    IF old_name IS NOT NULL THEN
        EXECUTE format('ALTER TABLE projects DROP CONSTRAINT %I', old_name);
    END IF;
END $$;
ALTER TABLE projects ADD CONSTRAINT projects_user_id_slug_key UNIQUE (user_id, slug);
