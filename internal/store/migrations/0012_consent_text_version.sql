-- The wording a consent decision answered: the flow, its version, the
-- step, the language and a hash of the exact text shown (see
-- flow.TextVersion), so it can be shown which words a person agreed to.
-- Decisions recorded before this column existed have ''.
ALTER TABLE consents ADD COLUMN text_version TEXT NOT NULL DEFAULT '';
