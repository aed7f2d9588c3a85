package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// What exports read. Each reader walks its rows in one ordered pass and
// hands them over one at a time, so an export of 100,000 people holds one
// of them in memory, not all. Only people whose latest decision on the
// consent purpose is consent are ever handed over or named.

// Record is a person with their consent and latest answers in one flow.
type Record struct {
	Person    Person
	ConsentAt time.Time
	Answers   []StoredAnswer
	// Freshness is when the whole entry was last confirmed, and when it
	// went stale.
	Freshness EntryFreshness
}

// latestConsent joins each person p to their latest decision c on the
// purpose bound as ?1; c.granted = 1 keeps those who consented.
const latestConsent = `people p JOIN consents c ON c.id = (SELECT MAX(id) FROM consents WHERE person_id = p.id AND purpose = ?1)`

// consenting is the SQL for the ids of the people who consented to the
// purpose bound as ?1. Not correlated, so SQLite reads it once a query.
const consenting = `SELECT p.id FROM ` + latestConsent + ` WHERE c.granted = 1`

// consentedPerson is an SQL expression: 1 when column col holds a person
// who consented, 0 when it holds someone else or nobody.
func consentedPerson(col string) string {
	return `IFNULL(` + col + ` IN (` + consenting + `), 0)`
}

// withTail scans the columns row's scanner reads, then the columns tail.
func withTail(row interface{ Scan(...any) error }, tail ...any) interface{ Scan(...any) error } {
	for i := len(tail) - 1; i >= 0; i-- {
		row = scanTail{row, tail[i]}
	}
	return row
}

// ConsentedKeys returns the keys of the current answers in flowID of the
// people who consented to purpose, in the order they were first given (by
// person, then answer): the columns a table of them needs, known before
// the first row.
func (s *Store) ConsentedKeys(ctx context.Context, flowID, purpose string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key FROM (
			SELECT key, person_id, id, ROW_NUMBER() OVER (PARTITION BY key ORDER BY person_id, id) AS n FROM answers
			WHERE flow = ?2 AND withdrawn_at IS NULL AND person_id IN (`+consenting+`))
		WHERE n = 1 ORDER BY person_id, id`, purpose, flowID)
	return texts(rows, err, "read answer keys")
}

// texts reads a query's rows of one text column; what says what it read.
func texts(rows *sql.Rows, err error, what string) ([]string, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// ConsentedTexts counts the current answers to key in flowID of the
// people whose latest decision on purpose is consent, by their text (as
// given: the caller folds case). One GROUP BY by the (flow, key) index, so
// counting by area does not read every answer of every person.
func (s *Store) ConsentedTexts(ctx context.Context, flowID, purpose, key string) ([]TextCount, error) {
	return collect(ctx, s.db, "count consented answers by text", func(r *sql.Rows) (TextCount, error) {
		var t TextCount
		return t, r.Scan(&t.Text, &t.Count)
	}, `SELECT IFNULL(value ->> '$.text', ''), COUNT(*) FROM answers
		WHERE flow = ?2 AND key = ?3 AND withdrawn_at IS NULL AND person_id IN (`+consenting+`) GROUP BY 1`, purpose, flowID, key)
}

// ConsentedEach calls fn, in order of joining, for each person whose
// latest decision on purpose is consent, with their latest answers in
// flowID. It reads people and answers side by side, both ordered by
// person, so it holds one person's answers at a time.
func (s *Store) ConsentedEach(ctx context.Context, flowID, purpose string, fn func(Record) error) error {
	// Two cursors, each on its own connection, read in step.
	answers, err := s.db.QueryContext(ctx, `SELECT person_id, `+answerColumns+` FROM answers WHERE flow = ? AND withdrawn_at IS NULL ORDER BY person_id, id`, flowID)
	if err != nil {
		return fmt.Errorf("read answers: %w", err)
	}
	defer answers.Close()
	next := answerCursor{rows: answers}
	if err := next.advance(); err != nil {
		return err
	}
	return s.ConsentedPeople(ctx, purpose, func(r Record) error {
		// Answers of people not exported (they did not consent) are passed over.
		for next.ok && next.personID < r.Person.ID {
			if err := next.advance(); err != nil {
				return err
			}
		}
		for next.ok && next.personID == r.Person.ID {
			r.Answers = append(r.Answers, next.answer)
			if err := next.advance(); err != nil {
				return err
			}
		}
		return fn(r)
	})
}

// ConsentedPeople calls fn, in order of joining, for each person whose
// latest decision on purpose is consent, without their answers: for an
// export that names people but shows none of their answers, reading them
// would be most of its work.
func (s *Store) ConsentedPeople(ctx context.Context, purpose string, fn func(Record) error) error {
	people, err := s.db.QueryContext(ctx, `SELECT `+"p."+strings.ReplaceAll(personColumns, ", ", ", p.")+`, c.at, p.confirmed_at, p.stale_at FROM `+latestConsent+`
		WHERE c.granted = 1 ORDER BY p.id`, purpose)
	if err != nil {
		return fmt.Errorf("read consented people: %w", err)
	}
	defer people.Close()
	for people.Next() {
		var r Record
		if err := people.Scan(append(personFields(&r.Person), (*sqlTime)(&r.ConsentAt), (*nullTime)(&r.Freshness.ConfirmedAt), (*nullTime)(&r.Freshness.StaleAt))...); err != nil {
			return fmt.Errorf("read consented people: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := people.Err(); err != nil {
		return fmt.Errorf("read consented people: %w", err)
	}
	return nil
}

// answerCursor is a read of answers ordered by person, one row ahead.
type answerCursor struct {
	rows     *sql.Rows
	ok       bool // whether personID and answer hold a row
	personID int64
	answer   StoredAnswer
}

// advance reads the next row; ok is false once there are no more.
func (c *answerCursor) advance() error {
	if c.ok = c.rows.Next(); !c.ok {
		if err := c.rows.Err(); err != nil {
			return fmt.Errorf("read answers: %w", err)
		}
		return nil
	}
	a, err := scanAnswer(c.rows, &c.personID)
	if err != nil {
		return fmt.Errorf("read answers: %w", err)
	}
	c.answer = a
	return nil
}

// Consented returns what ConsentedEach reads, all at once: for small
// sets only (checks and tests); exports stream with ConsentedEach.
func (s *Store) Consented(ctx context.Context, flowID, purpose string) ([]Record, error) {
	var records []Record
	err := s.ConsentedEach(ctx, flowID, purpose, func(r Record) error {
		records = append(records, r)
		return nil
	})
	return records, err
}

// ConsentedAssets calls fn for every asset on the map of kind (every kind
// when kind is ""), in the order they were added. AddedBy and ChangedBy
// are kept only for people who consented to purpose: 0 for anyone else.
func (s *Store) ConsentedAssets(ctx context.Context, kind, purpose string, fn func(Asset) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+assetColumns+`, `+consentedPerson("added_by")+`, `+consentedPerson("changed_by")+` FROM assets
		WHERE removed_at IS NULL AND (?2 = '' OR kind = ?2) ORDER BY id`, purpose, kind)
	if err != nil {
		return fmt.Errorf("read assets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var addedOK, changedOK bool
		a, err := scanAsset(withTail(rows, &addedOK, &changedOK))
		if err != nil {
			return fmt.Errorf("read assets: %w", err)
		}
		if !addedOK {
			a.AddedBy = 0
		}
		if !changedOK {
			a.ChangedBy = 0
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read assets: %w", err)
	}
	return nil
}

// NamedLink is a link with the names of its ends: an asset's name, or a
// person's first name.
type NamedLink struct {
	Link
	FromName, ToName string
}

// ConsentedLinks calls fn for every link whose ends are assets on the map
// or people who consented to purpose, oldest first. A link with an end at
// anyone else is left out entirely; RecordedBy is kept only for someone
// who consented (0 otherwise).
func (s *Store) ConsentedLinks(ctx context.Context, purpose string, fn func(NamedLink) error) error {
	end := func(personCol, assetCol string) string {
		return `(` + personCol + ` IS NULL OR ` + consentedPerson(personCol) + `) AND (` + assetCol + ` IS NULL OR ` + assetCol + ` IN (SELECT id FROM assets WHERE removed_at IS NULL))`
	}
	name := func(personCol, assetCol string) string {
		return `COALESCE((SELECT first_name FROM people WHERE id = ` + personCol + `), (SELECT name FROM assets WHERE id = ` + assetCol + `), '')`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+linkColumns+`, `+consentedPerson("recorded_by")+`, `+name("from_person", "from_asset")+`, `+name("to_person", "to_asset")+`
		FROM links WHERE `+end("from_person", "from_asset")+` AND `+end("to_person", "to_asset")+` ORDER BY id`, purpose)
	if err != nil {
		return fmt.Errorf("read links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var recordedOK bool
		var l NamedLink
		l.Link, err = scanLink(withTail(rows, &recordedOK, &l.FromName, &l.ToName))
		if err != nil {
			return fmt.Errorf("read links: %w", err)
		}
		if !recordedOK {
			l.RecordedBy = 0
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read links: %w", err)
	}
	return nil
}

// AssetKeys returns, sorted, the keys of the fields of the assets of kind
// on the map: with the kind's flow, the columns a table of them needs.
func (s *Store) AssetKeys(ctx context.Context, kind string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT j.key FROM assets a, json_each(a.fields) j
		WHERE a.removed_at IS NULL AND a.kind = ? ORDER BY j.key`, kind)
	return texts(rows, err, "read field keys of "+kind)
}
