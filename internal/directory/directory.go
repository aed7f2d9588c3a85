// Package directory finds assets already on the map: when a person types the
// name of their allotment society or choir, the bot offers the entries that
// match it, close spellings included, and when a person adds an asset whose
// name and area match an existing one it asks whether it is the same one.
//
// The index lives in memory because fuzzy matching ("Hyde Prak Alotments"
// for "Hyde Park Allotments", any word order, accents folded) is not
// something SQLite can index: a LIKE or an edit distance there reads every
// row. Here a trigram inverted index per kind narrows 50,000 names to a few
// candidates in well under a millisecond. The store remains the truth: the
// host loads the index at start-up and keeps it in step with every write
// (Put after an insert or rename, Remove after a delete).
package directory

import (
	"cmp"
	"slices"
	"sync"
	"unicode/utf8"
)

// Area is where an asset is, as far as telling two entries apart needs:
// a typed area or address (Text), or a shared point (HasPoint, Lat, Lon).
type Area struct {
	Text     string
	Lat, Lon float64
	HasPoint bool
}

// Entry is one asset in the index.
type Entry struct {
	ID   int64
	Kind string // the flow id: "association", "place", ...
	Name string // as typed by people (kept for display)
	Area Area
}

const (
	// maxQueryRunes caps the normalised query that Search looks at, so that
	// a pasted essay costs no more than a name.
	maxQueryRunes = 64
	// maxNameRunes caps the normalised name that is indexed and compared;
	// no asset's name is longer, and a huge one must not cost a huge index.
	maxNameRunes = 128
	// compactAfter is the fewest removed entries worth rebuilding a kind's
	// index for; a rebuild also waits until they outnumber the live ones,
	// so that its cost is spread over at least as many removals.
	compactAfter = 1024
)

// Index is an in-memory index of assets by kind and name. It is safe for
// concurrent use.
type Index struct {
	mu    sync.RWMutex
	kinds map[string]*kindIndex
	n     int       // live entries over all kinds
	pool  sync.Pool // *scratch, one per concurrent search
}

// New returns an empty index.
func New() *Index {
	return &Index{kinds: make(map[string]*kindIndex)}
}

// kindIndex holds the entries of one kind. Entries live in slots, numbered
// in the order they were added, so that every posting list is sorted
// without being sorted. A removed entry's slot is marked dead rather than
// taken out of the posting lists (which would cost their length); dead
// slots are dropped when the kind is rebuilt.
type kindIndex struct {
	kind  string
	slots []slot
	ids   map[int64]int32 // entry ID → slot
	grams map[uint64]postings
	dead  int
}

// slot is one entry with its normalised name.
type slot struct {
	entry     Entry
	norm      string // Normalize(entry.Name), cut at maxNameRunes
	runes     uint8  // runes in norm: the length that ranks ties
	truncated bool   // norm was cut
	dead      bool
}

// Len returns how many entries the index holds.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// Put adds e, or replaces the entry with the same ID (whose kind and name
// may have changed).
func (x *Index) Put(e Entry) {
	norm, cut := normalize(e.Name, maxNameRunes)
	grams := appendGrams(nil, norm)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(e.ID)
	k := x.kinds[e.Kind]
	if k == nil {
		k = &kindIndex{kind: e.Kind, ids: make(map[int64]int32), grams: make(map[uint64]postings)}
		x.kinds[e.Kind] = k
	}
	e.Kind = k.kind // one copy of the kind's name, not one per entry
	k.add(slot{entry: e, norm: norm, runes: uint8(utf8.RuneCountInString(norm)), truncated: cut}, grams)
	x.n++
}

// Remove takes the entry with this ID out of the index; it does nothing if
// there is none.
func (x *Index) Remove(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
}

// remove is Remove with the lock held.
func (x *Index) remove(id int64) {
	for name, k := range x.kinds {
		s, ok := k.ids[id]
		if !ok {
			continue
		}
		k.remove(id, s)
		x.n--
		if len(k.ids) == 0 {
			delete(x.kinds, name)
		}
		return
	}
}

// add indexes sl under grams (those of sl.norm) in a new slot.
func (k *kindIndex) add(sl slot, grams []uint64) {
	s := int32(len(k.slots))
	k.slots = append(k.slots, sl)
	k.ids[sl.entry.ID] = s
	for _, g := range grams {
		p := k.grams[g]
		if p.add(s) {
			k.grams[g] = p
		}
	}
}

// remove marks slot s, holding entry id, dead, and rebuilds the kind once
// the dead outnumber the living.
func (k *kindIndex) remove(id int64, s int32) {
	delete(k.ids, id)
	k.slots[s] = slot{dead: true} // let the strings go now
	k.dead++
	if k.dead >= compactAfter && k.dead > len(k.ids) {
		k.compact()
	}
}

// compact rebuilds the kind from its live slots.
func (k *kindIndex) compact() {
	old := k.slots
	k.slots = make([]slot, 0, len(k.ids))
	k.ids = make(map[int64]int32, len(k.ids))
	k.grams = make(map[uint64]postings, len(k.grams))
	k.dead = 0
	var grams []uint64
	for _, sl := range old {
		if !sl.dead {
			grams = appendGrams(grams[:0], sl.norm)
			k.add(sl, grams)
		}
	}
}

// scratch is the per-search working memory: how many query grams each slot
// shares, and which slots have any, so that only those are reset.
type scratch struct {
	shared  []uint8
	touched []int32
}

// visitCandidates calls visit for each live slot of k that has at least
// minShared of grams (which must be distinct), with how many it has.
// The caller holds the read lock.
func (x *Index) visitCandidates(k *kindIndex, grams []uint64, minShared int, visit func(sl *slot, shared int)) {
	sc, _ := x.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	defer x.pool.Put(sc)
	if len(sc.shared) < len(k.slots) {
		sc.shared = make([]uint8, len(k.slots))
	}
	for _, g := range grams {
		k.grams[g].each(func(s int32) {
			if sc.shared[s] == 0 {
				sc.touched = append(sc.touched, s)
			}
			sc.shared[s]++
		})
	}
	for _, s := range sc.touched {
		n := int(sc.shared[s])
		sc.shared[s] = 0
		if n >= minShared && !k.slots[s].dead {
			visit(&k.slots[s], n)
		}
	}
	sc.touched = sc.touched[:0]
}

// Same returns the entries of kind whose normalised name equals name's and
// whose area is compatible with area (see compatible), in ID order. A name
// with nothing left after normalising matches nothing.
func (x *Index) Same(kind, name string, area Area) []Entry {
	norm, cut := normalize(name, maxNameRunes)
	if norm == "" {
		return nil
	}
	grams := distinct(appendGrams(nil, norm))
	x.mu.RLock()
	defer x.mu.RUnlock()
	k := x.kinds[kind]
	if k == nil {
		return nil
	}
	var same []Entry
	x.visitCandidates(k, grams, len(grams), func(sl *slot, _ int) {
		if sl.norm != norm || sl.truncated != cut {
			return
		}
		// Two names cut at the same place are the same only if the rest is.
		if cut && Normalize(sl.entry.Name) != Normalize(name) {
			return
		}
		if compatible(sl.entry.Area, area) {
			same = append(same, sl.entry)
		}
	})
	slices.SortFunc(same, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) })
	return same
}
