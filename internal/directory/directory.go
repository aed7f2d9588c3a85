// Package directory finds assets already on the map: when a person types the
// name of their allotment society or choir, the bot offers the entries that
// match it, close spellings included, and when a person adds an asset whose
// name and area match an existing one it asks whether it is the same one.
//
// The index lives in memory because fuzzy matching ("Hyde Prak Alotments"
// for "Hyde Park Allotments", any word order, accents folded) is not
// something SQLite can index: a LIKE or an edit distance there reads every
// row. Here each kind keeps a vocabulary of the words in its names, found
// by trigram, and for each word the names that have it: a query word is
// matched against the few thousand distinct words, not the 50,000 names,
// and only names having a match for every query word are looked at. The
// store remains the truth: the host loads the index at start-up and keeps
// it in step with every write (Put after an insert or rename, Remove after
// a delete).
package directory

import (
	"cmp"
	"slices"
	"strings"
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
// concurrent use. The zero Index is empty and ready to use.
type Index struct {
	mu    sync.RWMutex
	kinds map[string]*kindIndex
	n     int       // live entries over all kinds
	pool  sync.Pool // *scratch: working memory for one search at a time
}

// New returns an empty index.
func New() *Index {
	return &Index{}
}

// kindIndex holds the entries of one kind. Entries live in slots, numbered
// in the order they were added; each distinct word of their names is in a
// vocabulary with the slots that have it. New slots and words take the
// next number, so every posting list is sorted without being sorted. A
// removed entry's slot is marked dead rather than taken out of its words'
// lists (which would cost their length); the dead are dropped when the kind
// is rebuilt.
type kindIndex struct {
	kind      string
	slots     []slot
	ids       map[int64]int32 // entry ID → slot
	words     []word
	wordIDs   map[string]int32    // word → its place in words
	wordGrams map[uint64]postings // gram → the words that have it
	dead      int
}

// slot is one entry with its normalised name, its fields laid out flat
// (no kind: the kindIndex has it) to take 80 bytes, not 104.
type slot struct {
	id        int64
	name      string
	norm      string // Normalize(name), cut at maxNameRunes
	area      string
	lat, lon  float64
	head      [headLen]byte // norm's first bytes, zero-padded
	hasPoint  bool
	runes     uint8 // runes in norm: the length that ranks ties
	truncated bool  // norm was cut
	dead      bool
}

// headLen is how many of a name's first bytes its slot keeps beside it:
// enough to tell most names that do not start with a query from those
// that might without reading the name itself, which costs a cache miss.
const headLen = 4

func newSlot(e Entry) slot {
	norm, cut := normalize(e.Name, maxNameRunes)
	sl := slot{
		id: e.ID, name: e.Name, norm: norm,
		area: e.Area.Text, lat: e.Area.Lat, lon: e.Area.Lon, hasPoint: e.Area.HasPoint,
		runes: uint8(utf8.RuneCountInString(norm)), truncated: cut,
	}
	copy(sl.head[:], norm)
	return sl
}

// entry returns the entry sl holds, of kind.
func (sl *slot) entry(kind string) Entry {
	return Entry{
		ID: sl.id, Kind: kind, Name: sl.name,
		Area: Area{Text: sl.area, Lat: sl.lat, Lon: sl.lon, HasPoint: sl.hasPoint},
	}
}

// word is one word of the vocabulary: what Search matches query words
// against, so that the edit distance is worked out once per word, not once
// per name that has it.
type word struct {
	text    string
	runes   int
	letters uint64 // letterSet of its runes
	slots   postings
}

func newKindIndex(kind string) *kindIndex {
	return &kindIndex{
		kind:      kind,
		ids:       make(map[int64]int32),
		wordIDs:   make(map[string]int32),
		wordGrams: make(map[uint64]postings),
	}
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
	sl := newSlot(e)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(e.ID)
	k := x.kinds[e.Kind]
	if k == nil {
		if x.kinds == nil { // a zero Index is ready to use
			x.kinds = make(map[string]*kindIndex)
		}
		k = newKindIndex(e.Kind)
		x.kinds[e.Kind] = k
	}
	k.add(sl)
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

// add puts sl in a new slot, listed under each word of its name.
func (k *kindIndex) add(sl slot) {
	s := int32(len(k.slots))
	k.slots = append(k.slots, sl)
	k.ids[sl.id] = s
	if sl.norm == "" {
		return // nothing to find it by
	}
	for text := range strings.SplitSeq(sl.norm, " ") {
		w := &k.words[k.wordID(text)]
		w.slots.add(s)
	}
}

// wordID returns text's place in the vocabulary, adding it if new.
func (k *kindIndex) wordID(text string) int32 {
	if id, ok := k.wordIDs[text]; ok {
		return id
	}
	id := int32(len(k.words))
	runes := []rune(text)
	k.words = append(k.words, word{text: text, runes: len(runes), letters: letterSet(runes)})
	k.wordIDs[text] = id
	for _, g := range appendGrams(nil, text) {
		p := k.wordGrams[g]
		if p.add(id) {
			k.wordGrams[g] = p
		}
	}
	return id
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

// compact rebuilds the kind from its live slots, dropping dead slots and
// the words only they had.
func (k *kindIndex) compact() {
	old := k.slots
	*k = *newKindIndex(k.kind)
	k.slots = make([]slot, 0, len(old)/2)
	for _, sl := range old {
		if !sl.dead {
			k.add(sl)
		}
	}
}

// Same returns the entries of kind whose normalised name equals name's and
// whose area is compatible with area (see compatible), in ID order. A name
// with nothing left after normalising matches nothing.
func (x *Index) Same(kind, name string, area Area) []Entry {
	norm, cut := normalize(name, maxNameRunes)
	if norm == "" {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	k := x.kinds[kind]
	if k == nil {
		return nil
	}
	// An entry of that name has all its words: look only at those with
	// the rarest.
	var rarest *word
	for text := range strings.SplitSeq(norm, " ") {
		id, ok := k.wordIDs[text]
		if !ok {
			return nil
		}
		if w := &k.words[id]; rarest == nil || len(w.slots.gaps) < len(rarest.slots.gaps) {
			rarest = w
		}
	}
	var same []Entry
	for s := range rarest.slots.all() {
		sl := &k.slots[s]
		if sl.dead || sl.norm != norm || sl.truncated != cut {
			continue
		}
		// Two names cut at the same place are the same only if the rest is.
		if cut && Normalize(sl.name) != Normalize(name) {
			continue
		}
		if e := sl.entry(k.kind); compatible(e.Area, area) {
			same = append(same, e)
		}
	}
	slices.SortFunc(same, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) })
	return same
}
