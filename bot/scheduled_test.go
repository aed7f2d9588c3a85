package bot

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/store"
)

// queueScheduled writes scheduled messages to chats into the database at
// path, as the reminders job (in this process or another) does.
func queueScheduled(t *testing.T, path string, chats ...int64) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(context.Background(), func(tx *store.Tx) error {
		for _, c := range chats {
			payload, err := json.Marshal(outMsg{Method: methodSend, ChatID: c, Text: "Is this still true?"})
			if err != nil {
				return err
			}
			if _, err := tx.EnqueueScheduled(c, methodSend, payload); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestScheduledMessagesGoAfterReplies checks that a resident's reply goes
// ahead of a backlog of reminders, that reminders keep to their own rate,
// and that reminders queued while the bot runs (by a job or another
// process) are found and sent.
func TestScheduledMessagesGoAfterReplies(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{GlobalRate: 10, GlobalWindow: true})
	const backlog = 40
	var chats []int64
	for i := range int64(backlog) {
		chats = append(chats, 5000+i)
	}
	queueScheduled(t, h.dbPath, chats...)
	h.opts = []Option{WithScheduledRate(5)}
	cfg := testConfig(h.fake)
	cfg.Send.Rate = 10
	h.start(cfg)

	// A resident writes while the backlog drains: the reply comes at once.
	time.Sleep(time.Second)
	asked := time.Now()
	r := h.resident(t, 77, "Ada")
	r.say("/start")
	h.next(77)
	if wait := time.Since(asked); wait > time.Second {
		t.Errorf("reply took %v behind %d reminders; want under a second", wait, backlog)
	}
	reminded := func() []time.Time {
		var at []time.Time
		for _, c := range chats {
			for _, m := range h.fake.Messages(c) {
				at = append(at, m.Time)
			}
		}
		return at
	}
	waitUntil(t, "every reminder sent", func() bool { return len(reminded()) == backlog })
	// The reminders went at their own rate, 5 a second, not the 10 allowed
	// (after the first few, which the workers took while the bot's first
	// second held every send).
	at := reminded()
	slices.SortFunc(at, time.Time.Compare)
	at = at[10:]
	if rate := float64(len(at)-1) / at[len(at)-1].Sub(at[0]).Seconds(); rate > 5.5 || rate < 4 {
		t.Errorf("reminders went at %.1f/s; want about 5", rate)
	}

	// One queued now, from outside this bot, is found and sent.
	queueScheduled(t, h.dbPath, 6000)
	waitUntil(t, "the late reminder sent", func() bool { return len(h.fake.Messages(6000)) == 1 })
	if s := h.fake.Stats(); s.TooManyRequests != 0 {
		t.Errorf("%d 429s; want none", s.TooManyRequests)
	}
	for _, c := range append(chats, 6000) {
		if n := len(h.fake.Messages(c)); n != 1 {
			t.Errorf("chat %d got %d reminders; want 1", c, n)
		}
	}
}
