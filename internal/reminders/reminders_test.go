package reminders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
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
	// gone are the assets Compose finds no flow for.
	gone map[int64]bool
	path string
}

func newWorld(t *testing.T, set Settings) *world {
	w := &world{t: t, delivered: map[int64][]string{}, gone: map[int64]bool{}, path: filepath.Join(t.TempDir(), "assetbot.db")}
	w.now.Store(t0.UnixNano())
	st, err := store.Open(context.Background(), w.path, store.WithClock(w.clock))
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
	text := r.Kind + " for " + p.FirstName
	if r.AssetID != 0 {
		if w.gone[r.AssetID] {
			return conversation.Reply{}, fmt.Errorf("asset %d: %w", r.AssetID, conversation.ErrGone)
		}
		text = fmt.Sprintf("%s of asset %d for %s", r.Kind, r.AssetID, p.FirstName)
	}
	return conversation.Reply{Messages: []conversation.Message{{Prompt: flow.Prompt{Type: flow.TypeInfo, Text: text}}}}, nil
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

// mapper adds a person who only put things on the map (no entry of their
// own to refresh), and returns their id.
func (w *world) mapper(name string) int64 {
	w.t.Helper()
	var id int64
	w.update(func(tx *store.Tx) error {
		p, err := tx.CreatePerson(store.Person{Channel: "test", ChannelUserID: name, FirstName: name})
		id = p.ID
		return err
	})
	return id
}

// asset puts an association on the map now, added by person by, and
// returns its id.
func (w *world) asset(name string, by int64) int64 {
	w.t.Helper()
	var id int64
	w.update(func(tx *store.Tx) error {
		a, err := tx.CreateAsset(store.Asset{Kind: "association", Name: name, FlowVersion: 1, Fields: map[string]flow.Value{"name": {Text: name}}}, by)
		id = a.ID
		return err
	})
	return id
}

// assetNow reads an asset as the store holds it.
func (w *world) assetNow(id int64) store.Asset {
	w.t.Helper()
	var a store.Asset
	w.update(func(tx *store.Tx) (err error) {
		a, err = tx.Asset(id)
		return err
	})
	return a
}

// refreshOf is the text the test composer writes for a refresh of asset
// id to name.
func refreshOf(id int64, name string) string {
	return fmt.Sprintf("%s of asset %d for %s", store.ReminderRefreshAsset, id, name)
}

func TestAssetRefreshes(t *testing.T) {
	w := newWorld(t, settings(""))
	ada, bea, off, blocked := w.mapper("Ada"), w.mapper("Bea"), w.mapper("Off"), w.mapper("Blocked")
	old := w.asset("Chess club", ada)
	changed := w.asset("Choir", ada)
	removed := w.asset("Book club", ada)
	w.asset("Quiz team", off)
	w.asset("Darts team", blocked)
	w.asset("Nobody's", 0)
	w.person(off, func(p *store.Person) { p.Reminders = false })
	w.person(blocked, func(p *store.Person) { p.Reachable = false })
	w.advance(time.Hour)
	w.update(func(tx *store.Tx) error {
		// Bea changes the choir: she is the one asked about it.
		a, err := tx.Asset(changed)
		if err != nil {
			return err
		}
		a.Fields["purpose"] = flow.Value{Text: "Sings"}
		if _, err := tx.SaveAsset(a, bea); err != nil {
			return err
		}
		return tx.RemoveAsset(removed, ada)
	})
	w.advance(100 * 24 * time.Hour)
	recent := w.asset("Allotments", bea)

	w.advance(80 * 24 * time.Hour)
	rep := w.run()
	if rep.PlannedAssetRefresh != 2 || rep.Queued[store.ReminderRefreshAsset] != 2 {
		t.Errorf("180 days on: %s; want 2 asset refreshes planned and queued", rep)
	}
	want := map[int64][]string{ada: {refreshOf(old, "Ada")}, bea: {refreshOf(changed, "Bea")}}
	if got := w.sent(); !reflect.DeepEqual(got, want) {
		t.Errorf("sent %v; want %v (not the recent %d, the removed, nor to people who stopped or blocked)", got, want, recent)
	}
	if rep := w.run(); rep.PlannedAssetRefresh != 0 || sum(rep.Queued) != 0 {
		t.Errorf("a second run: %s; want nothing planned or sent twice", rep)
	}

	// Ada says hers is still true a week on; Bea never answers.
	w.advance(7 * 24 * time.Hour)
	w.update(func(tx *store.Tx) error { return tx.ConfirmAsset(old) })
	w.advance(23 * 24 * time.Hour)
	if rep := w.run(); rep.StaleAssets != 1 || rep.Stale != 0 {
		t.Errorf("30 days after the refreshes: %s; want the choir marked stale", rep)
	}
	if a := w.assetNow(changed); !a.StaleAt.Equal(w.clock()) {
		t.Errorf("choir stale at %v; want %v", a.StaleAt, w.clock())
	}
	if a := w.assetNow(old); !a.StaleAt.IsZero() {
		t.Errorf("chess club stale at %v; want fresh", a.StaleAt)
	}
	// The stale choir gets no second refresh; the confirmed club is due
	// again 180 days after Ada confirmed it.
	w.set(t0.Add(time.Hour + 180*24*time.Hour + 7*24*time.Hour + 180*24*time.Hour))
	if rep := w.run(); rep.PlannedAssetRefresh != 2 {
		t.Errorf("180 days after Ada confirmed: %s; want the club's and the allotments' refreshes", rep)
	}
}

func TestAssetRefreshOverTakenOrGone(t *testing.T) {
	w := newWorld(t, settings(""))
	ada := w.mapper("Ada")
	ids := map[string]int64{}
	for _, name := range []string{"confirmed", "removed", "no flow", "asked"} {
		ids[name] = w.asset(name, ada)
	}
	w.advance(180 * 24 * time.Hour)
	w.update(func(tx *store.Tx) error {
		_, err := tx.PlanAssetRefreshes(w.clock(), w.clock(), 100)
		return err
	})
	w.update(func(tx *store.Tx) error {
		if err := tx.ConfirmAsset(ids["confirmed"]); err != nil {
			return err
		}
		return tx.RemoveAsset(ids["removed"], ada)
	})
	w.gone[ids["no flow"]] = true
	rep := w.run()
	if rep.Dropped[dropConfirmed] != 1 || rep.Dropped[dropAssetGone] != 2 || rep.Queued[store.ReminderRefreshAsset] != 1 {
		t.Errorf("run: %s; want one dropped as confirmed, two as gone, one sent", rep)
	}
	if got := w.sent()[ada]; !slices.Equal(got, []string{refreshOf(ids["asked"], "Ada")}) {
		t.Errorf("Ada was sent %q; want only the refresh of what is still as it was", got)
	}
}

func TestOneReminderPerPersonPerRun(t *testing.T) {
	set := settings("")
	set.DailyCap = 5
	w := newWorld(t, set)
	ada, bea := w.mapper("Ada"), w.mapper("Bea")
	for i := range 3 {
		w.asset("a"+strconv.Itoa(i), ada)
	}
	w.asset("b", bea)
	w.advance(180 * 24 * time.Hour)
	for i, want := range []struct{ ada, bea, waiting int }{{1, 1, 2}, {2, 1, 1}, {3, 1, 0}, {3, 1, 0}} {
		rep := w.run()
		sent := w.sent()
		if len(sent[ada]) != want.ada || len(sent[bea]) != want.bea || rep.Waiting != want.waiting {
			t.Errorf("after run %d (%s): Ada has %d, Bea %d; want %d and %d, %d waiting", i+1, rep, len(sent[ada]), len(sent[bea]), want.ada, want.bea, want.waiting)
		}
		w.advance(5 * time.Minute)
	}
}

func TestAssetRefreshDryRun(t *testing.T) {
	w := newWorld(t, settings(""))
	ada := w.mapper("Ada")
	club := w.asset("Chess club", ada)
	w.advance(180 * 24 * time.Hour)
	rep, err := w.rem.DryRun(context.Background(), w.clock())
	if err != nil {
		t.Fatal(err)
	}
	wantSample := []Queued{{PersonID: ada, Kind: store.ReminderRefreshAsset, AssetID: club}}
	if rep.PlannedAssetRefresh != 1 || len(rep.Sample) != 1 || rep.Sample[0].ID == 0 {
		t.Fatalf("dry run: %s, sample %+v; want the refresh it would send", rep, rep.Sample)
	}
	rep.Sample[0].ID = 0
	if !reflect.DeepEqual(rep.Sample, wantSample) || rep.Due() != "0 nudges, 0 refreshes, 1 asset refreshes, 0 retention warnings (1 would go now)" {
		t.Errorf("dry run sample %+v, due %q; want %+v", rep.Sample, rep.Due(), wantSample)
	}
	outcomes, err := w.st.ReminderOutcomes(context.Background())
	if err != nil || len(outcomes) != 0 || len(w.sent()) != 0 {
		t.Errorf("after a dry run: reminders %v, %v, sent %v; want nothing planned or sent", outcomes, err, w.sent())
	}
	// A dry run a month after a real one marks nothing stale either.
	w.run()
	w.advance(30 * 24 * time.Hour)
	if rep, err := w.rem.DryRun(context.Background(), w.clock()); err != nil || rep.StaleAssets != 1 {
		t.Errorf("dry run a month on: %s, %v; want it to say the club would go stale", rep, err)
	}
	if a := w.assetNow(club); !a.StaleAt.IsZero() {
		t.Errorf("after the dry run the club is stale at %v; want unchanged", a.StaleAt)
	}
}

// TestAssetRefreshesAtScale plans refreshes of 100,000 assets in one run:
// the planning is done in the database a page at a time and the sending is
// held to the run's budget, so the run allocates a bounded amount.
func TestAssetRefreshesAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 assets")
	}
	const (
		people = 2000
		assets = 100_000
		// The most a run may allocate: far less than reading the assets.
		maxAlloc = 32 << 20
	)
	set := settings("")
	set.Rate = 1 // 300 a run
	w := newWorld(t, set)
	db, err := sql.Open("sqlite3", w.path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	then := t0.Format("2006-01-02T15:04:05.000Z")
	if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO people (channel, channel_user_id, first_name, language, created_at, updated_at) SELECT 'test', i, 'p' || i, 'en', ?2, ?2 FROM n`,
		people, then); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO assets (uid, kind, name, fields, flow_version, added_by, changed_by, created_at, updated_at, confirmed_at, rev)
		SELECT 'u' || i, 'association', 'a' || i, '{}', 1, i % ?2 + 1, i % ?2 + 1, ?3, ?3, ?3, i FROM n`,
		assets, people, then); err != nil {
		t.Fatal(err)
	}
	w.advance(180 * 24 * time.Hour)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rep := w.run()
	runtime.ReadMemStats(&after)
	if rep.PlannedAssetRefresh != assets || rep.Queued[store.ReminderRefreshAsset] != 300 {
		t.Errorf("run over %d assets: %s; want all planned, 300 queued", assets, rep)
	}
	t.Logf("allocated %d KB", (after.TotalAlloc-before.TotalAlloc)>>10)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > maxAlloc {
		t.Errorf("the run allocated %d MB; want at most %d", alloc>>20, maxAlloc>>20)
	}
	if rep := w.run(); rep.PlannedAssetRefresh != 0 {
		t.Errorf("the next run: %s; want nothing planned twice", rep)
	}
}
