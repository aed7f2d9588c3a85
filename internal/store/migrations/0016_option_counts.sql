-- How many current answers to each question (flow and answer key) give
-- each option id: the choices of a multi answer, or the choice of a choice
-- answer. Triggers keep it as answers are saved, withdrawn and deleted, so
-- the digest's options given most read these few rows instead of grouping
-- every answer to every choice question (0.6 s at 100,000 people). A value
-- that is not JSON is left out rather than failing the write.
--
-- An answer's options are the rows of
--   SELECT IFNULL(o.value, v ->> '$.choice') AS opt FROM (SELECT 1)
--   LEFT JOIN json_each(v, '$.choices') o WHERE opt IS NOT NULL
-- (one per choice, repeats counted), written out in each trigger below.
-- option has no type, so that it keeps whatever JSON type the id has.
CREATE TABLE option_counts (
    flow   TEXT    NOT NULL,
    key    TEXT    NOT NULL,
    option         NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (flow, key, option)
) WITHOUT ROWID;

INSERT INTO option_counts (flow, key, option, n)
SELECT a.flow, a.key, IFNULL(o.value, a.value ->> '$.choice') AS opt, COUNT(*) FROM answers a
LEFT JOIN json_each(a.value, '$.choices') o
WHERE a.withdrawn_at IS NULL AND json_valid(a.value) AND opt IS NOT NULL
GROUP BY a.flow, a.key, opt;

CREATE TRIGGER option_counts_insert AFTER INSERT ON answers
WHEN NEW.withdrawn_at IS NULL AND json_valid(NEW.value)
BEGIN
    INSERT INTO option_counts (flow, key, option, n)
    SELECT NEW.flow, NEW.key, IFNULL(o.value, NEW.value ->> '$.choice') AS opt, 1 FROM (SELECT 1)
    LEFT JOIN json_each(NEW.value, '$.choices') o WHERE opt IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER option_counts_delete AFTER DELETE ON answers
WHEN OLD.withdrawn_at IS NULL AND json_valid(OLD.value)
BEGIN
    UPDATE option_counts SET n = n - (SELECT COUNT(*) FROM (SELECT 1)
        LEFT JOIN json_each(OLD.value, '$.choices') o WHERE IFNULL(o.value, OLD.value ->> '$.choice') = option_counts.option)
    WHERE flow = OLD.flow AND key = OLD.key;
    DELETE FROM option_counts WHERE flow = OLD.flow AND key = OLD.key AND n = 0;
END;

-- A change of value, or a withdrawal or its undoing, takes the old
-- answer's options off and puts the new one's on.
CREATE TRIGGER option_counts_update AFTER UPDATE OF flow, key, value, withdrawn_at ON answers
BEGIN
    UPDATE option_counts SET n = n - (SELECT COUNT(*) FROM (SELECT 1)
        LEFT JOIN json_each(OLD.value, '$.choices') o WHERE IFNULL(o.value, OLD.value ->> '$.choice') = option_counts.option)
    WHERE flow = OLD.flow AND key = OLD.key AND OLD.withdrawn_at IS NULL AND json_valid(OLD.value);
    DELETE FROM option_counts WHERE flow = OLD.flow AND key = OLD.key AND n = 0;
    INSERT INTO option_counts (flow, key, option, n)
    SELECT NEW.flow, NEW.key, IFNULL(o.value, NEW.value ->> '$.choice') AS opt, 1 FROM (SELECT 1)
    LEFT JOIN json_each(NEW.value, '$.choices') o WHERE NEW.withdrawn_at IS NULL AND json_valid(NEW.value) AND opt IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
