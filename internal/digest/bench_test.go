package digest_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/digest"
	"github.com/assetbot/assetbot/internal/latency"
	"github.com/assetbot/assetbot/internal/store"
)

// The benchmark's community: the scale.
const (
	benchPeople = 100_000
	benchAssets = 2_000
)

// benchSeed fills the database at path, already migrated, with
// benchPeople people of 20 answers each (six multi or choice answers, the
// rest text), half of them consenting, a tenth of them mid-conversation,
// and benchAssets assets. It writes with SQL rather than the store's API,
// which would take minutes at this scale.
func benchSeed(b *testing.B, path string) {
	b.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const ts = `'2026-11-01T09:00:00.000Z'`
	const newer = `'2026-11-10T09:00:00.000Z'`
	stmts := []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchPeople) + `)
		INSERT INTO people (id, channel, channel_user_id, first_name, created_at, updated_at, confirmed_at)
		SELECT i, 'telegram', i, 'P' || i, CASE WHEN i % 20 = 0 THEN ` + newer + ` ELSE ` + ts + ` END, ` + ts + `, ` + ts + ` FROM n`,
		`INSERT INTO consents (person_id, purpose, granted, flow, flow_version, at) SELECT id, 'map', id % 2, 'resident', 1, ` + ts + ` FROM people`,
		`WITH k(key, kind) AS (VALUES ('hands', 'm'), ('heart', 'm'), ('learn', 'm'), ('groups', 'm'), ('when', 'm'), ('time', 'c'),
			('offer', 't'), ('head', 't'), ('area', 't'), ('q1', 't'), ('q2', 't'), ('q3', 't'), ('q4', 't'), ('q5', 't'),
			('q6', 't'), ('q7', 't'), ('q8', 't'), ('q9', 't'), ('q10', 't'), ('q11', 't')),
		o(j, id) AS (VALUES (0, 'cooking'), (1, 'diy'), (2, 'gardening'), (3, 'music'), (4, 'young_people'), (5, 'food'), (6, 'arts'))
		INSERT INTO answers (person_id, flow, key, step, value, flow_version, created_at, updated_at, confirmed_at)
		SELECT p.id, 'resident', k.key, k.key, CASE k.kind
			WHEN 'm' THEN json_object('choices', json_array((SELECT id FROM o WHERE j = p.id % 7), (SELECT id FROM o WHERE j = (p.id / 7) % 7)))
			WHEN 'c' THEN json_object('choice', 'weekly')
			ELSE json_object('text', 'area ' || (p.id % 50) || ' some words about ' || k.key) END,
			1, p.created_at, p.created_at, p.created_at
		FROM people p, k`,
		`INSERT INTO conversations (person_id, flow, status, state, updated_at)
		SELECT id, 'resident', 'active', json_object('flow', json_object('flow', 'resident', 'step', CASE id % 3 WHEN 0 THEN 'heart' ELSE 'offer' END)), ` + ts + `
		FROM people WHERE id % 10 = 0`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchAssets) + `)
		INSERT INTO assets (uid, kind, name, fields, flow_version, created_at, updated_at, confirmed_at, rev)
		SELECT 'uid-' || i, CASE i % 3 WHEN 0 THEN 'place' WHEN 1 THEN 'association' ELSE 'organisation' END, 'Asset ' || i,
			json_object('notes', json_object('text', 'notes ' || i)), 1, ` + ts + `, ` + ts + `, ` + ts + `, i FROM n`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
}

// BenchmarkBuild measures building the digest over 100,000 people with 20
// answers each. The target is a median under 1 s. With an aim that many
// match, finding who could help stops at the first few; with one that
// nobody matches it reads every answer, the worst case.
func BenchmarkBuild(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchSeed(b, path)
	f := resident(b)
	now := time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
	for _, bb := range []struct {
		name string
		aim  config.Aim
	}{
		{"aim_matched", aim},
		{"aim_matched_by_nobody", config.Aim{Text: "unmatched", Options: []string{"nobody_chose_this"}, Words: []string{"unwritten"}}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			p := digest.Params{Resident: f, Aim: bb.aim, Location: time.UTC}
			latency.Measure(b, func(int) error {
				_, err := digest.Build(ctx, st, p, now.Add(-digest.Week), now)
				return err
			})
		})
	}
}
