package bot

import (
	"context"
	"sync"
	"time"
)

// sendWindow keeps the bot within "at most n messages in any second" as
// Telegram counts them: when they arrive, which is some time between our
// sending a message and its answer coming back. Each of n slots carries one
// message at a time and is free again a second after that message's answer
// (or failure): two messages of one slot then arrive at least a second
// apart however the network delays them, so no second sees more than n.
// A limiter that counts a message when it leaves cannot promise that: with
// several in flight, their arrivals bunch.
type sendWindow struct {
	hold time.Duration // how long a slot stays taken after the answer
	now  func() time.Time

	mu      sync.Mutex
	freeAt  []time.Time // per slot: when it may carry the next message
	busy    []bool      // per slot: a message is in flight
	changed chan struct{}
	watched bool // someone waits on changed
}

// newSendWindow allows rate messages a second, rounded down; a rate below
// one allows one message per 1/rate seconds.
func newSendWindow(rate float64, now func() time.Time) *sendWindow {
	n := max(1, int(rate))
	hold := max(time.Second, time.Duration(float64(n)/rate*float64(time.Second)))
	return &sendWindow{hold: hold, now: now, freeAt: make([]time.Time, n), busy: make([]bool, n), changed: make(chan struct{})}
}

// acquire waits for a free slot and takes it. It returns -1 if ctx ends
// first.
func (w *sendWindow) acquire(ctx context.Context) int {
	for {
		w.mu.Lock()
		slot := -1
		for i, at := range w.freeAt {
			if !w.busy[i] && (slot < 0 || at.Before(w.freeAt[slot])) {
				slot = i
			}
		}
		now := w.now()
		if slot >= 0 && !w.freeAt[slot].After(now) {
			w.busy[slot] = true
			w.mu.Unlock()
			return slot
		}
		var fire <-chan time.Time
		var timer *time.Timer
		if slot >= 0 {
			timer = time.NewTimer(w.freeAt[slot].Sub(now))
			fire = timer.C
		}
		changed := w.changed
		w.watched = true
		w.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-changed:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return -1
		}
	}
}

// release frees a slot once its message's answer, or failure, is in.
func (w *sendWindow) release(slot int) {
	w.mu.Lock()
	w.freeAt[slot] = w.now().Add(w.hold)
	w.busy[slot] = false
	if w.watched {
		close(w.changed)
		w.changed = make(chan struct{})
		w.watched = false
	}
	w.mu.Unlock()
}
