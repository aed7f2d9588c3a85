package fakeapi

import (
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of the fake's counters since New.
type Stats struct {
	// Requests counts requests by method name, including failed ones.
	Requests map[string]int64
	// Sent counts messages delivered (sendMessage, sendPhoto, sendDocument).
	Sent int64
	// Edited counts successful editMessageText and editMessageReplyMarkup.
	Edited int64
	// NotModified counts edits refused as "message is not modified".
	NotModified int64
	// CallbackAnswers counts successful answerCallbackQuery calls.
	CallbackAnswers int64
	// TooManyRequests counts 429 responses, from rate limits and faults.
	TooManyRequests int64
	// RateLimited counts the 429s the rate limits returned.
	RateLimited int64
	// Faults counts injected faults.
	Faults int64
	// Duplicates counts sendMessage calls repeating the chat's previous one
	// (same text and markup) with no user update in between.
	Duplicates int64
	// Conflicts counts getUpdates calls ended by a newer getUpdates (409).
	Conflicts int64
	// Updates counts updates injected.
	Updates int64
}

// counters are the live counters behind Stats.
type counters struct {
	byMethod   []atomic.Int64 // indexed by method.index
	unknownMu  sync.Mutex
	unknown    map[string]int64
	sent       atomic.Int64
	edited     atomic.Int64
	notMod     atomic.Int64
	answers    atomic.Int64
	tooMany    atomic.Int64
	limited    atomic.Int64
	faults     atomic.Int64
	duplicates atomic.Int64
	conflicts  atomic.Int64
	updates    atomic.Int64
}

func (c *counters) count(m *method, name string) {
	if m != nil {
		c.byMethod[m.index].Add(1)
		return
	}
	c.unknownMu.Lock()
	c.unknown[name]++
	c.unknownMu.Unlock()
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	st := Stats{
		Requests:        make(map[string]int64),
		Sent:            c.sent.Load(),
		Edited:          c.edited.Load(),
		NotModified:     c.notMod.Load(),
		CallbackAnswers: c.answers.Load(),
		TooManyRequests: c.tooMany.Load(),
		RateLimited:     c.limited.Load(),
		Faults:          c.faults.Load(),
		Duplicates:      c.duplicates.Load(),
		Conflicts:       c.conflicts.Load(),
		Updates:         c.updates.Load(),
	}
	for _, m := range methods {
		if n := c.byMethod[m.index].Load(); n > 0 {
			st.Requests[m.name] = n
		}
	}
	c.unknownMu.Lock()
	for k, v := range c.unknown {
		st.Requests[k] += v
	}
	c.unknownMu.Unlock()
	return st
}
