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
	// turn holds one token, taken by the one waiter that may take the
	// next free slot. Go wakes goroutines blocked on a channel in the
	// order they blocked, so workers get slots first come, first served:
	// with many workers waiting, a free-for-all would leave some chats
	// waiting far longer than others.
	turn     chan struct{}
	released chan struct{} // a slot was released (buffered, one signal)

	// spacing keeps departures at least hold/n apart: slots alone would
	// let a whole window's worth leave at once, and a burst of requests in
	// flight is a burst sent again if the process is killed.
	spacing time.Duration

	mu     sync.Mutex
	freeAt []time.Time // per slot: when it may carry the next message
	busy   []bool      // per slot: a message is in flight
	next   time.Time   // the earliest next departure
}

// newSendWindow allows rate messages a second, rounded down; a rate below
// one allows one message per 1/rate seconds.
func newSendWindow(rate float64, now func() time.Time) *sendWindow {
	n := max(1, int(rate))
	hold := max(time.Second, time.Duration(float64(n)/rate*float64(time.Second)))
	w := &sendWindow{
		hold: hold, spacing: hold / time.Duration(n), now: now,
		turn: make(chan struct{}, 1), released: make(chan struct{}, 1),
		freeAt: make([]time.Time, n), busy: make([]bool, n),
	}
	w.turn <- struct{}{}
	return w
}

// acquire waits for a free slot and takes it. It returns -1 if ctx ends
// first.
func (w *sendWindow) acquire(ctx context.Context) int {
	select {
	case <-w.turn:
	case <-ctx.Done():
		return -1
	}
	defer func() { w.turn <- struct{}{} }()
	for {
		slot, wait := w.take()
		if slot >= 0 {
			return slot
		}
		if !w.await(ctx, wait) {
			return -1
		}
	}
}

// await waits until a slot is released or wait passes (if not negative).
// It reports false if ctx ends first.
func (w *sendWindow) await(ctx context.Context, wait time.Duration) bool {
	var fire <-chan time.Time
	if wait >= 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		fire = timer.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-w.released:
	case <-fire:
	}
	return true
}

// replyShare is the part of the window kept free for replies to people's
// own messages: scheduled messages take a slot only while more than a
// replyShare-th of them is free, so a reply finds one at once.
const replyShare = 10

// tryAcquire takes a slot for a scheduled message if one is free now, more
// than the replies' reserve is free and no reply waits for a slot. If not,
// it says how long to wait before trying again.
func (w *sendWindow) tryAcquire() (int, time.Duration) {
	select {
	case <-w.turn:
	default:
		return -1, w.spacing // a reply is waiting
	}
	defer func() { w.turn <- struct{}{} }()
	w.mu.Lock()
	now := w.now()
	free := 0
	for i, at := range w.freeAt {
		if !w.busy[i] && !at.After(now) {
			free++
		}
	}
	w.mu.Unlock()
	if free <= len(w.freeAt)/replyShare {
		return -1, w.spacing
	}
	slot, wait := w.take()
	if slot < 0 && wait < 0 {
		wait = w.spacing
	}
	return slot, wait
}

// take takes the slot free the longest if it is free now; otherwise it
// says how long until one is, or -1 if every slot is in flight.
func (w *sendWindow) take() (int, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	slot := -1
	for i, at := range w.freeAt {
		if !w.busy[i] && (slot < 0 || at.Before(w.freeAt[slot])) {
			slot = i
		}
	}
	if slot < 0 {
		return -1, -1
	}
	now := w.now()
	if wait := max(w.freeAt[slot].Sub(now), w.next.Sub(now)); wait > 0 {
		return -1, wait
	}
	w.busy[slot] = true
	w.next = now.Add(w.spacing)
	return slot, 0
}

// holdAll makes every slot free only a hold from now, as if each had just
// carried a message.
func (w *sendWindow) holdAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.freeAt {
		w.freeAt[i] = w.now().Add(w.hold)
	}
}

// unused gives back a slot whose message was not sent after all.
func (w *sendWindow) unused(slot int) {
	w.mu.Lock()
	w.busy[slot] = false
	w.mu.Unlock()
	w.signal()
}

// release frees a slot once its message's answer, or failure, is in.
func (w *sendWindow) release(slot int) {
	w.mu.Lock()
	w.freeAt[slot] = w.now().Add(w.hold)
	w.busy[slot] = false
	w.mu.Unlock()
	w.signal()
}

// signal wakes the waiter whose turn it is, if it waits for a release.
func (w *sendWindow) signal() {
	select {
	case w.released <- struct{}{}:
	default:
	}
}
