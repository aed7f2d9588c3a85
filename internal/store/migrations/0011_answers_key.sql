-- The current answers to one question (flow and answer key), for the
-- digest's counts of the options given and the areas named: without it
-- each count reads every answer of every question.
CREATE INDEX answers_key ON answers (flow, key) WHERE withdrawn_at IS NULL;
