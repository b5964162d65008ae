-- Teams and their members, limits on keys and users, key endpoints, blocking and rotation grace,
-- and the record of admin actions. Limits are NULL when not set.

CREATE TABLE teams (
    id                    TEXT PRIMARY KEY NOT NULL,
    alias                 TEXT NOT NULL DEFAULT '',
    alias_fold            TEXT UNIQUE,               -- the alias case-folded by Warden; NULL when no alias
    models                TEXT NOT NULL DEFAULT '[]', -- JSON array of model names, in order
    max_budget            REAL,
    budget_duration       TEXT NOT NULL DEFAULT '',
    rpm_limit             INTEGER,
    tpm_limit             INTEGER,
    max_parallel_requests INTEGER,
    max_tokens_budget     INTEGER,
    metadata              TEXT NOT NULL DEFAULT '{}', -- compact JSON object
    blocked               INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
) STRICT;
CREATE INDEX teams_created ON teams (created_at, id);

CREATE TABLE team_members (
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
) STRICT;
CREATE INDEX team_members_user ON team_members (user_id);

ALTER TABLE users ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN max_budget REAL;
ALTER TABLE users ADD COLUMN budget_duration TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN rpm_limit INTEGER;
ALTER TABLE users ADD COLUMN tpm_limit INTEGER;
ALTER TABLE users ADD COLUMN max_parallel_requests INTEGER;
ALTER TABLE users ADD COLUMN max_tokens_budget INTEGER;

ALTER TABLE api_keys ADD COLUMN endpoints TEXT NOT NULL DEFAULT '[]'; -- JSON array of paths, in order
ALTER TABLE api_keys ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1));
ALTER TABLE api_keys ADD COLUMN prev_hash BLOB CHECK (length(prev_hash) = 32);
ALTER TABLE api_keys ADD COLUMN prev_hash_expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN max_budget REAL;
ALTER TABLE api_keys ADD COLUMN budget_duration TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN rpm_limit INTEGER;
ALTER TABLE api_keys ADD COLUMN tpm_limit INTEGER;
ALTER TABLE api_keys ADD COLUMN max_parallel_requests INTEGER;
ALTER TABLE api_keys ADD COLUMN max_tokens_budget INTEGER;
-- KeyByHash looks up hash OR prev_hash: both indexed, so it stays one indexed lookup.
CREATE UNIQUE INDEX api_keys_prev_hash ON api_keys (prev_hash) WHERE prev_hash IS NOT NULL;

CREATE TABLE admin_events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    change TEXT NOT NULL DEFAULT '{}'          -- compact JSON object
) STRICT;
CREATE INDEX admin_events_at ON admin_events (at, id);
CREATE INDEX admin_events_actor ON admin_events (actor, at, id);
CREATE INDEX admin_events_target ON admin_events (target, at, id);
