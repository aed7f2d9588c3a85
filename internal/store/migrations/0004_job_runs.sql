-- The last run of each scheduled job, so that a run missed while the bot
-- was down is made up once at start-up, and `assetbot reminders` can say
-- when each job last ran and what it did.
CREATE TABLE job_runs (
    job         TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    result      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
