package retention_test

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/benchmap"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/retention"
	"github.com/assetbot/assetbot/internal/store"
)

// The benchmark's community: issue 17's scale (100,000 people with 20
// answers each) and some assets and links, as a deletion must update them.
const (
	benchPeople  = 100_000
	benchAssets  = 5_000
	benchMembers = 20_000
	benchSeeded  = "2026-03-14T09:30:00.000Z" // when everyone last did anything
	// heapEvery is how often the heap is looked at during a run:
	// ReadMemStats stops the world, so not constantly.
	heapEvery = 20 * time.Millisecond
)

// benchNow is when the benchmark's runs happen: 400 days after the seeded
// activity, so every person who never finished is due.
var benchNow = time.Date(2027, 4, 18, 9, 30, 0, 0, time.UTC)

// shape makes the seeded community one retention has work in: a third
// never finished (every third person, part-way through the flow); of the
// rest, those whose id is a multiple of 5 went stale 400 days ago and were
// warned 40 days ago (to delete), and those a multiple of 7 went stale 340
// days ago (to warn). With none, nobody is due: the hourly run's usual
// case, reading every page for nothing.
func shape(b *testing.B, path string, due bool) {
	b.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ts := func(d time.Duration) string { return benchNow.Add(-d).Format("2006-01-02T15:04:05.000Z") }
	stmts := []struct {
		query string
		args  []any
	}{
		{`UPDATE people SET confirmed_at = NULL WHERE id % 3 = 0`, nil},
	}
	if due {
		stmts = append(stmts, []struct {
			query string
			args  []any
		}{
			{`UPDATE people SET stale_at = ? WHERE id % 3 <> 0 AND id % 5 = 0`, []any{ts(400 * day)}},
			{`INSERT INTO reminders (person_id, kind, about, planned_at, due_at, sent_at, outcome)
				SELECT id, ?, stale_at, ?, ?, ?, ? FROM people WHERE stale_at IS NOT NULL`,
				[]any{store.ReminderRetention, ts(40 * day), ts(40 * day), ts(40 * day), store.OutcomeSent}},
			{`UPDATE people SET stale_at = ? WHERE id % 3 <> 0 AND id % 5 <> 0 AND id % 7 = 0`, []any{ts(340 * day)}},
		}...)
	} else {
		// Came back yesterday: in the pages, but not due.
		stmts = append(stmts, struct {
			query string
			args  []any
		}{`UPDATE conversations SET updated_at = ?`, []any{ts(day)}})
	}
	for _, s := range stmts {
		if _, err := db.Exec(s.query, s.args...); err != nil {
			b.Fatalf("%s: %v", s.query, err)
		}
	}
}

// BenchmarkRun100k times one retention run over 100,000 people with 20
// answers each, and reports the most heap in use during it (peak-MB) and
// what it did. "due": a third never finished and 13,334 stale entries
// warned long enough ago (46,667 deletions, each its own transaction) and
// 7,619 warnings to plan; "nothing_due": the same people, none due.
func BenchmarkRun100k(b *testing.B) {
	if testing.Short() || raceDetector {
		b.Skip("seeds 100,000 people: a measure for the plain build, not -short or -race")
	}
	for _, bb := range []struct {
		name string
		due  bool
	}{{"due", true}, {"nothing_due", false}} {
		b.Run(bb.name, func(b *testing.B) {
			b.StopTimer() // the timer runs only around each run
			template := seed(b, bb.due)
			shipped, problems := flow.LoadFS(flows.FS, ".")
			if problems != nil {
				b.Fatal(problems)
			}
			var peak uint64
			var rep retention.Report
			for range b.N {
				// Each run starts from the same community: a copy of it.
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "bench.db")
				copyFile(b, template, path)
				// With the flows, as the bot opens it: erasure reads them to
				// tell which assets a person added are about them.
				st, err := store.Open(context.Background(), path, store.WithFlows(shipped))
				if err != nil {
					b.Fatal(err)
				}
				r, err := retention.New(st, retention.Settings{Unfinished: 90 * day, Stale: 365 * day, Schedule: "@hourly"}, slog.New(slog.DiscardHandler))
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				stop, peaked := watchHeap()
				b.StartTimer()
				rep, err = r.Run(context.Background(), benchNow)
				b.StopTimer()
				stop()
				peak = max(peak, <-peaked)
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
			b.ReportMetric(float64(rep.Unfinished+rep.Stale), "deleted")
			b.ReportMetric(float64(rep.Warned), "warned")
		})
	}
}

// seed writes the benchmark's community, shaped by due, to a database
// file that it closes, and returns its path.
func seed(b *testing.B, due bool) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "template.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	if err := benchmap.Seed(path, benchmap.Map{People: benchPeople, ConsentEvery: 1, Areas: 50, At: benchSeeded,
		UnfinishedEvery: 3, Assets: benchAssets, Members: benchMembers}); err != nil {
		b.Fatal(err)
	}
	shape(b, path, due)
	// Closing checkpoints the WAL into the file, so the file alone is the
	// whole database.
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		b.Fatal(err)
	}
}

// watchHeap looks at the heap in use every heapEvery until stop is called,
// then sends the most it saw.
func watchHeap() (stop func(), peak <-chan uint64) {
	done, out := make(chan struct{}), make(chan uint64, 1)
	var once sync.Once
	go func() {
		var most uint64
		tick := time.NewTicker(heapEvery)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			most = max(most, ms.HeapInuse)
			select {
			case <-done:
				out <- most
				return
			case <-tick.C:
			}
		}
	}()
	return func() { once.Do(func() { close(done) }) }, out
}
