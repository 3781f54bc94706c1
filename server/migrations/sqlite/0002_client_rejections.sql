-- A rejected mutation's answer, kept so that a push retried after a lost response
-- reports the rejection again (and the client can tell the app) instead of "applied".
-- Applied mutations need no row: no row means applied.
CREATE TABLE client_rejections (
    client_id   TEXT NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL CHECK (seq > 0),
    error       TEXT NOT NULL CHECK (json_valid(error)),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (client_id, seq)
);
