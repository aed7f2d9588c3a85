-- Refreshes of assets: months after an asset on the map was last
-- confirmed, the person who last changed it (or added it) is asked whether
-- it is still right, as people are asked about their own entries.

-- The asset a refresh of an asset is about (NULL for every other
-- reminder). Its about names the confirmation and the asset, so that each
-- confirmation of each asset is asked about once.
ALTER TABLE reminders ADD COLUMN asset_id INTEGER REFERENCES assets (id) ON DELETE CASCADE;

-- Refreshes sent and not yet closed, of either kind: each run looks only
-- at those. It replaces reminders_open, which SQLite never used: that
-- names the kind and outcome as literals, and the queries bind them as
-- parameters.
CREATE INDEX reminders_unclosed ON reminders (kind, outcome, sent_at) WHERE closed = 0;
DROP INDEX reminders_open;
