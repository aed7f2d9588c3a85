package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

const day = 24 * time.Hour

// retentionPage reads every person due in pass as of c, limit at a time,
// and returns their ids in the order read.
func retentionPage(t *testing.T, st *store.Store, pass store.RetentionPass, c store.RetentionCutoffs, limit int) []int64 {
	t.Helper()
	var all []int64
	var from store.RetentionCursor
	for {
		ids, next, err := st.RetentionPage(context.Background(), pass, c, from, limit)
		if err != nil {
			t.Fatalf("page of %s: %v", pass, err)
		}
		all = append(all, ids...)
		if len(ids) < limit {
			return all
		}
		from = next
	}
}

// dueNow says whether RetentionDue and CountRetention agree that ids are
// exactly the people due in pass, and returns RetentionDue's verdict per
// person.
func dueNow(t *testing.T, st *store.Store, pass store.RetentionPass, c store.RetentionCutoffs, people map[string]int64) []string {
	t.Helper()
	var due []string
	update(t, st, func(tx *store.Tx) error {
		for name, id := range people {
			ok, err := tx.RetentionDue(pass, c, id)
			if err != nil {
				return err
			}
			if ok {
				due = append(due, name)
			}
		}
		return nil
	})
	slices.Sort(due)
	n, err := st.CountRetention(context.Background(), pass, c)
	if err != nil || n != len(due) {
		t.Errorf("CountRetention(%s) = %d, %v; want %d, as RetentionDue says", pass, n, err, len(due))
	}
	if paged := retentionPage(t, st, pass, c, 2); len(paged) != len(due) {
		t.Errorf("paged %s: %d people; want %d, as RetentionDue says", pass, len(paged), len(due))
	}
	return due
}

func TestRetentionUnfinished(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	people := map[string]int64{}
	add := func(name string, also func(tx *store.Tx, id int64) error) {
		update(t, st, func(tx *store.Tx) error {
			p := person(t, tx, name)
			people[name] = p.ID
			return also(tx, p.ID)
		})
	}
	nothing := func(*store.Tx, int64) error { return nil }
	add("declined", nothing) // a person row and nothing more: the record of a refusal
	add("mid flow", func(tx *store.Tx, id int64) error { saveConversation(t, tx, id, "active"); return nil })
	add("paused", func(tx *store.Tx, id int64) error { saveConversation(t, tx, id, "paused"); return nil })
	add("came back", func(tx *store.Tx, id int64) error { saveConversation(t, tx, id, "paused"); return nil })
	add("changed language", nothing)
	add("finished", func(tx *store.Tx, id int64) error { saveConversation(t, tx, id, "done"); return tx.ConfirmEntry(id) })
	add("added a group", func(tx *store.Tx, id int64) error { assetOf(t, tx, "Chess club", id); return nil })
	add("removed their group", func(tx *store.Tx, id int64) error {
		a := assetOf(t, tx, "Bridge club", id)
		return tx.RemoveAsset(a.ID, id)
	})
	c.Advance(60 * day)
	update(t, st, func(tx *store.Tx) error {
		saveConversation(t, tx, people["came back"], "active")
		p, err := tx.PersonByID(people["changed language"])
		if err != nil {
			return err
		}
		p.Language = "cy"
		return tx.UpdatePerson(p)
	})
	cutoffs := func(now time.Time) store.RetentionCutoffs { return store.RetentionCutoffs{IdleBy: now.Add(-90 * day)} }

	if got := dueNow(t, st, store.RetainUnfinished, cutoffs(t0.Add(90*day-time.Millisecond)), people); len(got) != 0 {
		t.Errorf("due a moment before 90 days: %v; want nobody", got)
	}
	want := []string{"declined", "mid flow", "paused", "removed their group"}
	if got := dueNow(t, st, store.RetainUnfinished, cutoffs(t0.Add(90*day)), people); !reflect.DeepEqual(got, want) {
		t.Errorf("due at 90 days: %v; want %v (not the finished, those who came back, nor who added a group)", got, want)
	}
	want = []string{"came back", "changed language", "declined", "mid flow", "paused", "removed their group"}
	if got := dueNow(t, st, store.RetainUnfinished, cutoffs(t0.Add(150*day)), people); !reflect.DeepEqual(got, want) {
		t.Errorf("due at 150 days: %v; want %v", got, want)
	}
}

func TestRetentionPagesInOrder(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	var want []int64
	// Seven people, some at the same instant: pages must neither repeat
	// nor skip people who share a time.
	for i := range 7 {
		update(t, st, func(tx *store.Tx) error {
			want = append(want, person(t, tx, strconv.Itoa(i)).ID)
			return nil
		})
		if i%3 == 2 {
			c.Advance(time.Hour)
		}
	}
	cut := store.RetentionCutoffs{IdleBy: c.Now()}
	for _, limit := range []int{1, 3, 7, 100} {
		if got := retentionPage(t, st, store.RetainUnfinished, cut, limit); !reflect.DeepEqual(got, want) {
			t.Errorf("pages of %d: %v; want %v", limit, got, want)
		}
	}
}

// staleEntries adds people named names who confirmed their entry at t0,
// sends them a refresh 180 days on and marks them stale 30 days after
// that; it returns their ids by name and when they went stale.
func staleEntries(t *testing.T, c *clock, st *store.Store, names ...string) (map[string]int64, time.Time) {
	t.Helper()
	people := map[string]int64{}
	update(t, st, func(tx *store.Tx) error {
		for _, name := range names {
			people[name] = person(t, tx, name).ID
			if err := tx.ConfirmEntry(people[name]); err != nil {
				return err
			}
		}
		return nil
	})
	c.Advance(180 * day)
	now := c.Now()
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.PlanRefreshes(now, now, 100); err != nil {
			return err
		}
		due, err := tx.DueReminders(now, 100)
		if err != nil {
			return err
		}
		for _, r := range due {
			if err := tx.SettleReminder(r.ID, store.OutcomeSent); err != nil {
				return err
			}
		}
		return nil
	})
	c.Advance(30 * day)
	staleAt := c.Now()
	update(t, st, func(tx *store.Tx) error {
		n, err := tx.MarkStale(staleAt, staleAt.Add(-30*day))
		if err == nil && n != int64(len(names)) {
			t.Fatalf("marked %d stale; want %d", n, len(names))
		}
		return err
	})
	return people, staleAt
}

func TestRetentionStale(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	people, staleAt := staleEntries(t, c, st, "warned", "unreachable", "confirmed", "warned late")
	// As the retention job computes them: a year's retention and 30
	// days' notice.
	cutoffs := func(now time.Time) store.RetentionCutoffs {
		return store.RetentionCutoffs{IdleBy: now.Add(-90 * day), WarnBy: now.Add(-335 * day), StaleBy: now.Add(-365 * day), NoticeBy: now.Add(-30 * day)}
	}
	at := func(d time.Duration) store.RetentionCutoffs { return cutoffs(staleAt.Add(d)) }
	if got := dueNow(t, st, store.RetainWarn, at(334*day), people); len(got) != 0 {
		t.Errorf("due a warning after 334 days: %v; want nobody", got)
	}
	all := []string{"confirmed", "unreachable", "warned", "warned late"}
	if got := dueNow(t, st, store.RetainWarn, at(335*day), people); !reflect.DeepEqual(got, all) {
		t.Errorf("due a warning after 335 days: %v; want %v", got, all)
	}
	if got := dueNow(t, st, store.RetainUnfinished, at(10000*day), people); len(got) != 0 {
		t.Errorf("stale entries taken for unfinished: %v", got)
	}
	c.Advance(335 * day)
	warnings := map[string]int64{}
	update(t, st, func(tx *store.Tx) error {
		for name, id := range people {
			for try := range 2 {
				planned, err := tx.PlanRetentionWarning(id, tx.Now())
				if err != nil || planned != (try == 0) {
					t.Errorf("planning %s's warning, try %d: %v, %v; want once only", name, try+1, planned, err)
				}
			}
		}
		due, err := tx.DueReminders(tx.Now(), 100)
		for _, r := range due {
			if r.Kind != store.ReminderRetention || r.About != staleAt.Format("2006-01-02T15:04:05.000Z") {
				t.Errorf("planned %+v; want a retention warning about when the entry went stale", r)
			}
			for name, id := range people {
				if id == r.PersonID {
					warnings[name] = r.ID
				}
			}
		}
		return err
	})
	if got := dueNow(t, st, store.RetainWarn, at(335*day), people); len(got) != 0 {
		t.Errorf("due a warning once warned: %v; want nobody", got)
	}
	if got := dueNow(t, st, store.RetainStale, at(1000*day), people); len(got) != 0 {
		t.Errorf("deleted before any warning was settled: %v; want nobody", got)
	}
	// The reminders job sends two warnings and finds one person blocked
	// the bot; five days on one of those warned confirms; the last
	// warning waits until day 360 (the daily cap, quiet hours, mid-flow).
	update(t, st, func(tx *store.Tx) error {
		for name, outcome := range map[string]string{"warned": store.OutcomeSent, "confirmed": store.OutcomeSent, "unreachable": "unreachable"} {
			if err := tx.SettleReminder(warnings[name], outcome); err != nil {
				return err
			}
		}
		return nil
	})
	c.Advance(5 * day)
	update(t, st, func(tx *store.Tx) error { return tx.ConfirmEntry(people["confirmed"]) })
	c.Advance(20 * day)
	update(t, st, func(tx *store.Tx) error { return tx.SettleReminder(warnings["warned late"], store.OutcomeSent) })

	for _, tc := range []struct {
		after time.Duration
		want  []string
	}{
		{364 * day, nil},
		{365 * day, []string{"unreachable", "warned"}},
		{390*day - time.Millisecond, []string{"unreachable", "warned"}},
		{390 * day, []string{"unreachable", "warned", "warned late"}},
	} {
		if got := dueNow(t, st, store.RetainStale, at(tc.after), people); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("due for deletion %v after going stale: %v; want %v", tc.after, got, tc.want)
		}
	}

	// Erasing takes the person and their reminders.
	update(t, st, func(tx *store.Tx) error { return tx.ErasePerson(people["warned"]) })
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.PersonByID(people["warned"]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("person after erasing: %v; want not found", err)
		}
		if _, err := tx.Reminder(warnings["warned"]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("warning after erasing: %v; want not found", err)
		}
		if err := tx.ErasePerson(people["warned"]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("erasing twice: %v; want not found", err)
		}
		return nil
	})

	// Going stale again is warned of again.
	c.Advance(200 * day)
	now := c.Now()
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.PlanRefreshes(now, now.Add(-180*day), 100); err != nil {
			return err
		}
		due, err := tx.DueReminders(now, 100)
		for _, r := range due {
			if r.PersonID == people["confirmed"] && r.Kind == store.ReminderRefresh {
				err = errors.Join(err, tx.SettleReminder(r.ID, store.OutcomeSent))
			}
		}
		return err
	})
	c.Advance(30 * day)
	update(t, st, func(tx *store.Tx) error { _, err := tx.MarkStale(tx.Now(), tx.Now().Add(-30*day)); return err })
	if got := dueNow(t, st, store.RetainWarn, cutoffs(c.Now().Add(335*day)), map[string]int64{"confirmed": people["confirmed"]}); !reflect.DeepEqual(got, []string{"confirmed"}) {
		t.Errorf("due a warning after going stale again: %v; want confirmed", got)
	}
}
