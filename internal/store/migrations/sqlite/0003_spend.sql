-- Spend: one row per UTC day, key, user, team and model, added to as settled charges are flushed.
-- '' stands for "none" in the id columns (they are part of the primary key, so never NULL). No
-- foreign keys: spend outlives the keys, users and teams it was charged to.

CREATE TABLE spend_daily (
    day                TEXT NOT NULL CHECK (length(day) = 10), -- 'YYYY-MM-DD', UTC
    key_id             TEXT NOT NULL DEFAULT '',
    user_id            TEXT NOT NULL DEFAULT '',
    team_id            TEXT NOT NULL DEFAULT '',
    model              TEXT NOT NULL DEFAULT '',
    requests           INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
    prompt_tokens      INTEGER NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    cost               REAL NOT NULL DEFAULT 0 CHECK (cost >= 0),
    estimated_requests INTEGER NOT NULL DEFAULT 0 CHECK (estimated_requests >= 0),
    PRIMARY KEY (day, key_id, user_id, team_id, model)
) STRICT;
-- Spend in a period at one level (SpendSince) and reports filtered by one id.
CREATE INDEX spend_daily_key ON spend_daily (key_id, day);
CREATE INDEX spend_daily_user ON spend_daily (user_id, day);
CREATE INDEX spend_daily_team ON spend_daily (team_id, day);
CREATE INDEX spend_daily_model ON spend_daily (model, day);
