package main

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/store"
)

func TestDigest(t *testing.T) {
	cfg := configFile(t, "log:\n  level: warn\n")
	seedDuePerson(t, cfg) // two people and a group, 200 days ago
	tests := []struct {
		name    string
		args    []string
		err     error
		want    []string // in stdout, or in stderr on a usage mistake
		notWant []string
	}{
		{name: "the last week", args: nil,
			want: []string{"New: 0 people, 0 assets. In all: 2 people, 1 assets.", "A group or club 1 (+0)"}, notWant: []string{"555", "556"}},
		{name: "since a date", args: []string{"--since", "2000-01-01"},
			want: []string{"New: 2 people, 1 assets."}},
		{name: "in Welsh", args: []string{"--lang", "cy"}, want: []string{"I gyd: 2 o bobl"}},
		{name: "not a date", args: []string{"--since", "last week"}, err: errUsage, want: []string{"--since takes a date"}},
		{name: "in the future", args: []string{"--since", "2999-01-01"}, err: errUsage, want: []string{"not in the future"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := invoke(t, "", append([]string{"--config", cfg, "digest"}, tt.args...)...)
			if !errors.Is(err, tt.err) {
				t.Fatalf("digest %q: error %v, want %v\n%s", tt.args, err, tt.err, stderr)
			}
			got := out
			if tt.err != nil {
				got = stderr
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("digest %q printed:\n%s\nwant %q", tt.args, got, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("digest %q printed %q: nobody's Telegram id may appear", tt.args, w)
				}
			}
		})
	}
}

// TestDigestJob runs the digest job as the scheduler would: the digest's
// text, chart and people CSV are queued to each organiser, and nothing
// when there are none.
func TestDigestJob(t *testing.T) {
	tests := []struct {
		name, config string
		queued       int
		audit        []string
	}{
		{"two organisers", "organisers: [4242, 4343]\n", 2 * 3, []string{"4242 digest 1 scheduled", "4343 digest 1 scheduled"}},
		{"no organisers", "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := configFile(t, "log:\n  level: warn\n"+tt.config)
			seedDuePerson(t, cfg)
			consent(t, cfg, "555")
			if _, stderr, err := invoke(t, "", "--config", cfg, "reminders", "run", "digest"); err != nil {
				t.Fatalf("reminders run digest: %v\n%s", err, stderr)
			}
			if got := outboxSize(t, cfg); got != tt.queued {
				t.Errorf("queued %d messages; want %d", got, tt.queued)
			}
			// Each organiser's copy is audited, naming the people in its CSV.
			got := auditRows(t, cfg)
			slices.Sort(got)
			if !slices.Equal(got, tt.audit) {
				t.Errorf("audit: got %q; want %q", got, tt.audit)
			}
		})
	}
}

// TestDigesterFollowsReloadedAim makes two digests with one digester while
// the aim changes between them, as SIGHUP changes the bot's: each digest
// looks for the aim of its own time, not the one at start.
func TestDigesterFollowsReloadedAim(t *testing.T) {
	path := configFile(t, "log:\n  level: warn\n")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), cfg.Database.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, fl, err := digestParams(cfg)
	if err != nil {
		t.Fatal(err)
	}
	live := config.Aim{Text: "the aim at start"}
	d := digester(st, p, fl, func() config.Aim { return live })
	for _, aim := range []string{"the aim at start", "the aim after a reload"} {
		live = config.Aim{Text: aim}
		got, err := d(context.Background(), time.Now(), "en")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.Text, aim) {
			t.Errorf("digest with the aim %q reads:\n%s\nwant it to name that aim", aim, got.Text)
		}
	}
}

// consent gives the Telegram user's person consent to be on the map.
func consent(t *testing.T, cfg, user string) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.Person("telegram", user)
		if err != nil {
			return err
		}
		return tx.RecordConsent(p.ID, "map", true, "resident", 1)
	})
	if err != nil {
		t.Fatal(err)
	}
}
