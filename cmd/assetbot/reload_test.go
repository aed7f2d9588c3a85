package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/config"
)

// organisersSeen records what a reload gives the bot.
type organisersSeen struct {
	calls [][]int64
	aim   config.Aim
}

func (o *organisersSeen) SetAim(aim config.Aim) { o.aim = aim }

func (o *organisersSeen) SetOrganisers(ids []int64) (added, removed int) {
	o.calls = append(o.calls, ids)
	return len(ids), 0
}

// TestReload reloads a config file changed step by step: good files are
// applied, a file that fails to load or validate is rejected with an error
// naming the problem and the running organisers stay, and a change that
// needs a restart is named.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	db := "database:\n  path: " + filepath.Join(dir, "assetbot.db") + "\n"
	running, err := config.Parse(path, []byte(db+"organisers: [11]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	bot := &organisersSeen{}
	r := &reloader{path: path, bot: bot, log: slog.New(slog.NewTextHandler(&logs, nil)), running: running}

	steps := []struct {
		name string
		file string // "" removes the file
		set  []int64
		want []string // in the log
		not  []string // not in the log
		aim  string   // the bot's aim's text after it
	}{
		{"an organiser added", db + "organisers: [11, 22]\n", []int64{11, 22},
			[]string{`level=INFO msg="config reloaded" organisers=2`}, []string{"level=WARN", "11 22", "[11"}, ""},
		{"broken YAML", db + "organisers: [11, 22\n", nil,
			[]string{"level=ERROR", "config reload rejected; the running config stays", "config.yaml:"}, nil, ""},
		{"an id that is not one", db + "organisers: [-5]\n", nil,
			[]string{"level=ERROR", "organisers[0]"}, nil, ""},
		{"an unknown key", db + "organizers: [33]\n", nil,
			[]string{"level=ERROR", "organizers"}, nil, ""},
		{"an aim option no flow has", db + "aim: {text: Sport, options: [sprot]}\n", nil,
			[]string{"level=ERROR", `no flow has an option \"sprot\"`}, nil, ""},
		{"the aim changed, live", db + "organisers: []\naim: {text: Sport, options: [sport]}\n", []int64{},
			[]string{`msg="config reloaded" organisers=0`}, []string{"level=WARN"}, "Sport"},
		{"file gone", "", nil, []string{"level=ERROR", "read config"}, nil, "Sport"},
		{"organisers emptied and the database moved", "database:\n  path: " + filepath.Join(dir, "moved.db") + "\norganisers: []\n", []int64{},
			[]string{`msg="config reloaded" organisers=0`, `level=WARN msg="config reloaded: these settings changed and take effect at the next start" keys=database`}, nil, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			logs.Reset()
			before := len(bot.calls)
			if s.file == "" {
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, []byte(s.file), 0o600); err != nil {
				t.Fatal(err)
			}
			r.reload()
			got := bot.calls[before:]
			if bot.aim.Text != s.aim {
				t.Errorf("the bot's aim = %q; want %q", bot.aim.Text, s.aim)
			}
			switch {
			case s.set == nil && len(got) > 0:
				t.Errorf("the bot's organisers were set to %v; want them kept", got)
			case s.set != nil && (len(got) != 1 || !slices.Equal(got[0], s.set)):
				t.Errorf("the bot's organisers were set %v; want once to %v", got, s.set)
			}
			for _, w := range s.want {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log = %q; want %q in it", logs.String(), w)
				}
			}
			for _, n := range s.not {
				if strings.Contains(logs.String(), n) {
					t.Errorf("log = %q; want no %q in it", logs.String(), n)
				}
			}
		})
	}
	if !slices.Equal(r.running.Organisers, []int64{}) || r.running.Database.Path != running.Database.Path {
		t.Errorf("running config = organisers %v, database %s; want the last organisers and the database it started with", r.running.Organisers, r.running.Database.Path)
	}
}

// organisersSent passes on what a reload gives the bot.
type organisersSent chan []int64

func (o organisersSent) SetOrganisers(ids []int64) (added, removed int) {
	o <- ids
	return len(ids), 0
}

// SetAim ignores the aim: this test is about the signal.
func (o organisersSent) SetAim(config.Aim) {}

// TestReloadOnSignal sends the process SIGHUP while a reloader waits for
// it, as `assetbot run` does, and sees the config applied.
func TestReloadOnSignal(t *testing.T) {
	path := configFile(t, "organisers: [44]\n")
	sent := make(organisersSent, 1)
	r := &reloader{path: path, bot: sent, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.run(ctx, hup)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case ids := <-sent:
		if !slices.Equal(ids, []int64{44}) {
			t.Errorf("after SIGHUP the organisers are %v; want [44]", ids)
		}
	case <-time.After(reloadTimeout):
		t.Fatalf("no reload %v after SIGHUP", reloadTimeout)
	}
}

// reloadTimeout bounds the wait for a reload after SIGHUP.
const reloadTimeout = 5 * time.Second
