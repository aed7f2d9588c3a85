package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
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

// consentedPerson is an SQL expression: 1 when column col holds a person
// whose latest decision on the purpose bound as ?1 is consent, 0 when it
// holds someone else or nobody. It looks up each row's person with one
// seek in the consents index, so a query costs what it reads, where a
// list of the people who consented would first find every one of them (a
// fifth of a second at 100,000 people, each time it is used).
func consentedPerson(col string) string {
	return `IFNULL((SELECT c.granted FROM consents c WHERE c.person_id = ` + col + ` AND c.purpose = ?1 ORDER BY c.id DESC LIMIT 1), 0)`
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
// the first row. It finds the few keys there are in the (flow, key) index,
// then each one's first consenting giver by walking the people in order,
// which for the keys nearly everyone gives stops at the first person.
func (s *Store) ConsentedKeys(ctx context.Context, flowID, purpose string) ([]string, error) {
	keys, err := collect(ctx, s.db, "read answer keys", scanText, distinctKeysSQL, flowID)
	if err != nil {
		return nil, err
	}
	type first struct {
		key            string
		person, answer int64
	}
	var found []first
	for from := int64(math.MinInt64); len(keys) > 0; {
		var f first
		err := s.db.QueryRowContext(ctx, firstGiverSQL, purpose, flowID, jsonList(keys), from).Scan(&f.key, &f.person, &f.answer)
		if errors.Is(err, sql.ErrNoRows) {
			break // the keys left were given only by people who did not consent
		}
		if err != nil {
			return nil, fmt.Errorf("read answer keys: %w", err)
		}
		found = append(found, f)
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == f.key })
		from = f.person
	}
	slices.SortFunc(found, func(a, b first) int { return cmp.Or(cmp.Compare(a.person, b.person), cmp.Compare(a.answer, b.answer)) })
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.key
	}
	return out, nil
}

// distinctKeysSQL lists the keys of the current answers in the flow bound
// as ?1, each found with one seek in the (flow, key) index from the one
// before: there are a few dozen keys and millions of answers.
const distinctKeysSQL = `WITH RECURSIVE k(key) AS (
		SELECT MIN(key) FROM answers WHERE flow = ?1 AND withdrawn_at IS NULL
		UNION ALL SELECT (SELECT MIN(key) FROM answers WHERE flow = ?1 AND withdrawn_at IS NULL AND key > k.key) FROM k WHERE k.key IS NOT NULL)
	SELECT key FROM k WHERE key IS NOT NULL`

// firstGiverSQL finds, among the current answers in the flow bound as ?2
// to the keys in the JSON list ?3 of people from id ?4 on, the first
// person's who consented to the purpose ?1: key, person and answer id. It
// walks the (person, flow, key) index in person order, so that it stops
// at the first such person; the hints (+) keep SQLite from taking the
// (flow, key) index and sorting every answer to the keys instead.
var firstGiverSQL = `SELECT a.key, a.person_id, a.id FROM answers a
	WHERE a.person_id >= ?4 AND +a.flow = ?2 AND +a.key IN (SELECT value FROM json_each(?3)) AND a.withdrawn_at IS NULL
		AND ` + consentedPerson("a.person_id") + `
	ORDER BY a.person_id LIMIT 1`

// scanText scans a row of one text column.
func scanText(rows *sql.Rows) (string, error) {
	var s string
	return s, rows.Scan(&s)
}

// ConsentedTexts counts the people whose latest decision on purpose is
// consent by the text of their current answer to key in flowID (as given:
// the caller folds case); those who gave none, or one without text, are
// counted under "". The counts add up to everyone who consented, all read
// at one time. Each person's answer is one seek in the (person, flow, key)
// index, so counting by area does not read every answer of every person.
func (s *Store) ConsentedTexts(ctx context.Context, flowID, purpose, key string) ([]TextCount, error) {
	return collect(ctx, s.db, "count consented answers by text", func(r *sql.Rows) (TextCount, error) {
		var t TextCount
		return t, r.Scan(&t.Text, &t.Count)
	}, `SELECT IFNULL(a.value ->> '$.text', ''), COUNT(*) FROM `+latestConsent+`
		LEFT JOIN answers a ON a.person_id = p.id AND a.flow = ?2 AND a.key = ?3 AND a.withdrawn_at IS NULL
		WHERE c.granted = 1 GROUP BY 1`, purpose, flowID, key)
}

// ConsentedEach calls fn, in order of joining, for each person whose
// latest decision on purpose is consent, with their latest answers in
// flowID in the order given. It holds one person's answers at a time (and
// a few people read ahead), so its memory does not grow with the map: the
// list of answers fn is given is filled again for the next person once fn
// returns, so fn copies what it keeps of it.
func (s *Store) ConsentedEach(ctx context.Context, flowID, purpose string, fn func(Record) error) error {
	return s.consented(ctx, answerQuery{flow: flowID, full: true}, purpose, fn)
}

// ConsentedValues is ConsentedEach for readers that need of each answer
// only its Key, Value and ConfirmedAt: its other fields are left zero.
// Reading less of each of millions of answers saves a good part of an
// export's time.
func (s *Store) ConsentedValues(ctx context.Context, flowID, purpose string, fn func(Record) error) error {
	return s.consented(ctx, answerQuery{flow: flowID}, purpose, fn)
}

// readAhead is how many people a reader of everyone's answers reads ahead
// of the function it hands them to.
const readAhead = 64

// personAnswers are a person's answers as answersByPerson reads them.
type personAnswers struct {
	personID int64
	framed   string
}

// consented is ConsentedEach reading answers with q. The consenting people
// and their answers are read on goroutines of their own, each on its own
// connection and in order of person, while this one matches them up,
// parses and decodes the answers and runs fn: SQLite's part of an export
// is about half its work, which this way runs beside the rest. (Reading
// the answers in two shards, side by side, made the JSON export slower on
// two cores: each shard walks the whole index, and the cores were busy.)
func (s *Store) consented(ctx context.Context, q answerQuery, purpose string, fn func(Record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	people := startReader(ctx, func(send func(Record) error) error {
		return s.ConsentedPeople(ctx, purpose, send)
	})
	answers := startReader(ctx, func(send func(personAnswers) error) error {
		return s.readAnswers(ctx, q, send)
	})
	// However this returns (fn failed, or panicked), the readers end first.
	defer func() {
		cancel()
		people.drain()
		answers.drain()
	}()
	var head personAnswers // the answers read last
	// One list of rows and one of answers for everyone: new ones each
	// would be a quarter of an export's allocations, and its collections.
	var rows []answerRow
	var answered []StoredAnswer
	for {
		r, ok, err := people.next()
		if !ok || err != nil {
			return err
		}
		// What was read ahead is not handed over once ctx ends.
		if err := ctx.Err(); err != nil {
			return err
		}
		// Answers of people not exported (they did not consent) are passed
		// over undecoded.
		for head.personID < r.Person.ID {
			next, ok, err := answers.next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			head = next
		}
		framed := ""
		if head.personID == r.Person.ID {
			framed = head.framed
		}
		if rows, err = q.parse(framed, rows[:0]); err != nil {
			return fmt.Errorf("read answers of %d: %w", r.Person.ID, err)
		}
		// The index gives them by key.
		slices.SortFunc(rows, func(a, b answerRow) int { return cmp.Compare(a.id, b.id) })
		answered = slices.Grow(answered[:0], len(rows))[:len(rows)]
		r.Answers = answered
		for i, row := range rows {
			if r.Answers[i], err = q.decode(row); err != nil {
				return fmt.Errorf("read answers of %d: %w", r.Person.ID, err)
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// readAnswers calls send with each person's answers, in order of person.
func (s *Store) readAnswers(ctx context.Context, q answerQuery, send func(personAnswers) error) error {
	query := valuesSQL
	if q.full {
		query = answersSQL
	}
	return each(ctx, s.db, "read answers", func(rows *sql.Rows) (personAnswers, error) {
		var p personAnswers
		return p, rows.Scan(&p.personID, &p.framed)
	}, send, query, q.flow)
}

// reader is what a goroutine reads, readAhead ahead of the one that takes
// it.
type reader[T any] struct {
	items chan T
	err   error // why reading stopped, once items is closed
}

// startReader runs read on a goroutine of its own, each item it sends
// taken with next, until it returns or ctx ends.
func startReader[T any](ctx context.Context, read func(send func(T) error) error) *reader[T] {
	r := &reader[T]{items: make(chan T, readAhead)}
	go func() {
		r.err = read(func(item T) error {
			select {
			case r.items <- item:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(r.items)
	}()
	return r
}

// next returns the next item read; ok is false once there are none left,
// and err says why, if reading failed.
func (r *reader[T]) next() (item T, ok bool, err error) {
	if item, ok = <-r.items; !ok {
		err = r.err
	}
	return item, ok, err
}

// drain waits for the reader, its context ended, to stop.
func (r *reader[T]) drain() {
	for range r.items {
	}
}

// answersSQL and valuesSQL read the current answers in the flow bound as
// ?1: all of each answer's columns that StoredAnswer holds, or only those
// ConsentedValues fills.
var (
	answersSQL = answersByPerson(valueColumns + 1 + fullColumns)
	valuesSQL  = answersByPerson(valueColumns + 1)
)

// The columns of an answer answerQuery reads: its id, then valueColumns
// (key, value, confirmed_at), then in a full read fullColumns.
const (
	valueColumns = 3
	fullColumns  = 4
)

// answersByPerson is SQL that reads the current answers in the flow bound
// as ?1, one row for each person who has any, in order of person: their
// id, and the first n of the columns answerQuery reads of each answer,
// all in one text. Each answer is its columns other than the value, each
// followed by fieldSep, then the value's length in bytes, fieldSep and the
// value; the next answer follows at once. Only the value can hold any
// character (ids are numbers, keys and steps the flows' identifiers, times
// the store's own), so only it needs its length; lengths for every column
// cost SQLite 40% more (6 s against 3.9 s for the values at 100,000
// people). The rest is made by one printf, a third cheaper again than
// joining the columns with ||; the value is joined after it, since printf
// would end it at a NUL. One row a person rather than one an answer halves
// what reading costs at 2,000,000 answers. It walks the (person, flow, key) index, so
// within a person the answers come by key, and are put in order of id in
// Go: ORDER BY person_id, id would sort the millions of answers, or, by
// this index, every person's. The hint (+) keeps SQLite from taking the
// (flow, key) index, which would sort them all.
func answersByPerson(n int) string {
	cols := slices.Delete([]string{"id", "key", "value", "confirmed_at", "step", "flow_version", "created_at", "updated_at"}[:n], answerValue, answerValue+1)
	const valueLength = "octet_length(value)"
	cols = append(cols, valueLength)
	var format strings.Builder
	for _, c := range cols {
		verb := "%s"
		if c == "id" || c == "flow_version" || c == valueLength {
			verb = "%d"
		}
		format.WriteString(verb + fieldSep)
	}
	return `SELECT person_id, group_concat(printf('` + format.String() + `', ` + strings.Join(cols, ", ") + `) || value, '') FROM answers
	WHERE +flow = ?1 AND withdrawn_at IS NULL GROUP BY person_id ORDER BY person_id`
}

// fieldSep ends each column of an answer as answersByPerson frames it: the
// ASCII unit separator, which none of the columns but the value can hold.
const fieldSep = "\x1f"

// answerValue is the index of the value among the columns answerQuery
// reads of an answer.
const answerValue = 2

// ConsentedPeople calls fn, in order of joining, for each person whose
// latest decision on purpose is consent, without their answers: for an
// export that names people but shows none of their answers, reading them
// would be most of its work.
func (s *Store) ConsentedPeople(ctx context.Context, purpose string, fn func(Record) error) error {
	return each(ctx, s.db, "read consented people", func(rows *sql.Rows) (Record, error) {
		var r Record
		return r, rows.Scan(append(personFields(&r.Person), (*sqlTime)(&r.ConsentAt), (*nullTime)(&r.Freshness.ConfirmedAt), (*nullTime)(&r.Freshness.StaleAt))...)
	}, fn, `SELECT `+"p."+strings.ReplaceAll(personColumns, ", ", ", p.")+`, c.at, p.confirmed_at, p.stale_at FROM `+latestConsent+`
		WHERE c.granted = 1 ORDER BY p.id`, purpose)
}

// answerQuery is a read of the answers in flow with answersSQL (full) or
// valuesSQL.
type answerQuery struct {
	flow string
	full bool
}

// answerRow is an answer as read, its value and times not yet decoded;
// step, version, created and updated only in a full read.
type answerRow struct {
	id, version            int64
	key, value, confirmed  string
	step, created, updated string
}

// parse appends to rows the answers framed, as q read them.
func (c answerQuery) parse(framed string, rows []answerRow) ([]answerRow, error) {
	n := valueColumns + 1
	if c.full {
		n += fullColumns
	}
	var cols [valueColumns + 1 + fullColumns]string
	for s := framed; s != ""; {
		var ok bool
		for i := range n {
			if i == answerValue {
				continue
			}
			if cols[i], s, ok = strings.Cut(s, fieldSep); !ok {
				return rows, garbled(s)
			}
		}
		length, rest, ok := strings.Cut(s, fieldSep)
		size, err := strconv.Atoi(length)
		if !ok || err != nil || size < 0 || size > len(rest) {
			return rows, garbled(s)
		}
		cols[answerValue], s = rest[:size], rest[size:]
		r := answerRow{key: cols[1], value: cols[2], confirmed: cols[3], step: cols[4], created: cols[6], updated: cols[7]}
		if r.id, err = strconv.ParseInt(cols[0], 10, 64); err != nil {
			return rows, fmt.Errorf("answers as read: id: %w", err)
		}
		if c.full {
			if r.version, err = strconv.ParseInt(cols[5], 10, 64); err != nil {
				return rows, fmt.Errorf("answers as read: flow version: %w", err)
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// garbled is the error for answers as read that answersByPerson did not
// frame, at what is left of them, s.
func garbled(s string) error {
	return fmt.Errorf("answers as read are garbled at %q", s[:min(len(s), 20)])
}

// decode returns a row q read as an answer.
func (c answerQuery) decode(r answerRow) (StoredAnswer, error) {
	a := StoredAnswer{Flow: c.flow, Key: r.key}
	var errs [3]error
	a.ConfirmedAt, errs[0] = parseTime(r.confirmed)
	if c.full {
		a.Step, a.FlowVersion = r.step, int(r.version)
		a.CreatedAt, errs[1] = parseAgain(r.created, r.confirmed, a.ConfirmedAt)
		a.UpdatedAt, errs[2] = parseAgain(r.updated, r.created, a.CreatedAt)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return a, fmt.Errorf("scan time of answer %s: %w", r.key, err)
	}
	var err error
	if a.Value, err = decodeValue(r.value); err != nil {
		return a, fmt.Errorf("decode answer %s: %w", r.key, err)
	}
	return a, nil
}

// parseAgain is parseTime(s), or t where s is the text known that parsed
// as t: an answer given once and not changed since was answered, changed
// and confirmed at one time.
func parseAgain(s, known string, t time.Time) (time.Time, error) {
	if s == known {
		return t, nil
	}
	return parseTime(s)
}

// Consented returns what ConsentedEach reads, all at once: for small
// sets only (checks and tests); exports stream with ConsentedEach.
func (s *Store) Consented(ctx context.Context, flowID, purpose string) ([]Record, error) {
	var records []Record
	err := s.ConsentedEach(ctx, flowID, purpose, func(r Record) error {
		r.Answers = slices.Clone(r.Answers)
		records = append(records, r)
		return nil
	})
	return records, err
}

// ConsentedAssets calls fn for every asset on the map of kind (every kind
// when kind is ""), in the order they were added. AddedBy and ChangedBy
// are kept only for people who consented to purpose: 0 for anyone else.
func (s *Store) ConsentedAssets(ctx context.Context, kind, purpose string, fn func(Asset) error) error {
	return each(ctx, s.db, "read assets", func(rows *sql.Rows) (Asset, error) {
		var addedOK, changedOK bool
		a, err := scanAsset(withTail(rows, &addedOK, &changedOK))
		if !addedOK {
			a.AddedBy = 0
		}
		if !changedOK {
			a.ChangedBy = 0
		}
		return a, err
	}, fn, `SELECT `+assetColumns+`, `+consentedPerson("added_by")+`, `+consentedPerson("changed_by")+` FROM assets
		WHERE removed_at IS NULL AND (?2 = '' OR kind = ?2) ORDER BY id`, purpose, kind)
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
	return each(ctx, s.db, "read links", func(rows *sql.Rows) (NamedLink, error) {
		var recordedOK bool
		var l NamedLink
		var err error
		l.Link, err = scanLink(withTail(rows, &recordedOK, &l.FromName, &l.ToName))
		if !recordedOK {
			l.RecordedBy = 0
		}
		return l, err
	}, fn, `SELECT `+linkColumns+`, `+consentedPerson("recorded_by")+`, `+name("from_person", "from_asset")+`, `+name("to_person", "to_asset")+`
		FROM links WHERE `+end("from_person", "from_asset")+` AND `+end("to_person", "to_asset")+` ORDER BY id`, purpose)
}

// AssetKeys returns, sorted, the keys of the fields of the assets of kind
// on the map: with the kind's flow, the columns a table of them needs.
func (s *Store) AssetKeys(ctx context.Context, kind string) ([]string, error) {
	return collect(ctx, s.db, "read field keys of "+kind, scanText, `SELECT DISTINCT j.key FROM assets a, json_each(a.fields) j
		WHERE a.removed_at IS NULL AND a.kind = ? ORDER BY j.key`, kind)
}
