package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// limitedHarness runs a bot whose send limits match a fake Telegram's:
// at most 30 messages in any second in all, 1 a second per chat after a
// burst of 3.
func limitedHarness(t *testing.T) *harness {
	h := newIdleHarness(t, fakeapi.Options{GlobalRate: 30, GlobalWindow: true, PerChatRate: 1, PerChatBurst: 3})
	cfg := testConfig(h.fake)
	cfg.Send.Rate, cfg.Send.PerChatRate, cfg.Send.PerChatBurst = 30, 1, 3
	h.start(cfg)
	return h
}

// TestSendLimits has many residents talk to the bot at once and checks
// that the bot stays within Telegram's limits (no 429) and every reply
// arrives.
func TestSendLimits(t *testing.T) {
	t.Parallel()
	h := limitedHarness(t)
	const residents = 24
	// The first 429 ends the test rather than let the bot crawl on.
	abort, flooded := context.WithCancelCause(context.Background())
	defer flooded(nil)
	go func() {
		for abort.Err() == nil {
			if st := h.fake.Stats(); st.TooManyRequests > 0 {
				flooded(fmt.Errorf("the fake answered 429 %d times (%d from its limits)", st.TooManyRequests, st.RateLimited))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	start := time.Now()
	// Everyone acts at once, and then waits: five limited calls per chat
	// (three replies, then an edit and the next question), the per-chat
	// burst and more; 120 in all, four times the global rate.
	var rs []*resident
	for i := range residents {
		r := h.resident(t, int64(1100+i), "Res")
		r.abort = abort
		rs = append(rs, r)
	}
	for _, r := range rs {
		r.say("/start")
		r.say("/help")
		r.say("/me")
	}
	consents := make([]fakeapi.Sent, residents)
	for i, r := range rs {
		// Each reply in order, and nothing else.
		consents[i] = r.next()
		help, me := r.next(), r.next()
		if !strings.Contains(consents[i].Text, marker("consent")) || !strings.Contains(help.Text, "/skip") || !strings.Contains(me.Text, "I don't hold") {
			t.Fatalf("resident %d: after /start, /help and /me got %q", r.id, texts([]fakeapi.Sent{consents[i], help, me}))
		}
	}
	for i, r := range rs {
		r.press(consents[i], button(t, consents[i], "o", "yes"))
	}
	for i, r := range rs {
		if next := r.pressed(consents[i], "Yes, and I'm 16 or over"); !strings.Contains(next.Text, marker("hands")) {
			t.Errorf("resident %d: after consent got %q", r.id, next.Text)
		}
	}
	if cause := context.Cause(abort); cause != nil {
		t.Fatal(cause)
	}
	if st := h.fake.Stats(); st.TooManyRequests != 0 {
		t.Errorf("the fake answered 429 %d times (%d from its limits)", st.TooManyRequests, st.RateLimited)
	}
	// 5 limited calls each at 30 a second.
	if took, least := time.Since(start), time.Duration(residents*5-30)*time.Second/30; took < least {
		t.Errorf("took %v; the limits allow no less than %v", took, least)
	}
}

// TestSendFairness queues a backlog for one chat and then one message for
// another, and checks the other chat is not kept waiting behind the whole
// backlog.
func TestSendFairness(t *testing.T) {
	t.Parallel()
	h := limitedHarness(t)
	const busy, other = 1201, 1202
	b := h.resident(t, busy, "Busy")
	for _, cmd := range []string{"/help", "/me", "/help", "/me", "/help", "/me"} {
		b.say(cmd)
	}
	// The burst goes at once; the rest wait for the per-chat rate.
	b.await("the first three replies", func(s []fakeapi.Sent) bool { return len(sends(s)) >= 3 })
	o := h.resident(t, other, "Other")
	o.say("/help")
	reply := o.reply()
	backlog := sends(b.await("the whole backlog", func(s []fakeapi.Sent) bool { return len(sends(s)) >= 3 }))
	if len(backlog) != 3 {
		t.Fatalf("the busy chat got %d more messages; want 3", len(backlog))
	}
	if !reply.Time.Before(backlog[0].Time) {
		t.Errorf("the other chat's message went at %v, after the busy chat's backlog (next at %v)", reply.Time, backlog[0].Time)
	}
	all := sends(h.fake.Messages(busy))
	for i := range all {
		if want := map[bool]string{true: "I'm collecting", false: "I don't hold"}[i%2 == 0]; !strings.Contains(all[i].Text, want) {
			t.Errorf("busy chat message %d is %q; want the reply to its %d-th command", i, all[i].Text, i+1)
		}
	}
	if !slices.IsSortedFunc(all, func(a, b fakeapi.Sent) int { return a.Time.Compare(b.Time) }) {
		t.Errorf("the busy chat's messages were not sent in order")
	}
	if n := h.fake.Stats().TooManyRequests; n != 0 {
		t.Errorf("the fake answered 429 %d times", n)
	}
}

// TestPerChatLimitWithSlowNetwork checks that the per-chat limit holds as
// Telegram counts it, on arrival, when a request takes a while to get
// there: four replies to one chat, the first slowed down, must not earn
// a 429.
func TestPerChatLimitWithSlowNetwork(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{PerChatRate: 1, PerChatBurst: 3})
	cfg := testConfig(h.fake)
	cfg.Send.PerChatRate, cfg.Send.PerChatBurst = 1, 3
	h.start(cfg)
	const chat = 1301
	watchCalls(h.fake, failFirst(fakeapi.MethodSendMessage, map[int64]fakeapi.Fault{chat: fakeapi.Delay(300 * time.Millisecond)}, nil))
	r := h.resident(t, chat, "Sol")
	for _, cmd := range []string{"/start", "/help", "/me", "/help"} {
		r.say(cmd)
	}
	got := r.await("four replies", func(s []fakeapi.Sent) bool { return len(sends(s)) == 4 })
	if len(got) != 4 {
		t.Errorf("got %q; want the four replies only", texts(got))
	}
	if n := h.fake.Stats().TooManyRequests; n != 0 {
		t.Errorf("the fake answered 429 %d times", n)
	}
}
