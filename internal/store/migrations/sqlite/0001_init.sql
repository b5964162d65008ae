-- Users, API keys and settings. Times are Unix milliseconds (UTC); NULL means never.

CREATE TABLE users (
    id         TEXT PRIMARY KEY NOT NULL,
    email      TEXT UNIQUE,                -- NULL when unknown
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    blocked    INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    created_at INTEGER NOT NULL,
    last_seen  INTEGER
) STRICT;
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX users_role ON users (role);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    hash         BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
    hint         TEXT NOT NULL DEFAULT '',
    user_id      TEXT,                     -- NULL when none
    team_id      TEXT,                     -- NULL when none
    alias        TEXT NOT NULL DEFAULT '',
    models       TEXT NOT NULL DEFAULT '[]', -- JSON array of model names, in order
    expires_at   INTEGER,
    metadata     TEXT NOT NULL DEFAULT '{}', -- compact JSON object
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;
CREATE INDEX api_keys_created ON api_keys (created_at, id);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at, id);
CREATE INDEX api_keys_team ON api_keys (team_id, created_at, id);

CREATE TABLE settings (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
