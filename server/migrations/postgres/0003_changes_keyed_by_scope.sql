-- Nodes and edges belong to one file, and their ids are only unique inside it: the
-- change log keys every row by its scope too (the file for nodes and edges, the id
-- itself for everything else), so an edit in one file never replaces another file's row.
ALTER TABLE changes DROP CONSTRAINT changes_pkey;
ALTER TABLE changes ADD PRIMARY KEY (entity, entity_id, scope_id, revocation);
