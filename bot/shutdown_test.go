package bot

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// stopWithin is how soon after SIGTERM the process must be gone: Docker
// sends SIGKILL after 10 s, and we promise 5.
const stopWithin = 5 * time.Second

// TestShutdownWithBacklog stops the bot with a backlog queued, a 429 pause
// in effect and the Bot API gone (every request hangs): Run must return
// within stopWithin, and the next start sends the rest.
func TestShutdownWithBacklog(t *testing.T) {
	t.Parallel()
	const residents, each = 20, 6
	h := newIdleHarness(t, fakeapi.Options{})
	cfg := testConfig(h.fake)
	// One a second per chat after three: most replies wait.
	cfg.Send.PerChatRate, cfg.Send.PerChatBurst = 1, 3
	h.start(cfg)
	for i := range residents * each {
		h.fake.SendText(int64(1600+i%residents), "Eve", "/help")
	}
	waitUntil(t, "the first replies are sent", func() bool { return h.fake.Stats().Sent >= residents })
	h.fake.Fail(fakeapi.MethodSendMessage, 1, fakeapi.TooManyRequests(60))
	waitUntil(t, "a 429 pauses sending", func() bool { return h.fake.Stats().TooManyRequests > 0 })
	queued := func() int {
		rows, err := h.store.Pending(context.Background(), 0, residents*each)
		if err != nil {
			t.Fatalf("read outbox: %v", err)
		}
		return len(rows)
	}
	var backlog int
	waitUntil(t, "every reply is sent or queued", func() bool {
		backlog = queued()
		return int(h.fake.Stats().Sent)+backlog >= residents*each
	})
	if backlog < residents {
		t.Fatalf("%d messages queued; the test needs a backlog", backlog)
	}
	// The Bot API goes away: every request hangs, a long poll among them.
	polls := h.fake.Stats().Requests["getUpdates"]
	h.fake.Fail("", 0, fakeapi.Delay(time.Minute))
	waitUntil(t, "a long poll hangs", func() bool { return h.fake.Stats().Requests["getUpdates"] > polls })

	began := time.Now()
	if err := h.stopRun(t); err != nil {
		t.Errorf("Run returned %v; want nil", err)
	}
	took := time.Since(began)
	t.Logf("stopped in %v with %d messages queued", took, backlog)
	if took > stopWithin {
		t.Errorf("Run returned %v after its context ended, with %d messages queued; want within %v", took, backlog, stopWithin)
	}

	h.fake.ClearFaults()
	h.start(cfg)
	for i := range residents {
		chat := int64(1600 + i)
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		_, err := h.fake.WaitFor(ctx, chat, func(s []fakeapi.Sent) bool { return len(sends(s)) >= each })
		cancel()
		if err != nil {
			t.Fatalf("chat %d: after a restart got %d of %d replies", chat, len(sends(h.fake.Messages(chat))), each)
		}
	}
}

// TestRunStoppedWhileStarting checks that a bot stopped before it has
// started (SIGTERM during start-up) stops without an error.
func TestRunStoppedWhileStarting(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	st, svc := openService(t)
	ctx, cancel := context.WithCancel(context.Background())
	newBotMu.Lock()
	b, err := New(ctx, testConfig(h.fake), st, svc, slog.New(slog.DiscardHandler))
	newBotMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := b.Run(ctx); err != nil {
		t.Errorf("Run returned %v; want nil", err)
	}
}
