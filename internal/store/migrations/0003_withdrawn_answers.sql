-- An answer whose question no longer applies (its `when` stopped holding
-- when the person changed another answer) is withdrawn: its value moves to
-- answer_history and the row stays, marked, so that the history stays
-- attached and answering again restores it. Current answers are the rows
-- with withdrawn_at NULL.
ALTER TABLE answers ADD COLUMN withdrawn_at TEXT;
