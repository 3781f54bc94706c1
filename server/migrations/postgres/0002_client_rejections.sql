-- A rejected mutation's answer, kept so that a push retried after a lost response
-- reports the rejection again (and the client can tell the app) instead of "applied".
-- Applied mutations need no row: no row means applied.
CREATE TABLE client_rejections (
    client_id   UUID NOT NULL REFERENCES clients(client_id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL CHECK (seq > 0),
    error       JSONB NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (client_id, seq)
);
