package directory

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// Words for realistic generated names: neighbourhoods, qualifiers and
// kinds of group, as a Leeds map might hold.
var (
	benchAreas = []string{
		"Hyde Park", "Headingley", "Burley", "Kirkstall", "Meanwood", "Chapeltown", "Harehills",
		"Armley", "Bramley", "Woodhouse", "Little London", "Beeston", "Holbeck", "Hunslet",
		"Roundhay", "Moortown", "Chapel Allerton", "Seacroft", "Gipton", "Halton", "Rothwell",
		"Morley", "Otley", "Horsforth", "Pudsey", "Farsley", "Wortley", "Osmondthorpe",
		"Belle Isle", "Middleton", "Garforth", "Kippax", "Wetherby", "Guiseley", "Yeadon", "Adel",
		"Alwoodley", "Cookridge", "Lawnswood", "Weetwood", "Cardigan", "Brudenell", "Royal Park",
		"Potternewton", "Scott Hall", "Crossgates", "Whinmoor", "Lincoln Green", "Burmantofts",
	}
	benchQualifiers = []string{
		"St Mary's", "St John's", "Friends of", "Old", "New", "North", "South", "East", "West",
		"Upper", "Lower", "Bethel", "Zion", "Trinity", "Victoria", "Jubilee", "Riverside",
		"Parkside", "Greenside", "Tŷ", "Café", "Al-Noor", "Sikh", "Polish", "Caribbean",
	}
	benchTypes = []string{
		"Allotments", "Allotment Society", "Community Centre", "Club", "Football Club",
		"Cricket Club", "Bowling Club", "Book Club", "Youth Club", "Library", "Chapel", "Mosque",
		"Gurdwara", "Church", "Food Bank", "Tenants Association", "Residents Association", "Choir",
		"Gardening Group", "Scouts", "Guides", "Brownies", "Repair Cafe", "Credit Union",
		"Men's Shed", "Parent and Toddler Group", "Walking Group", "Knit and Natter", "Lunch Club",
		"Boxing Gym", "Dance School", "Theatre", "Arts Centre", "Community Garden", "Orchard",
		"Market", "Pantry", "Playgroup", "Women's Group", "Tai Chi", "Yoga Group", "Running Club",
		"Cycling Club", "Chess Club", "Brass Band", "Orchestra", "Drama Group", "Film Club",
		"History Society", "Civic Society", "Conservation Volunteers", "Litter Pickers",
		"Beekeepers", "Community Radio", "Housing Co-op", "Mutual Aid", "Neighbourhood Forum",
		"Good Neighbours", "Befriending Service", "Carers Group", "Social Club",
		"Working Men's Club", "Community Association", "Memorial Hall", "Skate Park",
	}
)

// benchSyllables make up place and family names, so that the vocabulary
// has thousands of rare words besides the common ones, as a real map has.
var benchSyllables = []string{
	"ash", "brad", "ford", "ley", "wick", "thorpe", "ton", "by", "ham", "stead", "wood", "mar",
	"sh", "al", "kirk", "dal", "en", "ing", "ridge", "wel", "stan", "mor", "ick", "ow", "ber",
	"hal", "rad", "ul", "ack", "ney",
}

// benchName makes one name from the vocabulary.
func benchName(r *rand.Rand) string {
	pick := func(words []string) string { return words[r.IntN(len(words))] }
	coined := func() string {
		w := pick(benchSyllables) + pick(benchSyllables)
		if r.IntN(2) == 0 {
			w += pick(benchSyllables)
		}
		return strings.ToUpper(w[:1]) + w[1:]
	}
	switch r.IntN(7) {
	case 5:
		return coined() + " " + pick(benchTypes)
	case 6:
		return pick(benchQualifiers) + " " + coined() + " " + pick(benchAreas) + " " + pick(benchTypes)
	case 0:
		return pick(benchQualifiers) + " " + pick(benchAreas) + " " + pick(benchTypes)
	case 1:
		return pick(benchAreas) + " " + pick(benchTypes) + fmt.Sprintf(" %d", 1+r.IntN(20))
	case 2:
		return pick(benchQualifiers) + " " + pick(benchTypes)
	case 3:
		return pick(benchAreas) + " and " + pick(benchAreas) + " " + pick(benchTypes)
	}
	return pick(benchAreas) + " " + pick(benchTypes)
}

// benchQueries are what people type: an exact name, a start, words in
// another order, misspellings, and a word in thousands of names.
var benchQueries = []string{
	"Hyde Park Allotments",
	"hyde park allot",
	"allotments hyde",
	"Hyde Prak Alotments",
	"Headingly Cricket Club",
	"comunity centre",
	"club",
}

// benchEntries returns 50,000 entries of one kind and 10,000 of another,
// always the same ones.
func benchEntries() []Entry {
	r := rand.New(rand.NewPCG(16, 50_000))
	var entries []Entry
	for i := range 60_000 {
		kind := association
		if i >= 50_000 {
			kind = place
		}
		entries = append(entries, Entry{ID: int64(i), Kind: kind, Name: benchName(r)})
	}
	return entries
}

func newBenchIndex(entries []Entry) *Index {
	x := New()
	for _, e := range entries {
		x.Put(e)
	}
	return x
}

// BenchmarkSearch50k searches 50,000 names of one kind with each of
// benchQueries in turn: ns/op is the mean over them. It also reports the
// heap the index takes per entry, names not counted (the index shares the
// caller's strings).
func BenchmarkSearch50k(b *testing.B) {
	entries := benchEntries()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := newBenchIndex(entries)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(entries) // so that only the index is counted
	perEntry := float64(after.HeapAlloc-before.HeapAlloc) / float64(x.Len())
	i := 0
	for b.Loop() {
		x.Search(association, benchQueries[i%len(benchQueries)], 8)
		i++
	}
	b.ReportMetric(perEntry, "index-B/entry")
}

// BenchmarkSearch50kByQuery is BenchmarkSearch50k one query at a time,
// with how many names each matches.
func BenchmarkSearch50kByQuery(b *testing.B) {
	x := newBenchIndex(benchEntries())
	for _, q := range benchQueries {
		b.Run(q, func(b *testing.B) {
			var total int
			for b.Loop() {
				_, total = x.Search(association, q, 8)
			}
			b.ReportMetric(float64(total), "matches")
		})
	}
}
