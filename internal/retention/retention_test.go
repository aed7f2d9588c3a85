package retention_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/reminders"
	"github.com/assetbot/assetbot/internal/retention"
	"github.com/assetbot/assetbot/internal/schedule"
	"github.com/assetbot/assetbot/internal/store"
)

const day = 24 * time.Hour

// t0 is a Thursday, 10:00 in London (GMT).
var t0 = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// world is a store on a test clock with the retention and reminders jobs
// in a scheduler, as `assetbot run` has them.
type world struct {
	t     *testing.T
	now   atomic.Int64
	path  string
	st    *store.Store
	sched *schedule.Scheduler
	// onCommit, when set, is called as each batch of writes commits (the
	// store reads its clock then).
	onCommit atomic.Pointer[func()]
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, path: filepath.Join(t.TempDir(), "assetbot.db")}
	w.now.Store(t0.UnixNano())
	st, err := store.Open(context.Background(), w.path, store.WithClock(w.clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.st = st
	quiet, err := schedule.ParseQuietHours("21:00-09:00")
	if err != nil {
		t.Fatal(err)
	}
	rem, err := reminders.New(st, reminders.Settings{NudgeAfter: day, MaxNudges: 2, RefreshAfter: 180 * day, StaleAfter: 30 * day,
		Quiet: quiet, Location: london, DailyCap: 1, Rate: 20, CheckEvery: "@every 5m"}, w, w)
	if err != nil {
		t.Fatal(err)
	}
	ret, err := retention.New(st, retention.Settings{Unfinished: 90 * day, Stale: 365 * day, Schedule: "@hourly"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	w.sched = schedule.New(st, london, slog.New(slog.DiscardHandler), schedule.WithClock(w.clock))
	for _, j := range []schedule.Job{rem.Job(), ret.Job()} {
		if err := w.sched.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) clock() time.Time {
	if f := w.onCommit.Load(); f != nil {
		(*f)()
	}
	return time.Unix(0, w.now.Load()).UTC()
}
func (w *world) set(t time.Time) { w.now.Store(t.UnixNano()) }

// Compose writes a reminder as its kind, for the notifier to queue.
func (w *world) Compose(_ *store.Tx, _ store.Person, r store.Reminder) (conversation.Reply, error) {
	return conversation.Reply{Messages: []conversation.Message{{Prompt: flow.Prompt{Type: flow.TypeInfo, Text: r.Kind}}}}, nil
}

// Notify queues the message into the outbox, as the bot's notifier does.
func (w *world) Notify(tx *store.Tx, p store.Person, rep conversation.Reply) error {
	_, err := tx.EnqueueScheduled(p.ID, "sendMessage", []byte(rep.Messages[0].Text))
	return err
}

func (w *world) update(fn func(*store.Tx) error) {
	w.t.Helper()
	if err := w.st.Update(context.Background(), fn); err != nil {
		w.t.Fatal(err)
	}
}

// run runs job now through the scheduler and returns what it said.
func (w *world) run(job string) string {
	w.t.Helper()
	out, err := w.sched.RunNow(context.Background(), job, w.clock())
	if err != nil {
		w.t.Fatalf("%s at %s: %v", job, w.clock().Format(time.RFC3339), err)
	}
	return out
}

// add adds a person now; finished ones have confirmed their entry.
func (w *world) add(name string, finished bool) int64 {
	w.t.Helper()
	var id int64
	w.update(func(tx *store.Tx) error {
		p, err := tx.CreatePerson(store.Person{Channel: "test", ChannelUserID: name, FirstName: name})
		if err != nil {
			return err
		}
		id = p.ID
		status := "active"
		if finished {
			status = "done"
		}
		if err := tx.SaveConversation(store.Conversation{PersonID: id, Flow: "resident", Status: status, State: []byte(`{}`)}); err != nil {
			return err
		}
		if finished {
			return tx.ConfirmEntry(id)
		}
		return nil
	})
	return id
}

// exists says whether the person is still in the database.
func (w *world) exists(id int64) bool {
	w.t.Helper()
	var found bool
	w.update(func(tx *store.Tx) error {
		_, err := tx.PersonByID(id)
		found = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return found
}

// queued returns the kinds of message queued to the person.
func (w *world) queued(id int64) []string {
	w.t.Helper()
	rows, err := w.st.Pending(context.Background(), 0, 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	var kinds []string
	for _, r := range rows {
		if r.ChatID == id {
			kinds = append(kinds, string(r.Payload))
		}
	}
	return kinds
}

func TestUnfinishedDeleted(t *testing.T) {
	w := newWorld(t)
	quiet := w.add("quiet", false)
	finished := w.add("finished", true)
	back := w.add("back", false)
	w.set(t0.Add(80 * day))
	w.update(func(tx *store.Tx) error {
		return tx.SaveConversation(store.Conversation{PersonID: back, Flow: "resident", Status: "paused", State: []byte(`{}`)})
	})
	w.set(t0.Add(90*day - time.Second))
	if got, want := w.run(retention.JobName), "planned 0 deletion warnings; deleted 0 stale entries and 0 people who never finished"; got != want {
		t.Errorf("a second before 90 days: %q; want %q", got, want)
	}
	w.set(t0.Add(90 * day))
	if got, want := w.run(retention.JobName), "planned 0 deletion warnings; deleted 0 stale entries and 1 people who never finished"; got != want {
		t.Errorf("at 90 days: %q; want %q", got, want)
	}
	if w.exists(quiet) || !w.exists(finished) || !w.exists(back) {
		t.Errorf("after 90 days: quiet %v, finished %v, came back %v; want only the quiet one gone", w.exists(quiet), w.exists(finished), w.exists(back))
	}
	if got, want := w.run(retention.JobName), "planned 0 deletion warnings; deleted 0 stale entries and 0 people who never finished"; got != want {
		t.Errorf("run again: %q; want %q", got, want)
	}
	w.set(t0.Add(170 * day))
	w.run(retention.JobName)
	if w.exists(back) || !w.exists(finished) {
		t.Errorf("90 days after coming back: came back %v, finished %v; want the one who came back gone", w.exists(back), w.exists(finished))
	}
}

// TestStaleWarnedThenDeleted follows entries from going stale through the
// warning (sent by the reminders job, outside quiet hours) to deletion,
// and one kept by confirming.
func TestStaleWarnedThenDeleted(t *testing.T) {
	w := newWorld(t)
	ada := w.add("ada", true)
	bob := w.add("bob", true)
	// A refresh 180 days on, unanswered: stale 30 days after.
	w.set(t0.Add(180 * day))
	w.run(reminders.JobName)
	staleAt := t0.Add(210 * day)
	w.set(staleAt)
	if got := w.run(reminders.JobName); !strings.HasPrefix(got, "marked 2 entries") {
		t.Fatalf("reminders at 210 days: %q; want 2 entries marked stale", got)
	}
	// 335 days after going stale, at 23:00 in London: the warning is
	// planned, and waits for the morning.
	w.set(staleAt.Add(335*day + 12*time.Hour))
	if got := w.run(retention.JobName); !strings.HasPrefix(got, "planned 2 deletion warnings") {
		t.Errorf("retention at 335 days: %q; want 2 warnings planned", got)
	}
	if got := w.run(reminders.JobName); !strings.Contains(got, "queued 0 nudges, 0 refreshes, 0 asset refreshes and 0 retention warnings") ||
		!strings.Contains(got, "quiet hours until 09:00") {
		t.Errorf("reminders at 23:00: %q; want nothing sent in quiet hours", got)
	}
	if got := w.run(retention.JobName); !strings.HasPrefix(got, "planned 0 deletion warnings") {
		t.Errorf("retention again: %q; want no warning planned twice", got)
	}
	sentAt := staleAt.Add(336*day - 30*time.Minute) // 09:30 in London the next day
	w.set(sentAt)
	if got := w.run(reminders.JobName); !strings.Contains(got, "and 2 retention warnings") {
		t.Errorf("reminders at 09:30: %q; want both warnings sent", got)
	}
	for _, id := range []int64{ada, bob} {
		if got := w.queued(id); len(got) != 2 || got[1] != store.ReminderRetention {
			t.Errorf("person %d was sent %v; want a refresh, then one warning", id, got)
		}
	}
	// Bob presses "Still true" (the refresh's confirm).
	w.set(sentAt.Add(day))
	w.update(func(tx *store.Tx) error { return tx.ConfirmEntry(bob) })
	w.set(sentAt.Add(conversation.DeletionNotice - time.Millisecond))
	if got := w.run(retention.JobName); !strings.Contains(got, "deleted 0 stale entries") {
		t.Errorf("before the notice is up: %q; want nobody deleted", got)
	}
	w.set(sentAt.Add(conversation.DeletionNotice))
	if got := w.run(retention.JobName); !strings.Contains(got, "deleted 1 stale entries") {
		t.Errorf("once the notice is up: %q; want Ada deleted", got)
	}
	if w.exists(ada) || !w.exists(bob) {
		t.Errorf("Ada there %v, Bob there %v; want Ada gone and Bob kept", w.exists(ada), w.exists(bob))
	}
	if got := w.run(reminders.JobName); !strings.Contains(got, "and 0 retention warnings") {
		t.Errorf("reminders after: %q; want no second warning", got)
	}
}

// TestFailedAndInterruptedRunsResume checks that a deletion that fails is
// passed over and counted, and that a run stopped half-way leaves what it
// did done: the next run does the rest, and nothing twice.
func TestFailedAndInterruptedRunsResume(t *testing.T) {
	w := newWorld(t)
	const people = 30
	ids := make([]int64, people)
	for i := range ids {
		ids[i] = w.add("p"+strconv.Itoa(i), false)
	}
	// The 26th (past where the interrupted run stops) cannot be deleted
	// for now.
	db, err := sql.Open("sqlite3", "file:"+w.path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER keep BEFORE DELETE ON people WHEN OLD.id = ` + strconv.FormatInt(ids[25], 10) +
		` BEGIN SELECT RAISE(ABORT, 'kept'); END`); err != nil {
		t.Fatal(err)
	}
	w.set(t0.Add(100 * day))

	// Stop the run after ten commits, as a shutdown or a crash would.
	ctx, cancel := context.WithCancel(context.Background())
	var commits atomic.Int32
	stop := func() {
		if commits.Add(1) == 10 {
			cancel()
		}
	}
	w.onCommit.Store(&stop)
	_, err = w.sched.RunNow(ctx, retention.JobName, t0.Add(100*day))
	w.onCommit.Store(nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v; want it cancelled", err)
	}
	left := 0
	for _, id := range ids {
		if w.exists(id) {
			left++
		}
	}
	if left == people || left == 0 {
		t.Fatalf("after an interrupted run %d of %d people are left; want some deleted, not all", left, people)
	}

	_, err = w.sched.RunNow(context.Background(), retention.JobName, w.clock())
	if err == nil || !strings.Contains(err.Error(), "some retention transactions failed: 1") {
		t.Errorf("run with one deletion failing: %v; want it reported", err)
	}
	want := "planned 0 deletion warnings; deleted 0 stale entries and " + strconv.Itoa(left-1) + " people who never finished; 1 transactions failed"
	if err := w.st.Update(context.Background(), func(tx *store.Tx) error {
		r, err := tx.LastJobRun(retention.JobName)
		if r.Result != want {
			t.Errorf("recorded result %q; want %q", r.Result, want)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TRIGGER keep`); err != nil {
		t.Fatal(err)
	}
	if got, want := w.run(retention.JobName), "planned 0 deletion warnings; deleted 0 stale entries and 1 people who never finished"; got != want {
		t.Errorf("run once the fault is gone: %q; want %q", got, want)
	}
	for _, id := range ids {
		if w.exists(id) {
			t.Errorf("person %d is left; want everyone deleted", id)
		}
	}
}
