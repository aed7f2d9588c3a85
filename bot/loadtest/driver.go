package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// firstResident is the user id of resident 0.
const firstResident = 1000

// driver plays the residents against the fake and measures the bot.
type driver struct {
	fake      *fakeapi.Server
	residents map[int64]*resident // fixed before the fake starts
	// ctx ends the residents; cancel is called once the run is over.
	ctx    context.Context
	cancel context.CancelFunc

	// base is the origin of windowStart and windowEnd, which are 0 until set.
	base        time.Time
	windowStart atomic.Int64
	windowEnd   atomic.Int64
	stopping    atomic.Bool // no new inputs
	// think is how long a resident takes to answer.
	think time.Duration
}

// resident is one simulated user.
type resident struct {
	id    int64
	name  string
	inbox chan fakeapi.Sent
	rnd   *rand.Rand
	// question is the message being answered, for edits (resident goroutine only).
	question int

	mu         sync.Mutex
	inputs     int
	inputAt    time.Time
	replied    bool // the bot has sent or edited something since the input
	actionable bool // the bot has asked something answerable since the input
	latencies  []time.Duration
	// last is what the resident last did, and seen their latest actions
	// and the bot's messages, to say where a resident stalled.
	last Action
	seen []string
}

func newDriver(ctx context.Context, n int, seed uint64, think time.Duration) *driver {
	d := &driver{residents: make(map[int64]*resident, n), base: time.Now(), think: think}
	d.ctx, d.cancel = context.WithCancel(ctx)
	for i := range n {
		id := int64(firstResident + i)
		d.residents[id] = &resident{
			id:    id,
			name:  "Resident" + strconv.Itoa(i),
			inbox: make(chan fakeapi.Sent, 16),
			rnd:   rand.New(rand.NewPCG(seed, uint64(id))),
		}
	}
	return d
}

// markWindow starts (start true) or ends the measuring window now.
func (d *driver) markWindow(start bool) {
	at := int64(time.Since(d.base))
	if start {
		d.windowStart.Store(at)
	} else {
		d.windowEnd.Store(at)
	}
}

// inWindow reports whether t falls in the measuring window.
func (d *driver) inWindow(t time.Time) bool {
	start, end := d.windowStart.Load(), d.windowEnd.Load()
	at := int64(t.Sub(d.base))
	return start > 0 && at >= start && (end == 0 || at < end)
}

// onSent is the fake's OnSent hook: it times the reply to the resident's
// input and hands the message to the resident.
func (d *driver) onSent(s fakeapi.Sent) {
	r := d.residents[s.ChatID]
	if r == nil || s.Method == fakeapi.MethodAnswerCallbackQuery || s.Method == fakeapi.MethodDeleteMessage {
		return
	}
	r.mu.Lock()
	if !s.Time.Before(r.inputAt) {
		r.seen = append(r.seen, describeSent(s))
	}
	if r.inputs > 0 && !r.replied && !s.Time.Before(r.inputAt) {
		r.replied = true
		if d.inWindow(s.Time) {
			r.latencies = append(r.latencies, s.Time.Sub(r.inputAt))
		}
	}
	r.mu.Unlock()
	select {
	case r.inbox <- s:
	case <-d.ctx.Done():
	}
}

// play runs a resident: "/start", then an answer to every question.
func (d *driver) play(r *resident) {
	d.input(r, Action{Kind: Type, Text: "/start"})
	for {
		select {
		case <-d.ctx.Done():
			return
		case s := <-r.inbox:
			if s.IsEdit() && s.MessageID != r.question {
				continue
			}
			act := Next(s, r.rnd)
			if act.Kind == Wait {
				continue
			}
			r.mu.Lock()
			stale := s.Time.Before(r.inputAt)
			if !stale {
				r.actionable = true
			}
			r.mu.Unlock()
			if stale || d.stopping.Load() {
				continue
			}
			if !s.IsEdit() {
				r.question = s.MessageID
			}
			if d.think > 0 && !d.pause() {
				return
			}
			d.input(r, act)
		}
	}
}

// pause is a resident thinking; it reports false if the run ends first.
func (d *driver) pause() bool {
	t := time.NewTimer(d.think)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-d.ctx.Done():
		return false
	}
}

// input sends one resident action to the bot, noting the time first so the
// reply cannot beat it.
func (d *driver) input(r *resident, act Action) {
	r.mu.Lock()
	r.inputs++
	r.inputAt = time.Now()
	r.replied, r.actionable = false, false
	r.last = act
	r.seen = append(r.seen, fmt.Sprintf("resident: %+v", act))
	if len(r.seen) > maxHistory {
		r.seen = r.seen[len(r.seen)-maxHistory:]
	}
	r.mu.Unlock()
	switch act.Kind {
	case Type:
		d.fake.SendText(r.id, r.name, act.Text)
	case Press:
		d.fake.PressButton(r.id, act.MessageID, act.Data)
	case ShareLocation:
		d.fake.SendLocation(r.id, act.Lat, act.Lon)
	}
}

// stalled says, for each resident whose last input has no answerable
// reply, what they did last and what passed between them and the bot.
func (d *driver) stalled() []string {
	var out []string
	for _, r := range d.residents {
		r.mu.Lock()
		if r.inputs > 0 && !r.actionable {
			out = append(out, fmt.Sprintf("resident %d last did %+v; latest: %q", r.id, r.last, r.seen))
		}
		r.mu.Unlock()
	}
	return out
}

// A stall is described by the resident's latest maxHistory actions and
// messages, each message by the first maxDescribed runes of its text.
const (
	maxHistory   = 12
	maxDescribed = 120
)

// describeSent is a short account of a message: method, start of its text
// and its buttons.
func describeSent(s fakeapi.Sent) string {
	text := []rune(s.Text)
	if len(text) > maxDescribed {
		text = text[:maxDescribed]
	}
	var buttons []string
	if s.Markup != nil {
		for _, b := range s.Markup.InlineButtons() {
			buttons = append(buttons, b.CallbackData)
		}
	}
	return fmt.Sprintf("%s %q %v", s.Method, string(text), buttons)
}

// waiting counts residents whose last input has no answerable reply yet.
func (d *driver) waiting() int {
	n := 0
	for _, r := range d.residents {
		r.mu.Lock()
		if r.inputs > 0 && !r.actionable {
			n++
		}
		r.mu.Unlock()
	}
	return n
}

// latencies gathers the reply latencies measured in the window.
func (d *driver) latencies() []time.Duration {
	var all []time.Duration
	for _, r := range d.residents {
		r.mu.Lock()
		all = append(all, r.latencies...)
		r.mu.Unlock()
	}
	return all
}
