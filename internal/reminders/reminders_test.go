package reminders

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/schedule"
	"github.com/assetbot/assetbot/internal/store"
)

// t0 is a Thursday, 10:00 in London (GMT).
var t0 = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

func settings(quiet string) Settings {
	q, err := schedule.ParseQuietHours(quiet)
	if err != nil {
		panic(err)
	}
	return Settings{NudgeAfter: 24 * time.Hour, MaxNudges: 2, RefreshAfter: 180 * 24 * time.Hour, StaleAfter: 30 * 24 * time.Hour,
		Quiet: q, Location: london, DailyCap: 1, Rate: 20, CheckEvery: "@every 5m"}
}

// world is a store on a test clock and the reminders on it. Its notifier
// queues into the outbox, in the transaction, as the bot's does.
type world struct {
	t    *testing.T
	now  atomic.Int64
	st   *store.Store
	rem  *Reminders
	fail func(n int) bool // fail the nth notification (from 1)
	n    int
	// delivered holds what deliver took from the outbox, by person.
	delivered map[int64][]string
}

func newWorld(t *testing.T, set Settings) *world {
	w := &world{t: t, delivered: map[int64][]string{}}
	w.now.Store(t0.UnixNano())
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "assetbot.db"), store.WithClock(w.clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.st = st
	w.rem, err = New(st, set, w, w)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) clock() time.Time        { return time.Unix(0, w.now.Load()).UTC() }
func (w *world) set(t time.Time)         { w.now.Store(t.UnixNano()) }
func (w *world) advance(d time.Duration) { w.now.Add(int64(d)) }

func (w *world) Compose(_ *store.Tx, p store.Person, r store.Reminder) (conversation.Reply, error) {
	return conversation.Reply{Messages: []conversation.Message{{Prompt: flow.Prompt{Type: flow.TypeInfo, Text: r.Kind + " for " + p.FirstName}}}}, nil
}

func (w *world) Notify(tx *store.Tx, p store.Person, rep conversation.Reply) error {
	w.n++
	if w.fail != nil && w.fail(w.n) {
		return errors.New("the channel is down")
	}
	_, err := tx.EnqueueScheduled(p.ID, "sendMessage", []byte(rep.Messages[0].Text))
	return err
}

// deliver plays the sender: every message queued so far is sent.
func (w *world) deliver() {
	w.t.Helper()
	rows, err := w.st.Pending(context.Background(), 0, 100000)
	if err != nil {
		w.t.Fatal(err)
	}
	w.update(func(tx *store.Tx) error {
		for _, r := range rows {
			if err := tx.Delivered(r.ID); err != nil {
				return err
			}
			w.delivered[r.ChatID] = append(w.delivered[r.ChatID], string(r.Payload))
		}
		return nil
	})
}

func (w *world) update(fn func(*store.Tx) error) {
	w.t.Helper()
	if err := w.st.Update(context.Background(), fn); err != nil {
		w.t.Fatal(err)
	}
}

// resident adds a person who finished and confirmed their entry now, and
// returns their id.
func (w *world) resident(name string) int64 {
	w.t.Helper()
	var id int64
	w.update(func(tx *store.Tx) error {
		p, err := tx.CreatePerson(store.Person{Channel: "test", ChannelUserID: name, FirstName: name})
		if err != nil {
			return err
		}
		id = p.ID
		if err := tx.SaveConversation(store.Conversation{PersonID: id, Flow: "resident", Status: "done", State: []byte(`{}`)}); err != nil {
			return err
		}
		return tx.ConfirmEntry(id)
	})
	return id
}

// talk records an input of the person now, leaving their flow in status.
func (w *world) talk(id int64, status string) {
	w.t.Helper()
	w.update(func(tx *store.Tx) error {
		return tx.SaveConversation(store.Conversation{PersonID: id, Flow: "resident", Status: status, State: []byte(`{}`)})
	})
}

func (w *world) person(id int64, change func(*store.Person)) {
	w.t.Helper()
	w.update(func(tx *store.Tx) error {
		p, err := tx.PersonByID(id)
		if err != nil {
			return err
		}
		change(&p)
		return tx.UpdatePerson(p)
	})
}

// run runs the reminders at the clock's time.
func (w *world) run() Report {
	w.t.Helper()
	rep, err := w.rem.Run(context.Background(), w.clock(), w.st.Update)
	if err != nil {
		w.t.Fatalf("run at %s: %v", w.clock().Format(time.RFC3339), err)
	}
	return rep
}

// sent returns the texts queued for each person, in order.
func (w *world) sent() map[int64][]string {
	w.t.Helper()
	out := map[int64][]string{}
	for id, msgs := range w.delivered {
		out[id] = append(out[id], msgs...)
	}
	w.update(func(tx *store.Tx) error {
		rows, err := w.st.Pending(context.Background(), 0, 100000)
		for _, r := range rows {
			out[r.ChatID] = append(out[r.ChatID], string(r.Payload))
		}
		return err
	})
	return out
}

func TestNudges(t *testing.T) {
	w := newWorld(t, settings(""))
	ada := w.resident("Ada")
	w.talk(ada, "active") // stops half-way at t0
	for _, step := range []struct {
		at     time.Duration
		queued int
	}{
		{23 * time.Hour, 0},
		{24 * time.Hour, 1},
		{25 * time.Hour, 0},
		{47 * time.Hour, 0},
		{48 * time.Hour, 1},
		{10 * 24 * time.Hour, 0}, // at most two for one pause
	} {
		w.set(t0.Add(step.at))
		if got := w.run().Queued[store.ReminderNudge]; got != step.queued {
			t.Errorf("at +%v: queued %d nudges; want %d", step.at, got, step.queued)
		}
	}
	// Answering anything starts the count again.
	w.talk(ada, "active")
	w.advance(24 * time.Hour)
	if got := w.run().Queued[store.ReminderNudge]; got != 1 {
		t.Errorf("a day after answering again: queued %d; want 1", got)
	}
	if got := len(w.sent()[ada]); got != 3 {
		t.Errorf("Ada was sent %d messages; want 3", got)
	}

	// A nudge planned but overtaken by an answer is not sent.
	bea := w.resident("Bea")
	w.talk(bea, "paused")
	w.advance(24 * time.Hour)
	w.update(func(tx *store.Tx) error { _, err := tx.PlanNudges(w.clock(), 24*time.Hour, 2); return err })
	w.talk(bea, "done")
	if rep := w.run(); rep.Dropped[dropAnswered] != 1 || len(w.sent()[bea]) != 0 {
		t.Errorf("after Bea finished: %s, sent %v; want her nudge dropped as answered", rep, w.sent()[bea])
	}
}

func TestRefreshAndStale(t *testing.T) {
	w := newWorld(t, settings(""))
	ada, bea, cai := w.resident("Ada"), w.resident("Bea"), w.resident("Cai")
	w.advance(179 * 24 * time.Hour)
	if rep := w.run(); rep.PlannedRefresh != 0 {
		t.Errorf("after 179 days: %s; want nothing planned", rep)
	}
	w.advance(24 * time.Hour)
	w.talk(cai, "active") // Cai is in the middle of changing an answer
	rep := w.run()
	if rep.PlannedRefresh != 3 || rep.Queued[store.ReminderRefresh] != 2 || rep.Waiting != 1 {
		t.Errorf("after 180 days: %s; want 3 planned, 2 queued and Cai waiting", rep)
	}
	// Cai finishes (a fresh confirmation): his refresh no longer applies.
	w.advance(time.Hour)
	w.talk(cai, "done")
	w.update(func(tx *store.Tx) error { return tx.ConfirmEntry(cai) })
	w.advance(24 * time.Hour)
	if rep := w.run(); rep.Dropped[dropConfirmed] != 1 {
		t.Errorf("after Cai confirmed: %s; want his refresh dropped", rep)
	}
	// Ada taps "Still true" a week later; Bea never answers.
	w.advance(7 * 24 * time.Hour)
	w.update(func(tx *store.Tx) error { return tx.ConfirmEntry(ada) })
	w.advance(23 * 24 * time.Hour)
	if rep := w.run(); rep.Stale != 1 {
		t.Errorf("30 days after the refresh: %s; want Bea marked stale", rep)
	}
	w.update(func(tx *store.Tx) error {
		for id, stale := range map[int64]bool{ada: false, bea: true, cai: false} {
			f, err := tx.Freshness(id)
			if err != nil || f.StaleAt.IsZero() == stale {
				t.Errorf("person %d freshness %+v, %v; want stale %v", id, f, err, stale)
			}
		}
		return nil
	})
	if got := w.sent(); len(got[ada]) != 1 || len(got[bea]) != 1 || len(got[cai]) != 0 {
		t.Errorf("sent %v; want one refresh each to Ada and Bea", got)
	}
}

func TestRespect(t *testing.T) {
	t.Run("stopped, blocked and deleted people are not tried", func(t *testing.T) {
		w := newWorld(t, settings(""))
		stopped, blocked, asked := w.resident("Stopped"), w.resident("Blocked"), w.resident("Asked")
		w.advance(180 * 24 * time.Hour)
		w.update(func(tx *store.Tx) error { _, err := tx.PlanRefreshes(w.clock(), w.clock(), 100); return err })
		w.person(stopped, func(p *store.Person) { p.Reminders = false })
		w.person(blocked, func(p *store.Person) { p.Reachable = false })
		rep := w.run()
		if rep.Dropped[dropStopped] != 1 || rep.Dropped[dropUnreachable] != 1 || rep.Queued[store.ReminderRefresh] != 1 {
			t.Errorf("run: %s; want one each stopped, unreachable and sent", rep)
		}
		if got := w.sent(); len(got) != 1 || len(got[asked]) != 1 {
			t.Errorf("sent %v; want only Asked's refresh", got)
		}
	})

	t.Run("daily cap", func(t *testing.T) {
		w := newWorld(t, settings(""))
		ada := w.resident("Ada")
		w.advance(180 * 24 * time.Hour)
		w.talk(ada, "paused")
		w.advance(24 * time.Hour) // the refresh and a nudge both due
		rep := w.run()
		if got := rep.Queued[store.ReminderNudge] + rep.Queued[store.ReminderRefresh]; got != 1 || rep.Waiting != 1 {
			t.Errorf("first run: %s; want one sent, one waiting for tomorrow", rep)
		}
		w.advance(time.Hour)
		if rep := w.run(); sum(rep.Queued) != 0 {
			t.Errorf("later that day: %s; want nothing more", rep)
		}
		w.set(startOfDay(w.clock().Add(24*time.Hour), london).Add(9 * time.Hour))
		if rep := w.run(); sum(rep.Queued) != 1 {
			t.Errorf("next morning: %s; want the other one", rep)
		}
	})

	t.Run("quiet hours", func(t *testing.T) {
		w := newWorld(t, settings("21:00-09:00"))
		ada := w.resident("Ada")
		w.talk(ada, "active")
		w.set(time.Date(2026, 1, 16, 22, 30, 0, 0, time.UTC)) // 22:30 in London: quiet
		rep := w.run()
		if rep.PlannedNudges != 1 || sum(rep.Queued) != 0 || rep.QuietUntil.Format("15:04") != "09:00" {
			t.Errorf("at 22:30: %s; want planned, nothing queued until 09:00", rep)
		}
		w.set(time.Date(2026, 1, 17, 9, 0, 0, 0, time.UTC))
		if rep := w.run(); rep.Queued[store.ReminderNudge] != 1 {
			t.Errorf("at 09:00: %s; want the nudge", rep)
		}
	})

	t.Run("a run ending at the quiet hours queues only what can go before them", func(t *testing.T) {
		w := newWorld(t, settings("21:00-09:00"))
		for i := range 50 {
			w.resident("r" + strconv.Itoa(i))
		}
		w.set(time.Date(2026, 7, 14, 19, 59, 59, 0, time.UTC)) // 20:59:59 BST: 1 s left
		if rep := w.run(); rep.Queued[store.ReminderRefresh] != 20 {
			t.Errorf("a second before the quiet hours: %s; want 20 (one second at 20/s)", rep)
		}
	})
}

func TestLargeRunIsSpreadOverRuns(t *testing.T) {
	set := settings("")
	set.Rate = 2 // a run every 5 minutes sends at most 600
	w := newWorld(t, set)
	w.update(func(tx *store.Tx) error {
		for i := range 1500 {
			p, err := tx.CreatePerson(store.Person{Channel: "test", ChannelUserID: strconv.Itoa(i)})
			if err != nil {
				return err
			}
			if err := tx.ConfirmEntry(p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	w.advance(180 * 24 * time.Hour)
	var total int
	for i, want := range []int{600, 600, 300, 0} {
		rep := w.run()
		if got := rep.Queued[store.ReminderRefresh]; got != want {
			t.Errorf("run %d: %s; want %d queued", i+1, rep, want)
		}
		total += rep.Queued[store.ReminderRefresh]
		w.deliver() // the sender sends them all before the next run
		w.advance(5 * time.Minute)
	}
	if got := len(w.sent()); got != 1500 || total != 1500 {
		t.Errorf("%d people sent to, %d queued; want each of 1500 once", got, total)
	}
}

func TestUnsentRemindersHoldBackTheNextRun(t *testing.T) {
	set := settings("")
	set.Rate = 2
	w := newWorld(t, set)
	for i := range 1000 {
		w.resident("r" + strconv.Itoa(i))
	}
	w.advance(180 * 24 * time.Hour)
	if rep := w.run(); rep.Queued[store.ReminderRefresh] != 600 {
		t.Fatalf("first run: %s; want 600 queued", rep)
	}
	// Replies left no room: nothing was sent before the next run.
	w.advance(5 * time.Minute)
	if rep := w.run(); sum(rep.Queued) != 0 {
		t.Errorf("a run with the last run's 600 unsent: %s; want nothing more queued", rep)
	}
	// Half went out: the next run tops the outbox up, no further.
	rows, err := w.st.Pending(context.Background(), 0, 300)
	if err != nil {
		t.Fatal(err)
	}
	w.update(func(tx *store.Tx) error {
		for _, r := range rows {
			if err := tx.Delivered(r.ID); err != nil {
				return err
			}
		}
		return nil
	})
	w.advance(5 * time.Minute)
	if rep := w.run(); rep.Queued[store.ReminderRefresh] != 300 {
		t.Errorf("a run after 300 went out: %s; want 300 queued", rep)
	}
}

func TestRunKilledHalfWaySendsNothingTwice(t *testing.T) {
	w := newWorld(t, settings(""))
	const people = 250
	for i := range people {
		w.resident("r" + strconv.Itoa(i))
	}
	w.advance(180 * 24 * time.Hour)
	w.fail = func(n int) bool { return n == 150 } // mid-way through the second page
	if _, err := w.rem.Run(context.Background(), w.clock(), w.st.Update); err == nil {
		t.Fatal("a run whose channel failed reported no error")
	}
	w.fail = nil
	w.run()
	sent := w.sent()
	if len(sent) != people {
		t.Errorf("%d people sent to; want all %d", len(sent), people)
	}
	for id, msgs := range sent {
		if len(msgs) != 1 {
			t.Errorf("person %d got %d messages; want 1", id, len(msgs))
		}
	}
	if rep := w.run(); sum(rep.Queued) != 0 || rep.PlannedRefresh != 0 {
		t.Errorf("a third run: %s; want nothing", rep)
	}
}
