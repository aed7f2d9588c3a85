-- The audit of organisers' reads of personal data: who read (an
-- organiser's Telegram user id, or "cli" for a command run on the host),
-- what (the action, how many people's data it disclosed, and a detail that
-- names nobody) and when. Rows are kept for good: they are the record that
-- shows residents' data was used as they agreed, so neither retention nor
-- erasure removes them, and they hold nothing about a resident.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT    NOT NULL,
    who    TEXT    NOT NULL,
    action TEXT    NOT NULL,
    people INTEGER NOT NULL DEFAULT 0,
    detail TEXT    NOT NULL DEFAULT ''
);
-- `assetbot audit --since` reads the newest rows.
CREATE INDEX audit_at ON audit (at);
