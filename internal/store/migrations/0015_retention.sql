-- Retention: people who never finished and went quiet are deleted after
-- privacy.unfinished_retention; stale entries privacy.stale_retention
-- after they went stale, once warned. The warning is a reminder of kind
-- 'retention' (its about is the stale_at it warns of), so it needs no
-- table of its own. These indexes let each run read only the people who
-- may be due, in pages, at 100,000 people.

-- People who never went through their entry, by when their row last
-- changed: the first filter on "did not come back".
CREATE INDEX people_unfinished ON people (updated_at) WHERE confirmed_at IS NULL;

-- Stale entries by when they went stale.
CREATE INDEX people_stale ON people (stale_at) WHERE stale_at IS NOT NULL;

-- Deleting a person makes SQLite find every row that refers to them (to
-- cascade or set NULL). Without an index on the referring column it reads
-- the whole table, for each person: at 100,000 people, 5,000 assets and
-- 20,000 links that made a deletion cost about 5 ms of CPU instead of under
-- 1. (assets_added_by leaves out removed assets, so it cannot serve.) IF NOT
-- EXISTS: erasure (issue 18) deletes people too and may add the same.
CREATE INDEX IF NOT EXISTS links_recorded_by ON links (recorded_by) WHERE recorded_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS assets_added_by_any ON assets (added_by) WHERE added_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS assets_changed_by ON assets (changed_by) WHERE changed_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS asset_history_changed_by ON asset_history (changed_by) WHERE changed_by IS NOT NULL;
CREATE INDEX IF NOT EXISTS introductions_person ON introductions (person_id);
