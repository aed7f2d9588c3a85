-- Erasure: a person can be erased everywhere (/delete, assetbot forget,
-- retention), leaving what others achieved counted but naming nobody.

-- A referral outlives the person it credits: erasing them clears person_id
-- (the row names nobody) and the volunteer or inviter who brought them
-- keeps the count. brought (they brought someone) and finished (they went
-- through the whole flow) are kept on the row because, once the person is
-- gone, neither can be read from the people they brought or their own
-- row. Nothing references referrals, so the table is rebuilt in place.
CREATE TABLE referrals_new (
    id                 INTEGER PRIMARY KEY,
    person_id          INTEGER UNIQUE REFERENCES people (id) ON DELETE SET NULL,
    volunteer_id       INTEGER REFERENCES volunteers (id),
    referrer_person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    root_volunteer_id  INTEGER REFERENCES volunteers (id),
    generation         INTEGER NOT NULL,
    at                 TEXT    NOT NULL,
    brought            INTEGER NOT NULL DEFAULT 0,
    -- Set when the person is erased: whether they had finished.
    finished           INTEGER NOT NULL DEFAULT 0
);
INSERT INTO referrals_new (person_id, volunteer_id, referrer_person_id, root_volunteer_id, generation, at, brought)
    SELECT r.person_id, r.volunteer_id, r.referrer_person_id, r.root_volunteer_id, r.generation, r.at,
        EXISTS (SELECT 1 FROM referrals b WHERE b.referrer_person_id = r.person_id)
    FROM referrals r ORDER BY r.person_id;
DROP TABLE referrals;
ALTER TABLE referrals_new RENAME TO referrals;
CREATE INDEX referrals_volunteer ON referrals (volunteer_id) WHERE volunteer_id IS NOT NULL;
CREATE INDEX referrals_referrer ON referrals (referrer_person_id) WHERE referrer_person_id IS NOT NULL;
CREATE INDEX referrals_root ON referrals (root_volunteer_id, generation) WHERE root_volunteer_id IS NOT NULL;

-- The next id a new person may take. SQLite gives a new row the highest id
-- plus one, so erasing the newest person would hand their id to the next
-- one, and an organiser's old Introduce button, an export's person_id or a
-- reminder's button would then point at someone else. Erasure raises this
-- floor past every id given so far; it holds the next id, never one a
-- person had.
CREATE TABLE id_floor (
    name TEXT PRIMARY KEY,
    next INTEGER NOT NULL
) WITHOUT ROWID;

-- Erasing a person finds what they added or changed, removed assets
-- included, and SQLite follows every reference to their row when it goes
-- (setting it NULL, or deleting what cascades). Without an index on each
-- referring column each of those is a scan of the whole table: about 50 ms
-- an erasure among 100,000 people and 20,000 assets (BenchmarkErase).
-- Partial indexes stay small: most rows refer to nobody.
DROP INDEX assets_added_by;
CREATE INDEX assets_added_by ON assets (added_by) WHERE added_by IS NOT NULL;
CREATE INDEX assets_changed_by ON assets (changed_by) WHERE changed_by IS NOT NULL;
CREATE INDEX asset_history_changed_by ON asset_history (changed_by) WHERE changed_by IS NOT NULL;
CREATE INDEX links_recorded_by ON links (recorded_by) WHERE recorded_by IS NOT NULL;
CREATE INDEX introductions_person ON introductions (person_id);
