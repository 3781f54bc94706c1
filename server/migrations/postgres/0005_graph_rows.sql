-- A row per canvas node and per edge, keyed by (file_id, id): an edit reads and writes
-- the rows its ops touch instead of the file's whole graph (issue 13). The parent and
-- endpoint indexes serve a removal's cascade; (file_id, z) serves the top z key. z
-- compares byte-wise (COLLATE "C"), as core orders fractional keys.
CREATE TABLE canvas_nodes (
    file_id    UUID NOT NULL REFERENCES canvas_files(id) ON DELETE CASCADE,
    id         UUID NOT NULL,
    z          TEXT COLLATE "C" NOT NULL,
    parent_id  UUID,
    body       JSONB NOT NULL,
    PRIMARY KEY (file_id, id)
);
CREATE INDEX canvas_nodes_parent ON canvas_nodes(file_id, parent_id);
CREATE INDEX canvas_nodes_z ON canvas_nodes(file_id, z);

CREATE TABLE canvas_edges (
    file_id    UUID NOT NULL REFERENCES canvas_files(id) ON DELETE CASCADE,
    id         UUID NOT NULL,
    source     UUID NOT NULL,
    target     UUID NOT NULL,
    body       JSONB NOT NULL,
    PRIMARY KEY (file_id, id)
);
CREATE INDEX canvas_edges_source ON canvas_edges(file_id, source);
CREATE INDEX canvas_edges_target ON canvas_edges(file_id, target);

-- Every stored node and edge moves to its row; of two with one id in a graph the later
-- wins, as it did when the arrays were read.
INSERT INTO canvas_nodes (file_id, id, z, parent_id, body)
SELECT DISTINCT ON (g.file_id, (n.value->>'id')::uuid)
       g.file_id, (n.value->>'id')::uuid, COALESCE(n.value->>'z', 'a0'),
       (n.value->>'parent_id')::uuid, n.value
FROM canvas_graphs g, jsonb_array_elements(g.nodes) WITH ORDINALITY AS n(value, ord)
WHERE jsonb_typeof(n.value->'id') = 'string'
ORDER BY g.file_id, (n.value->>'id')::uuid, n.ord DESC;

INSERT INTO canvas_edges (file_id, id, source, target, body)
SELECT DISTINCT ON (g.file_id, (e.value->>'id')::uuid)
       g.file_id, (e.value->>'id')::uuid, (e.value->>'source')::uuid,
       (e.value->>'target')::uuid, e.value
FROM canvas_graphs g, jsonb_array_elements(g.connections) WITH ORDINALITY AS e(value, ord)
WHERE jsonb_typeof(e.value->'id') = 'string' AND jsonb_typeof(e.value->'source') = 'string'
  AND jsonb_typeof(e.value->'target') = 'string'
ORDER BY g.file_id, (e.value->>'id')::uuid, e.ord DESC;

ALTER TABLE canvas_graphs DROP COLUMN nodes;
ALTER TABLE canvas_graphs DROP COLUMN connections;

-- The seed's shape of a graph, nodes in draw order, kept current by construction.
CREATE VIEW canvas_graphs_json AS
SELECT g.id, g.file_id, g.project_id, g.user_id,
       COALESCE((SELECT jsonb_agg(n.body ORDER BY n.z, n.id)
                   FROM canvas_nodes n WHERE n.file_id = g.file_id), '[]'::jsonb) AS nodes,
       COALESCE((SELECT jsonb_agg(e.body ORDER BY e.id)
                   FROM canvas_edges e WHERE e.file_id = g.file_id), '[]'::jsonb) AS connections,
       g.viewport, g.version, g.created_at, g.updated_at
FROM canvas_graphs g;
