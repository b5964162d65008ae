-- Teams and their members, limits on keys and users, key endpoints, blocking and rotation grace,
-- and the record of admin actions. Limits are NULL when not set.

CREATE TABLE teams (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    alias                 TEXT NOT NULL DEFAULT '',
    alias_fold            TEXT COLLATE "C" CONSTRAINT teams_alias_unique UNIQUE, -- case-folded by Warden; NULL when no alias
    models                TEXT[] NOT NULL DEFAULT '{}',
    max_budget            DOUBLE PRECISION,
    budget_duration       TEXT NOT NULL DEFAULT '',
    rpm_limit             BIGINT,
    tpm_limit             BIGINT,
    max_parallel_requests BIGINT,
    max_tokens_budget     BIGINT,
    metadata              JSON NOT NULL DEFAULT '{}', -- compact JSON object, text kept as written
    blocked               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX teams_created ON teams (created_at, id);

CREATE TABLE team_members (
    team_id    TEXT COLLATE "C" NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

ALTER TABLE users
    ADD COLUMN metadata              JSON NOT NULL DEFAULT '{}',
    ADD COLUMN max_budget            DOUBLE PRECISION,
    ADD COLUMN budget_duration       TEXT NOT NULL DEFAULT '',
    ADD COLUMN rpm_limit             BIGINT,
    ADD COLUMN tpm_limit             BIGINT,
    ADD COLUMN max_parallel_requests BIGINT,
    ADD COLUMN max_tokens_budget     BIGINT;

ALTER TABLE api_keys
    ADD COLUMN endpoints             TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN blocked               BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN prev_hash             BYTEA CHECK (octet_length(prev_hash) = 32),
    ADD COLUMN prev_hash_expires_at  TIMESTAMPTZ,
    ADD COLUMN max_budget            DOUBLE PRECISION,
    ADD COLUMN budget_duration       TEXT NOT NULL DEFAULT '',
    ADD COLUMN rpm_limit             BIGINT,
    ADD COLUMN tpm_limit             BIGINT,
    ADD COLUMN max_parallel_requests BIGINT,
    ADD COLUMN max_tokens_budget     BIGINT;
-- KeyByHash looks up hash OR prev_hash: both indexed, so it stays one indexed lookup.
CREATE UNIQUE INDEX api_keys_prev_hash ON api_keys (prev_hash) WHERE prev_hash IS NOT NULL;

CREATE TABLE admin_events (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     TIMESTAMPTZ NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    change JSON NOT NULL DEFAULT '{}' -- compact JSON object, text kept as written
);
CREATE INDEX admin_events_at ON admin_events (at, id);
CREATE INDEX admin_events_actor ON admin_events (actor, at, id);
CREATE INDEX admin_events_target ON admin_events (target, at, id);
