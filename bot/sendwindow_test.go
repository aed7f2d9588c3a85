package bot

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/config"
)

func TestSendWindowHold(t *testing.T) {
	tests := []struct {
		rate  float64
		slots int
		hold  time.Duration
	}{
		{30, 30, time.Second},
		{29.5, 29, time.Second},
		{1, 1, time.Second},
		{0.5, 1, 2 * time.Second},
	}
	for _, tt := range tests {
		w := newSendWindow(tt.rate, time.Now)
		if len(w.freeAt) != tt.slots || w.hold != tt.hold {
			t.Errorf("rate %v: got %d slots held %v; want %d held %v", tt.rate, len(w.freeAt), w.hold, tt.slots, tt.hold)
		}
	}
}

// TestSendWindowSlots checks that a slot carries one message at a time
// and is free again only a second after its answer.
func TestSendWindowSlots(t *testing.T) {
	t.Parallel()
	w := newSendWindow(2, time.Now)
	within := func(d time.Duration) int {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return w.acquire(ctx)
	}
	a, b := within(time.Second), within(time.Second)
	if a < 0 || b < 0 || a == b {
		t.Fatalf("got slots %d and %d; want two free slots", a, b)
	}
	if got := within(100 * time.Millisecond); got >= 0 {
		t.Fatalf("took slot %d while both were in flight", got)
	}
	answered := time.Now()
	w.release(a)
	if got := within(500 * time.Millisecond); got >= 0 {
		t.Fatalf("took slot %d within a second of its answer", got)
	}
	if got := within(2 * time.Second); got != a {
		t.Fatalf("got slot %d; want %d once its second is over", got, a)
	}
	if took := time.Since(answered); took < time.Second {
		t.Errorf("slot free again %v after its answer; want a second", took)
	}
}

// TestSendWindowFirstComeFirstServed checks that workers waiting for a
// slot get one in the order they began to wait.
func TestSendWindowFirstComeFirstServed(t *testing.T) {
	t.Parallel()
	const waiters = 6
	w := newSendWindow(1, time.Now)
	w.hold = 5 * time.Millisecond
	first := w.acquire(context.Background())
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range waiters {
		wg.Go(func() {
			slot := w.acquire(context.Background())
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			w.release(slot)
		})
		// Let it block before the next one comes.
		time.Sleep(20 * time.Millisecond)
	}
	w.release(first)
	wg.Wait()
	if !slices.IsSorted(order) {
		t.Errorf("waiters got the slot in the order %v; want the order they came in", order)
	}
}

// TestSendRateAtTelegramsLimits has the bot, at its default send settings
// and so with several workers, work off a backlog against a fake that
// counts 30 a second strictly, on arrival, over a network whose delay
// varies: not one 429, and close to the whole 30 a second.
func TestSendRateAtTelegramsLimits(t *testing.T) {
	t.Parallel()
	// Enough chats that the global limit binds, not the per-chat one.
	const chats, each, perSecond = 45, 5, 30
	var mu sync.Mutex
	var times []time.Time
	all := make(chan struct{})
	h := newIdleHarness(t, fakeapi.Options{GlobalRate: perSecond, GlobalWindow: true, PerChatRate: 1, PerChatBurst: 3,
		Jitter: 30 * time.Millisecond, Light: true, OnSent: func(s fakeapi.Sent) {
			mu.Lock()
			defer mu.Unlock()
			if times = append(times, s.Time); len(times) == chats*each {
				close(all)
			}
		}})
	cfg := testConfig(h.fake)
	cfg.Send = config.Default().Telegram.Send
	if cfg.Send.Workers < 2 || cfg.Send.Rate != perSecond {
		t.Fatalf("the default config sends %v a second with %d workers; the test expects %d with several", cfg.Send.Rate, cfg.Send.Workers, perSecond)
	}
	h.start(cfg)
	for i := range chats * each {
		h.fake.SendText(int64(1400+i%chats), "Res", "/help")
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		t.Fatalf("not every reply was sent: %+v", h.fake.Stats())
	}
	if st := h.fake.Stats(); st.TooManyRequests != 0 {
		t.Errorf("the fake answered 429 %d times", st.TooManyRequests)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(times, time.Time.Compare)
	// A second's worth goes at once, and the next as the first comes back
	// a second later: the rate is how soon message k*30 follows the first.
	k := (len(times) - 1) / perSecond * perSecond
	steady := float64(k) / times[k].Sub(times[0]).Seconds()
	if steady < perSecond-1 {
		t.Errorf("sent %.1f messages a second; want at least %d", steady, perSecond-1)
	}
	t.Logf("%d messages at %.1f a second", len(times), steady)
}

// TestSendWindowHoldAll checks that a sender just started sends nothing
// for a second: the process before it may have used the whole window in
// its last second, which Telegram still counts.
func TestSendWindowHoldAll(t *testing.T) {
	t.Parallel()
	w := newSendWindow(30, time.Now)
	w.holdAll()
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if got := w.acquire(ctx); got >= 0 {
		t.Fatalf("took slot %d half a second after holdAll", got)
	}
	if got := w.acquire(context.Background()); got < 0 || time.Since(started) < time.Second {
		t.Errorf("got slot %d after %v; want one after a second", got, time.Since(started))
	}
}

// TestSendWindowSpacing checks that a window's worth of messages leaves
// spread over its second, not in one burst: a burst in flight is a burst
// sent again when the process is killed.
func TestSendWindowSpacing(t *testing.T) {
	t.Parallel()
	w := newSendWindow(10, time.Now)
	start := time.Now()
	var gaps []time.Duration
	last := start
	for range 5 {
		if w.acquire(context.Background()) < 0 {
			t.Fatal("no slot")
		}
		gaps = append(gaps, time.Since(last))
		last = time.Now()
	}
	for i, g := range gaps[1:] {
		if g < 90*time.Millisecond {
			t.Errorf("departure %d came %v after the one before; want at least 100ms apart", i+2, g)
		}
	}
}

// TestFreshChatsStartWithoutBurst checks that a chat first met just after
// start-up gets no burst: the process before this one may have spent it.
func TestFreshChatsStartWithoutBurst(t *testing.T) {
	s := newSender(nil, nil, slog.New(slog.DiscardHandler), redactor{}, newMetrics(), sendLimits{perChatRate: 1, burst: 3, workers: 1, maxAttempts: 1})
	s.add([]queued{{id: 1, msg: outMsg{Method: methodSend, ChatID: 7}}})
	if tokens := s.chats[7].limiter.TokensAt(s.now()); tokens > 0.5 {
		t.Errorf("a chat met at start-up has %.1f of its burst; want none", tokens)
	}
	s.chatsFresh = s.now().Add(-time.Millisecond) // three seconds on
	s.add([]queued{{id: 2, msg: outMsg{Method: methodSend, ChatID: 8}}})
	if tokens := s.chats[8].limiter.TokensAt(s.now()); tokens < 2.9 {
		t.Errorf("a chat met later has %.1f of its burst; want all 3", tokens)
	}
}
