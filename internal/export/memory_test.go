package export_test

import (
	"context"
	"io"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/export"
)

// Enough of each that holding them all would take several times
// heapBound.
const (
	manyPeople = 20_000
	manyAssets = 20_000
	heapBound  = 30 << 20 // bytes in use on the heap, at most, during an export
	// sampleEvery is how many bytes written between looks at the heap.
	sampleEvery = 256 << 10
)

// heapInUse are the runtime metrics whose sum is MemStats.HeapInuse: read
// with runtime/metrics, which unlike ReadMemStats does not stop the world
// (every 256 KB, that took a fifth of the JSON export's time).
var heapInUse = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes"}

// heapWatch is a writer that discards what it is given and notes the
// most heap in use while it was written to.
type heapWatch struct {
	written, next int
	peak          uint64
	samples       []metrics.Sample
}

func (h *heapWatch) Write(p []byte) (int, error) {
	h.written += len(p)
	if h.written >= h.next {
		h.next = h.written + sampleEvery
		if h.samples == nil {
			for _, name := range heapInUse {
				h.samples = append(h.samples, metrics.Sample{Name: name})
			}
		}
		metrics.Read(h.samples)
		var inUse uint64
		for _, s := range h.samples {
			inUse += s.Value.Uint64()
		}
		h.peak = max(h.peak, inUse)
	}
	return len(p), nil
}

// TestExportMemoryBounded exports a large map and checks that the heap in
// use stays under heapBound throughout: the exports stream.
func TestExportMemoryBounded(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("exports 20,000 people and 20,000 assets: a measure for the plain build, not -short or -race")
	}
	w := newWorld(t)
	// Filled behind the store's back, in a few statements: through it this
	// takes longer than the export.
	long := `{"text": "` + strings.Repeat("something worth knowing about the neighbourhood ", 4) + `"}`
	const at = "2026-03-14T09:30:00.000Z"
	w.raw(t, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO people (channel, channel_user_id, first_name, created_at, updated_at) SELECT 'test', i, 'Person ' || i, ?2, ?2 FROM n`, manyPeople, at)
	w.raw(t, `INSERT INTO consents (person_id, purpose, granted, flow, flow_version, at) SELECT id, 'map', 1, 'resident', 1, ? FROM people`, at)
	w.raw(t, `INSERT INTO answers (person_id, flow, key, step, value, flow_version, created_at, updated_at, confirmed_at)
		SELECT p.id, 'resident', k.key, k.key, ?1, 1, ?2, ?2, ?2 FROM people p,
		(SELECT 'head' AS key UNION ALL SELECT 'heart' UNION ALL SELECT 'offer' UNION ALL SELECT 'learn') k`, long, at)
	w.raw(t, `INSERT INTO assets (uid, kind, name, area, lat, lon, fields, flow_version, added_by, changed_by, created_at, updated_at, confirmed_at, rev)
		SELECT 'uid-' || id, 'association', 'Group ' || id, 'LS6', 53.8 + id * 1e-6, -1.55,
			json_object('name', json_object('text', 'Group ' || id), 'area', json_object('text', 'LS6'), 'purpose', json(?1), 'offer', json(?1), 'need', json(?1)),
			1, id, id, ?2, ?2, ?2, id FROM people LIMIT ?3`, long, at, manyAssets)
	ex := exporter(t, w)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		write func(io.Writer) (int, error)
		want  int
	}{
		{"people csv", func(w io.Writer) (int, error) { return ex.PeopleCSV(ctx, w) }, manyPeople},
		{"assets csv", func(w io.Writer) (int, error) { return ex.AssetsCSV(ctx, w, mapFlows(t)["association"]) }, manyAssets},
		{"json", func(w io.Writer) (int, error) {
			c, err := ex.JSON(ctx, w)
			return c.People + c.Assets, err
		}, manyPeople + manyAssets},
		{"geojson", func(w io.Writer) (int, error) {
			c, err := ex.GeoJSON(ctx, w, []export.Area{{Name: "LS6", Lat: 53.8, Lon: -1.55}})
			return c.Assets, err
		}, manyAssets},
		{"kumu", func(w io.Writer) (int, error) {
			c, err := ex.Kumu(ctx, func(string) (io.Writer, error) { return w, nil })
			return c.People + c.Assets, err
		}, manyPeople + manyAssets},
		{"hsds", func(w io.Writer) (int, error) {
			c, err := ex.HSDS(ctx, func(string) (io.Writer, error) { return w, nil })
			return c.Assets + c.Links, err
		}, 2 * manyAssets},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			h := &heapWatch{}
			n, err := tt.write(h)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Errorf("wrote %d; want %d", n, tt.want)
			}
			t.Logf("%d bytes written; heap in use at most %.1f MB", h.written, float64(h.peak)/(1<<20))
			if h.peak > heapBound {
				t.Errorf("heap in use reached %d bytes; want under %d", h.peak, heapBound)
			}
		})
	}
}
