package bot

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// failFirst returns a fault picker for watchCalls: the first call of method
// to each chat in faults fails with that chat's fault, after held (if not
// nil) is released.
func failFirst(method string, faults map[int64]fakeapi.Fault, held *hold) func(apiCall) *fakeapi.Fault {
	var mu sync.Mutex
	done := map[int64]bool{}
	return func(c apiCall) *fakeapi.Fault {
		if c.method != method {
			return nil
		}
		id, _ := strconv.ParseInt(c.params.Get("chat_id"), 10, 64)
		f, ok := faults[id]
		mu.Lock()
		first := ok && !done[id]
		done[id] = true
		mu.Unlock()
		if !first {
			return nil
		}
		if held != nil {
			held.take()
		}
		return &f
	}
}

// take marks the hold taken and waits for its release.
func (h *hold) take() {
	h.takeOnce.Do(func() { close(h.taken) })
	<-h.released
}

// counter returns the value of a counter of the bot's metrics with the
// given label value.
func (h *harness) counter(t testing.TB, name, label string) float64 {
	t.Helper()
	families, err := h.bot.metrics.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestSenderFloodWait checks that a 429 is waited out for retry_after
// before anything else is sent, and the message then goes exactly once.
func TestSenderFloodWait(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const flooded, other = 801, 802
	calls := watchCalls(h.fake, failFirst(fakeapi.MethodSendMessage, map[int64]fakeapi.Fault{flooded: fakeapi.TooManyRequests(1)}, nil))
	r := h.resident(t, flooded, "Flo")
	r.say("/start")
	waitUntil(t, "the bot saw the 429", func() bool { return h.counter(t, "assetbot_send_errors_total", "flood") >= 1 })
	// Someone else writes during the wait: their reply waits too.
	r2 := h.resident(t, other, "Gus")
	r2.say("/start")
	r.asked("consent")
	r2.asked("consent")

	all := calls.snapshot()
	tries := to(all, fakeapi.MethodSendMessage, flooded)
	if len(tries) != 2 {
		t.Fatalf("%d sendMessage calls to the flooded chat; want the refused one and one retry", len(tries))
	}
	refused := tries[0].at
	if wait := tries[1].at.Sub(refused); wait < time.Second {
		t.Errorf("retried %v after the 429; want at least retry_after = 1s", wait)
	}
	for _, c := range all {
		if limitedMethod(c.method) && c.at.After(refused) && c.at.Sub(refused) < time.Second {
			t.Errorf("%s to chat %s %v after the 429; want nothing sent during the wait", c.method, c.params.Get("chat_id"), c.at.Sub(refused))
		}
	}
	for _, chat := range []int64{flooded, other} {
		if n := len(sends(h.fake.Messages(chat))); n != 1 {
			t.Errorf("chat %d got %d messages; want 1", chat, n)
		}
	}
}

// TestSenderBlocked checks that a 403 marks the person unreachable and
// drops everything queued for them, without holding up anyone else.
func TestSenderBlocked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const blocked, other = 811, 812
	held := newHold(t)
	calls := watchCalls(h.fake, failFirst(fakeapi.MethodSendMessage, map[int64]fakeapi.Fault{blocked: fakeapi.Blocked()}, held))
	r := h.resident(t, blocked, "Bea")
	r.say("/start")
	held.wait(t, "the first message to the person")
	// More replies queue behind the one in flight.
	r.say("yes")
	r.say("/help")
	waitUntil(t, "three messages queued", func() bool { return len(h.pending(t, blocked)) == 3 })
	held.release()

	waitUntil(t, "the queue dropped", func() bool { return len(h.pending(t, blocked)) == 0 })
	if p, _ := h.person(t, blocked); p.Reachable {
		t.Errorf("after a 403 the person is reachable; want unreachable")
	}
	r2 := h.resident(t, other, "Cy")
	r2.say("/start")
	r2.asked("consent")
	if n := len(to(calls.snapshot(), "", blocked)); n != 1 {
		t.Errorf("%d calls to the blocked chat; want only the one refused", n)
	}
	if got := h.fake.Messages(blocked); len(got) != 0 {
		t.Errorf("the blocked chat got %q; want nothing", texts(got))
	}
}

// TestSenderRetriesFailures checks that server errors, an unreadable
// answer and a dropped connection are retried after a pause and the message
// delivered exactly once.
func TestSenderRetriesFailures(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	faults := map[int64]fakeapi.Fault{
		821: fakeapi.InternalError(),
		822: fakeapi.BadGateway(),
		823: fakeapi.ConnReset(),
		824: {Status: http.StatusBadGateway, Body: []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")},
	}
	calls := watchCalls(h.fake, failFirst(fakeapi.MethodSendMessage, faults, nil))
	for chat := range faults {
		h.fake.SendText(chat, "Di", "/start")
	}
	for chat, f := range faults {
		r := h.resident(t, chat, "Di")
		r.asked("consent")
		tries := to(calls.snapshot(), fakeapi.MethodSendMessage, chat)
		if len(tries) != 2 {
			t.Errorf("fault %+v: %d sendMessage calls; want the failed one and one retry", f, len(tries))
			continue
		}
		if wait := tries[1].at.Sub(tries[0].at); wait < 500*time.Millisecond {
			t.Errorf("fault %+v: retried after %v; want a backoff", f, wait)
		}
		if n := len(sends(h.fake.Messages(chat))); n != 1 || h.fake.Duplicates(chat) != 0 {
			t.Errorf("fault %+v: %d messages delivered, %d duplicates; want exactly one", f, n, h.fake.Duplicates(chat))
		}
	}
}

// TestSenderSlowResponse checks that a slow answer for one chat does not
// hold up the others, and the slow message still goes exactly once.
func TestSenderSlowResponse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const slow, quick = 831, 832
	calls := watchCalls(h.fake, failFirst(fakeapi.MethodSendMessage, map[int64]fakeapi.Fault{slow: fakeapi.Delay(1500 * time.Millisecond)}, nil))
	h.fake.SendText(slow, "Ed", "/start")
	calls.waitFor(t, "the slow send", func(c []apiCall) bool { return len(to(c, fakeapi.MethodSendMessage, slow)) > 0 })
	h.fake.SendText(quick, "Flo", "/start")
	q := h.resident(t, quick, "Flo").asked("consent")
	s := h.resident(t, slow, "Ed").asked("consent")
	if !q.Time.Before(s.Time) {
		t.Errorf("the quick chat's reply came at %v, after the slow one's at %v", q.Time, s.Time)
	}
	if n := len(to(calls.snapshot(), fakeapi.MethodSendMessage, slow)); n != 1 {
		t.Errorf("%d sendMessage calls to the slow chat; want 1", n)
	}
}

// TestSenderNotModified checks that "message is not modified" on an edit
// counts as done: not retried, not given up, and the next message goes.
func TestSenderNotModified(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const chat = 841
	r := h.resident(t, chat, "Gil")
	r.say("/start")
	consent := r.asked("consent")
	calls := watchCalls(h.fake, failFirst(fakeapi.MethodEditMessageText, map[int64]fakeapi.Fault{chat: {
		Status:      http.StatusBadRequest,
		Description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
	}}, nil))
	r.press(consent, button(t, consent, "o", "yes"))
	batch := r.await("the next question", has(fakeapi.MethodSendMessage))
	if m := sends(batch); len(m) != 1 || !strings.Contains(m[0].Text, marker("hands")) {
		t.Fatalf("after the press got %q; want the hands question", texts(batch))
	}
	if n := len(to(calls.snapshot(), fakeapi.MethodEditMessageText, chat)); n != 1 {
		t.Errorf("%d editMessageText calls; want 1 (not retried)", n)
	}
	if got := h.givenUp(t, chat); len(got) != 0 {
		t.Errorf("messages given up: %q; want none", got)
	}
	waitUntil(t, "the outbox emptied", func() bool { return len(h.pending(t, chat)) == 0 })
}

// TestSenderBadRequest checks that a message Telegram refuses with a 400
// is given up at once, and the chat's later messages still go.
func TestSenderBadRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const chat = 851
	held := newHold(t)
	calls := watchCalls(h.fake, failFirst(fakeapi.MethodSendMessage, map[int64]fakeapi.Fault{chat: {
		Status:      http.StatusBadRequest,
		Description: "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 12",
	}}, held))
	r := h.resident(t, chat, "Hal")
	r.say("/help")
	held.wait(t, "the first message")
	r.say("/me")
	waitUntil(t, "two messages queued", func() bool { return len(h.pending(t, chat)) == 2 })
	held.release()
	if m := r.reply(); !strings.Contains(m.Text, "I don't hold any answers") {
		t.Errorf("after the refused message got %q; want the reply to /me", m.Text)
	}
	tries := to(calls.snapshot(), fakeapi.MethodSendMessage, chat)
	if len(tries) != 2 {
		t.Fatalf("%d sendMessage calls; want the refused one once and the next one", len(tries))
	}
	if gap := tries[1].at.Sub(tries[0].at); gap > 900*time.Millisecond {
		t.Errorf("the next message went %v after the refused one; want no backoff", gap)
	}
	if got := h.givenUp(t, chat); len(got) != 1 || !strings.Contains(got[0], "can't parse entities") {
		t.Errorf("given up %q; want the refused message, with Telegram's reason", got)
	}
	waitUntil(t, "the outbox emptied", func() bool { return len(h.pending(t, chat)) == 0 })
}

// TestSenderFaultLoggedOnce has the Bot API fail every message for a
// while: the log says so once when it starts and once when it clears, not
// once per message and retry.
func TestSenderFaultLoggedOnce(t *testing.T) {
	t.Parallel()
	const residents = 20
	h := newIdleHarness(t, fakeapi.Options{})
	logs := newLogBuffer()
	h.logOut = logs
	h.fake.Fail(fakeapi.MethodSendMessage, 0, fakeapi.InternalError())
	h.start(testConfig(h.fake))
	for i := range residents {
		h.fake.SendText(int64(1700+i), "Flo", "/start")
	}
	// Every message fails at least twice.
	waitUntil(t, "every message is tried twice", func() bool {
		return h.fake.Stats().Requests[fakeapi.MethodSendMessage] >= 2*residents
	})
	h.fake.ClearFaults()
	for i := range residents {
		h.resident(t, int64(1700+i), "Flo").asked("consent")
	}
	logs.waitFor(t, `msg="sending failed; will retry (recovered)"`)
	out := logs.String()
	for _, line := range []string{`level=WARN msg="sending failed; will retry"`, `level=INFO msg="sending failed; will retry (recovered)"`} {
		if n := strings.Count(out, line); n != 1 {
			t.Errorf("the log has %d lines %s; want 1", n, line)
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		ceiling time.Duration
		want    time.Duration
	}{
		{1, time.Minute, time.Second},
		{2, time.Minute, 2 * time.Second},
		{6, time.Minute, 32 * time.Second},
		{7, time.Minute, time.Minute},
		{1000, time.Minute, time.Minute},
		{5, 30 * time.Second, 16 * time.Second},
		{6, 30 * time.Second, 30 * time.Second},
		{0, 30 * time.Second, time.Second},
	}
	for _, tt := range tests {
		if got := backoff(tt.attempt, tt.ceiling); got != tt.want {
			t.Errorf("backoff(%d, %v) = %v; want %v", tt.attempt, tt.ceiling, got, tt.want)
		}
	}
}

// TestFloodWaitStopsWorkersWaitingForASlot has a 429 come while workers
// wait for a free slot of the global limit: they must wait out the pause
// too, not send the moment their slot frees.
func TestFloodWaitStopsWorkersWaitingForASlot(t *testing.T) {
	t.Parallel()
	const chats, perSecond, flood = 40, 30, 2
	h := newIdleHarness(t, fakeapi.Options{})
	cfg := testConfig(h.fake)
	cfg.Send.Rate = perSecond
	var n atomic.Int32
	calls := watchCalls(h.fake, func(c apiCall) *fakeapi.Fault {
		// The last of the first second's messages is refused.
		if c.method == fakeapi.MethodSendMessage && n.Add(1) == perSecond {
			f := fakeapi.TooManyRequests(flood)
			return &f
		}
		return nil
	})
	h.start(cfg)
	for i := range chats {
		h.fake.SendText(int64(1800+i), "Hal", "/help")
	}
	waitUntil(t, "every reply is sent", func() bool { return h.fake.Stats().Sent == chats })
	var refused time.Time
	all := calls.snapshot()
	sent := 0
	for _, c := range all {
		if c.method == fakeapi.MethodSendMessage {
			if sent++; sent == perSecond {
				refused = c.at
			}
		}
	}
	// Requests already on their way when the 429 came may arrive a moment
	// after it; nothing may leave later during the pause.
	const inFlight = 100 * time.Millisecond
	for _, c := range all {
		if since := c.at.Sub(refused); limitedMethod(c.method) && since > inFlight && since < flood*time.Second {
			t.Errorf("%s to chat %s %v after the 429; want nothing sent during the %d s wait", c.method, c.params.Get("chat_id"), since, flood)
		}
	}
}
