-- A row per canvas node and per edge, keyed by (file_id, id): an edit reads and writes
-- the rows its ops touch instead of the file's whole graph (issue 13). The parent and
-- endpoint indexes serve a removal's cascade; (file_id, z) serves the top z key.
CREATE TABLE canvas_nodes (
    file_id    TEXT NOT NULL REFERENCES canvas_files(id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    z          TEXT NOT NULL,
    parent_id  TEXT,
    body       TEXT NOT NULL CHECK (json_valid(body)),
    PRIMARY KEY (file_id, id)
);
CREATE INDEX canvas_nodes_parent ON canvas_nodes(file_id, parent_id);
CREATE INDEX canvas_nodes_z ON canvas_nodes(file_id, z);

CREATE TABLE canvas_edges (
    file_id    TEXT NOT NULL REFERENCES canvas_files(id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    source     TEXT NOT NULL,
    target     TEXT NOT NULL,
    body       TEXT NOT NULL CHECK (json_valid(body)),
    PRIMARY KEY (file_id, id)
);
CREATE INDEX canvas_edges_source ON canvas_edges(file_id, source);
CREATE INDEX canvas_edges_target ON canvas_edges(file_id, target);

-- Every stored node and edge moves to its row; of two with one id in a graph the later
-- wins, as it did when the arrays were read.
INSERT OR REPLACE INTO canvas_nodes (file_id, id, z, parent_id, body)
SELECT g.file_id, json_extract(n.value, '$.id'), COALESCE(json_extract(n.value, '$.z'), 'a0'),
       json_extract(n.value, '$.parent_id'), n.value
FROM canvas_graphs g, json_each(g.nodes) n
WHERE json_type(n.value, '$.id') = 'text';

INSERT OR REPLACE INTO canvas_edges (file_id, id, source, target, body)
SELECT g.file_id, json_extract(e.value, '$.id'), json_extract(e.value, '$.source'),
       json_extract(e.value, '$.target'), e.value
FROM canvas_graphs g, json_each(g.connections) e
WHERE json_type(e.value, '$.id') = 'text' AND json_type(e.value, '$.source') = 'text'
  AND json_type(e.value, '$.target') = 'text';

ALTER TABLE canvas_graphs DROP COLUMN nodes;
ALTER TABLE canvas_graphs DROP COLUMN connections;

-- The seed's shape of a graph, nodes in draw order, kept current by construction.
CREATE VIEW canvas_graphs_json AS
SELECT g.id, g.file_id, g.project_id, g.user_id,
       (SELECT json_group_array(json(n.body) ORDER BY n.z, n.id)
          FROM canvas_nodes n WHERE n.file_id = g.file_id) AS nodes,
       (SELECT json_group_array(json(e.body) ORDER BY e.id)
          FROM canvas_edges e WHERE e.file_id = g.file_id) AS connections,
       g.viewport, g.version, g.created_at, g.updated_at
FROM canvas_graphs g;
