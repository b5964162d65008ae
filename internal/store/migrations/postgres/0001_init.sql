-- Users, API keys and settings. Ids use the "C" collation so that ordering matches SQLite (bytewise).

CREATE TABLE users (
    id         TEXT COLLATE "C" PRIMARY KEY,
    email      TEXT CONSTRAINT users_email_unique UNIQUE, -- NULL when unknown
    name       TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    blocked    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ
);
CREATE INDEX users_created ON users (created_at, id);
CREATE INDEX users_role ON users (role);

CREATE TABLE api_keys (
    id           TEXT COLLATE "C" PRIMARY KEY,
    hash         BYTEA NOT NULL CONSTRAINT api_keys_hash_unique UNIQUE CHECK (octet_length(hash) = 32),
    hint         TEXT NOT NULL DEFAULT '',
    user_id      TEXT COLLATE "C",         -- NULL when none
    team_id      TEXT COLLATE "C",         -- NULL when none
    alias        TEXT NOT NULL DEFAULT '',
    models       TEXT[] NOT NULL DEFAULT '{}',
    expires_at   TIMESTAMPTZ,
    metadata     JSON NOT NULL DEFAULT '{}', -- compact JSON object, text kept as written
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_keys_created ON api_keys (created_at, id);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at, id);
CREATE INDEX api_keys_team ON api_keys (team_id, created_at, id);

CREATE TABLE settings (
    name       TEXT COLLATE "C" PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
