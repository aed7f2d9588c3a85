// Package retention deletes what assetbot no longer has a reason to keep
// (UK GDPR's storage limitation): people who never finished and did not
// come back, after privacy.unfinished_retention; and entries that went
// stale (a refresh went unanswered), privacy.stale_retention after they
// did, once the person was warned and did not confirm.
//
// The warning is a reminder (kind store.ReminderRetention) that this job
// plans and the reminders job sends, so it keeps the reminders' rules
// (quiet hours, the daily cap, the rate, never mid-flow) and its "Still
// true" button is the refresh's: confirming clears the staleness. Who is
// due is read in pages outside any transaction, and each person is checked
// again and deleted in a short transaction of their own through
// (*store.Tx).ErasePerson: memory stays bounded at any size, the bot's
// own writes wait at most one deletion, and a run stopped half-way (a
// crash, a restart) leaves what it did done and the rest for the next.
//
// Assets are never deleted here. A group, place or business is the
// community's knowledge, not the personal data of whoever added it, and
// it may matter to many; a stale one stays on the map marked stale (the
// exports show since when) for organisers to judge. When the person who
// added it is deleted, the asset stays and no longer names them.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/schedule"
	"github.com/assetbot/assetbot/internal/store"
)

// JobName is the name of the retention job.
const JobName = "retention"

// page is how many people a run reads at once: its memory, whatever the
// number of people.
const page = 500

// Settings are the retention periods and when the job runs.
type Settings struct {
	// Unfinished is how long after their last activity a person who never
	// finished is deleted.
	Unfinished time.Duration
	// Stale is how long after an entry went stale it is deleted (with at
	// least conversation.DeletionNotice from its warning).
	Stale time.Duration
	// Schedule is the job's cron spec.
	Schedule string
}

// Retention runs the retention job.
type Retention struct {
	st  *store.Store
	set Settings
	log *slog.Logger
}

// New returns the retention job over st under set, logging to log.
func New(st *store.Store, set Settings, log *slog.Logger) (*Retention, error) {
	if set.Unfinished <= 0 || set.Stale <= 0 {
		return nil, fmt.Errorf("retention periods must be positive, got unfinished %s and stale %s", set.Unfinished, set.Stale)
	}
	if err := schedule.Parse(set.Schedule); err != nil {
		return nil, fmt.Errorf("privacy.retention_schedule: %w", err)
	}
	return &Retention{st: st, set: set, log: log}, nil
}

// Job is the scheduled job that applies retention.
func (r *Retention) Job() schedule.Job {
	return schedule.Job{Name: JobName, Spec: r.set.Schedule, Run: func(ctx context.Context, now time.Time) (string, error) {
		rep, err := r.Run(ctx, now)
		return rep.String(), err
	}}
}

// cutoffs are the times that decide who is due at now. The warning goes
// DeletionNotice before the entry is due, or at once if the period is
// shorter, so the deletion always comes at least that long after it.
func (r *Retention) cutoffs(now time.Time) store.RetentionCutoffs {
	return store.RetentionCutoffs{
		IdleBy:   now.Add(-r.set.Unfinished),
		WarnBy:   now.Add(-max(r.set.Stale-conversation.DeletionNotice, 0)),
		StaleBy:  now.Add(-r.set.Stale),
		NoticeBy: now.Add(-conversation.DeletionNotice),
	}
}

// Report is what a run did: counts only, never who.
type Report struct {
	Warned     int // stale entries whose warning was planned
	Stale      int // stale entries deleted
	Unfinished int // people who never finished, deleted
	Failed     int // transactions that failed (tried again next run)
}

func (rep Report) String() string {
	s := fmt.Sprintf("planned %d deletion warnings; deleted %d stale entries and %d people who never finished", rep.Warned, rep.Stale, rep.Unfinished)
	if rep.Failed > 0 {
		s += fmt.Sprintf("; %d transactions failed", rep.Failed)
	}
	return s
}

// Due says what is due, of a report from Retention.Due.
func (rep Report) Due() string {
	return fmt.Sprintf("%d deletion warnings to plan; %d stale entries and %d people who never finished to delete", rep.Warned, rep.Stale, rep.Unfinished)
}

// errFailed is returned by a run in which some transactions failed.
var errFailed = errors.New("some retention transactions failed")

// Run applies retention as of now: it plans the warnings due, then deletes
// the stale entries warned long enough ago, then the people who never
// finished, one short transaction each. A failed transaction is counted,
// logged and passed over; the run reports them as an error at its end.
func (r *Retention) Run(ctx context.Context, now time.Time) (Report, error) {
	var rep Report
	c := r.cutoffs(now)
	warn := func(tx *store.Tx, id int64) (bool, error) { return tx.PlanRetentionWarning(id, now) }
	erase := func(tx *store.Tx, id int64) (bool, error) { return true, tx.ErasePerson(id) }
	for _, p := range []struct {
		pass store.RetentionPass
		// perTx: a page of warnings is one transaction (each is one small
		// insert); a deletion is one of its own.
		perTx int
		act   func(*store.Tx, int64) (bool, error)
		count *int
	}{
		{store.RetainWarn, page, warn, &rep.Warned},
		{store.RetainStale, 1, erase, &rep.Stale},
		{store.RetainUnfinished, 1, erase, &rep.Unfinished},
	} {
		var failed int
		var err error
		*p.count, failed, err = r.pass(ctx, p.pass, c, p.perTx, p.act)
		rep.Failed += failed
		if err != nil {
			return rep, err
		}
	}
	if rep.Failed > 0 {
		return rep, fmt.Errorf("%w: %d (see the errors logged)", errFailed, rep.Failed)
	}
	return rep, nil
}

// pass reads the people due in pass a page at a time and acts on each
// still due, perTx of them to a transaction, checking again in it. It
// returns how many act said it did, and how many transactions failed
// (logged, and passed over: the next run tries them again); it stops early
// only when ctx ends or a page cannot be read.
func (r *Retention) pass(ctx context.Context, pass store.RetentionPass, c store.RetentionCutoffs, perTx int, act func(*store.Tx, int64) (bool, error)) (done, failed int, err error) {
	var from store.RetentionCursor
	for {
		var ids []int64
		ids, from, err = r.st.RetentionPage(ctx, pass, c, from, page)
		if err != nil {
			return done, failed, err
		}
		for batch := range slices.Chunk(ids, perTx) {
			if err := ctx.Err(); err != nil {
				return done, failed, err
			}
			n, err := r.apply(ctx, pass, c, batch, act)
			switch {
			case err != nil && ctx.Err() != nil:
				return done, failed, ctx.Err()
			case err != nil:
				failed++
				r.log.Error("a retention transaction failed; going on", "pass", pass.String(), "people", len(batch), "err", err)
			default:
				done += n
			}
		}
		if len(ids) < page {
			return done, failed, nil
		}
	}
}

// apply acts, in one transaction, on each of ids still due in pass, and
// returns how many act said it did.
func (r *Retention) apply(ctx context.Context, pass store.RetentionPass, c store.RetentionCutoffs, ids []int64, act func(*store.Tx, int64) (bool, error)) (int, error) {
	var n int
	err := r.st.Update(ctx, func(tx *store.Tx) error {
		n = 0 // Update may run fn again
		for _, id := range ids {
			due, err := tx.RetentionDue(pass, c, id)
			if err != nil {
				return err
			}
			if !due {
				continue // came back, confirmed or gone since the page was read
			}
			did, err := act(tx, id)
			if err != nil {
				return err
			}
			if did {
				n++
			}
		}
		return nil
	})
	return n, err
}

// Due counts, as of now, the warnings to plan and the people to delete,
// for `assetbot reminders`: what a run now would do.
func (r *Retention) Due(ctx context.Context, now time.Time) (Report, error) {
	var rep Report
	c := r.cutoffs(now)
	for _, p := range []struct {
		pass  store.RetentionPass
		count *int
	}{{store.RetainWarn, &rep.Warned}, {store.RetainStale, &rep.Stale}, {store.RetainUnfinished, &rep.Unfinished}} {
		n, err := r.st.CountRetention(ctx, p.pass, c)
		if err != nil {
			return rep, err
		}
		*p.count = n
	}
	return rep, nil
}
