package bot

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// faultSummaryEvery is how often a lasting fault is summarised in the log.
const faultSummaryEvery = 30 * time.Second

// faultLog reports a lasting fault (the disk full, the Bot API out of
// reach) without flooding the log: a fault that fails every update or every
// message once per retry would otherwise write thousands of lines a minute,
// onto the very disk that may be full. It logs once when the fault starts,
// at most one summary per interval while it lasts (how many failures, since
// when, the latest error) and once when it clears. Each failure is still
// logged at debug level.
type faultLog struct {
	log   *slog.Logger
	level slog.Level // of the start and the summaries
	what  string     // what fails, e.g. "sending failed; will retry"
	every time.Duration
	now   func() time.Time

	// active is set while there is a fault, so that ok, called on every
	// success, costs an atomic load and not a lock.
	active   atomic.Bool
	mu       sync.Mutex
	failures int       // since the fault started; 0 when there is none
	since    time.Time // when it started
	reported time.Time // when it was last logged at level
}

func newFaultLog(log *slog.Logger, level slog.Level, what string, now func() time.Time) *faultLog {
	return &faultLog{log: log, level: level, what: what, every: faultSummaryEvery, now: now}
}

// fail records one failure; attrs describe it (ids, the redacted error).
func (f *faultLog) fail(attrs ...any) {
	f.mu.Lock()
	now := f.now()
	f.failures++
	n, since := f.failures, f.since
	var report bool
	switch {
	case n == 1:
		f.since, f.reported = now, now
		f.active.Store(true)
		report = true
	case now.Sub(f.reported) >= f.every:
		f.reported = now
		report = true
	}
	f.mu.Unlock()
	switch {
	case n == 1:
		f.log.Log(context.Background(), f.level, f.what, attrs...)
	case report:
		f.log.Log(context.Background(), f.level, f.what+" (still failing)", append(attrs, "failures", n, "since", since)...)
	default:
		f.log.Debug(f.what, append(attrs, "failures", n)...)
	}
}

// ok records a success, ending the fault if there was one.
func (f *faultLog) ok() {
	if !f.active.Load() {
		return
	}
	f.mu.Lock()
	n, since := f.failures, f.since
	f.failures = 0
	f.active.Store(false)
	f.mu.Unlock()
	if n > 0 {
		f.log.Info(f.what+" (recovered)", "failures", n, "lasted", f.now().Sub(since).Round(time.Millisecond))
	}
}
