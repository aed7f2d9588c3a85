package bot

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/store"
)

// TestPrunesOldUpdateRecords checks that the records of applied updates are
// kept for a week, not for ever: at start-up the bot deletes older ones.
func TestPrunesOldUpdateRecords(t *testing.T) {
	h := newIdleHarness(t, fakeapi.Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		id  string
		age time.Duration
	}{{"old", 8 * 24 * time.Hour}, {"recent", 2 * 24 * time.Hour}} {
		st, err := store.Open(ctx, h.dbPath, store.WithClock(func() time.Time { return time.Now().Add(-tc.age) }))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Update(ctx, func(tx *store.Tx) error { _, err := tx.MarkEvent(channel, tc.id); return err }); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	h.start(testConfig(h.fake))
	fresh := func(id string) bool {
		var ok bool
		err := h.store.Update(ctx, func(tx *store.Tx) (err error) {
			ok, err = tx.MarkEvent(channel, id)
			if ok {
				return errProbe // leave the record as it was
			}
			return err
		})
		if err != nil && !errors.Is(err, errProbe) {
			t.Fatal(err)
		}
		return ok
	}
	deadline := time.Now().Add(5 * time.Second)
	for !fresh("old") {
		if time.Now().After(deadline) {
			t.Fatal("the record of an update applied 8 days ago was not pruned")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fresh("recent") {
		t.Error("the record of an update applied 2 days ago was pruned")
	}
}

// errProbe rolls back a probe that must leave nothing behind.
var errProbe = errors.New("probe rolled back")
