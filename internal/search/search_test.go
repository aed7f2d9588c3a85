package search_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/search"
	"github.com/assetbot/assetbot/internal/store"
)

// resident is someone in the seeded map.
type resident struct {
	name    string
	consent bool
	answers map[string]flow.Value
}

func choices(ids ...string) flow.Value { return flow.Value{Choices: ids} }
func text(s string) flow.Value         { return flow.Value{Text: s} }

// openMap opens a store in a temporary folder, fills it with fill in one
// transaction, and returns it with a Searcher of it with the shipped flows.
func openMap(t testing.TB, fill func(*store.Tx) error) (*store.Store, *search.Searcher) {
	t.Helper()
	return openMapAt(t, filepath.Join(t.TempDir(), "map.db"), fill)
}

// openMapAt is openMap with the database at path.
func openMapAt(t testing.TB, path string, fill func(*store.Tx) error) (*store.Store, *search.Searcher) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fl, problems := flow.LoadFS(flows.FS, ".")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if err := st.Update(ctx, fill); err != nil {
		t.Fatal(err)
	}
	s, err := search.New(st, fl, fl["resident"])
	if err != nil {
		t.Fatal(err)
	}
	return st, s
}

// addResident stores a resident with Telegram id userID, their decisions
// on each purpose in consents and their answers in the resident flow.
func addResident(tx *store.Tx, userID int, name string, consents map[string]bool, answers map[string]flow.Value) (store.Person, error) {
	p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: fmt.Sprint(userID), FirstName: name})
	if err != nil {
		return p, err
	}
	for _, purpose := range slices.Sorted(maps.Keys(consents)) {
		if err := tx.RecordConsent(p.ID, purpose, consents[purpose], "resident", 1); err != nil {
			return p, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(answers)) {
		if _, err := tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: k, Step: k, Value: answers[k], Version: 1}); err != nil {
			return p, err
		}
	}
	return p, nil
}

// seed opens a store holding the residents, in order, and one
// association, and returns a Searcher of it.
func seed(t testing.TB, people []resident) *search.Searcher {
	t.Helper()
	_, s := openMap(t, func(tx *store.Tx) error {
		var ids []int64
		for i, r := range people {
			p, err := addResident(tx, 9000+i, r.name, map[string]bool{flow.PurposeMap: r.consent}, r.answers)
			if err != nil {
				return err
			}
			ids = append(ids, p.ID)
		}
		a, err := tx.CreateAsset(store.Asset{Kind: "association", Name: "Hyde Park Bikes", Fields: map[string]flow.Value{"name": text("Hyde Park Bikes")}}, ids[0])
		if err != nil {
			return err
		}
		return tx.ReplaceLinks("test", []store.Link{{Type: flow.LinkMemberOf, From: store.PersonEnd(ids[0]), To: store.AssetEnd(a.ID), RecordedBy: ids[0]}})
	})
	return s
}

var neighbours = []resident{
	{"Ann", true, map[string]flow.Value{"hands": choices("gardening", "cooking"), "head": text("Fixing bikes"), "area": text("LS6 2AB")}},
	{"Bob", true, map[string]flow.Value{"hands": choices("gardening"), "area": text("ls6")}},
	{"Cat", true, map[string]flow.Value{"hands": choices("music"), "head": text("Local history and dancing")}},
	// Dee refused: never found, never counted.
	{"Dee", false, map[string]flow.Value{"hands": choices("gardening"), "head": text("bikes")}},
}

// names lists a page's results as kind:name.
func names(p search.Page) []string {
	var out []string
	for _, r := range p.Results {
		out = append(out, string(r.Kind)+":"+r.Name)
	}
	return out
}

func TestFind(t *testing.T) {
	t.Parallel()
	s := seed(t, neighbours)
	for _, tc := range []struct {
		name, words string
		want        []string
	}{
		{"an option's English label", "gardening", []string{"person:Ann", "person:Bob"}},
		{"case", "GARDENING", []string{"person:Ann", "person:Bob"}},
		{"a plural of the label", "gardens", []string{"person:Ann", "person:Bob"}},
		{"an option's Welsh label", "Garddio", []string{"person:Ann", "person:Bob"}},
		{"a singular of a free-text plural", "bike", []string{"person:Ann", "asset:Hyde Park Bikes"}},
		{"a plural of a free-text word", "dances", []string{"person:Cat"}},
		{"more words matched ranks first", "bikes gardening", []string{"person:Ann", "person:Bob", "asset:Hyde Park Bikes"}},
		{"a first name", "cat", []string{"person:Cat"}},
		{"small words are passed over", "cooking and the bikes", []string{"person:Ann", "asset:Hyde Park Bikes"}},
		{"only small words", "and the", nil},
		{"nothing matches", "submarines", nil},
		{"no words", "  ", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.Find(context.Background(), tc.words, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(p); !slices.Equal(got, tc.want) {
				t.Errorf("Find(%q) = %q; want %q", tc.words, got, tc.want)
			}
		})
	}
}

func TestFindShowsWhatMatchedAndNoTelegramIDs(t *testing.T) {
	t.Parallel()
	s := seed(t, neighbours)
	p, err := s.Find(context.Background(), "bikes", 0)
	if err != nil || len(p.Results) == 0 {
		t.Fatalf("Find = %+v, %v", p, err)
	}
	ann := p.Results[0]
	if !slices.Equal(ann.Matched, []string{"Fixing bikes"}) {
		t.Errorf("Ann matched %q; want her answer that matched", ann.Matched)
	}
	if got := fmt.Sprintf("%+v", p); strings.Contains(got, "9000") {
		t.Errorf("results %s hold a Telegram id", got)
	}
}

func TestFindPages(t *testing.T) {
	t.Parallel()
	var many []resident
	for i := range 2*search.PageSize + 1 {
		many = append(many, resident{fmt.Sprintf("N%02d", i), true, map[string]flow.Value{"hands": choices("sewing")}})
	}
	s := seed(t, many)
	for _, tc := range []struct {
		page, want int
	}{{0, search.PageSize}, {1, search.PageSize}, {2, 1}, {3, 0}} {
		p, err := s.Find(context.Background(), "sewing", tc.page)
		if err != nil || len(p.Results) != tc.want || p.Pages != 3 || p.Total != len(many) {
			t.Errorf("page %d = %d results of %d on %d pages, %v; want %d of %d on 3", tc.page, len(p.Results), p.Total, p.Pages, err, tc.want, len(many))
		}
	}
	if _, err := s.Find(context.Background(), "sewing", -1); err == nil {
		t.Error("page -1 gave no error")
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	s := seed(t, neighbours)
	p, err := s.Match(context.Background(), []string{"music"}, []string{"bike"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(p), []string{"person:Ann", "person:Cat", "asset:Hyde Park Bikes"}; !slices.Equal(got, want) {
		t.Errorf("Match = %q; want %q", got, want)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	s := seed(t, neighbours)
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := search.Stats{People: 3, ByArea: map[string]int{"LS6": 2, "": 1}, Assets: map[string]int{"association": 1}, Links: 1}
	if st.People != want.People || !maps.Equal(st.ByArea, want.ByArea) || !maps.Equal(st.Assets, want.Assets) || st.Links != want.Links {
		t.Errorf("Stats = %+v; want %+v", st, want)
	}
}

// TestSearchNeedsTheMap: who may be found is decided by the map alone:
// agreeing to be contacted or shown does not put someone who refused the
// map on it, and declining them does not take anyone off.
func TestSearchNeedsTheMap(t *testing.T) {
	ctx := context.Background()
	decisions := []struct {
		name                  string
		onMap, contact, shown bool
	}{
		{"Map", true, false, false},
		{"Everything", true, true, true},
		{"Nomap", false, true, true},
	}
	_, s := openMap(t, func(tx *store.Tx) error {
		for i, d := range decisions {
			consents := map[string]bool{flow.PurposeMap: d.onMap, flow.PurposeContact: d.contact, flow.PurposeShown: d.shown}
			if _, err := addResident(tx, 7000+i, d.name, consents, map[string]flow.Value{"hands": choices("cooking")}); err != nil {
				return err
			}
		}
		return nil
	})
	if s.Purpose() != flow.PurposeMap {
		t.Errorf("Purpose() = %q; want %q", s.Purpose(), flow.PurposeMap)
	}
	p, err := s.Find(ctx, "cooking", 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range p.Results {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, " "); got != "Map Everything" {
		t.Errorf("found %q; want the two on the map", got)
	}
}
