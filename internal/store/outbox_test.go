package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

func TestOutbox(t *testing.T) {
	c := newClock()
	st, path := open(t, c.Option())
	ctx := context.Background()
	pending := func(after int64, limit int) []int64 {
		t.Helper()
		msgs, err := st.Pending(ctx, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, m := range msgs {
			ids = append(ids, m.ID)
		}
		return ids
	}
	depth := func() int {
		t.Helper()
		n, err := st.OutboxDepth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	var ids []int64
	update(t, st, func(tx *store.Tx) error {
		for i, chat := range []int64{10, 20, 10, 30, 10} {
			id, err := tx.Enqueue(chat, "send", []byte{byte('a' + i)})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	msgs, err := st.Pending(ctx, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := store.OutboxMessage{ID: ids[0], ChatID: 10, Kind: "send", Payload: []byte("a"), CreatedAt: t0}
	if len(msgs) != 1 || !reflect.DeepEqual(msgs[0], want) {
		t.Errorf("Pending(0, 1) = %+v; want [%+v]", msgs, want)
	}
	if got := pending(0, 10); !reflect.DeepEqual(got, ids) {
		t.Errorf("Pending = %v; want all in order %v", got, ids)
	}
	if got := pending(ids[2], 10); !reflect.DeepEqual(got, ids[3:]) {
		t.Errorf("Pending after %d = %v; want %v", ids[2], got, ids[3:])
	}
	if got := depth(); got != 5 {
		t.Errorf("OutboxDepth = %d; want 5", got)
	}

	c.Advance(time.Minute)
	update(t, st, func(tx *store.Tx) error {
		if err := tx.Delivered(ids[0], ids[1]); err != nil {
			return err
		}
		if err := tx.Attempted(ids[3], "429 Too Many Requests"); err != nil {
			return err
		}
		return tx.Attempted(ids[3], "502 Bad Gateway")
	})
	msgs, err = st.Pending(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || msgs[0].ID != ids[2] || msgs[1].ID != ids[3] || msgs[1].Attempts != 2 {
		t.Errorf("Pending after deliveries and attempts = %+v; want %v, %v (2 attempts), %v", msgs, ids[2], ids[3], ids[4])
	}

	update(t, st, func(tx *store.Tx) error {
		if err := tx.GiveUp(ids[3], "400 Bad Request"); err != nil {
			return err
		}
		n, err := tx.DropPending(10, "403 Forbidden: bot was blocked by the user")
		if err != nil {
			return err
		}
		if n != 2 {
			t.Errorf("DropPending(10) = %d; want 2", n)
		}
		return nil
	})
	if got := pending(0, 10); len(got) != 0 {
		t.Errorf("Pending after giving up = %v; want none", got)
	}
	if got := depth(); got != 0 {
		t.Errorf("OutboxDepth after giving up = %d; want 0", got)
	}
	db := raw(t, path)
	if got := count(t, db, `SELECT attempts FROM outbox WHERE id = ?`, ids[3]); got != 3 {
		t.Errorf("attempts on the message given up = %d; want 3", got)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL`); got != 3 {
		t.Errorf("messages kept for inspection = %d; want 3", got)
	}

	// Prune keeps failures younger than the cutoff.
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		if err := tx.GiveUp(ids[4], "again"); err != nil { // failed_at moves to now
			return err
		}
		events, messages, err := tx.Prune(c.Now().Add(-30 * time.Minute))
		if events != 0 || messages != 2 {
			t.Errorf("Prune = %d events, %d messages; want 0, 2", events, messages)
		}
		return err
	})
	if got := count(t, db, `SELECT COUNT(*) FROM outbox`); got != 1 {
		t.Errorf("messages left after Prune = %d; want the 1 failed recently", got)
	}
}

func TestEnqueueRollsBack(t *testing.T) {
	st, _ := open(t)
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Enqueue(1, "send", []byte("x")); err != nil {
			return err
		}
		panic("handler broke after queueing its reply")
	})
	if err == nil {
		t.Fatal("Update that panicked returned nil")
	}
	if n, err := st.OutboxDepth(context.Background()); err != nil || n != 0 {
		t.Errorf("OutboxDepth after a rolled back Enqueue = %d, %v; want 0", n, err)
	}
}

func TestAppliedEvents(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		for _, id := range []string{"1", "2", "2"} {
			if _, err := tx.MarkEvent("telegram", id); err != nil {
				return err
			}
		}
		_, err := tx.MarkEvent("other", "1")
		return err
	})
	if n, err := st.AppliedEvents(context.Background(), "telegram"); err != nil || n != 2 {
		t.Errorf("AppliedEvents = %d, %v; want 2", n, err)
	}
}
