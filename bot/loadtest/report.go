package loadtest

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a load test. Rates, latencies and CPU cover the
// measuring window; Kills, Lost and Duplicates the whole run.
type Report struct {
	// Residents, Warmup and Window restate the options.
	Residents int
	Warmup    time.Duration
	Window    time.Duration
	// Inputs is the number of resident inputs answered in the window; an
	// input is answered by the bot's first sendMessage or edit in its chat
	// after it arrived.
	Inputs       int64
	InputsPerSec float64
	// Messages counts the bot's sendMessage and edit calls that succeeded.
	Messages       int64
	MessagesPerSec float64
	// TooManyRequests counts the 429s the fake returned.
	TooManyRequests int64
	// LatencyP50 and LatencyP99 are percentiles of input-to-reply time.
	LatencyP50 time.Duration
	LatencyP99 time.Duration
	// CPU is the bot's user+system time; CPUPerInput is CPU / Inputs.
	CPU         time.Duration
	CPUPerInput time.Duration
	// PeakRSS is the largest VmHWM of any run of the bot, in bytes.
	PeakRSS int64
	// Kills counts SIGKILL restarts.
	Kills int
	// Lost counts residents whose last input never got an answerable reply
	// (a message or edit to act on): stalled residents.
	Lost int
	// Unapplied counts the inputs the fake delivered that the bot never
	// recorded as applied: inputs truly lost, as opposed to answered in a
	// way a resident cannot act on. -1 when the bot keeps no database to
	// tell.
	Unapplied int64
	// Duplicates counts messages the bot sent twice in a row to a chat with
	// no input in between.
	Duplicates int64
	// Reminders are the figures of a run with people due for a refresh.
	Reminders Reminders
	// Backups counts the backups taken during the run whose copies passed
	// the integrity check (see Options.BackupEvery).
	Backups int
	// Dir holds the bot's config, database and log when they were kept.
	Dir string
}

// String renders the report as an aligned table.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "assetbot load test: %d residents, %v measured after %v warm-up\n", r.Residents, r.Window, r.Warmup)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := func(name, format string, args ...any) {
		fmt.Fprintf(w, "  %s\t"+format+"\n", append([]any{name}, args...)...)
	}
	row("inputs answered", "%d\t%.1f/s", r.Inputs, r.InputsPerSec)
	row("bot messages (send+edit)", "%d\t%.1f/s", r.Messages, r.MessagesPerSec)
	row("429 responses", "%d\t", r.TooManyRequests)
	row("input→reply p50", "%v\t", r.LatencyP50.Round(10*time.Microsecond))
	row("input→reply p99", "%v\t", r.LatencyP99.Round(10*time.Microsecond))
	row("bot CPU", "%v\t%v/input", r.CPU.Round(time.Millisecond), r.CPUPerInput.Round(time.Microsecond))
	row("bot peak RSS", "%.1f MiB\t", float64(r.PeakRSS)/(1<<20))
	row("kills", "%d\t", r.Kills)
	row("stalled residents", "%d\t", r.Lost)
	if r.Unapplied >= 0 {
		row("inputs never applied", "%d\t", r.Unapplied)
	}
	row("duplicates", "%d\t", r.Duplicates)
	if r.Backups > 0 {
		row("backups taken and checked", "%d\t", r.Backups)
	}
	if rm := r.Reminders; rm.Due > 0 {
		row("people due for a refresh", "%d\t", rm.Due)
		row("reminders job, first run", "%v\t(found, planned, first queued)", rm.FirstRun.Round(time.Millisecond))
		row("refreshes planned", "%d\t", rm.Planned)
		row("refreshes queued", "%d\t", rm.Queued)
		row("refreshes delivered", "%d\t", rm.Delivered)
	}
	_ = w.Flush()
	if r.Dir != "" {
		fmt.Fprintf(&b, "  bot config, database and log kept in %s\n", r.Dir)
	}
	return b.String()
}
