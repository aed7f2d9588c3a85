package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

// TestAudit records reads in transactions (one rolled back) and reads
// them back oldest first from a given time.
func TestAudit(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	ctx := context.Background()
	record := func(e store.AuditEntry) {
		t.Helper()
		if err := st.Audit(ctx, e); err != nil {
			t.Fatalf("Audit(%+v): %v", e, err)
		}
		c.Advance(time.Hour)
	}
	record(store.AuditEntry{Who: "611", Action: "find", People: 3, Detail: "2 words"})
	record(store.AuditEntry{Who: "cli", Action: "export", People: 40, Detail: "csv"})
	// A read whose transaction fails leaves no audit row, as it leaves no
	// message.
	boom := errors.New("boom")
	err := st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.Audit(store.AuditEntry{Who: "611", Action: "match", People: 1}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: got %v; want %v", err, boom)
	}
	record(store.AuditEntry{Who: "612", Action: "digest", People: 10, Detail: "scheduled"})

	tests := []struct {
		since time.Time
		want  []string
	}{
		{t0.Add(-time.Hour), []string{"611 find", "cli export", "612 digest"}},
		{t0.Add(time.Hour), []string{"cli export", "612 digest"}},
		{t0.Add(90 * time.Minute), []string{"612 digest"}},
		{t0.Add(3 * time.Hour), nil},
	}
	for _, tt := range tests {
		got, err := st.AuditSince(ctx, tt.since)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range got {
			names = append(names, e.Who+" "+e.Action)
		}
		if len(names) != len(tt.want) {
			t.Fatalf("AuditSince(%v): got %v; want %v", tt.since, names, tt.want)
		}
		for i := range names {
			if names[i] != tt.want[i] {
				t.Errorf("AuditSince(%v)[%d]: got %s; want %s", tt.since, i, names[i], tt.want[i])
			}
		}
	}
	all, err := st.AuditSince(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := store.AuditEntry{At: t0.Add(time.Hour), Who: "cli", Action: "export", People: 40, Detail: "csv"}
	if all[1] != want {
		t.Errorf("entry: got %+v; want %+v", all[1], want)
	}
}

// TestAuditRefusesAnEmptyEntry: an entry that says neither who nor what
// is a bug, refused rather than recorded.
func TestAuditRefusesAnEmptyEntry(t *testing.T) {
	st, _ := open(t)
	for _, e := range []store.AuditEntry{{Action: "find"}, {Who: "611"}} {
		if err := st.Audit(context.Background(), e); err == nil {
			t.Errorf("Audit(%+v): got nil; want an error", e)
		}
	}
}
