package schedule

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

// t0 is a Monday morning in London, in summer time.
var t0 = time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)

// world is a store, a scheduler on a clock the test sets, and a log.
type world struct {
	t     *testing.T
	path  string
	now   atomic.Int64
	st    *store.Store
	sched *Scheduler
	log   *bytes.Buffer
	logMu sync.Mutex
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, path: filepath.Join(t.TempDir(), "assetbot.db"), log: &bytes.Buffer{}}
	w.now.Store(t0.UnixNano())
	w.open()
	return w
}

func (w *world) clock() time.Time { return time.Unix(0, w.now.Load()).UTC() }

func (w *world) advance(d time.Duration) { w.now.Add(int64(d)) }

func (w *world) Write(p []byte) (int, error) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	return w.log.Write(p)
}

func (w *world) logged() string {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	return w.log.String()
}

// open opens the store and a new scheduler on it, as a start of the bot does.
func (w *world) open() {
	w.t.Helper()
	st, err := store.Open(context.Background(), w.path, store.WithClock(w.clock))
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { st.Close() })
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		w.t.Fatal(err)
	}
	w.st = st
	w.sched = New(st, london, slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})), WithClock(w.clock))
}

// restart stops the scheduler and the store and opens them again.
func (w *world) restart() {
	w.t.Helper()
	w.sched.Stop()
	if err := w.st.Close(); err != nil {
		w.t.Fatal(err)
	}
	w.open()
}

func (w *world) lastRun(job string) (store.JobRun, error) {
	var r store.JobRun
	err := w.st.Update(context.Background(), func(tx *store.Tx) (err error) {
		r, err = tx.LastJobRun(job)
		return err
	})
	return r, err
}

// counter is a job that counts its runs and the times it was run as of.
type counter struct {
	mu   sync.Mutex
	runs []time.Time
	ran  chan struct{}
}

func newCounter() *counter { return &counter{ran: make(chan struct{}, 100)} }

func (c *counter) job(name, spec string) Job {
	return Job{Name: name, Spec: spec, Run: func(_ context.Context, now time.Time) (string, error) {
		c.mu.Lock()
		c.runs = append(c.runs, now)
		c.mu.Unlock()
		c.ran <- struct{}{}
		return "counted", nil
	}}
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.runs)
}

func TestMissedRunsAreMadeUpOnceAtStart(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spec     string
		ranAgo   time.Duration // 0: never ran
		wantRuns int
	}{
		{"never ran: waits for its first turn", "@hourly", 0, 0},
		{"ran within its period: nothing missed", "@hourly", 20 * time.Minute, 0},
		{"missed one turn", "@hourly", 90 * time.Minute, 1},
		{"missed a week of turns: made up once", "@hourly", 7 * 24 * time.Hour, 1},
		{"weekly job missed this Monday's turn", "0 9 * * 1", 6 * 24 * time.Hour, 1},
		{"weekly job ran after this Monday's turn", "0 9 * * 1", time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			c := newCounter()
			if tc.ranAgo > 0 {
				w.advance(-tc.ranAgo)
				if _, err := w.sched.RunNow(context.Background(), "", w.clock()); err == nil {
					t.Fatal("RunNow of an unknown job succeeded")
				}
				if err := w.sched.Add(c.job("count", tc.spec)); err != nil {
					t.Fatal(err)
				}
				if _, err := w.sched.RunNow(context.Background(), "count", w.clock()); err != nil {
					t.Fatal(err)
				}
				w.advance(tc.ranAgo)
				w.restart()
				c = newCounter()
			}
			if err := w.sched.Add(c.job("count", tc.spec)); err != nil {
				t.Fatal(err)
			}
			w.sched.Start()
			// A made-up run starts at once; give it time to, then stop,
			// which waits for it.
			select {
			case <-c.ran:
			case <-time.After(300 * time.Millisecond):
			}
			w.sched.Stop()
			if got := c.count(); got != tc.wantRuns {
				t.Errorf("runs at start = %d; want %d", got, tc.wantRuns)
			}
			if tc.wantRuns > 0 {
				r, err := w.lastRun("count")
				if err != nil || !r.StartedAt.Equal(t0) || r.Result != "counted" || r.Error != "" {
					t.Errorf("last run = %+v, %v; want one started now that counted", r, err)
				}
			}
		})
	}
}

func TestRunsOnSchedule(t *testing.T) {
	w := newWorld(t)
	c := newCounter()
	if err := w.sched.Add(c.job("fast", "@every 1s")); err != nil {
		t.Fatal(err)
	}
	w.sched.Start()
	defer w.sched.Stop()
	for i := range 2 {
		select {
		case <-c.ran:
		case <-time.After(5 * time.Second):
			t.Fatalf("run %d of an @every 1s job did not come within 5 s", i+1)
		}
	}
	if !strings.Contains(w.logged(), "job=fast result=counted") {
		t.Errorf("log lacks the run's job and result:\n%s", w.logged())
	}
}

func TestPanicIsRecoveredAndRecorded(t *testing.T) {
	w := newWorld(t)
	if err := w.sched.Add(Job{Name: "bad", Spec: "@hourly", Run: func(context.Context, time.Time) (string, error) {
		panic("boom")
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sched.RunNow(context.Background(), "bad", w.clock()); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("RunNow of a panicking job = %v; want an error naming the panic", err)
	}
	r, err := w.lastRun("bad")
	if err != nil || r.FinishedAt.IsZero() || !strings.Contains(r.Error, "boom") {
		t.Errorf("last run = %+v, %v; want finished with the panic as its error", r, err)
	}
	// The scheduler carries on: a scheduled turn of it panics in the same
	// way without taking the process down.
	w.sched.tick(w.sched.jobs["bad"])
	if !strings.Contains(w.logged(), "job failed") {
		t.Errorf("log lacks the failed run:\n%s", w.logged())
	}
}

func TestOverlappingRunIsSkipped(t *testing.T) {
	w := newWorld(t)
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	var runs atomic.Int32
	if err := w.sched.Add(Job{Name: "slow", Spec: "@every 1s", Run: func(context.Context, time.Time) (string, error) {
		runs.Add(1)
		started <- struct{}{}
		<-release
		return "done", nil
	}}); err != nil {
		t.Fatal(err)
	}
	e := w.sched.jobs["slow"]
	done := make(chan struct{})
	go func() { w.sched.tick(e); close(done) }()
	<-started
	w.sched.tick(e) // while the first run is going
	close(release)
	<-done
	if got := runs.Load(); got != 1 {
		t.Errorf("runs = %d; want the overlapping turn skipped", got)
	}
	if !strings.Contains(w.logged(), "skipping a run") {
		t.Errorf("log lacks the skipped turn:\n%s", w.logged())
	}
}

func TestStopCancelsARunInProgress(t *testing.T) {
	w := newWorld(t)
	started := make(chan struct{})
	if err := w.sched.Add(Job{Name: "long", Spec: "@every 1s", Run: func(ctx context.Context, _ time.Time) (string, error) {
		close(started)
		<-ctx.Done()
		return "stopped early", ctx.Err()
	}}); err != nil {
		t.Fatal(err)
	}
	w.sched.Start()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the job did not start")
	}
	stopped := make(chan struct{})
	go func() { w.sched.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(2 * time.Second):
		t.Fatal("Stop did not end a run in progress within 2 s")
	}
	r, err := w.lastRun("long")
	if err != nil || r.FinishedAt.IsZero() || !strings.Contains(r.Error, "canceled") {
		t.Errorf("last run = %+v, %v; want it recorded as ended by the cancel", r, err)
	}
}

func TestAddRejectsBadJobs(t *testing.T) {
	w := newWorld(t)
	nop := func(context.Context, time.Time) (string, error) { return "", nil }
	for _, tc := range []struct{ name, spec, want string }{
		{"bad", "every five minutes", "schedule"},
		{"bad", "@every -1m", "schedule"},
		{"bad", "61 * * * *", "schedule"},
		{"ok", "@every 5m", ""},
		{"ok", "@hourly", "added twice"},
	} {
		err := w.sched.Add(Job{Name: tc.name, Spec: tc.spec, Run: nop})
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Add(%s, %q) = %v; want an error with %q", tc.name, tc.spec, err, tc.want)
		}
	}
	if err := Parse("0 9 * * 1"); err != nil {
		t.Errorf("Parse of a weekly spec: %v", err)
	}
}

func TestJobsListsNextTurnsInTheTimezone(t *testing.T) {
	w := newWorld(t)
	nop := func(context.Context, time.Time) (string, error) { return "", nil }
	for _, j := range []Job{{Name: "weekly", Spec: "0 9 * * 1", Run: nop}, {Name: "prune", Spec: "@hourly", Run: nop}} {
		if err := w.sched.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	jobs := w.sched.Jobs(t0)
	if len(jobs) != 2 || jobs[0].Name != "prune" || jobs[1].Name != "weekly" {
		t.Fatalf("Jobs = %+v; want prune and weekly, by name", jobs)
	}
	// t0 is Monday 10:30 in London (BST): the next 09:00 London Monday is a
	// week on, at 08:00 UTC.
	if want := time.Date(2026, 6, 8, 8, 0, 0, 0, time.UTC); !jobs[1].Next.Equal(want) {
		t.Errorf("weekly next = %v; want %v", jobs[1].Next.UTC(), want)
	}
	if want := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC); !jobs[0].Next.Equal(want) {
		t.Errorf("hourly next = %v; want %v", jobs[0].Next.UTC(), want)
	}
}

func TestPruneJob(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	mark := func(id string) {
		if err := w.st.Update(ctx, func(tx *store.Tx) error { _, err := tx.MarkEvent("telegram", id); return err }); err != nil {
			t.Fatal(err)
		}
	}
	mark("old")
	w.advance(6 * 24 * time.Hour)
	mark("recent")
	w.advance(2 * 24 * time.Hour)
	if err := w.sched.Add(Prune(w.st)); err != nil {
		t.Fatal(err)
	}
	got, err := w.sched.RunNow(ctx, "prune", w.clock())
	if err != nil || got != "deleted 1 update records and 0 given-up messages" {
		t.Errorf("prune = %q, %v; want the 8-day-old record deleted", got, err)
	}
	for id, want := range map[string]bool{"old": true, "recent": false} {
		var fresh bool
		err := w.st.Update(ctx, func(tx *store.Tx) (err error) {
			fresh, err = tx.MarkEvent("telegram", id)
			return err
		})
		if err != nil || fresh != want {
			t.Errorf("record %s is new again = %v, %v; want %v", id, fresh, err, want)
		}
	}
}
