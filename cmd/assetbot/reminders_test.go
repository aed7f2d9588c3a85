package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// seedDuePerson writes into the database of config file cfg a Telegram
// resident whose entry was confirmed 200 days ago, and another who put a
// group on the map then.
func seedDuePerson(t *testing.T, cfg string) {
	t.Helper()
	then := time.Now().Add(-200 * 24 * time.Hour)
	st, err := store.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "assetbot.db"), store.WithClock(func() time.Time { return then }))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: "555", FirstName: "Ada"})
		if err != nil {
			return err
		}
		if _, err := tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: "area", Step: "area", Value: flow.Value{Text: "LS6"}, Version: 1}); err != nil {
			return err
		}
		if err := tx.ConfirmEntry(p.ID); err != nil {
			return err
		}
		bob, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: "556", FirstName: "Bob"})
		if err != nil {
			return err
		}
		_, err = tx.CreateAsset(store.Asset{Kind: "association", Name: "Chess club", FlowVersion: 1,
			Fields: map[string]flow.Value{"name": {Text: "Chess club"}, "purpose": {Text: "Plays chess"}}}, bob.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func outboxSize(t *testing.T, cfg string) int {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.PendingScheduled(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func TestReminders(t *testing.T) {
	cfg := configFile(t, "log:\n  level: warn\nreminders:\n  quiet_hours: \"\"\n")
	seedDuePerson(t, cfg)

	out, stderr, err := invoke(t, "", "--config", cfg, "reminders")
	if err != nil {
		t.Fatalf("reminders: %v\n%s", err, stderr)
	}
	for _, want := range []string{"prune      @hourly", "reminders  @every 5m", "0 nudges, 1 refreshes, 1 asset refreshes, 0 retention warnings (2 would go now)"} {
		if !strings.Contains(out, want) {
			t.Errorf("reminders listed:\n%s\nwant %q", out, want)
		}
	}

	out, stderr, err = invoke(t, "", "--config", cfg, "reminders", "run", "reminders", "--dry-run")
	for _, want := range []string{"would send a refresh to person 1", "would send a refresh_asset about asset 1 to person 2"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("dry run = %q, %v (%s); want %q", out, err, stderr, want)
		}
	}
	if n := outboxSize(t, cfg); n != 0 {
		t.Errorf("a dry run queued %d messages; want none", n)
	}

	out, stderr, err = invoke(t, "", "--config", cfg, "reminders", "run", "reminders", "--now", time.Now().UTC().Format(time.RFC3339))
	if err != nil || !strings.Contains(out, "queued 0 nudges, 1 refreshes, 1 asset refreshes and 0 retention warnings") {
		t.Errorf("run = %q, %v (%s); want one refresh of each queued", out, err, stderr)
	}
	if n := outboxSize(t, cfg); n != 2 {
		t.Errorf("outbox holds %d scheduled messages; want the two refreshes", n)
	}
	out, _, _ = invoke(t, "", "--config", cfg, "reminders", "run", "reminders")
	if !strings.Contains(out, "queued 0 nudges, 0 refreshes, 0 asset refreshes and 0 retention warnings") {
		t.Errorf("second run = %q; want nothing sent twice", out)
	}

	for _, tc := range []struct {
		args []string
		want error
	}{
		{[]string{"reminders", "run"}, errUsage},
		{[]string{"reminders", "run", "--dry-run"}, errUsage},
		{[]string{"reminders", "run", "reminders", "--now", "tomorrow"}, errUsage},
		{[]string{"reminders", "run", "prune", "--dry-run"}, errUsage},
		{[]string{"reminders", "run", "nope"}, nil},
	} {
		_, stderr, err := invoke(t, "", append([]string{"--config", cfg}, tc.args...)...)
		switch {
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%v: got %v; want %v", tc.args, err, tc.want)
		case tc.want == nil && (err == nil || !strings.Contains(err.Error(), `no job named "nope"`)):
			t.Errorf("%v: got %v (%s); want an error naming the job", tc.args, err, stderr)
		}
	}
}
