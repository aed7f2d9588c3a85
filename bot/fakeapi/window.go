package fakeapi

import (
	"sync"
	"time"
)

// slidingWindow admits at most len(times) events in any window of length
// span, counted when they happen. It is Telegram's flood limit as a strict
// rule, which a token bucket of the same rate is not: a full bucket plus
// what refills during a second passes more than the rate in that second.
type slidingWindow struct {
	span time.Duration
	now  func() time.Time

	mu    sync.Mutex
	times []time.Time // admitted events, a ring; the oldest at head
	head  int
	count int
}

func newSlidingWindow(n int, span time.Duration, now func() time.Time) *slidingWindow {
	return &slidingWindow{span: span, now: now, times: make([]time.Time, max(n, 1))}
}

// admit counts an event now if the window has room, and otherwise says how
// long until it has. The clock is read under the lock so that events are
// stored in the order they are counted.
func (w *slidingWindow) admit() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	if w.count == len(w.times) {
		if d := w.times[w.head].Add(w.span).Sub(now); d > 0 {
			return d
		}
		w.head = (w.head + 1) % len(w.times)
		w.count--
	}
	w.times[(w.head+w.count)%len(w.times)] = now
	w.count++
	return 0
}
