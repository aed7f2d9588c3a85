-- People who talk to the bot, on any channel. first_name is kept only with
-- consent; a refusal leaves the row with the channel id and the refusal.
CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    channel         TEXT    NOT NULL,
    channel_user_id TEXT    NOT NULL,
    first_name      TEXT    NOT NULL DEFAULT '',
    language        TEXT    NOT NULL DEFAULT 'en',
    reachable       INTEGER NOT NULL DEFAULT 1,
    reminders       INTEGER NOT NULL DEFAULT 1,
    -- revision counts changes to the person's conversation, answers and
    -- consents, so a copy of them held in memory can tell it is stale.
    revision        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (channel, channel_user_id)
);

-- Consent given or refused, per purpose; append-only, the latest row wins.
CREATE TABLE consents (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL,
    granted      INTEGER NOT NULL,
    flow         TEXT    NOT NULL,
    flow_version INTEGER NOT NULL,
    at           TEXT    NOT NULL
);
CREATE INDEX consents_person ON consents (person_id, purpose, id);

-- Where each person is in their conversation. state is the conversation's
-- JSON state; flow, status and updated_at are columns so reminders can find
-- unfinished conversations without reading the JSON. (The index they will
-- need comes with them: every index here is written on each input.)
CREATE TABLE conversations (
    person_id  INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    flow       TEXT NOT NULL,
    status     TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The latest answer per person, flow and stable answer key.
CREATE TABLE answers (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    flow         TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    value        TEXT    NOT NULL,
    flow_version INTEGER NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    confirmed_at TEXT    NOT NULL,
    UNIQUE (person_id, flow, key)
);

-- Earlier values of an answer: what it was, from when, until when.
CREATE TABLE answer_history (
    id           INTEGER PRIMARY KEY,
    answer_id    INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    value        TEXT    NOT NULL,
    flow_version INTEGER NOT NULL,
    valid_from   TEXT    NOT NULL,
    replaced_at  TEXT    NOT NULL
);
CREATE INDEX answer_history_answer ON answer_history (answer_id);

-- Inbound events already applied, so a redelivered one changes nothing.
-- Pruning by age scans the table: it runs rarely, inserts run constantly.
CREATE TABLE processed_events (
    source   TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (source, event_id)
) WITHOUT ROWID;
