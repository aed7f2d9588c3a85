package bot

import (
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// TestOutboxSurvivesRestart checks that a reply the bot could not send is
// kept, and sent exactly once by the next bot on the same database.
func TestOutboxSurvivesRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const user = 901
	h.fake.Fail(fakeapi.MethodSendMessage, 0, fakeapi.InternalError())
	h.fake.SendText(user, "Dee", "/start")
	waitUntil(t, "the /start is confirmed and its reply queued", func() bool {
		return h.fake.Pending() == 0 && len(h.pending(t, user)) == 1
	})
	waitUntil(t, "a send was tried", func() bool { return h.fake.Stats().Requests[fakeapi.MethodSendMessage] > 0 })
	h.stop()
	if got := h.fake.Messages(user); len(got) != 0 {
		t.Fatalf("with sendMessage failing the chat got %q", texts(got))
	}

	h.fake.ClearFaults()
	h.start(testConfig(h.fake))
	r := h.resident(t, user, "Dee")
	if m := r.asked("consent"); !strings.Contains(m.Text, "Hi Dee") {
		t.Errorf("after restart got %q; want the welcome", m.Text)
	}
	r.say("/help")
	r.reply()
	if n := len(sends(h.fake.Messages(user))); n != 2 {
		t.Errorf("%d messages sent; want the queued reply and the reply to /help", n)
	}
	if n := h.fake.Duplicates(user); n != 0 {
		t.Errorf("%d messages sent twice", n)
	}
	waitUntil(t, "the outbox emptied", func() bool { return len(h.pending(t, user)) == 0 })
}

// TestRedeliveredUpdateAppliedOnce checks that an update Telegram delivers
// again, in the same batch or after a restart, is applied only once.
func TestRedeliveredUpdateAppliedOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	calls := watchCalls(h.fake, nil)
	const user = 911
	r := h.resident(t, user, "Rae")

	// Twice in one batch.
	start := rawMessage("message", user, map[string]any{"text": "/start",
		"entities": []any{map[string]any{"type": "bot_command", "offset": 0, "length": 6}}})
	held := calls.holdNextPoll(t)
	held.wait(t, "the bot's next getUpdates")
	id := r.inject(start)
	again := strings.Replace(string(start), "{", `{"update_id":`+strconv.Itoa(id)+",", 1)
	if got := r.inject([]byte(again)); got != id {
		t.Fatalf("re-injected as update %d; want %d", got, id)
	}
	held.release()
	r.asked("consent")

	// Once more after a restart, before anything newer.
	waitUntil(t, "the updates are confirmed", func() bool { return h.fake.Pending() == 0 })
	h.stop()
	r.inject([]byte(again))
	h.start(testConfig(h.fake))
	r.say("/help")
	if m := r.reply(); !strings.Contains(m.Text, "/start") {
		t.Errorf("got %q; want only the reply to /help", m.Text)
	}
	if n := len(sends(h.fake.Messages(user))); n != 2 {
		t.Errorf("%d messages sent; want one for /start and one for /help", n)
	}
}
