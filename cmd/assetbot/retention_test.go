package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

// TestRetentionJob checks that `assetbot reminders` lists the retention
// job with what it has due, and that `reminders run retention` runs it.
func TestRetentionJob(t *testing.T) {
	cfg := configFile(t, "log:\n  level: warn\nprivacy:\n  unfinished_retention: 30d\n")
	then := time.Now().Add(-40 * 24 * time.Hour)
	st, err := store.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "assetbot.db"), store.WithClock(func() time.Time { return then }))
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: "777"})
		if err != nil {
			return err
		}
		return tx.SaveConversation(store.Conversation{PersonID: p.ID, Flow: "resident", Status: "paused", State: []byte(`{}`)})
	})
	if cerr := st.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}

	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"reminders"}, "retention  @hourly"},
		{[]string{"reminders"}, "0 deletion warnings to plan; 0 stale entries and 1 people who never finished to delete"},
		{[]string{"reminders", "run", "retention"}, "planned 0 deletion warnings; deleted 0 stale entries and 1 people who never finished"},
		{[]string{"reminders"}, "0 deletion warnings to plan; 0 stale entries and 0 people who never finished to delete"},
	} {
		out, stderr, err := invoke(t, "", append([]string{"--config", cfg}, step.args...)...)
		if err != nil || !strings.Contains(out, step.want) {
			t.Errorf("%v = %q, %v (%s); want %q", step.args, out, err, stderr, step.want)
		}
	}
}
