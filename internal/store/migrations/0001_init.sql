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

-- Where each person is in their conversation. state is the flow engine's
-- JSON state; flow, status and updated_at are columns so reminders can find
-- unfinished conversations without reading the JSON.
CREATE TABLE conversations (
    person_id  INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    flow       TEXT NOT NULL,
    status     TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX conversations_status ON conversations (status, updated_at);

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
CREATE INDEX answers_confirmed ON answers (confirmed_at);

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
CREATE TABLE processed_events (
    source   TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (source, event_id)
) WITHOUT ROWID;
CREATE INDEX processed_events_at ON processed_events (at);
