package directory

import (
	"cmp"
	"container/heap"
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
	// minShareDivisor sets how many of the query's grams a name must share
	// to be checked for close spellings: at least 1/minShareDivisor of
	// them. A misspelt word keeps most of its grams and the other words
	// keep all of theirs; names sharing fewer are not worth the edit
	// distance.
	minShareDivisor = 2
)

// tolerance is how many edits a query word may have: none for a short word,
// where one edit makes another word ("bar", "car"), nor for one with a
// digit ("Scouts 12" is not "Scouts 13"); one for a word of 4-7 runes, two
// from 8.
func tolerance(word []rune) int {
	n := len(word)
	switch {
	case slices.ContainsFunc(word, unicode.IsDigit):
		return 0
	case n >= 8:
		return maxTolerance
	case n >= 4:
		return 1
	}
	return 0
}

// query is a normalised search query, cut to maxQueryRunes.
type query struct {
	norm  string
	words []queryWord
	grams []uint64 // distinct
}

type queryWord struct {
	text      string
	runes     []rune
	tolerance int
}

func newQuery(text string) query {
	norm, _ := normalize(text, maxQueryRunes)
	q := query{norm: norm, grams: distinct(appendGrams(nil, norm))}
	for w := range strings.SplitSeq(norm, " ") {
		runes := []rune(w)
		q.words = append(q.words, queryWord{text: w, runes: runes, tolerance: tolerance(runes)})
	}
	return q
}

// match is one entry that matches a query, with what ranks it.
type match struct {
	tier  tier
	edits int // over all query words; 0 unless tierClose
	runes uint8
	id    int64
	slot  *slot
}

// compareMatches orders matches best first: by tier, fewest edits, shorter
// name, lower ID, so that the order never depends on the map's.
func compareMatches(a, b match) int {
	return cmp.Or(
		cmp.Compare(a.tier, b.tier),
		cmp.Compare(a.edits, b.edits),
		cmp.Compare(a.runes, b.runes),
		cmp.Compare(a.id, b.id),
	)
}

// rank tells whether and how the normalised name norm matches q.
func (q *query) rank(norm string) (tier, int, bool) {
	switch {
	case norm == q.norm:
		return tierExact, 0, true
	case strings.HasPrefix(norm, q.norm):
		return tierPrefix, 0, true
	}
	edits := 0
	for i := range q.words {
		e := q.words[i].closest(norm)
		if e > q.words[i].tolerance {
			return 0, 0, false
		}
		edits += e
	}
	if edits == 0 {
		return tierWords, 0, true
	}
	return tierClose, edits, true
}

// closest returns the fewest edits that turn w into a word of norm (none
// if it begins one), or more than w.tolerance if none is that close.
func (w *queryWord) closest(norm string) int {
	best := w.tolerance + 1
	for word := range strings.SplitSeq(norm, " ") {
		if strings.HasPrefix(word, w.text) {
			return 0
		}
		if w.tolerance > 0 {
			best = min(best, distance(w.runes, word, w.tolerance))
		}
	}
	return best
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
	m, n, far := len(a), len(b), k+1
	if n < m-k || n > m+k {
		return far
	}
	// rows hold three rows of the table: d[i][j] is the distance between
	// a[:i] and b[:j]; a swap looks two rows back.
	var rows [3][maxQueryRunes + maxTolerance + 1]int
	back2, back, row := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= n; j++ {
		back[j] = min(j, far)
	}
	for i := 1; i <= m; i++ {
		lo, hi := max(1, i-k), min(n, i+k)
		row[0] = min(i, far)
		if lo > 1 { // the cell left of the band, read as "too far"
			row[lo-1] = far
		}
		if hi < n { // the cell right of the band, read by the next row
			row[hi+1] = far
		}
		rowMin := row[0]
		for j := lo; j <= hi; j++ {
			cost := 1
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
			return far
		}
		back2, back, row = back, row, back2
	}
	return back[n]
}

// Search returns up to limit entries of kind that match query, best first,
// and how many matched in all. Best first means: the exact name; names
// starting with the query; names with every query word starting one of
// their words, in any order; then close spellings (fewest edits first).
// Ties go to the shorter name, then the lower ID. A query with nothing
// left after normalising matches nothing; only its first 64 runes count.
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
	top := topMatches{limit: limit}
	minShared := max(1, (len(q.grams)+minShareDivisor-1)/minShareDivisor)
	x.visitCandidates(k, q.grams, minShared, func(sl *slot, _ int) {
		t, edits, ok := q.rank(sl.norm)
		if !ok {
			return
		}
		total++
		top.offer(match{tier: t, edits: edits, runes: sl.runes, id: sl.entry.ID, slot: sl})
	})
	ms := top.matches
	slices.SortFunc(ms, compareMatches)
	for _, m := range ms {
		best = append(best, m.slot.entry)
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
