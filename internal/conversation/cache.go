package conversation

import (
	"maps"
	"slices"
	"sync"

	"github.com/assetbot/assetbot/internal/flow"
)

// maxCached bounds the conversations kept decoded in memory.
const maxCached = 10000

// cached is a person's conversation and recorded answers as of a revision
// of theirs in the store.
type cached struct {
	rev   int64
	sess  session
	known map[string]flow.Value
}

// sessionCache keeps recent conversations decoded, so an event need not
// read and decode them again. An entry is used only while the person's
// revision in the store still matches it, and is replaced only after the
// transaction that changed it has committed: the store stays the truth.
type sessionCache struct {
	mu      sync.Mutex
	limit   int
	entries map[int64]cached
}

func newSessionCache(limit int) *sessionCache {
	return &sessionCache{limit: limit, entries: map[int64]cached{}}
}

// get returns a copy of the person's entry if it is at revision rev.
func (c *sessionCache) get(personID, rev int64) (cached, bool) {
	c.mu.Lock()
	e, ok := c.entries[personID]
	c.mu.Unlock()
	if !ok || e.rev != rev {
		return cached{}, false
	}
	// The caller changes what it gets: hand it copies of what it may change.
	e.known = maps.Clone(e.known)
	e.sess.Flow.Answers = maps.Clone(e.sess.Flow.Answers)
	e.sess.Flow.Asked = slices.Clone(e.sess.Flow.Asked)
	e.sess.Flow.Selected = slices.Clone(e.sess.Flow.Selected)
	return e, true
}

// put stores the person's entry, forgetting others when full.
func (c *sessionCache) put(personID int64, e cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.limit {
		// Forget an arbitrary tenth: cheap, and the store has them all.
		n := c.limit / 10
		for id := range c.entries {
			if n--; n < 0 {
				break
			}
			delete(c.entries, id)
		}
	}
	c.entries[personID] = e
}

// forget drops the person's entry: they were erased. (An entry left
// behind would never be read, since no one else is given their id, but
// their answers would stay in memory.)
func (c *sessionCache) forget(personID int64) {
	c.mu.Lock()
	delete(c.entries, personID)
	c.mu.Unlock()
}
