// Package reminders keeps the map current by speaking first, within rules
// a resident would find fair: it nudges people who stopped half-way through
// a flow, asks people months later whether their entry, and each asset they
// put on the map, is still true, and marks entries and assets stale when
// nobody answers.
//
// Everything is rows in the store: a run plans what is due (each reminder
// once, by what it is about), then queues the messages of due reminders,
// each settled in the transaction that queues it. A run killed half-way and
// run again plans and sends nothing twice. The words and buttons come from
// a Composer and the channel from a Notifier, so this package knows neither
// the conversation's wording nor Telegram.
package reminders

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/schedule"
	"github.com/assetbot/assetbot/internal/store"
)

// Settings are the rules reminders keep.
type Settings struct {
	NudgeAfter   time.Duration // after the last input, and between nudges
	MaxNudges    int           // per pause; 0: no nudges
	RefreshAfter time.Duration // after the last confirmation; 0: no refreshes
	StaleAfter   time.Duration // after an unanswered refresh
	Quiet        schedule.QuietHours
	Location     *time.Location // for quiet hours and the daily cap's day
	DailyCap     int            // reminders per person per local day
	Rate         float64        // reminders per second the sender may send
	CheckEvery   string         // the run's cron spec
}

// Composer writes a reminder's message: the person's summary and buttons
// for a refresh, a button to carry on for a nudge.
type Composer interface {
	Compose(tx *store.Tx, p store.Person, r store.Reminder) (conversation.Reply, error)
}

// Notifier queues a message to a person, behind the replies to people's
// own messages.
type Notifier interface {
	Notify(tx *store.Tx, p store.Person, rep conversation.Reply) error
}

// ErrNoChannel is returned by a Notifier that cannot reach a person on
// their channel at all (someone who only ever used `assetbot try`): their
// reminders are dropped.
var ErrNoChannel = errors.New("no channel to reach the person on")

// Why a reminder is settled without being sent.
const (
	dropNoChannel   = "no channel"
	dropStopped     = "reminders off"
	dropUnreachable = "unreachable"
	dropAnswered    = "answered since"
	dropConfirmed   = "confirmed since"
	dropNoPerson    = "person gone"
	dropAssetGone   = "asset gone"
)

// Sizes of a run's transactions: short, so that people's own messages are
// never held up behind a large run for long.
const (
	planPage  = 5000
	queuePage = 100
)

// nextRun is how far past a run's now a reminder is put off to wait for
// the next run: the least step the store keeps (milliseconds), so that
// this run's later pages no longer find it due.
const nextRun = time.Millisecond

// JobName is the name of the reminders job.
const JobName = "reminders"

// Reminders runs the reminders job.
type Reminders struct {
	st       *store.Store
	set      Settings
	composer Composer
	notifier Notifier
	every    time.Duration // from one run to the next, roughly
}

// New returns the reminders of st under set.
func New(st *store.Store, set Settings, c Composer, n Notifier) (*Reminders, error) {
	every, err := schedule.Interval(set.CheckEvery)
	if err != nil {
		return nil, fmt.Errorf("reminders.check_every: %w", err)
	}
	return &Reminders{st: st, set: set, composer: c, notifier: n, every: every}, nil
}

// Job is the scheduled job that runs the reminders.
func (r *Reminders) Job() schedule.Job {
	return schedule.Job{Name: JobName, Spec: r.set.CheckEvery, Run: func(ctx context.Context, now time.Time) (string, error) {
		rep, err := r.Run(ctx, now, r.st.Update)
		return rep.String(), err
	}}
}

// Report is what a run did.
type Report struct {
	Stale               int64 // people's entries marked stale
	StaleAssets         int64 // assets marked stale
	PlannedNudges       int64
	PlannedRefresh      int64
	PlannedAssetRefresh int64
	Queued              map[string]int // by kind
	Dropped             map[string]int // by reason
	// Waiting counts those put off: mid-flow, over the daily cap, already
	// sent one this run, or quiet.
	Waiting    int
	QuietUntil time.Time // set when the run queued nothing for the quiet hours
	// Sample lists the first reminders queued, for a person to read.
	Sample []Queued
	// Left counts, by kind, the reminders still due after the run (a dry
	// run only).
	Left map[string]int
}

// Queued is a reminder a run queued.
type Queued struct {
	ID, PersonID int64
	Kind         string
	AssetID      int64 // for a refresh of an asset
}

// maxSample bounds Report.Sample.
const maxSample = 20

// Total is how many reminders the run queued.
func (rep Report) Total() int { return sum(rep.Queued) }

// Due says how many reminders are due and how many the run could send.
func (rep Report) Due() string {
	due := func(kind string) int { return rep.Left[kind] + rep.Queued[kind] }
	return fmt.Sprintf("%d nudges, %d refreshes, %d asset refreshes, %d retention warnings (%d would go now)",
		due(store.ReminderNudge), due(store.ReminderRefresh), due(store.ReminderRefreshAsset), due(store.ReminderRetention), rep.Total())
}

func (rep Report) String() string {
	s := fmt.Sprintf("marked %d entries and %d assets stale; planned %d nudges, %d refreshes and %d asset refreshes; "+
		"queued %d nudges, %d refreshes, %d asset refreshes and %d retention warnings; %d waiting; %d dropped",
		rep.Stale, rep.StaleAssets, rep.PlannedNudges, rep.PlannedRefresh, rep.PlannedAssetRefresh,
		rep.Queued[store.ReminderNudge], rep.Queued[store.ReminderRefresh], rep.Queued[store.ReminderRefreshAsset],
		rep.Queued[store.ReminderRetention], rep.Waiting, sum(rep.Dropped))
	if len(rep.Dropped) > 0 {
		reasons := make([]string, 0, len(rep.Dropped))
		for why, n := range rep.Dropped {
			reasons = append(reasons, fmt.Sprintf("%s: %d", why, n))
		}
		sort.Strings(reasons)
		s += " (" + strings.Join(reasons, ", ") + ")"
	}
	if !rep.QuietUntil.IsZero() {
		s += "; quiet hours until " + rep.QuietUntil.Format("15:04")
	}
	return s
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Updater runs fn in a transaction: the store's Update, or one that rolls
// everything back for a dry run.
type Updater func(ctx context.Context, fn func(*store.Tx) error) error

// Run marks stale entries, plans what is due at now and queues what may be
// sent now, each step in short transactions through update.
func (r *Reminders) Run(ctx context.Context, now time.Time, update Updater) (Report, error) {
	rep := Report{Queued: map[string]int{}, Dropped: map[string]int{}}
	err := update(ctx, func(tx *store.Tx) (err error) {
		sentBy := now.Add(-r.set.StaleAfter)
		if rep.Stale, err = tx.MarkStale(now, sentBy); err != nil {
			return err
		}
		if rep.StaleAssets, err = tx.MarkAssetsStale(now, sentBy); err != nil || r.set.MaxNudges == 0 {
			return err
		}
		rep.PlannedNudges, err = tx.PlanNudges(now, r.set.NudgeAfter, r.set.MaxNudges)
		return err
	})
	if err != nil {
		return rep, err
	}
	if r.set.RefreshAfter > 0 {
		confirmedBy := now.Add(-r.set.RefreshAfter)
		for _, p := range []struct {
			planned *int64
			plan    func(tx *store.Tx, now, confirmedBy time.Time, limit int) (int64, error)
		}{
			{&rep.PlannedRefresh, (*store.Tx).PlanRefreshes},
			{&rep.PlannedAssetRefresh, (*store.Tx).PlanAssetRefreshes},
		} {
			if *p.planned, err = planPages(ctx, update, func(tx *store.Tx) (int64, error) { return p.plan(tx, now, confirmedBy, planPage) }); err != nil {
				return rep, err
			}
		}
	}
	return rep, r.queue(ctx, now, update, &rep)
}

// planPages plans a page at a time, each in a short transaction of its
// own, until a page comes back short, and returns how many it planned.
func planPages(ctx context.Context, update Updater, plan func(*store.Tx) (int64, error)) (int64, error) {
	var total int64
	for planned := int64(planPage); planned == planPage; {
		err := update(ctx, func(tx *store.Tx) (err error) {
			planned, err = plan(tx)
			return err
		})
		if err != nil {
			return total, err
		}
		total += planned
	}
	return total, nil
}

// errDryRun rolls back a dry run.
var errDryRun = errors.New("dry run: rolled back")

// DryRun runs the reminders as of now in one transaction that it rolls
// back: what would be planned, sent, dropped and left due, with nothing
// changed or sent.
func (r *Reminders) DryRun(ctx context.Context, now time.Time) (Report, error) {
	var rep Report
	err := r.st.Update(ctx, func(tx *store.Tx) error {
		var err error
		rep, err = r.Run(ctx, now, func(_ context.Context, fn func(*store.Tx) error) error { return fn(tx) })
		if err != nil {
			return err
		}
		if rep.Left, err = tx.CountDueReminders(now); err != nil {
			return err
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return rep, err
}

// queue sends what is due, as much as the sender can send before the next
// run (or before the quiet hours begin): a large run is spread over the
// day, and the outbox never holds more than a run's worth.
func (r *Reminders) queue(ctx context.Context, now time.Time, update Updater, rep *Report) error {
	if end := r.set.Quiet.Next(now, r.set.Location); !end.Equal(now) {
		rep.QuietUntil = end.In(r.set.Location)
		return nil
	}
	window := min(r.every, r.set.Quiet.Until(now, r.set.Location))
	budget := int(r.set.Rate * window.Seconds())
	// What earlier runs queued and the sender has not sent yet counts
	// against this run: when replies leave reminders less room than Rate,
	// the outbox does not grow.
	var unsent int
	if err := update(ctx, func(tx *store.Tx) (err error) {
		unsent, err = tx.UnsentScheduled()
		return err
	}); err != nil {
		return err
	}
	budget -= unsent
	// Who was sent something this run: at most one message each, so a
	// person with several assets due hears of one at a time. It holds at
	// most budget ids.
	sentTo := map[int64]bool{}
	for budget > 0 && ctx.Err() == nil {
		var seen int
		err := update(ctx, func(tx *store.Tx) error {
			due, err := tx.DueReminders(now, min(queuePage, budget))
			if err != nil {
				return err
			}
			seen = len(due)
			for _, d := range due {
				sent, err := r.settle(tx, now, d, sentTo, rep)
				if err != nil {
					return fmt.Errorf("reminder %d of person %d: %w", d.ID, d.PersonID, err)
				}
				if sent {
					budget--
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if seen < queuePage {
			return nil
		}
	}
	return ctx.Err()
}

// settle sends one due reminder, drops it or puts it off, and reports
// whether it was sent. sentTo holds who was sent one this run already.
func (r *Reminders) settle(tx *store.Tx, now time.Time, d store.Reminder, sentTo map[int64]bool, rep *Report) (bool, error) {
	p, err := tx.PersonByID(d.PersonID)
	if errors.Is(err, store.ErrNotFound) {
		return false, r.drop(tx, d, dropNoPerson, rep)
	}
	if err != nil {
		return false, err
	}
	switch {
	case !p.Reminders:
		return false, r.drop(tx, d, dropStopped, rep)
	case !p.Reachable:
		return false, r.drop(tx, d, dropUnreachable, rep)
	}
	why, later, err := r.stillDue(tx, now, p, d)
	switch {
	case err != nil:
		return false, err
	case why != "":
		return false, r.drop(tx, d, why, rep)
	case !later.IsZero():
		rep.Waiting++
		return false, tx.PostponeReminder(d.ID, later)
	}
	if sentTo[p.ID] {
		rep.Waiting++
		return false, tx.PostponeReminder(d.ID, now.Add(nextRun))
	}
	dayStart := startOfDay(now, r.set.Location)
	sentToday, err := tx.RemindersSentSince(p.ID, dayStart)
	if err != nil {
		return false, err
	}
	if sentToday >= r.set.DailyCap {
		rep.Waiting++
		tomorrow := startOfDay(dayStart.Add(36*time.Hour), r.set.Location)
		return false, tx.PostponeReminder(d.ID, r.set.Quiet.Next(tomorrow, r.set.Location))
	}
	msg, err := r.composer.Compose(tx, p, d)
	if errors.Is(err, conversation.ErrGone) {
		return false, r.drop(tx, d, dropAssetGone, rep)
	} else if err != nil {
		return false, err
	}
	if err := r.notifier.Notify(tx, p, msg); errors.Is(err, ErrNoChannel) {
		return false, r.drop(tx, d, dropNoChannel, rep)
	} else if err != nil {
		return false, err
	}
	rep.Queued[d.Kind]++
	sentTo[p.ID] = true
	if len(rep.Sample) < maxSample {
		rep.Sample = append(rep.Sample, Queued{ID: d.ID, PersonID: p.ID, Kind: d.Kind, AssetID: d.AssetID})
	}
	return true, tx.SettleReminder(d.ID, store.OutcomeSent)
}

// stillDue checks a reminder against the person's conversation now: why it
// no longer applies, or until when it must wait (zero: it may go now).
func (r *Reminders) stillDue(tx *store.Tx, now time.Time, p store.Person, d store.Reminder) (string, time.Time, error) {
	conv, err := tx.Conversation(p.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", time.Time{}, err
	}
	unfinished := err == nil && (conv.Status == "active" || conv.Status == "paused")
	switch d.Kind {
	case store.ReminderNudge:
		pausedAt, perr := d.AboutTime()
		if perr != nil || !unfinished || !conv.UpdatedAt.Equal(pausedAt) {
			return dropAnswered, time.Time{}, nil
		}
	case store.ReminderRefresh, store.ReminderRefreshAsset, store.ReminderRetention:
		why, err := overtaken(tx, p, d)
		if why != "" || err != nil {
			return why, time.Time{}, err
		}
		// Never in the middle of a flow: wait until they finish, pause or
		// leave it (no input for as long as a nudge waits).
		if conv.Status == "active" && now.Sub(conv.UpdatedAt) < r.set.NudgeAfter {
			return "", conv.UpdatedAt.Add(r.set.NudgeAfter), nil
		}
	}
	return "", time.Time{}, nil
}

// overtaken says why a refresh no longer applies, if it does not: what it
// asks about was confirmed, changed or marked stale since it was planned,
// or the asset was taken off the map; or why a retention warning no
// longer applies: the entry was confirmed since it went stale.
func overtaken(tx *store.Tx, p store.Person, d store.Reminder) (string, error) {
	var f store.EntryFreshness
	if d.Kind == store.ReminderRetention {
		f, err := tx.Freshness(p.ID)
		if err != nil {
			return "", err
		}
		staleAt, err := d.AboutTime()
		if err != nil || !f.StaleAt.Equal(staleAt) {
			return dropConfirmed, nil
		}
		return "", nil
	}
	if d.Kind == store.ReminderRefreshAsset {
		a, err := tx.Asset(d.AssetID)
		if errors.Is(err, store.ErrNotFound) {
			return dropAssetGone, nil
		} else if err != nil {
			return "", err
		}
		f = store.EntryFreshness{ConfirmedAt: a.ConfirmedAt, StaleAt: a.StaleAt}
	} else {
		var err error
		if f, err = tx.Freshness(p.ID); err != nil {
			return "", err
		}
	}
	asked, err := d.AboutTime()
	if err != nil || !f.StaleAt.IsZero() || !f.ConfirmedAt.Equal(asked) {
		return dropConfirmed, nil
	}
	return "", nil
}

func (r *Reminders) drop(tx *store.Tx, d store.Reminder, why string, rep *Report) error {
	rep.Dropped[why]++
	return tx.SettleReminder(d.ID, why)
}

// startOfDay is local midnight of t's day in loc.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}
