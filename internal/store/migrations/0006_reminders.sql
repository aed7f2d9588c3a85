-- Reminders: nudges for unfinished conversations and "still true?" refreshes.

-- When the person last went through or confirmed their whole entry, and
-- when it went stale (a refresh went unanswered). A change of one answer
-- moves neither.
ALTER TABLE people ADD COLUMN confirmed_at TEXT;
ALTER TABLE people ADD COLUMN stale_at TEXT;
UPDATE people SET confirmed_at = (SELECT MIN(a.confirmed_at) FROM answers a WHERE a.person_id = people.id AND a.withdrawn_at IS NULL);
CREATE INDEX people_confirmed ON people (confirmed_at) WHERE confirmed_at IS NOT NULL;

-- Unfinished conversations by the time of the person's last input.
CREATE INDEX conversations_unfinished ON conversations (updated_at) WHERE status IN ('active', 'paused');

-- Scheduled messages, planned once each: the unique key names what a
-- reminder is about (a nudge: the pause and its number; a refresh: the
-- confirmation it asks about), so a run repeated after a crash plans
-- nothing twice. A reminder is settled in the transaction that queues its
-- message, so it is never sent twice either.
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    about      TEXT    NOT NULL,
    planned_at TEXT    NOT NULL,
    due_at     TEXT    NOT NULL,
    sent_at    TEXT,
    -- '' while due; 'sent', or why it was not sent.
    outcome    TEXT    NOT NULL DEFAULT '',
    -- A sent refresh is closed once it is known whether it was answered
    -- (the entry was confirmed since, or went stale), so that each run
    -- looks only at the refreshes still open.
    closed     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (person_id, kind, about)
);
CREATE INDEX reminders_due ON reminders (due_at) WHERE outcome = '';
-- The last confirmation planned for: the next run plans from there.
CREATE INDEX reminders_planned ON reminders (kind, about, person_id);
CREATE INDEX reminders_open ON reminders (sent_at) WHERE kind = 'refresh' AND outcome = 'sent' AND closed = 0;
CREATE INDEX reminders_sent ON reminders (person_id, sent_at) WHERE sent_at IS NOT NULL;

-- Messages the bot sends first (reminders) wait behind the replies to
-- people's own messages, and a running bot finds those queued by a job or
-- another process by id: ids must only grow, even once the outbox has
-- emptied, so the table is rebuilt with AUTOINCREMENT.
CREATE TABLE outbox_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id    INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    created_at TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT '',
    failed_at  TEXT,
    scheduled  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_new (id, chat_id, kind, payload, created_at, attempts, last_error, failed_at)
    SELECT id, chat_id, kind, payload, created_at, attempts, last_error, failed_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_scheduled ON outbox (id) WHERE scheduled = 1 AND failed_at IS NULL;
