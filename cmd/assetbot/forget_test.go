package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

func TestForgetBadArguments(t *testing.T) {
	cfg := configFile(t, "")
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"none", nil, "usage: assetbot forget TELEGRAM_USER_ID"},
		{"two", []string{"1", "2"}, "usage: assetbot forget TELEGRAM_USER_ID"},
		{"a username", []string{"@quillonia"}, `"@quillonia" is not a Telegram user id: give the number`},
		{"a phone number", []string{"07700 900412"}, `"07700 900412" is not a Telegram user id`},
		{"zero", []string{"0"}, `"0" is not a Telegram user id`},
		{"negative", []string{"--", "-5"}, `"-5" is not a Telegram user id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, err := invoke(t, "", append([]string{"--config", cfg, "forget"}, tt.args...)...)
			if !errors.Is(err, errUsage) || !strings.Contains(errOut, tt.want) {
				t.Errorf("forget %q: err %v, stderr %q; want a usage error saying %q", tt.args, err, errOut, tt.want)
			}
		})
	}
}

func TestForgetUnknown(t *testing.T) {
	cfg := configFile(t, "")
	_, _, err := invoke(t, "", "--config", cfg, "forget", "123456789")
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "no one with Telegram user id 123456789 is stored") {
		t.Errorf("forget an unknown id: err %v; want an error saying nobody has it", err)
	}
}

// TestForget erases a resident while another store (the running bot's)
// has the database open, and prints what went.
func TestForget(t *testing.T) {
	cfg := configFile(t, "")
	ctx := context.Background()
	bot, err := store.Open(ctx, filepath.Join(filepath.Dir(cfg), "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()
	err = bot.Update(ctx, func(tx *store.Tx) error {
		p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: "555000111", FirstName: "Quillonia"})
		if err != nil {
			return err
		}
		if _, err := tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: "head", Step: "head", Value: flow.Value{Text: "zanzibar quilting"}, Version: 1}); err != nil {
			return err
		}
		if err := tx.RecordConsent(p.ID, "map", true, "resident", 1); err != nil {
			return err
		}
		for _, a := range []store.Asset{
			{Kind: "economic", Name: "Bike fixes", Fields: map[string]flow.Value{"name": {Text: "Bike fixes"}, "kind": {Choice: "self_employed"}}, FlowVersion: 1},
			{Kind: "place", Name: "Greenbank Park", Fields: map[string]flow.Value{"name": {Text: "Greenbank Park"}}, FlowVersion: 1},
		} {
			if _, err := tx.CreateAsset(a, p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err := invoke(t, "", "--config", cfg, "forget", "555000111")
	if err != nil {
		t.Fatalf("forget: %v (%s)", err, errOut)
	}
	for _, want := range []string{
		"Erased Telegram user 555000111:",
		"deleted: 1 answers (with their history), 1 consents,",
		"assets about them, taken off the map: 1; assets they added or changed, kept without their name or contact details: 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("forget printed %q; want it to say %q", out, want)
		}
	}
	err = bot.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Person("telegram", "555000111"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the bot's store still finds the person: err %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := invoke(t, "", "--config", cfg, "forget", "555000111"); err == nil || !strings.Contains(err.Error(), "nothing erased") {
		t.Errorf("forget again: err %v; want nobody found", err)
	}
}
