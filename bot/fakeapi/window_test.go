package fakeapi

import (
	"fmt"
	"testing"
	"time"
)

func TestSlidingWindow(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	// Three a second. Each event is at an offset from the start; wait is
	// the delay admit must answer (0: admitted).
	tests := []struct {
		name   string
		at     []time.Duration
		waits  []time.Duration
		admits int
	}{
		{"burst up to the limit", []time.Duration{0, 0, 0, 0}, []time.Duration{0, 0, 0, ms(1000)}, 3},
		{"the oldest leaves after a second", []time.Duration{0, ms(100), ms(200), ms(999), ms(1000), ms(1099), ms(1100)},
			[]time.Duration{0, 0, 0, ms(1), 0, ms(1), 0}, 5},
		// A token bucket of rate 3 and burst 3 would let the fourth through
		// at 340 ms (a token refilled by then): in the second from 0 to 1 s
		// that is four.
		{"no refill within the second", []time.Duration{0, 0, 0, ms(340), ms(700)},
			[]time.Duration{0, 0, 0, ms(660), ms(300)}, 3},
		{"refused events are not counted", []time.Duration{0, ms(500), ms(500), ms(600), ms(1000)},
			[]time.Duration{0, 0, 0, ms(400), 0}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := time.Unix(1_000_000, 0)
			var now time.Time
			w := newSlidingWindow(3, time.Second, func() time.Time { return now })
			admitted := 0
			for i, at := range tt.at {
				now = base.Add(at)
				got := w.admit()
				if got != tt.waits[i] {
					t.Errorf("event %d at %v: got wait %v; want %v", i, at, got, tt.waits[i])
				}
				if got == 0 {
					admitted++
				}
			}
			if admitted != tt.admits {
				t.Errorf("admitted %d; want %d", admitted, tt.admits)
			}
		})
	}
}

// TestJitter checks that requests are held a random time below Jitter:
// twenty in a row take about ten times Jitter, not nothing and not twenty.
func TestJitter(t *testing.T) {
	const jitter, n = 40 * time.Millisecond, 20
	s := start(t, Options{Jitter: jitter})
	began := time.Now()
	for i := range n {
		send(t, s, 1, fmt.Sprint("m", i), "")
	}
	if took := time.Since(began); took < n*jitter/4 || took > n*jitter+time.Second {
		t.Errorf("%d requests took %v; want about %v", n, took, n*jitter/2)
	}
}
