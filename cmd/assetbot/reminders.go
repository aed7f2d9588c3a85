package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/assetbot/assetbot/bot"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/reminders"
	"github.com/assetbot/assetbot/internal/retention"
	"github.com/assetbot/assetbot/internal/schedule"
	"github.com/assetbot/assetbot/internal/store"
)

// jobs are the scheduled jobs that `reminders` says more of than their
// schedule: what each has due.
type jobs struct {
	reminders *reminders.Reminders
	retention *retention.Retention
}

// scheduled builds the scheduler with every periodic job, as `run` runs
// them and `reminders` shows them; organisers returns who the digest goes
// to at the time.
func scheduled(cfg config.Config, st *store.Store, svc *conversation.Service, n reminders.Notifier, organisers func() []int64, aim func() config.Aim, log *slog.Logger) (*schedule.Scheduler, jobs, error) {
	quiet, err := schedule.ParseQuietHours(cfg.Reminders.QuietHours)
	if err != nil {
		return nil, jobs{}, fmt.Errorf("reminders.quiet_hours: %w", err)
	}
	r := cfg.Reminders
	rem, err := reminders.New(st, reminders.Settings{
		NudgeAfter: r.NudgeAfter, MaxNudges: r.MaxNudges, RefreshAfter: r.RefreshAfter, StaleAfter: r.StaleAfter,
		Quiet: quiet, Location: cfg.Location(), DailyCap: r.DailyCap, Rate: r.Rate, CheckEvery: r.CheckEvery,
	}, svc, n)
	if err != nil {
		return nil, jobs{}, err
	}
	p, fl, err := digestParams(cfg)
	if err != nil {
		return nil, jobs{}, err
	}
	ret, err := retention.New(st, retention.Settings{
		Unfinished: cfg.Privacy.UnfinishedRetention, Stale: cfg.Privacy.StaleRetention, Schedule: cfg.Privacy.RetentionSchedule,
	}, log.With("part", "retention"))
	if err != nil {
		return nil, jobs{}, err
	}
	sched := schedule.New(st, cfg.Location(), log.With("part", "scheduler"))
	for _, j := range []schedule.Job{schedule.Prune(st), rem.Job(), digestJob(cfg.Digest.Schedule, st, digester(st, p, fl, aim), organisers), ret.Job()} {
		if err := sched.Add(j); err != nil {
			return nil, jobs{}, err
		}
	}
	return sched, jobs{reminders: rem, retention: ret}, nil
}

// reminders runs `assetbot reminders` (list the jobs) and `assetbot
// reminders run JOB` (run one now).
func (e *environment) reminders(ctx context.Context, args []string) error {
	running := len(args) > 0 && args[0] == "run"
	if running {
		args = args[1:]
	}
	fs := e.flagSet("reminders")
	nowText := fs.String("now", "", "run as if at this time (RFC 3339, e.g. 2026-12-01T09:00:00Z; default: now)")
	dry := fs.Bool("dry-run", false, "say what the reminders job would send, changing nothing")
	var job string
	if running {
		if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
			fmt.Fprintln(e.stderr, "usage: assetbot reminders run JOB [--now TIME] [--dry-run]")
			return errUsage
		}
		job, args = args[0], args[1:]
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	now := time.Now()
	if *nowText != "" {
		t, err := time.Parse(time.RFC3339, *nowText)
		if err != nil {
			fmt.Fprintf(e.stderr, "assetbot reminders: --now wants a time like 2026-12-01T09:00:00Z, got %q\n", *nowText)
			return errUsage
		}
		now = t
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	log := e.logger(cfg)
	svc, st, err := openService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	organisers := func() []int64 { return cfg.Organisers }
	sched, js, err := scheduled(cfg, st, svc, bot.NewNotifier(svc), organisers, func() config.Aim { return cfg.Aim }, log)
	if err != nil {
		return err
	}
	rem := js.reminders
	loc := cfg.Location()
	switch {
	case !running:
		due, err := rem.DryRun(ctx, now)
		if err != nil {
			return err
		}
		retDue, err := js.retention.Due(ctx, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%-10s %-14s %-22s %s\n", "JOB", "SCHEDULE", "NEXT RUN", "DUE")
		for _, j := range sched.Jobs(now) {
			dueText := "-"
			switch j.Name {
			case reminders.JobName:
				dueText = due.Due()
			case retention.JobName:
				dueText = retDue.Due()
			}
			fmt.Fprintf(e.stdout, "%-10s %-14s %-22s %s\n", j.Name, j.Spec, j.Next.In(loc).Format("2006-01-02 15:04 MST"), dueText)
		}
		return nil
	case *dry && job != reminders.JobName:
		fmt.Fprintf(e.stderr, "assetbot reminders: --dry-run works for the %s job only\n", reminders.JobName)
		return errUsage
	case *dry:
		rep, err := rem.DryRun(ctx, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "dry run at %s: %s\n", now.In(loc).Format(time.RFC3339), rep)
		for _, q := range rep.Sample {
			about := ""
			if q.AssetID != 0 {
				about = fmt.Sprintf(" about asset %d", q.AssetID)
			}
			fmt.Fprintf(e.stdout, "  would send a %s%s to person %d\n", q.Kind, about, q.PersonID)
		}
		if more := rep.Total() - len(rep.Sample); more > 0 {
			fmt.Fprintf(e.stdout, "  and %d more\n", more)
		}
		return nil
	}
	result, err := sched.RunNow(ctx, job, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s at %s: %s\n", job, now.In(loc).Format(time.RFC3339), result)
	return nil
}
