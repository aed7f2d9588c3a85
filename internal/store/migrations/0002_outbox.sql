-- The durable outbox of messages to send.

-- Messages waiting to be sent, written in the same transaction as the event
-- that caused them. A row is deleted once the channel accepted it.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    created_at TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT '',
    failed_at  TEXT
);
