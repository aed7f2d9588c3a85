package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// withTimes opens a database holding one of everything with a time: a
// person who consented, their conversation, an answer changed once (so it
// has history) and an outbox message. The answer changed a minute after
// everything else was written.
func withTimes(t *testing.T) (*store.Store, string, int64) {
	t.Helper()
	c := newClock()
	st, path := open(t, c.Option())
	var id int64
	update(t, st, func(tx *store.Tx) error {
		id = person(t, tx, "u1").ID
		if err := tx.RecordConsent(id, "map", true, "resident", 1); err != nil {
			return err
		}
		if err := tx.SaveConversation(store.Conversation{PersonID: id, Flow: "resident", Status: "active", State: []byte("{}")}); err != nil {
			return err
		}
		if _, err := tx.Enqueue(1, "text", []byte("hello")); err != nil {
			return err
		}
		_, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Step: "area", Value: text("LS6"), Version: 1})
		return err
	})
	c.Advance(time.Minute)
	update(t, st, func(tx *store.Tx) error {
		_, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Step: "area", Value: text("LS7"), Version: 1})
		return err
	})
	return st, path, id
}

// timeReaders read every time column, returning the times they got.
var timeReaders = map[string]func(context.Context, *store.Store, int64) ([]time.Time, error){
	"person": func(ctx context.Context, st *store.Store, id int64) (got []time.Time, err error) {
		err = st.Update(ctx, func(tx *store.Tx) error {
			p, err := tx.Person("test", "u1")
			got = []time.Time{p.CreatedAt, p.UpdatedAt}
			return err
		})
		return got, err
	},
	"conversation": func(ctx context.Context, st *store.Store, id int64) (got []time.Time, err error) {
		err = st.Update(ctx, func(tx *store.Tx) error {
			c, err := tx.Conversation(id)
			got = []time.Time{c.UpdatedAt}
			return err
		})
		return got, err
	},
	"answers": func(ctx context.Context, st *store.Store, id int64) (got []time.Time, err error) {
		err = st.Update(ctx, func(tx *store.Tx) error {
			as, err := tx.Answers(id, "resident")
			a := as["area"]
			got = []time.Time{a.CreatedAt, a.UpdatedAt, a.ConfirmedAt}
			return err
		})
		return got, err
	},
	"history": func(ctx context.Context, st *store.Store, id int64) (got []time.Time, err error) {
		err = st.Update(ctx, func(tx *store.Tx) error {
			hs, err := tx.AnswerHistory(id, "resident", "area")
			for _, h := range hs {
				got = append(got, h.ValidFrom, h.ReplacedAt)
			}
			return err
		})
		return got, err
	},
	"consented": func(ctx context.Context, st *store.Store, id int64) ([]time.Time, error) {
		rs, err := st.Consented(ctx, "resident", "map")
		var got []time.Time
		for _, r := range rs {
			got = append(got, r.Person.CreatedAt, r.Person.UpdatedAt, r.ConsentAt, r.Answers[0].UpdatedAt)
		}
		return got, err
	},
	"outbox": func(ctx context.Context, st *store.Store, id int64) ([]time.Time, error) {
		ms, err := st.Pending(ctx, 0, 1)
		var got []time.Time
		for _, m := range ms {
			got = append(got, m.CreatedAt)
		}
		return got, err
	},
}

func TestTimesRead(t *testing.T) {
	st, _, id := withTimes(t)
	t1 := t0.Add(time.Minute)
	want := map[string][]time.Time{
		"person":       {t0, t0},
		"conversation": {t0},
		"answers":      {t0, t1, t1},
		"history":      {t0, t1},
		"consented":    {t0, t0, t0, t1},
		"outbox":       {t0},
	}
	for name, read := range timeReaders {
		t.Run(name, func(t *testing.T) {
			got, err := read(context.Background(), st, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want[name]) {
				t.Fatalf("got %v; want %v", got, want[name])
			}
			for i := range got {
				if !got[i].Equal(want[name][i]) || got[i].Location() != time.UTC {
					t.Errorf("time %d = %v; want %v in UTC", i, got[i], want[name][i])
				}
			}
		})
	}
}

// TestBadTimeIsAnError spoils one time column at a time behind the store's
// back: reading it must fail, not give a zero time.
func TestBadTimeIsAnError(t *testing.T) {
	tests := []struct {
		reader, table, column string
	}{
		{"person", "people", "created_at"},
		{"person", "people", "updated_at"},
		{"conversation", "conversations", "updated_at"},
		{"answers", "answers", "created_at"},
		{"answers", "answers", "updated_at"},
		{"answers", "answers", "confirmed_at"},
		{"history", "answer_history", "valid_from"},
		{"history", "answer_history", "replaced_at"},
		{"consented", "consents", "at"},
		{"consented", "people", "updated_at"},
		{"consented", "answers", "confirmed_at"},
		{"outbox", "outbox", "created_at"},
	}
	for _, tt := range tests {
		t.Run(tt.reader+" "+tt.table+"."+tt.column, func(t *testing.T) {
			st, path, id := withTimes(t)
			if _, err := raw(t, path).Exec(`UPDATE ` + tt.table + ` SET ` + tt.column + ` = '14 March 2026'`); err != nil {
				t.Fatal(err)
			}
			_, err := timeReaders[tt.reader](context.Background(), st, id)
			if err == nil || !strings.Contains(err.Error(), "scan time") || !strings.Contains(err.Error(), "14 March 2026") {
				t.Errorf("got %v; want an error naming the bad time", err)
			}
		})
	}
}
