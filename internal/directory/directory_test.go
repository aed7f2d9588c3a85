package directory

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/assetbot/assetbot/internal/spelling"
)

const (
	association = "association"
	place       = "place"
)

// newTestIndex returns an index holding entries, each of kind association
// unless it says otherwise.
func newTestIndex(entries ...Entry) *Index {
	x := New()
	for _, e := range entries {
		if e.Kind == "" {
			e.Kind = association
		}
		x.Put(e)
	}
	return x
}

// ids returns the IDs of entries, in order.
func ids(entries []Entry) []int64 {
	out := []int64{}
	for _, e := range entries {
		out = append(out, e.ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	x := newTestIndex(
		Entry{ID: 1, Name: "Hyde Park Allotments"},
		Entry{ID: 2, Name: "Hyde Park Allotments Association"},
		Entry{ID: 3, Name: "Café Nova"},
		Entry{ID: 4, Name: "Capel Bethel"},
		Entry{ID: 5, Name: "Tŷ Cerdd"},
		Entry{ID: 6, Name: "مركز المجتمع"},
		Entry{ID: 7, Name: "Headingley Cricket Club"},
		Entry{ID: 8, Name: "Hyde Park Book Club"},
		Entry{ID: 9, Name: "Friends of Woodhouse Moor"},
		Entry{ID: 10, Name: "St Mary's Church"},
		Entry{ID: 11, Name: "Arts & Crafts Circle"},
		Entry{ID: 12, Name: "Bethel Community Centre"},
		Entry{ID: 13, Name: "Хор «Дружба»"},
		Entry{ID: 14, Name: "Cafe Nova", Kind: place},
		Entry{ID: 15, Name: "Hyde Park", Kind: place},
		Entry{ID: 16, Name: "1st Headingley Scouts"},
	)
	tests := []struct {
		name, query string
		want        []int64
	}{
		{"exact, then longer names starting with it", "Hyde Park Allotments", []int64{1, 2}},
		{"prefix, shorter name first", "hyde pa", []int64{8, 1, 2}},
		{"every word, any order", "allotments hyde", []int64{1, 2}},
		{"word prefixes", "allot hy", []int64{1, 2}},
		{"misspelt", "Hyde Prak Alotments", []int64{1, 2}},
		{"misspelt, words swapped", "alotments hyde", []int64{1, 2}},
		{"misspelt long word", "comunity centre", []int64{12}},
		{"Welsh", "capel bethel", []int64{4}},
		{"Welsh misspelt", "Capel Bethal", []int64{4}},
		{"a name starting with the word before one containing it", "bethel", []int64{12, 4}},
		{"diacritic not typed", "Cafe Nova", []int64{3}},
		{"diacritic typed", "CAFÉ NOVA", []int64{3}},
		{"Welsh circumflex not typed", "ty cerdd", []int64{5}},
		{"Welsh circumflex typed", "TŶ", []int64{5}},
		{"right-to-left, first word", "مركز", []int64{6}},
		{"right-to-left, second word", "المجتمع", []int64{6}},
		{"Cyrillic", "хор", []int64{13}},
		{"ampersand", "arts and crafts", []int64{11}},
		{"apostrophe", "St. Mary’s", []int64{10}},
		{"common word", "club", []int64{8, 7}},
		{"numbers are not guessed", "2nd headingley scouts", []int64{}},
		{"numbers", "headingley 1st", []int64{16}},
		{"one letter", "f", []int64{9}},
		{"emoji only", "🌳🎉", []int64{}},
		{"punctuation only", "?!", []int64{}},
		{"nothing close", "xylophone", []int64{}},
		{"four letters misspelt", "hide", []int64{8, 1, 2}},
		{"letters swapped", "hdye park", []int64{8, 1, 2}},
		{"short word misspelt is not guessed", "clb", []int64{}},
		{"a word close to the start of another is not close", "cafe", []int64{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			best, total := x.Search(association, tt.query, 8)
			if got := ids(best); !slices.Equal(got, tt.want) || total != len(tt.want) {
				t.Errorf("Search(%q) = %v, total %d; want %v, total %d", tt.query, got, total, tt.want, len(tt.want))
			}
		})
	}
}

// TestSearchReturnsEntry checks that what comes back is what was put, as
// typed, area and all.
func TestSearchReturnsEntry(t *testing.T) {
	want := Entry{ID: 7, Kind: place, Name: "  Tŷ Cerdd! ", Area: Area{Text: "CF10 1EP", Lat: 51.4816, Lon: -3.1791, HasPoint: true}}
	x := newTestIndex(want)
	if got, _ := x.Search(place, "ty cerdd", 8); len(got) != 1 || got[0] != want {
		t.Errorf("Search = %+v; want [%+v]", got, want)
	}
	if got := x.Same(place, "Tŷ Cerdd", Area{}); len(got) != 1 || got[0] != want {
		t.Errorf("Same = %+v; want [%+v]", got, want)
	}
}

func TestSearchKinds(t *testing.T) {
	x := newTestIndex(
		Entry{ID: 1, Name: "Hyde Park", Kind: place},
		Entry{ID: 2, Name: "Hyde Park Residents", Kind: association},
	)
	tests := []struct {
		kind string
		want []int64
	}{
		{place, []int64{1}},
		{association, []int64{2}},
		{"organisation", []int64{}},
		{"", []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			best, total := x.Search(tt.kind, "hyde park", 8)
			if got := ids(best); !slices.Equal(got, tt.want) || total != len(tt.want) {
				t.Errorf("got %v, total %d; want %v", got, total, tt.want)
			}
		})
	}
}

func TestSearchFewerEditsFirst(t *testing.T) {
	x := newTestIndex(
		Entry{ID: 1, Name: "Community Garden"},
		Entry{ID: 2, Name: "Comunity Garden and Orchard"}, // misspelt when added
	)
	// "cumunity" is two edits from "community", one from "comunity".
	best, total := x.Search(association, "cumunity garden", 8)
	if got, want := ids(best), []int64{2, 1}; !slices.Equal(got, want) || total != 2 {
		t.Errorf("got %v, total %d; want %v, total 2", got, total, want)
	}
}

func TestSearchLimitAndTotal(t *testing.T) {
	x := New()
	// Added in a shuffled order, so that the ranking, not the order of
	// adding, must put "Club 1" to "Club 8" first.
	for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(20) {
		x.Put(Entry{ID: int64(i + 1), Kind: association, Name: fmt.Sprintf("Club %d", i+1)})
	}
	x.Put(Entry{ID: 100, Kind: association, Name: "Choir"})
	tests := []struct {
		limit     int
		want      []int64
		wantTotal int
	}{
		{8, []int64{1, 2, 3, 4, 5, 6, 7, 8}, 20},
		{1, []int64{1}, 20},
		{0, []int64{}, 20},
		{-1, []int64{}, 20},
		{50, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 20},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.limit), func(t *testing.T) {
			best, total := x.Search(association, "club", tt.limit)
			if got := ids(best); !slices.Equal(got, tt.want) || total != tt.wantTotal {
				t.Errorf("got %v, total %d; want %v, total %d", got, total, tt.want, tt.wantTotal)
			}
		})
	}
}

func TestPutReplaces(t *testing.T) {
	x := newTestIndex(Entry{ID: 1, Name: "Old Mill Choir"}, Entry{ID: 2, Name: "Old Mill Bakery"})
	x.Put(Entry{ID: 1, Kind: association, Name: "New Riverside Choir"})
	if got := x.Len(); got != 2 {
		t.Errorf("Len = %d; want 2", got)
	}
	tests := []struct {
		kind, query string
		want        []int64
	}{
		{association, "old mill", []int64{2}},
		{association, "riverside choir", []int64{1}},
		{association, "choir", []int64{1}},
	}
	for _, tt := range tests {
		best, _ := x.Search(tt.kind, tt.query, 8)
		if got := ids(best); !slices.Equal(got, tt.want) {
			t.Errorf("Search(%q, %q) = %v; want %v", tt.kind, tt.query, got, tt.want)
		}
	}

	// A new kind moves the entry.
	x.Put(Entry{ID: 1, Kind: place, Name: "New Riverside Choir"})
	if best, _ := x.Search(association, "choir", 8); len(best) != 0 {
		t.Errorf("the old kind still finds %v", ids(best))
	}
	best, _ := x.Search(place, "choir", 8)
	if len(best) != 1 || best[0].Kind != place || best[0].Name != "New Riverside Choir" {
		t.Errorf("the new kind finds %+v; want entry 1 as a place", best)
	}
	if got := x.Len(); got != 2 {
		t.Errorf("Len = %d; want 2", got)
	}
}

func TestRemove(t *testing.T) {
	x := newTestIndex(Entry{ID: 1, Name: "Hyde Park Allotments"}, Entry{ID: 2, Name: "Hyde Park Book Club"})
	x.Remove(1)
	x.Remove(1)  // again: nothing to do
	x.Remove(99) // never there
	if got := x.Len(); got != 1 {
		t.Errorf("Len = %d; want 1", got)
	}
	if best, total := x.Search(association, "hyde park", 8); !slices.Equal(ids(best), []int64{2}) || total != 1 {
		t.Errorf("Search = %v, total %d; want [2], total 1", ids(best), total)
	}
	if same := x.Same(association, "Hyde Park Allotments", Area{}); len(same) != 0 {
		t.Errorf("Same finds removed entry: %v", ids(same))
	}
	x.Remove(2)
	if got := x.Len(); got != 0 {
		t.Errorf("Len = %d; want 0", got)
	}
	if _, ok := x.kinds[association]; ok {
		t.Error("an emptied kind is kept")
	}
}

// TestRemoveMany removes enough to make a kind rebuild itself, and checks
// that what is left is found, and only that.
func TestRemoveMany(t *testing.T) {
	x := New()
	const n = 3 * compactAfter
	for i := range n {
		x.Put(Entry{ID: int64(i), Kind: association, Name: fmt.Sprintf("Garden %d", i)})
	}
	for i := range n {
		if i%10 != 0 {
			x.Remove(int64(i))
		}
	}
	k := x.kinds[association]
	if k.dead >= compactAfter || len(k.slots) > n/2 {
		t.Errorf("after removing 90%%: %d slots, %d dead; want the kind rebuilt", len(k.slots), k.dead)
	}
	kept := (n + 9) / 10
	if got := x.Len(); got != kept {
		t.Errorf("Len = %d; want %d", got, kept)
	}
	best, total := x.Search(association, "garden", n)
	if total != kept {
		t.Errorf("total = %d; want %d", total, kept)
	}
	for _, e := range best {
		if e.ID%10 != 0 {
			t.Errorf("removed entry %d found", e.ID)
		}
	}
	if best, _ := x.Search(association, "garden 2530", 8); !slices.Equal(ids(best), []int64{2530}) {
		t.Errorf("Search(garden 2530) = %v; want [2530]", ids(best))
	}
	x.Put(Entry{ID: 1, Kind: association, Name: "Garden One"})
	if best, _ := x.Search(association, "garden one", 8); !slices.Equal(ids(best), []int64{1}) {
		t.Errorf("a removed ID put back: Search = %v; want [1]", ids(best))
	}
}

func TestSame(t *testing.T) {
	const (
		lat, lon        = 53.8135, -1.5647 // Hyde Park, Leeds
		metresPerDegree = 111_195          // of latitude
	)
	// metresNorth is a point that far north of (lat, lon).
	metresNorth := func(m float64) Area {
		return Area{HasPoint: true, Lat: lat + m/metresPerDegree, Lon: lon}
	}
	tests := []struct {
		name           string
		existing, area Area
		want           bool
	}{
		{"both empty", Area{}, Area{}, true},
		{"existing empty", Area{}, Area{Text: "LS6"}, true},
		{"new empty", Area{Text: "LS6"}, Area{}, true},
		{"blank text is empty", Area{Text: " - "}, Area{Text: "LS7"}, true},
		{"postcode and its district", Area{Text: "LS6 2AB"}, Area{Text: "ls6"}, true},
		{"two postcodes in one district", Area{Text: "LS6 2AB"}, Area{Text: "LS6 1XX"}, true},
		{"other district", Area{Text: "LS6"}, Area{Text: "LS7 3AB"}, false},
		{"same words", Area{Text: "Woodhouse"}, Area{Text: "woodhouse."}, true},
		{"other words", Area{Text: "Woodhouse"}, Area{Text: "Headingley"}, false},
		{"points 300 m apart", metresNorth(0), metresNorth(300), true},
		{"points 490 m apart", metresNorth(0), metresNorth(490), true},
		{"points 510 m apart", metresNorth(0), metresNorth(510), false},
		{"points 2 km apart", metresNorth(0), metresNorth(2000), false},
		{"text and point", Area{Text: "LS6"}, metresNorth(0), true},
		{"point and text", metresNorth(0), Area{Text: "Headingley"}, true},
		{"points decide over texts", Area{Text: "LS6", HasPoint: true, Lat: lat, Lon: lon},
			Area{Text: "LS6", HasPoint: true, Lat: lat + 2000.0/metresPerDegree, Lon: lon}, false},
		{"texts decide when one has no point", Area{Text: "LS6", HasPoint: true, Lat: lat, Lon: lon},
			Area{Text: "LS7"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newTestIndex(Entry{ID: 1, Name: "Hyde Park", Area: tt.existing})
			want := []int64{}
			if tt.want {
				want = []int64{1}
			}
			if got := ids(x.Same(association, "  HYDE park! ", tt.area)); !slices.Equal(got, want) {
				t.Errorf("Same = %v; want %v", got, want)
			}
		})
	}
}

func TestSameNames(t *testing.T) {
	long := strings.Repeat("Community ", 20) // more than maxNameRunes
	x := newTestIndex(
		Entry{ID: 3, Name: "Café Nova"},
		Entry{ID: 1, Name: "cafe nova!"},
		Entry{ID: 2, Name: "Café Nova Bakery"},
		Entry{ID: 4, Name: "Café Nova", Kind: place},
		Entry{ID: 5, Name: "🎉"},
		Entry{ID: 6, Name: long + "Garden"},
		Entry{ID: 7, Name: long + "Orchard"},
	)
	tests := []struct {
		name string
		want []int64
	}{
		{"Cafe Nova", []int64{1, 3}},
		{"Café Nova Bakery", []int64{2}},
		{"Cafe", []int64{}},
		{"Nova Cafe", []int64{}},
		{"🎉", []int64{}}, // no name to compare
		{"Unknown Name", []int64{}},
		{long + "orchard", []int64{7}},
		{long, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(x.Same(association, tt.name, Area{})); !slices.Equal(got, tt.want) {
				t.Errorf("Same = %v; want %v", got, tt.want)
			}
		})
	}
	if got := x.Same("organisation", "Café Nova", Area{}); len(got) != 0 {
		t.Errorf("Same of another kind = %v; want none", ids(got))
	}
}

// TestLongInput checks that a huge query or name is cut short: found by
// its start, and the query's cost is that of its first words.
func TestLongInput(t *testing.T) {
	x := newTestIndex(
		Entry{ID: 1, Name: "Hyde Park Allotments"},
		Entry{ID: 2, Name: "Hyde " + strings.Repeat("x", 10_000)},
	)
	tests := []struct {
		name, query string
		want        []int64
	}{
		{"repeated words", strings.Repeat("hyde park ", 1_000), []int64{1}},
		{"one long word", strings.Repeat("x", 10_000), []int64{2}},
		{"long misspelt word", strings.Repeat("xy", 5_000), []int64{}},
		{"long name found by its start", "hyde xxx", []int64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			best, _ := x.Search(association, tt.query, 8)
			runtime.ReadMemStats(&after)
			if got := ids(best); !slices.Equal(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
			const maxBytes = 64 << 10
			if n := after.TotalAlloc - before.TotalAlloc; n > maxBytes {
				t.Errorf("a %d-byte query allocated %d bytes; want at most %d", len(tt.query), n, maxBytes)
			}
		})
	}
}

// TestConcurrent runs writers and readers together, for the race detector,
// then checks that the writes all landed.
func TestConcurrent(t *testing.T) {
	x := newTestIndex(Entry{ID: -1, Name: "Hyde Park Allotments"})
	const writers, readers, perWriter = 4, 4, 300
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				id := int64(w*perWriter + i)
				x.Put(Entry{ID: id, Kind: association, Name: fmt.Sprintf("Park Club %d", id)})
				if i%3 == 0 {
					x.Remove(id)
				}
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for i := range perWriter {
				if best, _ := x.Search(association, "hyde prak alotments", 8); len(best) == 0 {
					t.Error("the entry that never changes was not found")
				}
				x.Search(association, fmt.Sprint("park club ", i), 8)
				x.Same(association, "park club 1", Area{})
				x.Len()
			}
		})
	}
	wg.Wait()
	want := 1 + writers*perWriter*2/3
	if got := x.Len(); got != want {
		t.Errorf("Len = %d; want %d", got, want)
	}
	if _, total := x.Search(association, "park club", 1); total != want-1 {
		t.Errorf("total = %d; want %d", total, want-1)
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, word string
		k, want int
	}{
		{"park", "park", 1, 0},
		{"prak", "park", 1, 1},
		{"hdye", "hyde", 1, 1},
		{"alotments", "allotments", 2, 1},
		{"allotmnets", "allotments", 2, 1},
		{"comunity", "community", 2, 1},
		{"alotment", "allotments", 2, 2},
		{"alot", "allotments", 1, 2},
		{"bethal", "bethel", 1, 1},
		{"beth", "bethel", 1, 2},
		{"cafe", "capel", 1, 2},
		{"wxyz", "park", 1, 2},
		{"park", "pa", 1, 2},
		{"park", "parks", 1, 1},
		{"abcdefgh", "abxyefgh", 2, 2},
		{"abcdefgh", "axyzefgh", 2, 3},
		{"مركز", "مرکز", 1, 1}, // Persian kaf for Arabic kaf
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.word, func(t *testing.T) {
			if got := distance([]rune(tt.a), tt.word, tt.k); got != tt.want {
				t.Errorf("got %d; want %d", got, tt.want)
			}
		})
	}
}

func TestAppendGrams(t *testing.T) {
	const start, none = wordStart, noRune
	tests := []struct {
		word string
		want []uint64
	}{
		{"club", []uint64{gram(start, 'c', none), gram(start, 'c', 'l'), gram('c', 'l', 'u'), gram('l', 'u', 'b')}},
		{"ŷ", []uint64{gram(start, 'ŷ', none)}},
		{"aaa", []uint64{gram(start, 'a', none), gram(start, 'a', 'a'), gram('a', 'a', 'a')}},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := appendGrams(nil, tt.word); !slices.Equal(got, tt.want) {
				t.Errorf("got %x; want %x", got, tt.want)
			}
		})
	}
}

// TestDistanceBand checks the banded table against the whole one on random
// words over a small alphabet, where swaps and repeats are common, and that
// neither filter in front of it (letter sets, shared grams) turns away a
// word that is close enough.
func TestDistanceBand(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcd"[r.IntN(4)]
		}
		return string(b)
	}
	for range 20_000 {
		a, b, k := word(1+r.IntN(9)), word(r.IntN(11)), 1+r.IntN(maxTolerance)
		full := spelling.Distance(a, b)
		if got, want := distance([]rune(a), b, k), min(full, k+1); got != want {
			t.Fatalf("distance(%q, %q, %d) = %d; want %d", a, b, k, got, want)
		}
		if bound := lettersApart(letterSet([]rune(a)), letterSet([]rune(b))); bound > full {
			t.Fatalf("lettersApart(%q, %q) = %d; more than the distance, %d", a, b, bound, full)
		}
		if full <= maxTolerance {
			ga, gb := distinct(appendGrams(nil, a)), appendGrams(nil, b)
			shared := 0
			for _, g := range ga {
				if slices.Contains(gb, g) {
					shared++
				}
			}
			if shared < len(ga)-gramsPerEdit*full {
				t.Fatalf("%q and %q, %d edits apart, share %d of %d grams; want at least %d",
					a, b, full, shared, len(ga), len(ga)-gramsPerEdit*full)
			}
		}
	}
}

// FuzzSearch checks that no query or name breaks Search or Same, and that
// what they return is of the kind asked for and within the limit.
func FuzzSearch(f *testing.F) {
	f.Add("Hyde Park Allotments", "hyde prak")
	f.Add("Tŷ Cerdd", "ty")
	f.Add("🎉", "🎉")
	f.Fuzz(func(t *testing.T, name, query string) {
		x := newTestIndex(
			Entry{ID: 1, Name: name},
			Entry{ID: 2, Name: name, Kind: place},
			Entry{ID: 3, Name: query},
			Entry{ID: 4, Name: "Hyde Park Allotments"},
		)
		const limit = 2
		best, total := x.Search(association, query, limit)
		if len(best) > limit || total < len(best) {
			t.Fatalf("%d results, total %d, limit %d", len(best), total, limit)
		}
		for _, e := range append(best, x.Same(association, name, Area{})...) {
			if e.Kind != association {
				t.Fatalf("entry %d of kind %q returned", e.ID, e.Kind)
			}
		}
		if Normalize(query) != "" {
			if best, _ := x.Search(association, query, 4); !slices.Contains(ids(best), 3) {
				t.Fatalf("Search(%q) = %v: the entry of that name is missing", query, ids(best))
			}
		}
	})
}
