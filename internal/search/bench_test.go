package search_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
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
