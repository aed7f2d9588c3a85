package digest_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/benchmap"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/digest"
	"github.com/assetbot/assetbot/internal/latency"
	"github.com/assetbot/assetbot/internal/store"
)

// The benchmark's community: the scale.
const (
	benchPeople = 100_000
	benchAssets = 2_000
)

// benchMap is the benchmark's community: benchPeople people of 20
// answers each, half of them consenting, a twentieth of them new this week,
// a tenth of them mid-conversation, and benchAssets assets.
var benchMap = benchmap.Map{
	People: benchPeople, ConsentEvery: 2, Areas: 50,
	At: "2026-11-01T09:00:00.000Z", Newer: "2026-11-10T09:00:00.000Z", NewEvery: 20,
	UnfinishedEvery: 10, Assets: benchAssets,
}

// BenchmarkBuild measures building the digest over 100,000 people with 20
// answers each. The target is a median under 1 s. With an aim that many
// match, finding who could help stops at the first few; with one that
// nobody matches it reads every answer, the worst case.
func BenchmarkBuild(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := benchmap.Seed(path, benchMap); err != nil {
		b.Fatal(err)
	}
	f := resident(b)
	now := time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
	for _, bb := range []struct {
		name string
		aim  config.Aim
	}{
		{"aim_matched", aim},
		{"aim_matched_by_nobody", config.Aim{Text: "unmatched", Options: []string{"nobody_chose_this"}, Words: []string{"unwritten"}}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			p := digest.Params{Resident: f, Aim: bb.aim, Location: time.UTC}
			latency.Measure(b, func(int) error {
				_, err := digest.Build(ctx, st, p, now.Add(-digest.Week), now)
				return err
			})
		})
	}
}
