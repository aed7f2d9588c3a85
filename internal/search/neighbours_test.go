package search_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/search"
	"github.com/assetbot/assetbot/internal/store"
)

// neighbour is a resident of a street of neighbours: their decisions on
// the map and on being shown, and their answers.
type neighbour struct {
	name         string
	onMap, shown bool
	answers      map[string]flow.Value
}

// street opens a store holding the neighbours, in order (the Telegram id
// of the i-th is 8000+i), and returns it with a Searcher of it.
func street(t testing.TB, people []neighbour) (*store.Store, *search.Searcher) {
	t.Helper()
	return openMap(t, func(tx *store.Tx) error {
		for i, n := range people {
			consents := map[string]bool{flow.PurposeMap: n.onMap, flow.PurposeShown: n.shown}
			if _, err := addResident(tx, 8000+i, n.name, consents, n.answers); err != nil {
				return err
			}
		}
		return nil
	})
}

// asker is the Telegram person with id 8000+i in a street.
func asker(i int) search.Asker {
	return search.Asker{Channel: "telegram", UserID: fmt.Sprint(8000 + i)}
}

// The street: Ann (0) asks; what each shows is hands and offer alone.
var theStreet = []neighbour{
	{"Ann", true, true, map[string]flow.Value{"hands": choices("cooking"), "learn": {Choices: []string{"music"}, Other: "pottery"}, "area": text("LS6")}},
	{"Bob", true, true, map[string]flow.Value{"hands": choices("gardening"), "offer": text("Fixing bikes"), "area": text("LS6 2AB")}},
	{"Cat", true, true, map[string]flow.Value{"hands": choices("music", "gardening"), "head": text("local history"), "area": text("Headingley")}},
	// Dee is on the map but not shown; Eve is shown but not on the map.
	{"Dee", true, false, map[string]flow.Value{"hands": choices("gardening", "music"), "offer": text("bikes")}},
	{"Eve", false, true, map[string]flow.Value{"hands": choices("gardening", "music"), "offer": text("bikes")}},
	// Fay shows a skipped offer.
	{"Fay", true, true, map[string]flow.Value{"hands": choices("sewing"), "offer": {Skipped: true}}},
	// Gus shows nothing he offers: never listed, even as the newest.
	{"Gus", true, true, map[string]flow.Value{"offer": {Skipped: true}, "head": text("sewing")}},
}

func neighbourNames(p search.NeighbourPage) []string {
	var out []string
	for _, r := range p.Results {
		out = append(out, r.Name)
	}
	return out
}

func TestNeighbours(t *testing.T) {
	t.Parallel()
	_, s := street(t, theStreet)
	for _, tc := range []struct {
		name  string
		asker int
		words string
		by    search.Basis
		want  []string
	}{
		{"an option's English label", 0, "gardening", search.ByWords, []string{"Bob", "Cat"}},
		{"an option's Welsh label, any case", 0, "GARDDIO", search.ByWords, []string{"Bob", "Cat"}},
		{"a plural of the offer's word", 0, "bike", search.ByWords, []string{"Bob"}},
		{"more words matched ranks first", 0, "music gardening", search.ByWords, []string{"Cat", "Bob"}},
		{"never the asker", 0, "cooking", search.ByWords, nil},
		{"the asker is found by others", 1, "cooking", search.ByWords, []string{"Ann"}},
		{"an answer not shown never matches", 0, "history", search.ByWords, nil},
		{"the area never matches", 0, "LS6 Headingley", search.ByWords, nil},
		{"a name does not match", 0, "Bob", search.ByWords, nil},
		{"no words: what the asker wants to learn", 0, "", search.ByWanted, []string{"Cat"}},
		{"no words, nothing wanted: the newest first", 1, " ", search.Newest, []string{"Fay", "Cat", "Ann"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.Neighbours(context.Background(), asker(tc.asker), tc.words, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := neighbourNames(p); !slices.Equal(got, tc.want) || p.By != tc.by {
				t.Errorf("Neighbours(%q) = %q by %d; want %q by %d", tc.words, got, p.By, tc.want, tc.by)
			}
		})
	}
}

// TestNeighboursShowOnlyWhatTheFlowShows: a neighbour's result holds their
// first name and shown answers, nothing else: no other answer, no area,
// no Telegram id; and Shown labels them in the asker's language.
func TestNeighboursShowOnlyWhatTheFlowShows(t *testing.T) {
	t.Parallel()
	_, s := street(t, theStreet)
	p, err := s.Neighbours(context.Background(), asker(0), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Wanted(p.Wanted, "en"); got != "Music, pottery" {
		t.Errorf("Wanted = %q; want the asker's answer, readable", got)
	}
	p, err = s.Neighbours(context.Background(), asker(3), "gardening bikes", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Results {
		for k := range r.Fields {
			if k != "hands" && k != "offer" {
				t.Errorf("%s's result holds their %q answer", r.Name, k)
			}
		}
	}
	dump := fmt.Sprintf("%+v", p)
	for _, leak := range []string{"LS6", "Headingley", "history", "800"} {
		if strings.Contains(dump, leak) {
			t.Errorf("results %s hold %q", dump, leak)
		}
	}
	for _, tc := range []struct {
		lang string
		want []search.ShownAnswer
	}{
		{"en", []search.ShownAnswer{{"Skills to share", "Gardening"}, {"An offer", "Fixing bikes"}}},
		{"cy", []search.ShownAnswer{{"Sgiliau i'w rhannu", "Garddio"}, {"Cynnig", "Fixing bikes"}}},
	} {
		if got := s.Shown(p.Results[0], tc.lang); p.Results[0].Name != "Bob" || !slices.Equal(got, tc.want) {
			t.Errorf("%s: Shown(%s) = %q; want %q", tc.lang, p.Results[0].Name, got, tc.want)
		}
	}
	fay, err := s.Neighbours(context.Background(), asker(0), "sewing", 0)
	if err != nil || len(fay.Results) != 1 {
		t.Fatalf("Neighbours(sewing) = %+v, %v", fay, err)
	}
	if got, want := s.Shown(fay.Results[0], "en"), []search.ShownAnswer{{"Skills to share", "Sewing & mending"}}; !slices.Equal(got, want) {
		t.Errorf("Shown(Fay) = %q; want %q (a skipped offer is not shown)", got, want)
	}
}

// TestNeighboursOnlyForResidents: someone unknown, or not on the map, may
// not look.
func TestNeighboursOnlyForResidents(t *testing.T) {
	t.Parallel()
	_, s := street(t, theStreet)
	for _, who := range []search.Asker{asker(4), asker(99), {Channel: "other", UserID: "8000"}} {
		if _, err := s.Neighbours(context.Background(), who, "gardening", 0); !errors.Is(err, search.ErrNotOnMap) {
			t.Errorf("Neighbours by %v: err %v; want ErrNotOnMap", who, err)
		}
	}
}

// TestNeighboursFollowDecisions: the latest decision counts: withdrawing
// being shown, or the map, takes a neighbour out at once, and erasure
// leaves nothing to find.
func TestNeighboursFollowDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, s := street(t, theStreet)
	find := func() []string {
		t.Helper()
		p, err := s.Neighbours(ctx, asker(0), "gardening", 0)
		if err != nil {
			t.Fatal(err)
		}
		return neighbourNames(p)
	}
	if got := find(); !slices.Equal(got, []string{"Bob", "Cat"}) {
		t.Fatalf("before: %q", got)
	}
	change := func(name string, fn func(tx *store.Tx, id int64) error) {
		t.Helper()
		i := slices.IndexFunc(theStreet, func(n neighbour) bool { return n.name == name })
		err := st.Update(ctx, func(tx *store.Tx) error {
			p, err := tx.Person("telegram", fmt.Sprint(8000+i))
			if err != nil {
				return err
			}
			return fn(tx, p.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	change("Bob", func(tx *store.Tx, id int64) error {
		return tx.RecordConsent(id, flow.PurposeShown, false, "resident", 1)
	})
	if got := find(); !slices.Equal(got, []string{"Cat"}) {
		t.Errorf("after Bob withdrew being shown: %q; want Cat alone", got)
	}
	change("Dee", func(tx *store.Tx, id int64) error {
		return tx.RecordConsent(id, flow.PurposeShown, true, "resident", 1)
	})
	if got := find(); !slices.Equal(got, []string{"Cat", "Dee"}) {
		t.Errorf("after Dee agreed to be shown: %q; want Cat and Dee", got)
	}
	change("Cat", func(tx *store.Tx, id int64) error { return tx.ErasePerson(id) })
	change("Dee", func(tx *store.Tx, id int64) error { return tx.RecordConsent(id, flow.PurposeMap, false, "resident", 1) })
	if got := find(); got != nil {
		t.Errorf("after Cat was erased and Dee left the map: %q; want nobody", got)
	}
}

func TestNeighboursPages(t *testing.T) {
	t.Parallel()
	many := []neighbour{{"Asker", true, false, nil}}
	for i := range 2*search.PageSize + 1 {
		many = append(many, neighbour{fmt.Sprintf("N%02d", i), true, true, map[string]flow.Value{"hands": choices("sewing")}})
	}
	_, s := street(t, many)
	for _, tc := range []struct {
		page, want int
		first      string
	}{{0, search.PageSize, "N00"}, {1, search.PageSize, "N05"}, {2, 1, "N10"}, {3, 0, ""}, {math.MaxInt / 2, 0, ""}} {
		p, err := s.Neighbours(context.Background(), asker(0), "sewing", tc.page)
		if err != nil || len(p.Results) != tc.want || p.Pages != 3 || p.Total != len(many)-1 {
			t.Errorf("page %d = %d results of %d on %d pages, %v; want %d of %d on 3", tc.page, len(p.Results), p.Total, p.Pages, err, tc.want, len(many)-1)
		}
		if len(p.Results) > 0 && p.Results[0].Name != tc.first {
			t.Errorf("page %d starts with %s; want %s", tc.page, p.Results[0].Name, tc.first)
		}
	}
	if _, err := s.Neighbours(context.Background(), asker(0), "sewing", -1); err == nil {
		t.Error("page -1 gave no error")
	}
}
