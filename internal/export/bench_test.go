package export_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/latency"
)

// The benchmark's community: issue 17's scale bar (100,000 people with 20
// answers each, each export under 5 s and 150 MB).
const (
	benchPeople = 100_000
	benchAssets = 5_000
	// benchMembers is how many people are members of a group, and
	// benchUses how many assets use another: the links.
	benchMembers = 20_000
	benchUses    = 2_000
	// benchAreas is how many areas the people and assets are spread over.
	benchAreas = 50
)

// benchSeed fills w's database with benchPeople consenting people of 20
// answers each (six multi or choice answers, the rest text), benchAssets
// located assets and their links, in one transaction. It writes with SQL
// rather than the store's API, which would take minutes at this scale.
func benchSeed(b *testing.B, w *world) {
	b.Helper()
	db, err := sql.Open("sqlite3", "file:"+w.path+"?_busy_timeout=5000")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const at = `'2026-03-14T09:30:00.000Z'`
	areas := fmt.Sprint(benchAreas)
	stmts := []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchPeople) + `)
		INSERT INTO people (id, channel, channel_user_id, first_name, created_at, updated_at, confirmed_at)
		SELECT i, 'telegram', i, 'Person ' || i, ` + at + `, ` + at + `, ` + at + ` FROM n`,
		`INSERT INTO consents (person_id, purpose, granted, flow, flow_version, at) SELECT id, 'map', 1, 'resident', 1, ` + at + ` FROM people`,
		`WITH k(key, kind) AS (VALUES ('hands', 'm'), ('heart', 'm'), ('learn', 'm'), ('groups', 'm'), ('when', 'm'), ('time', 'c'),
			('offer', 't'), ('head', 't'), ('area', 'a'), ('q1', 't'), ('q2', 't'), ('q3', 't'), ('q4', 't'), ('q5', 't'),
			('q6', 't'), ('q7', 't'), ('q8', 't'), ('q9', 't'), ('q10', 't'), ('q11', 't')),
		o(j, id) AS (VALUES (0, 'cooking'), (1, 'diy'), (2, 'gardening'), (3, 'music'), (4, 'young_people'), (5, 'food'), (6, 'arts'))
		INSERT INTO answers (person_id, flow, key, step, value, flow_version, created_at, updated_at, confirmed_at)
		SELECT p.id, 'resident', k.key, k.key, CASE k.kind
			WHEN 'm' THEN json_object('choices', json_array((SELECT id FROM o WHERE j = p.id % 7), (SELECT id FROM o WHERE j = (p.id / 7) % 7)))
			WHEN 'c' THEN json_object('choice', 'weekly')
			WHEN 'a' THEN json_object('text', 'Area ' || (p.id % ` + areas + `))
			ELSE json_object('text', 'some words about ' || k.key || ' from person ' || p.id) END,
			1, p.created_at, p.created_at, p.created_at
		FROM people p, k`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ` + fmt.Sprint(benchAssets) + `)
		INSERT INTO assets (id, uid, kind, name, area, lat, lon, fields, flow_version, added_by, changed_by, created_at, updated_at, confirmed_at, rev)
		SELECT i, 'uid-' || i, CASE i % 3 WHEN 0 THEN 'place' WHEN 1 THEN 'association' ELSE 'organisation' END, 'Asset ' || i,
			'Area ' || (i % ` + areas + `), 53.8 + i * 1e-5, -1.55,
			json_object('name', json_object('text', 'Asset ' || i), 'purpose', json_object('text', 'what asset ' || i || ' is for'),
				'offer', json_object('text', 'what asset ' || i || ' offers')),
			1, i, i, ` + at + `, ` + at + `, ` + at + `, i FROM n`,
		`INSERT INTO links (type, from_person, to_asset, recorded_by, source, created_at)
		SELECT 'member_of', id, 1 + id % ` + fmt.Sprint(benchAssets) + `, id, 'resident/groups', ` + at + ` FROM people WHERE id <= ` + fmt.Sprint(benchMembers),
		`INSERT INTO links (type, from_asset, to_asset, recorded_by, source, created_at)
		SELECT 'uses', id, 1 + (id * 7) % ` + fmt.Sprint(benchAssets) + `, id, 'association', ` + at + ` FROM assets WHERE id <= ` + fmt.Sprint(benchUses),
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op once committed
	for _, s := range stmts {
		if _, err := tx.Exec(s); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkExport times each export of 100,000 consenting people with 20
// answers each, benchAssets assets and their links, written to a writer
// that discards it, and reports the most heap in use while it wrote
// (peak-MB). The bar is a median under 5 s and a peak under 150 MB.
func BenchmarkExport(b *testing.B) {
	if testing.Short() || raceDetector {
		b.Skip("seeds 100,000 people: a measure for the plain build, not -short or -race")
	}
	w := newWorld(b)
	benchSeed(b, w)
	ex := exporter(b, w)
	ctx := context.Background()
	assets := mapFlows(b)["association"]
	var areas []export.Area
	for i := range benchAreas {
		areas = append(areas, export.Area{Name: fmt.Sprint("Area ", i), Lat: 53.8, Lon: -1.55})
	}
	files := func(w io.Writer) func(string) (io.Writer, error) {
		return func(string) (io.Writer, error) { return w, nil }
	}
	for _, bb := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"people_csv", func(w io.Writer) error { _, err := ex.PeopleCSV(ctx, w); return err }},
		{"assets_csv", func(w io.Writer) error { _, err := ex.AssetsCSV(ctx, w, assets); return err }},
		{"json", func(w io.Writer) error { _, err := ex.JSON(ctx, w); return err }},
		{"geojson", func(w io.Writer) error { _, err := ex.GeoJSON(ctx, w, areas); return err }},
		{"kumu", func(w io.Writer) error { _, err := ex.Kumu(ctx, files(w)); return err }},
		{"hsds", func(w io.Writer) error { _, err := ex.HSDS(ctx, files(w)); return err }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			var peak uint64
			latency.Measure(b, func(int) error {
				runtime.GC()
				h := &heapWatch{}
				err := bb.write(h)
				peak = max(peak, h.peak)
				return err
			})
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}
