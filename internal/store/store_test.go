package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// t0 is the time every test clock starts at.
var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// clock is a test clock that moves only when told to.
type clock struct{ now atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.now.Store(t0.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }
func (c *clock) Option() store.Option    { return store.WithClock(c.Now) }

// openAt opens the database file path, closing it when the test ends.
func openAt(t testing.TB, path string, opts ...store.Option) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// open opens a new database file in the test's temporary folder.
func open(t testing.TB, opts ...store.Option) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "assetbot.db")
	return openAt(t, path, opts...), path
}

// update runs fn in a transaction, failing the test on error.
func update(t testing.TB, st *store.Store, fn func(*store.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

// raw opens the database file with database/sql alone, to look behind the
// store's back.
func raw(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func person(t testing.TB, tx *store.Tx, userID string) store.Person {
	t.Helper()
	p, err := tx.CreatePerson(store.Person{Channel: "test", ChannelUserID: userID, FirstName: "Ada"})
	if err != nil {
		t.Fatalf("create person %s: %v", userID, err)
	}
	return p
}

func text(s string) flow.Value { return flow.Value{Text: s} }

func TestOpenCreatesAndMigrates(t *testing.T) {
	st, path := open(t)
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	// The highest number, not the count: numbers are taken by branches
	// worked on side by side, and one may land before another.
	last, _, _ := strings.Cut(files[len(files)-1].Name(), "_")
	if got := store.SchemaVersion(); strconv.Itoa(got) != strings.TrimLeft(last, "0") || got < 2 {
		t.Errorf("SchemaVersion() = %d; want the last migration's number, %s", got, last)
	}
	db := raw(t, path)
	if got := count(t, db, `SELECT MAX(version) FROM schema_migrations`); got != store.SchemaVersion() {
		t.Errorf("schema version in file = %d; want %d", got, store.SchemaVersion())
	}
	for _, table := range []string{"people", "consents", "conversations", "answers", "answer_history", "processed_events", "outbox"} {
		if got := count(t, db, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table); got != 1 {
			t.Errorf("table %s: found %d; want 1", table, got)
		}
	}
	if err := st.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}

	// Opening again applies nothing twice.
	st.Close()
	openAt(t, path)
	if got := count(t, db, `SELECT COUNT(*) FROM schema_migrations`); got != len(files) {
		t.Errorf("schema_migrations rows after reopening = %d; want %d", got, len(files))
	}
}

func TestOpenNeedsAFile(t *testing.T) {
	for _, path := range []string{"", ":memory:", ":memory:?cache=shared"} {
		t.Run(path, func(t *testing.T) {
			st, err := store.Open(context.Background(), path)
			if err == nil {
				st.Close()
				t.Fatalf("Open(%q) succeeded; want an error", path)
			}
			if !strings.Contains(err.Error(), "file path") {
				t.Errorf("got error %q; want it to ask for a file path", err)
			}
		})
	}
}

func TestWALMode(t *testing.T) {
	st, path := open(t)
	update(t, st, func(tx *store.Tx) error { person(t, tx, "1"); return nil })
	var mode string
	if err := raw(t, path).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q; want wal", mode)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log beside the database: %v", err)
	}
}

func TestMigrateOldDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	init, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	// A database as the first release left it: 0001 applied, with data.
	db := raw(t, path)
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
		string(init),
		`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', '2025-01-01T00:00:00.000Z')`,
		`INSERT INTO people (id, channel, channel_user_id, first_name, created_at, updated_at)
			VALUES (7, 'telegram', '42', 'Grace', '2025-01-02T10:00:00.000Z', '2025-01-02T10:00:00.000Z')`,
		`INSERT INTO answers (person_id, flow, key, step, value, flow_version, created_at, updated_at, confirmed_at)
			VALUES (7, 'resident', 'area', 'area', '{"text":"LS6"}', 1, '2025-01-02T10:05:00.000Z', '2025-01-02T10:05:00.000Z', '2025-01-02T10:05:00.000Z'),
			(7, 'resident', 'hands', 'hands', '{"choices":["cooking"]}', 1, '2025-01-02T10:05:00.000Z', '2025-01-02T10:05:00.000Z', '2025-01-02T10:05:00.000Z')`,
		`INSERT INTO consents (person_id, purpose, granted, flow, flow_version, at) VALUES (7, 'map', 1, 'resident', 1, '2025-01-02T10:01:00.000Z')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("prepare old database: %v", err)
		}
	}
	db.Close()

	st := openAt(t, path)
	db = raw(t, path)
	if got := count(t, db, `SELECT MAX(version) FROM schema_migrations`); got != store.SchemaVersion() {
		t.Errorf("schema version after Open = %d; want %d", got, store.SchemaVersion())
	}
	update(t, st, func(tx *store.Tx) error {
		p, err := tx.Person("telegram", "42")
		if err != nil {
			return err
		}
		if p.ID != 7 || p.FirstName != "Grace" || !p.CreatedAt.Equal(time.Date(2025, 1, 2, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("person after migration = %+v; want id 7, Grace, joined 2025-01-02 10:00", p)
		}
		answers, err := tx.Answers(7, "resident")
		if err != nil {
			return err
		}
		if got := answers["area"].Value.Text; got != "LS6" {
			t.Errorf("area after migration = %q; want LS6", got)
		}
		// 0012: a decision from before text versions were kept has none.
		consents, err := tx.Consents(7)
		if err != nil {
			return err
		}
		if len(consents) != 1 || !consents[0].Granted || consents[0].TextVersion != "" {
			t.Errorf("consents after migration = %+v; want the old map consent with no text version", consents)
		}
		// What 0002 added works.
		_, err = tx.Enqueue(42, "send", []byte("{}"))
		return err
	})
	records, err := st.Consented(context.Background(), "resident", "map")
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || len(records[0].Answers) != 2 {
		t.Errorf("consented records after migration = %+v; want Grace with two answers", records)
	}
	// 0016 counted the options already given.
	counts, err := st.OptionCounts(context.Background(), "resident", []string{"hands"}, time.Time{})
	if want := []store.OptionCount{{Key: "hands", Option: "cooking", Total: 1, New: 1}}; err != nil || !slices.Equal(counts, want) {
		t.Errorf("OptionCounts after migration = %v, %v; want %v", counts, err, want)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	st, path := open(t)
	st.Close()
	newer := store.SchemaVersion() + 1
	if _, err := raw(t, path).Exec(`INSERT INTO schema_migrations VALUES (?, 'from_the_future.sql', '2030-01-01T00:00:00.000Z')`, newer); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), path)
	if err == nil {
		st.Close()
		t.Fatal("Open succeeded on a newer schema; want an error")
	}
	for _, want := range []string{fmt.Sprintf("version %d", newer), "newer", "upgrade assetbot"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got error %q; want it to contain %q", err, want)
		}
	}
}

func TestGroupCommit(t *testing.T) {
	// Every transaction the writer begins reads the clock once, so jobs that
	// saw the same Tx.Now were committed together.
	var ticks atomic.Int64
	st, path := open(t, store.WithClock(func() time.Time { return t0.Add(time.Duration(ticks.Add(1)) * time.Second) }))
	ctx := context.Background()

	// Hold the writer so that the jobs below queue up behind it.
	release := make(chan struct{})
	held := make(chan struct{})
	go func() {
		_ = st.Update(ctx, func(*store.Tx) error { close(held); <-release; return nil })
	}()
	<-held

	const jobs = 100
	errs := make([]error, jobs)
	at := make([]time.Time, jobs)
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Go(func() {
			errs[i] = st.Update(ctx, func(tx *store.Tx) error {
				at[i] = tx.Now()
				if _, err := tx.CreatePerson(store.Person{Channel: "test", ChannelUserID: fmt.Sprint(i)}); err != nil {
					return err
				}
				switch i {
				case 10:
					return errors.New("job 10 fails")
				case 20:
					panic("job 20 panics")
				case 30:
					// A job that breaks a constraint part-way undoes its
					// earlier writes too.
					_, err := tx.CreatePerson(store.Person{Channel: "test", ChannelUserID: "0"})
					return err
				}
				return nil
			})
		})
	}
	time.Sleep(100 * time.Millisecond) // let the jobs queue
	close(release)
	wg.Wait()

	for i, err := range errs {
		switch i {
		case 10:
			if err == nil || err.Error() != "job 10 fails" {
				t.Errorf("job 10: got %v; want its own error", err)
			}
		case 20:
			var pe *store.PanicError
			if !errors.As(err, &pe) || pe.Value != "job 20 panics" {
				t.Errorf("job 20: got %v; want a PanicError holding the panic value", err)
			}
		case 30:
			if err == nil {
				t.Error("job 30: got nil; want a constraint error")
			}
		default:
			if err != nil {
				t.Errorf("job %d: %v", i, err)
			}
		}
	}
	db := raw(t, path)
	if got := count(t, db, `SELECT COUNT(*) FROM people`); got != jobs-3 {
		t.Errorf("people committed = %d; want %d", got, jobs-3)
	}
	for _, failed := range []int{10, 20, 30} {
		if got := count(t, db, `SELECT COUNT(*) FROM people WHERE channel_user_id = ?`, fmt.Sprint(failed)); got != 0 {
			t.Errorf("job %d failed but its person was kept", failed)
		}
	}
	batches := map[time.Time]int{}
	for _, a := range at {
		batches[a]++
	}
	shared := false
	for _, failed := range []int{10, 20, 30} {
		shared = shared || batches[at[failed]] > 1
	}
	if len(batches) >= jobs || !shared {
		t.Errorf("%d jobs committed in %d transactions, failing ones alone: %v; want them grouped", jobs, len(batches), !shared)
	}
}

func TestUpdateSurvivesCancelledContext(t *testing.T) {
	st, _ := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := st.Update(ctx, func(tx *store.Tx) error {
		cancel() // the caller gives up while its job runs
		p := person(t, tx, "1")
		if _, err := tx.MarkEvent("test", "1"); err != nil {
			return err
		}
		if _, err := tx.PersonByID(p.ID); err != nil {
			return err
		}
		_, err := tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: "area", Step: "area", Value: text("LS6"), Version: 1})
		return err
	})
	if err != nil {
		t.Fatalf("Update whose context ended mid-way: %v; want it to run to the end", err)
	}
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.Person("test", "1"); err != nil {
			t.Errorf("person written under a cancelled context: %v", err)
		}
		return nil
	})

}

func TestCloseWaitsAndRefuses(t *testing.T) {
	ctx := context.Background()
	for round := range 50 {
		st, _ := open(t)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				for j := range 10 {
					_ = st.Update(ctx, func(tx *store.Tx) error {
						_, err := tx.CreatePerson(store.Person{Channel: "test", ChannelUserID: fmt.Sprint(i, "-", j)})
						return err
					})
				}
			})
		}
		if err := st.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: Update still waiting 10s after Close", round)
		}
		if err := st.Update(ctx, func(*store.Tx) error { return nil }); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("Update after Close: got %v; want a closed-store error", err)
		}
	}
}

func TestPeople(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.Person("telegram", "1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Person of nobody: got %v; want ErrNotFound", err)
		}
		if _, err := tx.PersonByID(99); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PersonByID of nobody: got %v; want ErrNotFound", err)
		}
		p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: "1"})
		if err != nil {
			return err
		}
		want := store.Person{ID: p.ID, Channel: "telegram", ChannelUserID: "1", Language: "en", Reachable: true, Reminders: true, CreatedAt: t0, UpdatedAt: t0}
		if p != want {
			t.Errorf("CreatePerson = %+v; want %+v", p, want)
		}
		if _, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: "1"}); err == nil {
			t.Error("creating the same person twice succeeded; want an error")
		}
		if _, err := tx.CreatePerson(store.Person{Channel: "terminal", ChannelUserID: "1"}); err != nil {
			t.Errorf("same user id on another channel: %v", err)
		}
		return nil
	})
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		p, err := tx.Person("telegram", "1")
		if err != nil {
			return err
		}
		p.FirstName, p.Language, p.Reachable, p.Reminders = "Ada", "cy", false, false
		if err := tx.UpdatePerson(p); err != nil {
			return err
		}
		got, err := tx.PersonByID(p.ID)
		if err != nil {
			return err
		}
		p.UpdatedAt = t0.Add(time.Hour)
		if got != p {
			t.Errorf("after UpdatePerson = %+v; want %+v", got, p)
		}
		return nil
	})
}

func TestConsent(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		p := person(t, tx, "1")
		if _, err := tx.Consent(p.ID, "map"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Consent never asked: got %v; want ErrNotFound", err)
		}
		for i, granted := range []bool{true, false, true} {
			if err := tx.RecordConsent(p.ID, "map", granted, "resident", 1); err != nil {
				return err
			}
			got, err := tx.Consent(p.ID, "map")
			if err != nil {
				return err
			}
			if got != granted {
				t.Errorf("decision %d: Consent = %v; want the latest, %v", i, got, granted)
			}
		}
		if _, err := tx.Consent(p.ID, "newsletter"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Consent to another purpose: got %v; want ErrNotFound", err)
		}
		return nil
	})
}

func TestConversationSurvivesReopening(t *testing.T) {
	c := newClock()
	st, path := open(t, c.Option())
	state := []byte(`{"flow":{"flow":"resident","step":"heart","turn":5}}`)
	var id int64
	update(t, st, func(tx *store.Tx) error {
		p := person(t, tx, "1")
		id = p.ID
		if _, err := tx.Conversation(id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Conversation before any: got %v; want ErrNotFound", err)
		}
		if err := tx.SaveConversation(store.Conversation{PersonID: id, Flow: "resident", Status: "active", State: []byte(`{"old":true}`)}); err != nil {
			return err
		}
		return tx.SaveConversation(store.Conversation{PersonID: id, Flow: "resident", Status: "paused", State: state})
	})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = openAt(t, path, c.Option())
	update(t, st, func(tx *store.Tx) error {
		got, err := tx.Conversation(id)
		if err != nil {
			return err
		}
		want := store.Conversation{PersonID: id, Flow: "resident", Status: "paused", State: state, UpdatedAt: t0}
		if got.PersonID != want.PersonID || got.Flow != want.Flow || got.Status != want.Status || string(got.State) != string(want.State) || !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("conversation after reopening = %+v; want %+v", got, want)
		}
		if err := tx.DeleteConversation(id); err != nil {
			return err
		}
		if _, err := tx.Conversation(id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Conversation after DeleteConversation: got %v; want ErrNotFound", err)
		}
		return nil
	})
}

// TestUpdateFirst checks that an UpdateFirst commits like an Update, and
// goes ahead of Updates already queued.
func TestUpdateFirst(t *testing.T) {
	st, _ := open(t)
	release := make(chan struct{})
	started := make(chan struct{})
	var order []string
	var mu sync.Mutex
	mark := func(name string) func(*store.Tx) error {
		return func(*store.Tx) error {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return nil
		}
	}
	var wg sync.WaitGroup
	// Hold the writer so the next two queue up behind it.
	wg.Go(func() {
		_ = st.Update(context.Background(), func(*store.Tx) error { close(started); <-release; return nil })
	})
	<-started
	wg.Go(func() { _ = st.Update(context.Background(), mark("queued")) })
	time.Sleep(20 * time.Millisecond) // let it queue
	wg.Go(func() { _ = st.UpdateFirst(context.Background(), mark("first")) })
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if len(order) != 2 || order[0] != "first" {
		t.Errorf("ran in order %v; want first before queued", order)
	}
}
