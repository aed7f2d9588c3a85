// Package benchmap seeds a database with a community at the scale the
// organisers' features must handle (100,000 people with 20 answers each,
// thousands of assets and links), for benchmarks. It writes with SQL in one
// transaction rather than through the store, which would take minutes at
// this scale. Only tests import it.
package benchmap

import (
	"database/sql"
	"fmt"
	"strconv"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// Map describes the community to seed.
type Map struct {
	// People each give 20 answers to the resident flow: six multi or choice
	// answers, their area, and text.
	People int
	// ConsentEvery: every this many people consent to the map (1 for all).
	ConsentEvery int
	// Areas is how many areas the people and assets are spread over.
	Areas int
	// At is when everyone joined, as stored (each answer follows within
	// minutes); every NewEvery person (0 for none) joined at Newer instead.
	At, Newer string
	NewEvery  int
	// UnfinishedEvery: every this many people (0 for none) are part-way
	// through the resident flow.
	UnfinishedEvery int
	// Assets are located assets of three kinds; Members people are members
	// of one, and Uses assets use another.
	Assets, Members, Uses int
}

// Seed fills the database at path, already migrated, with m.
func Seed(path string, m Map) error {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op once committed
	for _, s := range m.statements() {
		if _, err := tx.Exec(s); err != nil {
			return fmt.Errorf("seed %s: %w", path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	// A running bot's write-ahead log holds its last few writes, not the
	// whole database: reading every page through the log's index is
	// slower than reading it from the database file.
	var busy, logged, moved int
	if err := db.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return fmt.Errorf("seed %s: checkpoint: %w", path, err)
	}
	if busy != 0 {
		return fmt.Errorf("seed %s: checkpoint: the database is busy", path)
	}
	return nil
}

// statements are the SQL that seeds m. Its numbers are the package's own
// ints, never input, so they are written into the text.
func (m Map) statements() []string {
	n := strconv.Itoa
	at, joined := `'`+m.At+`'`, `'`+m.At+`'`
	if m.NewEvery > 0 {
		joined = `CASE WHEN i % ` + n(m.NewEvery) + ` = 0 THEN '` + m.Newer + `' ELSE ` + at + ` END`
	}
	// Each answer is given at its own time, a little after joining: the
	// nth question n * 20 s later, and each person at a different
	// millisecond, as people answer.
	const answered = `strftime('%Y-%m-%dT%H:%M:%fZ', p.created_at, '+' || (k.n * 20 + (p.id % 1000) / 1000.0) || ' seconds')`
	stmts := []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + n(m.People) + `)
		INSERT INTO people (id, channel, channel_user_id, first_name, created_at, updated_at, confirmed_at)
		SELECT i, 'telegram', i, 'Person ' || i, ` + joined + `, ` + at + `, ` + at + ` FROM n`,
		`INSERT INTO consents (person_id, purpose, granted, flow, flow_version, at)
		SELECT id, 'map', id % ` + n(m.ConsentEvery) + ` = 0, 'resident', 1, ` + at + ` FROM people`,
		`WITH k(n, key, kind) AS (VALUES (1, 'hands', 'm'), (2, 'heart', 'm'), (3, 'learn', 'm'), (4, 'groups', 'm'), (5, 'when', 'm'),
			(6, 'time', 'c'), (7, 'offer', 't'), (8, 'head', 't'), (9, 'area', 'a'), (10, 'q1', 't'), (11, 'q2', 't'), (12, 'q3', 't'),
			(13, 'q4', 't'), (14, 'q5', 't'), (15, 'q6', 't'), (16, 'q7', 't'), (17, 'q8', 't'), (18, 'q9', 't'), (19, 'q10', 't'), (20, 'q11', 't')),
		o(j, id) AS (VALUES (0, 'cooking'), (1, 'diy'), (2, 'gardening'), (3, 'music'), (4, 'young_people'), (5, 'food'), (6, 'arts'))
		INSERT INTO answers (person_id, flow, key, step, value, flow_version, created_at, updated_at, confirmed_at)
		SELECT p.id, 'resident', k.key, k.key, CASE k.kind
			WHEN 'm' THEN json_object('choices', json_array((SELECT id FROM o WHERE j = p.id % 7), (SELECT id FROM o WHERE j = (p.id / 7) % 7)))
			WHEN 'c' THEN json_object('choice', 'weekly')
			WHEN 'a' THEN json_object('text', 'Area ' || (p.id % ` + n(m.Areas) + `))
			ELSE json_object('text', 'some words about ' || k.key || ' from person ' || p.id) END,
			1, ` + answered + `, ` + answered + `, ` + answered + `
		FROM people p, k`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + n(m.Assets) + `)
		INSERT INTO assets (id, uid, kind, name, area, lat, lon, fields, flow_version, added_by, changed_by, created_at, updated_at, confirmed_at, rev)
		SELECT i, 'uid-' || i, CASE i % 3 WHEN 0 THEN 'place' WHEN 1 THEN 'association' ELSE 'organisation' END, 'Asset ' || i,
			'Area ' || (i % ` + n(m.Areas) + `), 53.8 + i * 1e-5, -1.55,
			json_object('name', json_object('text', 'Asset ' || i), 'purpose', json_object('text', 'what asset ' || i || ' is for'),
				'offer', json_object('text', 'what asset ' || i || ' offers')),
			1, i, i, ` + at + `, ` + at + `, ` + at + `, i FROM n`,
		`INSERT INTO links (type, from_person, to_asset, recorded_by, source, created_at)
		SELECT 'member_of', id, 1 + id % ` + n(m.Assets) + `, id, 'resident/groups', ` + at + ` FROM people WHERE id <= ` + n(m.Members),
		`INSERT INTO links (type, from_asset, to_asset, recorded_by, source, created_at)
		SELECT 'uses', id, 1 + (id * 7) % ` + n(m.Assets) + `, id, 'association', ` + at + ` FROM assets WHERE id <= ` + n(m.Uses),
	}
	if m.UnfinishedEvery > 0 {
		stmts = append(stmts, `INSERT INTO conversations (person_id, flow, status, state, updated_at)
		SELECT id, 'resident', 'active', json_object('flow', json_object('flow', 'resident', 'step', CASE id % 3 WHEN 0 THEN 'heart' ELSE 'offer' END)), `+at+`
		FROM people WHERE id % `+n(m.UnfinishedEvery)+` = 0`)
	}
	return stmts
}
