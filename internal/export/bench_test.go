package export_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/assetbot/assetbot/internal/benchmap"
	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/latency"
)

// The benchmark's community: issue 17's scale bar (100,000 people with 20
// answers each, each export under 5 s and 150 MB).
const (
	benchPeople = 100_000
	benchAssets = 5_000
	// benchMembers is how many people are members of a group, and
	// benchUses how many assets use another: the links.
	benchMembers = 20_000
	benchUses    = 2_000
	// benchAreas is how many areas the people and assets are spread over.
	benchAreas = 50
)

// BenchmarkExport times each export of 100,000 consenting people with 20
// answers each, benchAssets assets and their links, written to a writer
// that discards it, and reports the most heap in use while it wrote
// (peak-MB). The bar is a median under 5 s and a peak under 150 MB.
func BenchmarkExport(b *testing.B) {
	if testing.Short() || raceDetector {
		b.Skip("seeds 100,000 people: a measure for the plain build, not -short or -race")
	}
	w := newWorld(b)
	err := benchmap.Seed(w.path, benchmap.Map{
		People: benchPeople, ConsentEvery: 1, Areas: benchAreas, At: "2026-03-14T09:30:00.000Z",
		Assets: benchAssets, Members: benchMembers, Uses: benchUses,
	})
	if err != nil {
		b.Fatal(err)
	}
	ex := exporter(b, w)
	ctx := context.Background()
	assets := mapFlows(b)["association"]
	var areas []export.Area
	for i := range benchAreas {
		areas = append(areas, export.Area{Name: fmt.Sprint("Area ", i), Lat: 53.8, Lon: -1.55})
	}
	files := func(w io.Writer) func(string) (io.Writer, error) {
		return func(string) (io.Writer, error) { return w, nil }
	}
	for _, bb := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"people_csv", func(w io.Writer) error { _, err := ex.PeopleCSV(ctx, w); return err }},
		{"assets_csv", func(w io.Writer) error { _, err := ex.AssetsCSV(ctx, w, assets); return err }},
		{"json", func(w io.Writer) error { _, err := ex.JSON(ctx, w); return err }},
		{"geojson", func(w io.Writer) error { _, err := ex.GeoJSON(ctx, w, areas); return err }},
		{"kumu", func(w io.Writer) error { _, err := ex.Kumu(ctx, files(w)); return err }},
		{"hsds", func(w io.Writer) error { _, err := ex.HSDS(ctx, files(w)); return err }},
	} {
		b.Run(bb.name, func(b *testing.B) {
			var peak uint64
			latency.Measure(b, func(int) error {
				runtime.GC()
				h := &heapWatch{}
				err := bb.write(h)
				peak = max(peak, h.peak)
				return err
			})
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}
