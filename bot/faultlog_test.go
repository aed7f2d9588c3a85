package bot

import (
	"bytes"
	"database/sql"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
)

// TestFaultLog checks that a lasting fault is logged once when it starts,
// summarised at most every faultSummaryEvery while it lasts, and logged once
// when it clears, however many failures it causes.
func TestFaultLog(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		gap      time.Duration // between failures
		want     []string      // warning and info lines, in order
	}{
		{"one failure", 1, 0, []string{
			`level=WARN msg="sending failed" n=0`,
			`level=INFO msg="sending failed (recovered)" failures=1 lasted=0s`,
		}},
		// 1000 failures over 100 s: the start, one summary per 30 s, the end.
		{"a thousand failures", 1000, 100 * time.Millisecond, []string{
			`level=WARN msg="sending failed" n=0`,
			`level=WARN msg="sending failed (still failing)" n=300 failures=301 since=2026-01-02T03:04:05.000Z`,
			`level=WARN msg="sending failed (still failing)" n=600 failures=601 since=2026-01-02T03:04:05.000Z`,
			`level=WARN msg="sending failed (still failing)" n=900 failures=901 since=2026-01-02T03:04:05.000Z`,
			`level=INFO msg="sending failed (recovered)" failures=1000 lasted=1m39.9s`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime}))
			now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			f := newFaultLog(log, slog.LevelWarn, "sending failed", func() time.Time { return now })
			for i := range tt.failures {
				f.fail("n", i)
				now = now.Add(tt.gap)
			}
			now = now.Add(-tt.gap)
			f.ok()
			f.ok()
			got := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got log\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			// A new fault after the end is reported afresh.
			buf.Reset()
			f.fail("n", 0)
			if got := buf.String(); !strings.Contains(got, `level=WARN msg="sending failed" n=0`) {
				t.Errorf("a second fault logged %q; want it reported as new", got)
			}
		})
	}
}

// dropTime leaves the record's own time out of a test's log.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// TestUpdateFaultLoggedOnce has every update's transaction fail for a
// while, as with the disk full: the log says so once when it starts and
// once when it clears, not once per update and retry, and nothing is lost.
func TestUpdateFaultLoggedOnce(t *testing.T) {
	t.Parallel()
	const residents = 10
	h := newIdleHarness(t, fakeapi.Options{})
	logs := newLogBuffer()
	h.logOut = logs
	h.start(testConfig(h.fake))
	h.resident(t, 1750, "Gus").say("/start")
	h.resident(t, 1750, "Gus").asked("consent")
	db, err := sql.Open("sqlite3", "file:"+h.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TRIGGER disk_full BEFORE INSERT ON processed_events BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
	for i := range residents {
		h.fake.SendText(int64(1751+i), "Gus", "/start")
	}
	// Three tries each, and then the batch again a second later.
	logs.waitFor(t, "failures="+strconv.Itoa(4*residents))
	exec(`DROP TRIGGER disk_full`)
	for i := range residents {
		// An update whose third try failed just before the disk cleared
		// is let go with an apology; every other gets its answer. Either
		// way the person can carry on.
		r := h.resident(t, int64(1751+i), "Gus")
		if m := r.reply(); !strings.Contains(m.Text, marker("consent")) {
			if !strings.Contains(m.Text, en(flow.MsgTrouble)) {
				t.Fatalf("resident %d: got %q; want the consent question or the apology", 1751+i, m.Text)
			}
			r.say("/start")
			r.asked("consent")
		}
	}
	logs.waitFor(t, `msg="could not apply updates; Telegram will send them again (recovered)"`)
	out := logs.String()
	for _, line := range []string{
		`level=WARN msg="handling an update failed; retrying"`, `level=INFO msg="handling an update failed; retrying (recovered)"`,
		`level=ERROR msg="could not apply updates; Telegram will send them again"`,
	} {
		if n := strings.Count(out, line); n != 1 {
			t.Errorf("the log has %d lines %s; want 1", n, line)
		}
	}
}
