-- Introductions: an organiser asks, through the bot, to be put in touch
-- with a person found on the map. The person is sent the organiser's
-- message and either shares their Telegram with the organiser or declines;
-- the organiser learns only the answer, and the person's profile only on a
-- share. A row with no message is one the organiser is still writing.
CREATE TABLE introductions (
    id                INTEGER PRIMARY KEY,
    organiser_user_id INTEGER NOT NULL,
    person_id         INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    message           TEXT,
    created_at        TEXT    NOT NULL,
    answered_at       TEXT,
    shared            INTEGER NOT NULL DEFAULT 0
);
-- An organiser's draft is looked up on each text they send.
CREATE INDEX introductions_drafts ON introductions (organiser_user_id) WHERE message IS NULL;
