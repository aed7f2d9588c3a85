// Package schedule runs assetbot's periodic work (pruning old records, and
// the reminders and digests built on it) with robfig/cron in the
// configured timezone.
//
// Each job's runs are recorded in the store, so a run missed while the bot
// was down is made up once at start-up (never as a burst of old ones), and
// operators can see when each job last ran and what it did. A job's own
// work is kept in rows too (what is due, what was sent when): a restart
// or a crash half-way through a run loses and repeats nothing.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/assetbot/assetbot/internal/store"
)

// Job is one kind of periodic work.
type Job struct {
	// Name names the job in logs, in the store and on the command line.
	Name string
	// Spec is when it runs: a cron spec ("0 9 * * 1") or a descriptor
	// ("@hourly", "@every 5m"), in the scheduler's timezone.
	Spec string
	// Run does the work as of now and says, in a few words, what it did.
	// It stops early when ctx ends; what it did so far must stand.
	Run func(ctx context.Context, now time.Time) (string, error)
}

// maxRunTime bounds one run of a job; a run still going then is cancelled
// and made up at its next turn.
const maxRunTime = 30 * time.Minute

// Scheduler runs jobs on their schedules.
type Scheduler struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
	cron  *cron.Cron
	loc   *time.Location

	mu      sync.Mutex
	jobs    map[string]*entry
	ctx     context.Context // the runs' parent, cancelled by Stop
	cancel  context.CancelFunc
	running sync.WaitGroup
}

// entry is a job added to the scheduler.
type entry struct {
	job      Job
	schedule cron.Schedule
	id       cron.EntryID
	busy     sync.Mutex // held while a run is in progress
}

// Option configures New.
type Option func(*Scheduler)

// WithClock makes the scheduler read the time from now, for tests. The
// ticking itself is robfig/cron's, on the real clock.
func WithClock(now func() time.Time) Option { return func(s *Scheduler) { s.now = now } }

// New returns a scheduler for jobs in loc, recording their runs in st.
func New(st *store.Store, loc *time.Location, log *slog.Logger, opts ...Option) *Scheduler {
	s := &Scheduler{store: st, log: log, now: time.Now, loc: loc, jobs: map[string]*entry{}}
	for _, o := range opts {
		o(s)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	// Recover catches a panic that escapes a run (runs recover their own,
	// so this is a last resort); robfig/cron's default chain recovers
	// nothing. SkipIfStillRunning skips a tick while the last one runs;
	// entry.busy does the same for runs started outside cron (a run made
	// up at start-up, RunNow).
	s.cron = cron.New(cron.WithLocation(loc), cron.WithLogger(cronLogger{log}), cron.WithChain(cron.Recover(cronLogger{log}), cron.SkipIfStillRunning(cronLogger{log})))
	return s
}

// parser reads the five-field crontab syntax and the @ descriptors.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// minEvery is the shortest "@every" interval: robfig/cron rounds shorter
// (and negative) ones up to it without a word.
const minEvery = time.Second

// parse reads a schedule spec; "@every" must be at least a second.
func parse(spec string) (cron.Schedule, error) {
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if every, err := time.ParseDuration(strings.TrimSpace(d)); err == nil && every < minEvery {
			return nil, fmt.Errorf("@every needs at least %v, got %v", minEvery, every)
		}
	}
	return parser.Parse(spec)
}

// Parse checks a schedule spec, as config validation does.
func Parse(spec string) error {
	_, err := parse(spec)
	return err
}

// Interval is about how long spec waits between runs: the time between its
// next two turns from now.
func Interval(spec string) (time.Duration, error) {
	sched, err := parse(spec)
	if err != nil {
		return 0, err
	}
	next := sched.Next(time.Now())
	return sched.Next(next).Sub(next), nil
}

// Add adds a job; it fails on a bad spec or a name already used.
func (s *Scheduler) Add(j Job) error {
	sched, err := parse(j.Spec)
	if err != nil {
		return fmt.Errorf("job %s: schedule %q: %w", j.Name, j.Spec, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[j.Name]; dup {
		return fmt.Errorf("job %s: added twice", j.Name)
	}
	e := &entry{job: j, schedule: sched}
	e.id = s.cron.Schedule(sched, cron.FuncJob(func() { s.tick(e) }))
	s.jobs[j.Name] = e
	return nil
}

// Start makes up, once each, the runs missed while the bot was down, then
// runs every job on its schedule until Stop.
func (s *Scheduler) Start() {
	now := s.now()
	for _, e := range s.entries() {
		var last store.JobRun
		err := s.store.Update(s.ctx, func(tx *store.Tx) (err error) {
			last, err = tx.LastJobRun(e.job.Name)
			return err
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			// Never ran: its first run is its first turn, not now.
		case err != nil:
			s.log.Error("read the last run of a job; not making it up", "job", e.job.Name, "err", err)
		case !e.schedule.Next(last.StartedAt.In(s.loc)).After(now):
			s.log.Info("making up a run missed while stopped", "job", e.job.Name, "last_run", last.StartedAt)
			s.running.Go(func() { s.tick(e) })
		}
	}
	s.cron.Start()
}

// Stop stops scheduling, cancels the runs in progress and waits for them
// to end.
func (s *Scheduler) Stop() {
	stopped := s.cron.Stop()
	s.cancel()
	<-stopped.Done()
	s.running.Wait()
}

// tick is a scheduled turn of a job: it runs unless the previous run is
// still going.
func (s *Scheduler) tick(e *entry) {
	if !e.busy.TryLock() {
		s.log.Warn("skipping a run: the previous one is still going", "job", e.job.Name)
		return
	}
	defer e.busy.Unlock()
	if _, err := s.run(s.ctx, e, s.now()); err != nil && s.ctx.Err() == nil {
		s.log.Error("job failed", "job", e.job.Name, "err", err)
	}
}

// RunNow runs the named job at once, as if at now, while no other run of
// it is going, and returns what it did.
func (s *Scheduler) RunNow(ctx context.Context, name string, now time.Time) (string, error) {
	s.mu.Lock()
	e, ok := s.jobs[name]
	s.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("no job named %q (see `assetbot reminders` for the list)", name)
	}
	e.busy.Lock()
	defer e.busy.Unlock()
	return s.run(ctx, e, now)
}

// run runs a job once, recording and logging it.
func (s *Scheduler) run(ctx context.Context, e *entry, now time.Time) (result string, err error) {
	name := e.job.Name
	ctx, cancel := context.WithTimeout(ctx, maxRunTime)
	defer cancel()
	if err := s.store.Update(ctx, func(tx *store.Tx) error { return tx.StartJob(name) }); err != nil {
		return "", err
	}
	start := time.Now()
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("job %s panicked: %v", name, r)
			}
		}()
		result, err = e.job.Run(ctx, now)
	}()
	took := time.Since(start)
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	// Record the end even when ctx ended: the run did what it did.
	if rerr := s.store.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.FinishJob(name, result, errText) }); rerr != nil {
		s.log.Error("record the end of a job's run", "job", name, "err", rerr)
	}
	if err == nil {
		s.log.Info("job ran", "job", name, "result", result, "took", took.Round(time.Millisecond))
	}
	return result, err
}

// Info describes a job for operators.
type Info struct {
	Name string
	Spec string
	Next time.Time // its next turn after the time given to Jobs
}

// Jobs lists the jobs by name, each with its next turn after now.
func (s *Scheduler) Jobs(now time.Time) []Info {
	var out []Info
	for _, e := range s.entries() {
		out = append(out, Info{Name: e.job.Name, Spec: e.job.Spec, Next: e.schedule.Next(now.In(s.loc))})
	}
	return out
}

// entries returns the jobs, sorted by name.
func (s *Scheduler) entries() []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*entry, 0, len(s.jobs))
	for _, e := range s.jobs {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].job.Name < out[j].job.Name })
	return out
}

// cronLogger puts robfig/cron's own log lines into slog; its chatter about
// every wake-up is debug.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
