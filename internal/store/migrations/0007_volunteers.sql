-- Volunteers and referrals: personal deep links and who brought whom.

-- A volunteer's status: 'active' links attribute; 'paused' and 'removed'
-- ones still start the bot but attribute nothing. Rows are kept on removal
-- so the people they brought stay counted.
CREATE TABLE volunteers (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'removed')),
    -- The volunteer's own Telegram user id, once known.
    telegram_user_id TEXT    UNIQUE,
    created_at       TEXT    NOT NULL
);

-- Who brought each person, first touch only: a volunteer directly
-- (generation 1) or another person (their generation + 1, 1 if that person
-- came with no link). root_volunteer_id is the volunteer at the head of the
-- chain; NULL when the chain starts with a person who came with no link.
CREATE TABLE referrals (
    person_id          INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    volunteer_id       INTEGER REFERENCES volunteers (id),
    referrer_person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    root_volunteer_id  INTEGER REFERENCES volunteers (id),
    generation         INTEGER NOT NULL,
    at                 TEXT    NOT NULL
);
CREATE INDEX referrals_volunteer ON referrals (volunteer_id) WHERE volunteer_id IS NOT NULL;
CREATE INDEX referrals_referrer ON referrals (referrer_person_id) WHERE referrer_person_id IS NOT NULL;
CREATE INDEX referrals_root ON referrals (root_volunteer_id, generation) WHERE root_volunteer_id IS NOT NULL;

-- A resident's own invitation code, made when first asked for. (SQLite
-- cannot add a UNIQUE column, hence the index.)
ALTER TABLE people ADD COLUMN invite_code TEXT;
CREATE UNIQUE INDEX people_invite_code ON people (invite_code) WHERE invite_code IS NOT NULL;

-- What the bot learned about itself, such as its username from getMe, for
-- commands run while it is not running.
CREATE TABLE bot_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
