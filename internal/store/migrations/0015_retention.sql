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

-- Deleting them is quick because migration 13 indexes every column that
-- refers to a person.
