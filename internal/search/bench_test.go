package search_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/assetbot/assetbot/internal/benchmap"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// benchPeople is how many residents the benchmark's map holds.
const benchPeople = 10_000

// BenchmarkFind searches a map of benchPeople residents, one in ten of
// whom ticked sewing, for a word and an option label.
func BenchmarkFind(b *testing.B) {
	people := make([]resident, benchPeople)
	skills := []string{"cooking", "gardening", "music", "diy", "driving", "it_help", "languages", "sport", "caring", "sewing"}
	for i := range people {
		people[i] = resident{fmt.Sprintf("P%d", i), true, map[string]flow.Value{
			"hands": choices(skills[i%len(skills)], skills[(i+3)%len(skills)]),
			"head":  text(fmt.Sprintf("Local history of street %d", i)),
			"area":  text("LS6"),
		}}
	}
	s := seed(b, people)
	b.ResetTimer()
	for b.Loop() {
		p, err := s.Find(context.Background(), "sewing histories", 0)
		if err != nil || p.Total != benchPeople {
			b.Fatalf("Find = %d results, %v; want all %d (everyone has a history)", p.Total, err, benchPeople)
		}
	}
}

// BenchmarkMap100k searches and counts the exports' benchmark community
// (internal/benchmap: 100,000 consenting people with 20 answers each, 5,000
// assets), as /find, /match and /stats do: a word some answers hold, one
// none does (every answer is still read), and the totals.
func BenchmarkMap100k(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 100,000 people")
	}
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "map.db")
	_, s := openMapAt(b, path, func(*store.Tx) error { return nil })
	err := benchmap.Seed(path, benchmap.Map{People: 100_000, ConsentEvery: 1, Areas: 50, At: "2026-03-14T09:30:00.000Z", Assets: 5_000, Members: 20_000, Uses: 2_000})
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name string
		run  func() error
	}{
		{"find_word", func() error { _, err := s.Find(ctx, "gardening", 0); return err }},
		{"find_nothing", func() error { _, err := s.Find(ctx, "zeppelins", 0); return err }},
		{"stats", func() error { _, err := s.Stats(ctx); return err }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				if err := bb.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
