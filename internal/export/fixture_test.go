package export_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

var (
	joined    = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	consented = joined.Add(time.Minute)
	answered  = joined.Add(2 * time.Minute)
	changed   = joined.Add(24 * time.Hour)
	confirmed = joined.Add(48 * time.Hour)
)

// mapFlows are the shipped flows.
func mapFlows(t testing.TB) map[string]*flow.Flow {
	t.Helper()
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	return fl
}

// clock is a store clock the test moves.
type clock struct{ now atomic.Int64 }

func (c *clock) set(t time.Time)      { c.now.Store(t.UnixNano()) }
func (c *clock) Now() time.Time       { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) option() store.Option { return store.WithClock(c.Now) }

// world is a database in the test's folder and the test's clock.
type world struct {
	st    *store.Store
	path  string
	clock *clock
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{path: filepath.Join(t.TempDir(), "assetbot.db"), clock: &clock{}}
	w.clock.set(joined)
	st, err := store.Open(context.Background(), w.path, w.clock.option())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.st = st
	return w
}

// at runs fn in a transaction at time when.
func (w *world) at(t testing.TB, when time.Time, fn func(*store.Tx) error) {
	t.Helper()
	w.clock.set(when)
	if err := w.st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// raw runs a statement behind the store's back, for states that take
// weeks to reach through it (an entry gone stale).
func (w *world) raw(t testing.TB, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+w.path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

// newPerson adds a person and, unless decision is nil, their decision on
// the map purpose a minute later.
func (w *world) newPerson(t testing.TB, p store.Person, decision *bool) int64 {
	t.Helper()
	w.at(t, joined, func(tx *store.Tx) error {
		var err error
		p, err = tx.CreatePerson(p)
		return err
	})
	if decision != nil {
		w.at(t, consented, func(tx *store.Tx) error { return tx.RecordConsent(p.ID, "map", *decision, "resident", 1) })
	}
	return p.ID
}

// answer saves an answer of the person's in the resident flow at when.
func (w *world) answer(t testing.TB, when time.Time, personID int64, key string, v flow.Value) {
	t.Helper()
	w.at(t, when, func(tx *store.Tx) error {
		_, err := tx.SaveAnswer(personID, "resident", flow.Answer{Key: key, Step: key, Value: v, Version: 1})
		return err
	})
}

var yes, no = true, false

// residents fills w with two consenting people: one who answered plenty,
// some of it looking like spreadsheet formulas, and one who answered
// little; and two who may not appear: one who refused and one never asked.
// It returns the ids of the two who consented.
func residents(t testing.TB, w *world) (ada, bob int64) {
	t.Helper()
	ada = w.newPerson(t, store.Person{Channel: "telegram", ChannelUserID: "1001", FirstName: "=HYPERLINK(\"http://x\")", Language: "en"}, &yes)
	for _, a := range []struct {
		key string
		v   flow.Value
	}{
		{"hands", flow.Value{Choices: []string{"cooking", "diy"}, Other: "=1+1"}},
		{"head", flow.Value{Text: "@SUM(A1)"}},
		{"heart", flow.Value{Other: "-2+3"}},
		{"offer", flow.Value{Skipped: true}},
		{"time", flow.Value{Choice: "hour_week"}},
		{"connector", flow.Value{Bool: &yes}},
		{"area", flow.Value{Text: "LS7"}},
		// A question a later version of the flow no longer asks.
		{"pets", flow.Value{Text: "+44 113 496 0000"}},
	} {
		w.answer(t, answered, ada, a.key, a.v)
	}
	w.answer(t, changed, ada, "area", flow.Value{Text: "LS6"})
	w.answer(t, confirmed, ada, "area", flow.Value{Text: "LS6"})

	refused := w.newPerson(t, store.Person{Channel: "terminal", ChannelUserID: "cy", FirstName: "Cy", Language: "en"}, &no)
	w.answer(t, answered, refused, "hobby", flow.Value{Text: "secret"})
	w.newPerson(t, store.Person{Channel: "terminal", ChannelUserID: "di", FirstName: "Di", Language: "en"}, nil)

	bob = w.newPerson(t, store.Person{Channel: "terminal", ChannelUserID: "bob", FirstName: "Bob", Language: "pt-BR"}, &yes)
	w.answer(t, answered, bob, "area", flow.Value{Text: "Hyde Park\r\nLeeds"})
	return ada, bob
}
