// Package loadtest drives the real assetbot binary against an in-process
// fake Telegram (bot/fakeapi) with many simulated residents, and reports
// throughput, latency and cost. It is the engine of `assetbot-loadtest`.
//
// Each resident sends /start and then answers every question the bot asks
// as soon as it is asked (see Next). With Options.KillEvery the bot is
// SIGKILLed and restarted again and again; at the end every resident's last
// input must have been answered and no message may have been sent twice.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"github.com/assetbot/assetbot/internal/store"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// Options configure a load test. Zero values take the defaults noted.
type Options struct {
	// Binary is the assetbot executable to test; required.
	Binary string
	// Residents is the number of simulated users; default 200.
	Residents int
	// Duration is the measuring window; default 20s.
	Duration time.Duration
	// Warmup runs before the window and is not measured; default 3s.
	Warmup time.Duration
	// GlobalRate, PerChatRate and PerChatBurst are the flood limits the
	// fake Telegram enforces with 429s (0 = off). The global limit is
	// Telegram's as stated: at most GlobalRate messages in any one-second
	// window, counted as they arrive.
	GlobalRate   float64
	PerChatRate  float64
	PerChatBurst int
	// BotSendRate and BotPerChatRate are the bot's own send limits
	// (telegram.send.rate and per_chat_rate; 0 = no limit).
	BotSendRate    float64
	BotPerChatRate float64
	// KillEvery SIGKILLs the bot this often and restarts it at once
	// (0 = never).
	KillEvery time.Duration
	// Dir holds the config, database and bot log; default a new temporary
	// directory, removed after a passing run.
	Dir string
	// Drain is how long to wait at the end for every last input to be
	// answered; default 30s.
	Drain time.Duration
	// Out, if set, gets the report before Run returns.
	Out io.Writer
	// MaxDuplicates is how many duplicate messages a run may see and still
	// pass: a message in flight when the bot is killed is sent again after
	// the restart (Telegram offers no way to ask whether it arrived).
	MaxDuplicates int64
	// UniqueButtons tells the fake that the bot never sends the same
	// buttons twice, so any repeat counts as a duplicate (assetbot's case).
	UniqueButtons bool
	// Think is how long a resident takes to answer each question; 0
	// answers at once.
	Think time.Duration
	// Due is how many people, besides the residents, have entries due for
	// a "still true?" refresh when the bot starts (0 = none): the bot's
	// reminders job finds them at once and sends their refreshes in the
	// room the residents' replies leave.
	Due int
	// BackupEvery runs `assetbot backup` on the bot's database this often
	// while the residents play (0 = never); a backup that fails, or whose
	// copy fails SQLite's integrity check, fails the run (ErrBackup).
	BackupEvery time.Duration
}

// Errors that fail a run; Run wraps them with counts.
var (
	// ErrLost means some input delivered to the bot was never applied.
	ErrLost = errors.New("lost inputs")
	// ErrStalled means some resident's last input got no message to act on.
	ErrStalled = errors.New("stalled residents")
	// ErrDuplicates means the bot sent some message twice.
	ErrDuplicates = errors.New("duplicate messages")
)

const token = "123:load"

// Defaults of a zero Options.
const (
	DefaultResidents = 200
	DefaultDuration  = 20 * time.Second
	DefaultWarmup    = 3 * time.Second
	defaultDrain     = 30 * time.Second
)

// Waits and sizes of a run.
const (
	// readyTimeout bounds the bot's start-up, to its first getUpdates.
	readyTimeout = 30 * time.Second
	// readyPoll and drainPoll are how often the fake's counters are read
	// while waiting for the bot to poll and for the last replies.
	readyPoll = 20 * time.Millisecond
	drainPoll = 50 * time.Millisecond
	// stopGrace is how long the bot may take to stop on SIGTERM at the end
	// of a run; a run cut short by an error or a signal gives it failGrace.
	stopGrace = 15 * time.Second
	failGrace = 5 * time.Second
	// logTail is how much of the bot's log an error quotes, in bytes.
	logTail = 2000
	// botPerChatBurst is the bot's telegram.send.per_chat_burst, Telegram's
	// own; botWorkers its send workers, enough that the send limits, not
	// the workers, bound it when the limits are lifted.
	botPerChatBurst = 3
	botWorkers      = 96
)

func (o *Options) defaults() error {
	if o.Binary == "" {
		return errors.New("load test: no assetbot binary to test")
	}
	if o.Residents <= 0 {
		o.Residents = DefaultResidents
	}
	if o.Duration <= 0 {
		o.Duration = DefaultDuration
	}
	if o.Warmup <= 0 {
		o.Warmup = DefaultWarmup
	}
	if o.Drain <= 0 {
		o.Drain = defaultDrain
	}
	return nil
}

// Run starts the fake Telegram and the bot, plays the residents for
// Warmup+Duration, then stops injecting, waits for the last replies, stops
// the bot with SIGTERM and reports. The Report is returned even with an
// error; a lost input, a stalled resident or a duplicate message fails the
// run (ErrLost, ErrStalled, ErrDuplicates).
func Run(ctx context.Context, opts Options, log *slog.Logger) (Report, error) {
	if err := opts.defaults(); err != nil {
		return Report{}, err
	}
	made := opts.Dir == ""
	if made {
		dir, err := os.MkdirTemp("", "assetbot-loadtest-")
		if err != nil {
			return Report{}, fmt.Errorf("create load test dir: %w", err)
		}
		opts.Dir = dir
	}
	d := newDriver(ctx, opts.Residents, uint64(time.Now().UnixNano()), opts.Think)
	defer d.cancel()
	fake := fakeapi.New(fakeapi.Options{
		Token:         token,
		GlobalRate:    opts.GlobalRate,
		GlobalWindow:  true,
		PerChatRate:   opts.PerChatRate,
		PerChatBurst:  opts.PerChatBurst,
		Light:         true,
		UniqueButtons: opts.UniqueButtons,
		OnSent:        d.onSent,
	})
	d.fake = fake
	if err := fake.Start(); err != nil {
		return Report{}, err
	}
	defer fake.Close()

	cfgPath, dbPath := filepath.Join(opts.Dir, "load.yaml"), filepath.Join(opts.Dir, "load.db")
	if err := writeConfig(cfgPath, dbPath, fake.URL(), opts); err != nil {
		return Report{}, err
	}
	if opts.Due > 0 {
		if err := seedDue(ctx, dbPath, opts.Due); err != nil {
			return Report{}, err
		}
	}
	sup := &supervisor{binary: opts.Binary, config: cfgPath, logPath: filepath.Join(opts.Dir, "bot.log"), log: log}
	rep, err := run(ctx, d, sup, opts, log)
	rep.Dir = opts.Dir
	if err == nil && made {
		_ = os.RemoveAll(opts.Dir)
		rep.Dir = ""
	} else if err != nil {
		log.Warn("load test failed; files kept", "dir", opts.Dir)
	}
	if opts.Out != nil {
		fmt.Fprint(opts.Out, rep.String())
	}
	return rep, err
}

// run is Run once the fake and the config are ready.
func run(ctx context.Context, d *driver, sup *supervisor, opts Options, log *slog.Logger) (rep Report, err error) {
	rep = Report{Residents: opts.Residents, Window: opts.Duration, Warmup: opts.Warmup}
	if err := sup.start(); err != nil {
		return rep, err
	}
	var wg sync.WaitGroup
	stopped := false
	defer func() {
		d.cancel()
		wg.Wait()
		if !stopped {
			_ = sup.stop(failGrace)
		}
		rep.Kills = sup.kills
		rep.PeakRSS = sup.peakRSS
		rep.Duplicates = d.fake.Stats().Duplicates
	}()
	if err := waitReady(ctx, d.fake, sup); err != nil {
		return rep, err
	}
	log.Info("load test started", "residents", opts.Residents, "warmup", opts.Warmup, "duration", opts.Duration)
	for _, r := range d.residents {
		wg.Go(func() { d.play(r) })
	}
	var bk *backups
	if opts.BackupEvery > 0 {
		bk = startBackups(ctx, sup.binary, sup.config, opts.Dir, opts.BackupEvery)
		defer bk.finish()
	}

	var killC <-chan time.Time
	if opts.KillEvery > 0 {
		t := time.NewTicker(opts.KillEvery)
		defer t.Stop()
		killC = t.C
	}
	warm := time.NewTimer(opts.Warmup)
	defer warm.Stop()
	end := time.NewTimer(opts.Warmup + opts.Duration)
	defer end.Stop()
	var startStats fakeapi.Stats
	var startCPU time.Duration
loop:
	for {
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-sup.exited():
			return rep, exitError(sup)
		case <-killC:
			if err := sup.kill(); err != nil {
				return rep, err
			}
			log.Debug("bot killed and restarted", "kills", sup.kills)
		case <-warm.C:
			d.markWindow(true)
			startStats, startCPU = d.fake.Stats(), sup.cpu()
		case <-end.C:
			d.markWindow(false)
			endStats, endCPU := d.fake.Stats(), sup.cpu()
			rep.measure(startStats, endStats, endCPU-startCPU, d.latencies())
			break loop
		}
	}

	var errs []error
	if bk != nil {
		var err error
		if rep.Backups, err = bk.finish(); err != nil {
			errs = append(errs, err)
		}
	}
	d.stopping.Store(true)
	if rep.Lost, err = drain(ctx, d, sup, opts.Drain); err != nil {
		return rep, err
	}
	stopped = true
	stopErr := sup.stop(stopGrace)
	dups := d.fake.Stats().Duplicates
	rep.Unapplied = -1
	if dbPath := filepath.Join(opts.Dir, "load.db"); fileExists(dbPath) {
		applied, err := appliedUpdates(ctx, dbPath)
		if err != nil {
			return rep, err
		}
		rep.Unapplied = d.fake.Stats().Updates - int64(d.fake.Pending()) - applied
	}

	if opts.Due > 0 {
		if rep.Reminders, err = reminderFigures(ctx, filepath.Join(opts.Dir, "load.db"), sup.logPath, d.fake, opts.Due); err != nil {
			return rep, err
		}
	}
	if rep.Unapplied > 0 {
		errs = append(errs, fmt.Errorf("%w: %d inputs delivered to the bot were never applied", ErrLost, rep.Unapplied))
	}
	if rep.Lost > 0 {
		errs = append(errs, fmt.Errorf("%w: %d residents never got a message after their last input:\n%s", ErrStalled, rep.Lost, strings.Join(d.stalled(), "\n")))
	}
	if dups > opts.MaxDuplicates {
		errs = append(errs, fmt.Errorf("%w: %d", ErrDuplicates, dups))
	}
	if stopErr != nil {
		errs = append(errs, stopErr)
	}
	return rep, errors.Join(errs...)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// appliedUpdates counts the updates the bot recorded as applied, from its
// database (the bot has stopped).
func appliedUpdates(ctx context.Context, path string) (int64, error) {
	st, err := store.Open(ctx, path)
	if err != nil {
		return 0, fmt.Errorf("open the bot's database: %w", err)
	}
	defer st.Close()
	return st.AppliedEvents(ctx, "telegram")
}

// waitReady waits for the bot's first getUpdates, so start-up problems
// surface as such rather than as a slow run.
func waitReady(ctx context.Context, fake *fakeapi.Server, sup *supervisor) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for fake.Stats().Requests["getUpdates"] == 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the bot to poll: %w\n%s", ctx.Err(), tail(sup.logPath, logTail))
		case <-sup.exited():
			return exitError(sup)
		case <-tick.C:
		}
	}
	return nil
}

// drain waits up to limit for every resident's last input to get an
// answerable reply and returns how many never did.
func drain(ctx context.Context, d *driver, sup *supervisor, limit time.Duration) (int, error) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for {
		n := d.waiting()
		if n == 0 {
			return 0, nil
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-sup.exited():
			return n, exitError(sup)
		case <-deadline.C:
			return d.waiting(), nil
		case <-tick.C:
		}
	}
}

func exitError(sup *supervisor) error {
	return fmt.Errorf("bot exited unexpectedly (%v); log tail:\n%s", sup.cur.err, tail(sup.logPath, logTail))
}

// botConfig is the part of assetbot's config file the load test sets.
type botConfig struct {
	Database struct {
		Path string `yaml:"path"`
	} `yaml:"database"`
	Telegram struct {
		Token       string `yaml:"token"`
		APIEndpoint string `yaml:"api_endpoint"`
		PollTimeout string `yaml:"poll_timeout"`
		Send        struct {
			Rate         float64 `yaml:"rate"`
			PerChatRate  float64 `yaml:"per_chat_rate"`
			PerChatBurst int     `yaml:"per_chat_burst"`
			Workers      int     `yaml:"workers"`
		} `yaml:"send"`
	} `yaml:"telegram"`
	Log struct {
		Level string `yaml:"level"`
	} `yaml:"log"`
	HTTP struct {
		Listen string `yaml:"listen"`
	} `yaml:"http"`
	Reminders *struct {
		CheckEvery string `yaml:"check_every"`
		QuietHours string `yaml:"quiet_hours"`
	} `yaml:"reminders,omitempty"`
}

// writeConfig writes the bot's config file for a run against the fake.
func writeConfig(path, dbPath, apiURL string, opts Options) error {
	var c botConfig
	c.Database.Path = dbPath
	c.Telegram.Token = token
	c.Telegram.APIEndpoint = apiURL
	c.Telegram.PollTimeout = "1s"
	c.Telegram.Send.Rate = opts.BotSendRate
	c.Telegram.Send.PerChatRate = opts.BotPerChatRate
	c.Telegram.Send.PerChatBurst = botPerChatBurst
	c.Telegram.Send.Workers = botWorkers
	c.Log.Level = "warn"
	if opts.Due > 0 {
		// The reminders job runs every second, at any hour, and logs each
		// run (what it did, how long it took) at info.
		c.Reminders = &struct {
			CheckEvery string `yaml:"check_every"`
			QuietHours string `yaml:"quiet_hours"`
		}{CheckEvery: "@every 1s", QuietHours: ""}
		c.Log.Level = "info"
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode bot config: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write bot config: %w", err)
	}
	return nil
}

// percentile returns the p-th percentile (0 < p <= 1) of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// measure fills the window figures from the fake's counters before and
// after, the bot's CPU over the window and the measured latencies.
func (r *Report) measure(before, after fakeapi.Stats, cpu time.Duration, lat []time.Duration) {
	secs := r.Window.Seconds()
	r.Inputs = int64(len(lat))
	r.InputsPerSec = float64(r.Inputs) / secs
	r.Messages = (after.Sent + after.Edited) - (before.Sent + before.Edited)
	r.MessagesPerSec = float64(r.Messages) / secs
	r.TooManyRequests = after.TooManyRequests - before.TooManyRequests
	slices.Sort(lat)
	r.LatencyP50 = percentile(lat, 0.50)
	r.LatencyP99 = percentile(lat, 0.99)
	r.CPU = cpu
	if r.Inputs > 0 {
		r.CPUPerInput = cpu / time.Duration(r.Inputs)
	}
}
