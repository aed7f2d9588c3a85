package store_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// saveConversation stores a conversation for the person as of the clock.
func saveConversation(t *testing.T, tx *store.Tx, personID int64, status string) {
	t.Helper()
	if err := tx.SaveConversation(store.Conversation{PersonID: personID, Flow: "resident", Status: status, State: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}

func dueReminders(t *testing.T, st *store.Store, now time.Time) []store.Reminder {
	t.Helper()
	var due []store.Reminder
	update(t, st, func(tx *store.Tx) (err error) {
		due, err = tx.DueReminders(now, 100)
		return err
	})
	return due
}

func TestPlanNudges(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	var paused, active, done, stopped, blocked int64
	update(t, st, func(tx *store.Tx) error {
		for name, id := range map[string]*int64{"paused": &paused, "active": &active, "done": &done, "stopped": &stopped, "blocked": &blocked} {
			*id = person(t, tx, name).ID
		}
		return nil
	})
	update(t, st, func(tx *store.Tx) error {
		for id, status := range map[int64]string{paused: "paused", active: "active", done: "done", stopped: "active", blocked: "active"} {
			saveConversation(t, tx, id, status)
		}
		for id, set := range map[int64]func(*store.Person){stopped: func(p *store.Person) { p.Reminders = false }, blocked: func(p *store.Person) { p.Reachable = false }} {
			p, err := tx.PersonByID(id)
			if err != nil {
				return err
			}
			set(&p)
			if err := tx.UpdatePerson(p); err != nil {
				return err
			}
		}
		return nil
	})
	plan := func(now time.Time) int64 {
		t.Helper()
		var n int64
		update(t, st, func(tx *store.Tx) (err error) {
			n, err = tx.PlanNudges(now, 24*time.Hour, 2)
			return err
		})
		return n
	}
	for _, step := range []struct {
		name  string
		after time.Duration
		want  int64
	}{
		{"not yet a day", 23 * time.Hour, 0},
		{"a day on: the paused and the active get their first", 24 * time.Hour, 2},
		{"again at once: nothing twice", 24 * time.Hour, 0},
		{"two days on: their second", 48 * time.Hour, 2},
		{"a week on: no third", 7 * 24 * time.Hour, 0},
	} {
		if got := plan(t0.Add(step.after)); got != step.want {
			t.Errorf("%s: planned %d; want %d", step.name, got, step.want)
		}
	}
	due := dueReminders(t, st, t0.Add(7*24*time.Hour))
	if len(due) != 4 {
		t.Fatalf("due = %+v; want 4 nudges", due)
	}
	for _, r := range due {
		if r.PersonID != paused && r.PersonID != active || r.Kind != store.ReminderNudge {
			t.Errorf("due %+v; want nudges for the paused and active only", r)
		}
		if at, err := r.AboutTime(); err != nil || !at.Equal(t0) {
			t.Errorf("AboutTime of %+v = %v, %v; want %v", r, at, err, t0)
		}
	}
	// Any input starts a new pause with its own nudges.
	c.Advance(8 * 24 * time.Hour)
	update(t, st, func(tx *store.Tx) error { saveConversation(t, tx, paused, "paused"); return nil })
	if got := plan(c.Now().Add(24 * time.Hour)); got != 1 {
		t.Errorf("a day after a new input: planned %d; want 1", got)
	}
}

func TestRefreshesAndStale(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	const people = 25
	ids := make([]int64, people)
	update(t, st, func(tx *store.Tx) error {
		for i := range ids {
			ids[i] = person(t, tx, strconv.Itoa(i)).ID
			if i%5 != 4 { // every fifth never finished: nothing to refresh
				if err := tx.ConfirmEntry(ids[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	c.Advance(180 * 24 * time.Hour)
	now := c.Now()
	var planned int64
	rounds := 0
	for n := int64(7); n == 7; rounds++ {
		update(t, st, func(tx *store.Tx) (err error) {
			n, err = tx.PlanRefreshes(now, now.Add(-180*24*time.Hour), 7)
			return err
		})
		planned += n
	}
	if rounds != 3 {
		t.Errorf("planned in %d rounds of 7; want 3", rounds)
	}
	if planned != 20 {
		t.Errorf("planned %d refreshes; want 20", planned)
	}
	due := dueReminders(t, st, now)
	// One person confirms before anything is sent; the rest are sent.
	update(t, st, func(tx *store.Tx) error {
		for _, r := range due {
			if err := tx.SettleReminder(r.ID, store.OutcomeSent); err != nil {
				return err
			}
		}
		if n, err := tx.RemindersSentSince(due[0].PersonID, now); err != nil || n != 1 {
			t.Errorf("RemindersSentSince = %d, %v; want 1", n, err)
		}
		return nil
	})
	c.Advance(10 * 24 * time.Hour)
	update(t, st, func(tx *store.Tx) error { return tx.ConfirmEntry(due[0].PersonID) })
	mark := func(at time.Time) int64 {
		var n int64
		update(t, st, func(tx *store.Tx) (err error) {
			n, err = tx.MarkStale(at, at.Add(-30*24*time.Hour))
			return err
		})
		return n
	}
	if got := mark(now.Add(29 * 24 * time.Hour)); got != 0 {
		t.Errorf("marked %d stale after 29 days; want none", got)
	}
	if got := mark(now.Add(30 * 24 * time.Hour)); got != 19 {
		t.Errorf("marked %d stale after 30 days; want the 19 who did not confirm", got)
	}
	if got := mark(now.Add(31 * 24 * time.Hour)); got != 0 {
		t.Errorf("marked %d stale again; want none", got)
	}
	update(t, st, func(tx *store.Tx) error {
		f, err := tx.Freshness(due[1].PersonID)
		if err != nil || !f.StaleAt.Equal(now.Add(30*24*time.Hour)) {
			t.Errorf("freshness = %+v, %v; want stale", f, err)
		}
		if err := tx.ConfirmEntry(due[1].PersonID); err != nil {
			return err
		}
		f, err = tx.Freshness(due[1].PersonID)
		if err != nil || !f.StaleAt.IsZero() || !f.ConfirmedAt.Equal(tx.Now()) {
			t.Errorf("freshness after confirming = %+v, %v; want fresh, confirmed now", f, err)
		}
		return nil
	})
	// A stale entry gets no second refresh; a confirmed one is due again
	// 180 days on.
	var again int64
	update(t, st, func(tx *store.Tx) (err error) {
		again, err = tx.PlanRefreshes(c.Now().Add(365*24*time.Hour), c.Now().Add(185*24*time.Hour), 100)
		return err
	})
	if again != 2 {
		t.Errorf("planned %d refreshes a year on; want 2 (the two who confirmed)", again)
	}
}

func TestPostponeAndDeleteReminders(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	var id int64
	update(t, st, func(tx *store.Tx) error {
		id = person(t, tx, "1").ID
		saveConversation(t, tx, id, "active")
		_, err := tx.PlanNudges(t0.Add(24*time.Hour), 24*time.Hour, 1)
		return err
	})
	due := dueReminders(t, st, t0.Add(24*time.Hour))
	if len(due) != 1 {
		t.Fatalf("due = %+v; want one nudge", due)
	}
	update(t, st, func(tx *store.Tx) error { return tx.PostponeReminder(due[0].ID, t0.Add(30*time.Hour)) })
	if got := dueReminders(t, st, t0.Add(29*time.Hour)); len(got) != 0 {
		t.Errorf("due before the postponed time = %+v; want none", got)
	}
	if got := dueReminders(t, st, t0.Add(30*time.Hour)); len(got) != 1 {
		t.Errorf("due at the postponed time = %+v; want the nudge", got)
	}
	update(t, st, func(tx *store.Tx) error {
		_, err := tx.DeleteAnswers(id)
		return err
	})
	if got := dueReminders(t, st, t0.Add(30*time.Hour)); len(got) != 0 {
		t.Errorf("due after deleting the answers = %+v; want none", got)
	}
	update(t, st, func(tx *store.Tx) error {
		r, err := tx.Reminder(due[0].ID)
		if err != nil || r.Outcome != "answers deleted" || !r.SentAt.IsZero() {
			t.Errorf("reminder after deleting = %+v, %v; want settled unsent", r, err)
		}
		return nil
	})
}

// assetOf puts an association named name on the map in tx, added by by.
func assetOf(t *testing.T, tx *store.Tx, name string, by int64) store.Asset {
	t.Helper()
	a, err := tx.CreateAsset(store.Asset{Kind: "association", Name: name, FlowVersion: 1, Fields: map[string]flow.Value{"name": text(name)}}, by)
	if err != nil {
		t.Fatalf("add %s: %v", name, err)
	}
	return a
}

// planAssets plans asset refreshes due at now in pages of limit until a
// page comes back short, and returns how many it planned.
func planAssets(t *testing.T, st *store.Store, now time.Time, limit int) int64 {
	t.Helper()
	var total int64
	for n := int64(limit); n == int64(limit); total += n {
		update(t, st, func(tx *store.Tx) (err error) {
			n, err = tx.PlanAssetRefreshes(now, now.Add(-180*24*time.Hour), limit)
			return err
		})
	}
	return total
}

func TestPlanAssetRefreshes(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	ids := map[string]int64{} // asset name to id
	var bob, carol, stopped, blocked int64
	update(t, st, func(tx *store.Tx) error {
		bob, carol = person(t, tx, "bob").ID, person(t, tx, "carol").ID
		for id, set := range map[*int64]func(*store.Person){&stopped: func(p *store.Person) { p.Reminders = false }, &blocked: func(p *store.Person) { p.Reachable = false }} {
			p := person(t, tx, strconv.Itoa(len(ids)))
			ids[p.ChannelUserID] = 0
			set(&p)
			if err := tx.UpdatePerson(p); err != nil {
				return err
			}
			*id = p.ID
		}
		for name, by := range map[string]int64{"old": bob, "changed": bob, "removed": bob, "stopped": stopped, "blocked": blocked, "nobody": 0} {
			ids[name] = assetOf(t, tx, name, by).ID
		}
		return nil
	})
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		// Carol changes one: she is who is asked about it now.
		a, err := tx.Asset(ids["changed"])
		if err != nil {
			return err
		}
		a.Fields["purpose"] = text("Plays chess")
		if _, err := tx.SaveAsset(a, carol); err != nil {
			return err
		}
		return tx.RemoveAsset(ids["removed"], bob)
	})
	c.Advance(100 * 24 * time.Hour)
	update(t, st, func(tx *store.Tx) error { ids["recent"] = assetOf(t, tx, "recent", bob).ID; return nil })
	now := t0.Add(180*24*time.Hour + time.Hour)

	if got := planAssets(t, st, now, 1); got != 2 {
		t.Errorf("planned %d asset refreshes; want 2", got)
	}
	if got := planAssets(t, st, now, 1); got != 0 {
		t.Errorf("planned %d again; want nothing twice", got)
	}
	want := map[int64]int64{ids["old"]: bob, ids["changed"]: carol} // asset to whom
	for _, r := range dueReminders(t, st, now) {
		update(t, st, func(tx *store.Tx) error {
			a, err := tx.Asset(r.AssetID)
			if err != nil {
				return err
			}
			at, err := r.AboutTime()
			if r.Kind != store.ReminderRefreshAsset || want[r.AssetID] != r.PersonID || err != nil || !at.Equal(a.ConfirmedAt) || !strings.Contains(r.About, "asset:") {
				t.Errorf("planned %+v (about %v, %v); want a refresh of asset %d's confirmation at %v to person %d", r, at, err, a.ID, a.ConfirmedAt, want[r.AssetID])
			}
			delete(want, r.AssetID)
			return nil
		})
	}
	if len(want) != 0 {
		t.Errorf("no refresh planned for assets %v", want)
	}
}

func TestPlanAssetRefreshesInPages(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	const assets = 25
	update(t, st, func(tx *store.Tx) error {
		bob := person(t, tx, "bob").ID
		// Confirmed at the same instant: the watermark must still order them
		// by id (9 before 10) to plan each once.
		for i := range assets {
			assetOf(t, tx, "a"+strconv.Itoa(i), bob)
		}
		return nil
	})
	c.Advance(180 * 24 * time.Hour)
	for _, step := range []struct {
		limit int
		want  int64
	}{{2, assets}, {7, 0}, {100, 0}} {
		if got := planAssets(t, st, c.Now(), step.limit); got != step.want {
			t.Errorf("pages of %d planned %d; want %d", step.limit, got, step.want)
		}
	}
	// One person, each asset once: a refresh each, by about.
	if got := len(dueReminders(t, st, c.Now())); got != assets {
		t.Errorf("%d due; want %d", got, assets)
	}
}

func TestAssetsGoStale(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	var bob int64
	var kept, confirmed, removed, changed store.Asset
	update(t, st, func(tx *store.Tx) error {
		bob = person(t, tx, "bob").ID
		kept, confirmed, removed, changed = assetOf(t, tx, "kept", bob), assetOf(t, tx, "confirmed", bob), assetOf(t, tx, "removed", bob), assetOf(t, tx, "changed", bob)
		return nil
	})
	c.Advance(180 * 24 * time.Hour)
	now := c.Now()
	if got := planAssets(t, st, now, 100); got != 4 {
		t.Fatalf("planned %d; want 4", got)
	}
	due := dueReminders(t, st, now)
	update(t, st, func(tx *store.Tx) error {
		for _, r := range due {
			if err := tx.SettleReminder(r.ID, store.OutcomeSent); err != nil {
				return err
			}
		}
		return nil
	})
	c.Advance(10 * 24 * time.Hour)
	update(t, st, func(tx *store.Tx) error {
		changed.Fields["purpose"] = text("Something new")
		if _, err := tx.SaveAsset(changed, bob); err != nil {
			return err
		}
		if err := tx.RemoveAsset(removed.ID, bob); err != nil {
			return err
		}
		return tx.ConfirmAsset(confirmed.ID)
	})
	mark := func(at time.Time) int64 {
		var n int64
		update(t, st, func(tx *store.Tx) (err error) {
			n, err = tx.MarkAssetsStale(at, at.Add(-30*24*time.Hour))
			return err
		})
		return n
	}
	for _, step := range []struct {
		after time.Duration
		want  int64
	}{{29 * 24 * time.Hour, 0}, {30 * 24 * time.Hour, 1}, {31 * 24 * time.Hour, 0}} {
		if got := mark(now.Add(step.after)); got != step.want {
			t.Errorf("%v after the refresh: marked %d stale; want %d", step.after, got, step.want)
		}
	}
	staleAt := now.Add(30 * 24 * time.Hour)
	update(t, st, func(tx *store.Tx) error {
		for _, tc := range []struct {
			a     store.Asset
			stale bool
		}{{kept, true}, {confirmed, false}, {changed, false}} {
			a, err := tx.Asset(tc.a.ID)
			if err != nil || tc.stale != a.StaleAt.Equal(staleAt) || !tc.stale && !a.StaleAt.IsZero() {
				t.Errorf("%s stale at %v, %v; want stale %v", tc.a.Name, a.StaleAt, err, tc.stale)
			}
		}
		// Confirming it makes it fresh again.
		if err := tx.ConfirmAsset(kept.ID); err != nil {
			return err
		}
		if a, err := tx.Asset(kept.ID); err != nil || !a.StaleAt.IsZero() || !a.ConfirmedAt.Equal(tx.Now()) {
			t.Errorf("after confirming: %+v, %v; want fresh, confirmed now", a, err)
		}
		return nil
	})
}
