package directory

import (
	"cmp"
	"container/heap"
	"math/bits"
	"slices"
	"strings"
	"unicode"
)

// tier is how a name matches a query; a lower tier ranks first.
type tier uint8

const (
	tierExact  tier = iota // the normalised name is the query
	tierPrefix             // the name starts with the query
	tierWords              // every query word begins some word of the name
	tierClose              // every query word begins or is a close spelling of some word
)

const (
	// maxTolerance is the most edits allowed in one query word.
	maxTolerance = 2
	// gramsPerEdit is the most grams one edit can take from a word (a swap
	// of two letters touches four). A word within k edits of a query word
	// shares at least all but gramsPerEdit*k of its grams, so a vocabulary
	// word sharing fewer is not checked.
	gramsPerEdit = 4
)

// tolerance is how many edits a query word may have: none for a short word,
// where one edit makes another word ("bar", "car"), nor for one with a
// digit ("Scouts 12" is not "Scouts 13"); one for a word of 4-7 runes, two
// from 8.
func tolerance(word []rune) int {
	const oneEditFrom, twoEditsFrom = 4, 8 // runes
	n := len(word)
	switch {
	case slices.ContainsFunc(word, unicode.IsDigit):
		return 0
	case n >= twoEditsFrom:
		return maxTolerance
	case n >= oneEditFrom:
		return 1
	}
	return 0
}

// query is a normalised search query, cut to maxQueryRunes.
type query struct {
	norm  string
	words []queryWord
}

type queryWord struct {
	text      string
	runes     []rune
	letters   uint64   // letterSet(runes)
	grams     []uint64 // distinct
	tolerance int
}

func newQuery(text string) query {
	norm, _ := normalize(text, maxQueryRunes)
	q := query{norm: norm}
	if norm == "" {
		return q
	}
	for w := range strings.SplitSeq(norm, " ") {
		runes := []rune(w)
		q.words = append(q.words, queryWord{
			text:      w,
			runes:     runes,
			letters:   letterSet(runes),
			grams:     distinct(appendGrams(nil, w)),
			tolerance: tolerance(runes),
		})
	}
	return q
}

// match is one entry that matches a query, with what ranks it.
type match struct {
	tier  tier
	edits uint8 // over all query words; 0 unless tierClose
	runes uint8
	id    int64
	slot  *slot
}

// compareMatches orders matches best first: by tier, fewest edits, shorter
// name, lower ID, so that the order never depends on the order of adding.
// It runs for every match, so it stops at the first difference.
func compareMatches(a, b match) int {
	if c := cmp.Compare(a.tier, b.tier); c != 0 {
		return c
	}
	if c := cmp.Compare(a.edits, b.edits); c != 0 {
		return c
	}
	if c := cmp.Compare(a.runes, b.runes); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// tier tells how the name in sl, whose words match every query word with
// edits in all, matches q.
func (q *query) tier(sl *slot, edits uint8) tier {
	n := min(headLen, len(q.norm))
	switch {
	case edits > 0:
		return tierClose
	case string(sl.head[:n]) != q.norm[:n]: // cannot start with the query
		return tierWords
	case sl.norm == q.norm:
		return tierExact
	case strings.HasPrefix(sl.norm, q.norm):
		return tierPrefix
	}
	return tierWords
}

// wordMatch is a vocabulary word that a query word begins (no edits) or is
// a close spelling of.
type wordMatch struct {
	id    int32
	edits uint8
}

// scratch is the working memory of one search, indexed by vocabulary word
// or by slot: counts and edits are all zero between searches, touched
// empty, so that only what a search touched needs clearing.
type scratch struct {
	counts  []uint8
	edits   []uint8
	touched []int32
}

// scratch returns working memory for n words or slots; give it back to
// x.pool.
func (x *Index) scratch(n int) *scratch {
	sc, _ := x.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	if len(sc.counts) < n {
		sc.counts, sc.edits = make([]uint8, n), make([]uint8, n)
	}
	return sc
}

// matchWords returns the vocabulary words that w begins or is a close
// spelling of, fewest edits first. Words are found by the grams they share
// with w: all of them for a word w begins.
func (k *kindIndex) matchWords(w *queryWord, sc *scratch) []wordMatch {
	for _, g := range w.grams {
		for id := range k.wordGrams[g].all() {
			if sc.counts[id] == 0 {
				sc.touched = append(sc.touched, id)
			}
			sc.counts[id]++
		}
	}
	need := max(1, len(w.grams)-gramsPerEdit*w.tolerance)
	var ms []wordMatch
	for _, id := range sc.touched {
		shared := int(sc.counts[id])
		sc.counts[id] = 0
		if shared < need {
			continue
		}
		v := &k.words[id]
		switch {
		case shared == len(w.grams) && strings.HasPrefix(v.text, w.text):
			ms = append(ms, wordMatch{id: id})
		case w.tolerance > 0 && abs(v.runes-len(w.runes)) <= w.tolerance && lettersApart(w.letters, v.letters) <= w.tolerance:
			if d := distance(w.runes, v.text, w.tolerance); d <= w.tolerance {
				ms = append(ms, wordMatch{id: id, edits: uint8(d)})
			}
		}
	}
	sc.touched = sc.touched[:0]
	slices.SortFunc(ms, func(a, b wordMatch) int { return cmp.Compare(a.edits, b.edits) })
	return ms
}

// letterSet returns the set of runes in word, each as bit rune%64: a
// fingerprint that rules out most words far from a query word before the
// edit distance is worked out.
func letterSet(word []rune) uint64 {
	const setBits = 64 // in a uint64
	var set uint64
	for _, r := range word {
		set |= 1 << (r % setBits)
	}
	return set
}

// lettersApart is a lower bound on the edits between two words with these
// letter sets: an edit brings at most one letter in and takes at most one
// out. Runes sharing a bit only lower it.
func lettersApart(a, b uint64) int {
	return max(bits.OnesCount64(a&^b), bits.OnesCount64(b&^a))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// distance returns the optimal string alignment distance (inserts,
// deletes, substitutions, swaps of neighbours) between a and word, or k+1
// if that is more than k. Only cells within k of the diagonal can hold k
// or less, so only they are computed.
func distance(a []rune, word string, k int) int {
	var buf [maxQueryRunes + maxTolerance + 1]rune
	b := buf[:0]
	for _, r := range word {
		if len(b) > len(a)+k {
			break // too long already
		}
		b = append(b, r)
	}
	m, n := len(a), len(b)
	if n < m-k || n > m+k {
		return k + 1
	}
	// rows hold three rows of the table: d[i][j] is the distance between
	// a[:i] and b[:j], or far if more than k; a swap looks two rows back.
	far := uint8(k + 1)
	var rows [3][maxQueryRunes + maxTolerance + 1]uint8
	back2, back, row := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= n; j++ {
		back[j] = uint8(min(j, k+1))
	}
	for i := 1; i <= m; i++ {
		lo, hi := max(1, i-k), min(n, i+k)
		row[0] = uint8(min(i, k+1))
		if lo > 1 { // the cell left of the band, read as "too far"
			row[lo-1] = far
		}
		if hi < n { // the cell right of the band, read by the next row
			row[hi+1] = far
		}
		rowMin := row[0]
		for j := lo; j <= hi; j++ {
			var cost uint8 = 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(back[j]+1, row[j-1]+1, back[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, back2[j-2]+1)
			}
			row[j] = min(d, far)
			rowMin = min(rowMin, row[j])
		}
		if rowMin == far {
			return k + 1
		}
		back2, back, row = back, row, back2
	}
	return int(back[n])
}

// Search returns up to limit entries of kind that match query, best first,
// and how many matched in all. Best first means: the exact name; names
// starting with the query; names with every query word starting one of
// their words, in any order; then close spellings, fewest edits first:
// names whose words each query word starts or is within 1 edit of (2 for
// a word of 8 runes or more; none under 4 runes or with a digit), the word
// found by the trigrams it shares with the query word. Ties go to the
// shorter name, then the lower ID. A query with nothing left after
// normalising matches nothing; only its first 64 runes count.
func (x *Index) Search(kind, query string, limit int) (best []Entry, total int) {
	q := newQuery(query)
	if q.norm == "" {
		return nil, 0
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	k := x.kinds[kind]
	if k == nil {
		return nil, 0
	}
	sc := x.scratch(max(len(k.slots), len(k.words)))
	defer x.pool.Put(sc)

	// Each query word's words, and how many names have them: the query
	// word with the fewest names goes first, as only names that have it
	// are then looked at.
	matches := make([][]wordMatch, len(q.words))
	cost := make([]int, len(q.words))
	order := make([]int, len(q.words))
	for i := range q.words {
		matches[i] = k.matchWords(&q.words[i], sc)
		if len(matches[i]) == 0 {
			return nil, 0
		}
		for _, m := range matches[i] {
			cost[i] += len(k.words[m.id].slots.gaps)
		}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(cost[a], cost[b]) })

	// counts[s] is how many query words slot s has matched so far, in
	// order; edits[s] the fewest edits they took (matches come fewest
	// edits first, so a word's first match is its best).
	for i, wi := range order {
		for _, m := range matches[wi] {
			for s := range k.words[m.id].slots.all() {
				if int(sc.counts[s]) != i {
					continue
				}
				if i == 0 {
					sc.touched = append(sc.touched, s)
				}
				sc.counts[s]++
				sc.edits[s] += m.edits
			}
		}
	}

	top := topMatches{limit: limit}
	for _, s := range sc.touched {
		n, edits := int(sc.counts[s]), sc.edits[s]
		sc.counts[s], sc.edits[s] = 0, 0
		sl := &k.slots[s]
		if n != len(q.words) || sl.dead {
			continue
		}
		total++
		top.offer(match{tier: q.tier(sl, edits), edits: edits, runes: sl.runes, id: sl.id, slot: sl})
	}
	sc.touched = sc.touched[:0]
	slices.SortFunc(top.matches, compareMatches)
	for _, m := range top.matches {
		best = append(best, m.slot.entry(k.kind))
	}
	return best, total
}

// topMatches keeps the best limit matches offered, as a heap with the
// worst of them on top, to be pushed out by a better one.
type topMatches struct {
	limit   int
	matches []match
}

func (t *topMatches) offer(m match) {
	switch {
	case len(t.matches) < t.limit:
		heap.Push(t, m)
	case t.limit > 0 && compareMatches(m, t.matches[0]) < 0:
		t.matches[0] = m
		heap.Fix(t, 0)
	}
}

// Len, Less, Swap, Push and Pop make topMatches a heap.Interface.
func (t *topMatches) Len() int           { return len(t.matches) }
func (t *topMatches) Less(i, j int) bool { return compareMatches(t.matches[i], t.matches[j]) > 0 }
func (t *topMatches) Swap(i, j int)      { t.matches[i], t.matches[j] = t.matches[j], t.matches[i] }
func (t *topMatches) Push(m any)         { t.matches = append(t.matches, m.(match)) }
func (t *topMatches) Pop() any {
	m := t.matches[len(t.matches)-1]
	t.matches = t.matches[:len(t.matches)-1]
	return m
}
