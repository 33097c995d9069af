-- The transparency log (DESIGN.md §3), written by the audit consumer only.
-- One leaf per event, in position order: its data is the event's 32-byte chain hash.
CREATE TABLE IF NOT EXISTS audit_log_leaves (
    leaf_index bigint PRIMARY KEY,
    position bigint NOT NULL UNIQUE,
    aggregate_id uuid NOT NULL,
    version int NOT NULL,
    chain_hash bytea NOT NULL CHECK (length(chain_hash) = 32),
    UNIQUE (aggregate_id, version)
);
-- Every complete perfect subtree, stored once when its last leaf arrives: level 0 holds
-- the leaf hashes; (level, index) covers leaves [index·2^level, (index+1)·2^level).
CREATE TABLE IF NOT EXISTS audit_log_nodes (
    level smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
    index bigint NOT NULL CHECK (index >= 0),
    hash bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, index)
);
-- The signed checkpoints, each consistent with the one before it.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
    tree_size bigint PRIMARY KEY CHECK (tree_size > 0),
    root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
    note text NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now()
);
