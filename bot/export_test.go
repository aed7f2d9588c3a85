package bot

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// testExports returns exports of the database at path, with one area.
func testExports(t *testing.T, path string) *Exports {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	ex, err := export.New(st, fl, fl["resident"])
	if err != nil {
		t.Fatal(err)
	}
	return &Exports{Exporter: ex, Areas: []export.Area{{Name: "Riverside", Lat: 51.48, Lon: -3.18}}}
}

// document waits for the bot's next document to r and returns it.
func (r *resident) document() fakeapi.Sent {
	r.t.Helper()
	batch := r.await("a document", has(fakeapi.MethodSendDocument))
	return batch[slices.IndexFunc(batch, func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodSendDocument })]
}

// zipNames returns the names of the files in a zip.
func zipNames(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return names
}

// TestExportFormats asks for each format as an organiser, typed and by
// button: each comes as a document, under its name, whose bytes are what
// the format says.
func TestExportFormats(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	const organiser = 7500
	h.opts = []Option{WithOrganisers([]int64{organiser}), WithExports(testExports(t, h.dbPath))}
	h.start(testConfig(h.fake))
	r := h.resident(t, organiser, "Olwen")
	tests := []struct {
		format, label, file string
		check               func(t *testing.T, data []byte)
	}{
		{"csv", "CSV", "people.csv", func(t *testing.T, data []byte) {
			text, ok := strings.CutPrefix(string(data), "\uFEFF")
			if !ok {
				t.Error("the CSV has no byte order mark")
			}
			if _, err := csv.NewReader(strings.NewReader(text)).ReadAll(); err != nil {
				t.Errorf("the CSV does not parse: %v", err)
			}
		}},
		{"json", "JSON", "map.json", func(t *testing.T, data []byte) {
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Errorf("the JSON does not parse: %v", err)
			}
		}},
		{"geojson", "GeoJSON", "map.geojson", func(t *testing.T, data []byte) {
			var doc struct {
				Type     string            `json:"type"`
				Features []json.RawMessage `json:"features"`
			}
			if err := json.Unmarshal(data, &doc); err != nil || doc.Type != "FeatureCollection" {
				t.Errorf("the GeoJSON is type %q (error %v); want a FeatureCollection", doc.Type, err)
			}
		}},
		{"kumu", "Kumu", "kumu.zip", func(t *testing.T, data []byte) {
			if got, want := zipNames(t, data), []string{export.KumuConnections, export.KumuElements}; !slices.Equal(got, want) {
				t.Errorf("the Kumu zip holds %q; want %q", got, want)
			}
		}},
		{"hsds", "HSDS", "hsds.zip", func(t *testing.T, data []byte) {
			want := []string{export.HSDSPackage, "locations.csv", "organizations.csv", "service_at_location.csv", "services.csv"}
			if got := zipNames(t, data); !slices.Equal(got, want) {
				t.Errorf("the HSDS zip holds %q; want %q", got, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.format+" typed", func(t *testing.T) {
			r.t = t
			r.say(cmdExport + " " + strings.ToUpper(tt.format))
			if got, want := r.next().Text, en(flow.MsgExportMaking, "format", tt.label); got != want {
				t.Errorf("/export %s replied %q; want %q", tt.format, got, want)
			}
			doc := r.document()
			if doc.File != tt.file {
				t.Errorf("/export %s sent %q; want %q", tt.format, doc.File, tt.file)
			}
			tt.check(t, doc.FileData)
		})
	}
	t.Run("buttons", func(t *testing.T) {
		r.t = t
		r.say(cmdExport)
		menu := r.reply()
		var want []string
		for _, tt := range tests {
			want = append(want, cbExport+":"+tt.format)
		}
		if got := menu.Markup.ButtonData(""); !slices.Equal(got, want) {
			t.Fatalf("/export offered buttons %q; want %q", got, want)
		}
		r.press(menu, cbExport+":hsds")
		if got, want := r.toast(), en(flow.MsgExportMaking, "format", "HSDS"); got != want {
			t.Errorf("the HSDS button answered %q; want %q", got, want)
		}
		if doc := r.document(); doc.File != "hsds.zip" {
			t.Errorf("the HSDS button sent %q; want hsds.zip", doc.File)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		r.t = t
		r.say(cmdExport + " pdf")
		want := en(flow.MsgExportUnknown, "format", "pdf", "formats", "csv, json, geojson, kumu, hsds")
		if got := r.reply().Text; got != want {
			t.Errorf("/export pdf replied %q; want %q", got, want)
		}
	})
	// Each document sent is recorded, with its format; nobody consented,
	// so none names anyone.
	checkAudit(t, h.store, "7500 export 0 csv", "7500 export 0 json", "7500 export 0 geojson", "7500 export 0 kumu", "7500 export 0 hsds", "7500 export 0 hsds")
}

// TestExportRefused sends /export and presses an export button as someone
// who is not an organiser: the command gets the unknown-command reply,
// the button the bad-button note, and no export is made.
func TestExportRefused(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	const organiser, resident = 7600, 7601
	h.opts = []Option{WithOrganisers([]int64{organiser}), WithExports(testExports(t, h.dbPath))}
	h.start(testConfig(h.fake))
	r := h.resident(t, resident, "Rhys")
	r.say(unknownProbe)
	probe := r.reply()
	r.say(cmdExport + " csv")
	want := probe
	want.Text = strings.Replace(probe.Text, unknownProbe, cmdExport, 1)
	got := r.reply()
	sameReply(t, "/export csv", got, want)
	r.press(got, cbExport+":csv")
	if note := r.toast(); note != en(flow.MsgBadButton) {
		t.Errorf("an export button from a non-organiser answered %q; want the bad-button note", note)
	}
	for _, s := range h.fake.Messages(resident) {
		if s.Method == fakeapi.MethodSendDocument {
			t.Errorf("a non-organiser was sent %s", s.File)
		}
	}
}

// TestExportTooBig makes an export that outgrows Telegram's upload limit:
// the organiser is told to use `assetbot export` instead, in their
// language, and no document is sent.
func TestExportTooBig(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	const organiser = 7700
	h.opts = []Option{WithOrganisers([]int64{organiser}), WithExports(testExports(t, h.dbPath))}
	h.start(testConfig(h.fake))
	h.fake.SetLanguage(organiser, "cy")
	r := h.resident(t, organiser, "Olwen")
	huge := exportFormat{id: "json", label: "JSON", file: "map.json", write: func(_ context.Context, _ *Exports, w io.Writer) (int, error) {
		chunk := make([]byte, 1<<20)
		for {
			if _, err := w.Write(chunk); err != nil {
				return 0, err
			}
		}
	}}
	if err := h.bot.queueExport(context.Background(), h.bot.renderer(organiser, "cy"), organiser, fmt.Sprint(organiser), huge); err != nil {
		t.Fatal(err)
	}
	if got, want := r.reply().Text, h.bot.svc.Text("cy", flow.MsgExportTooBig, "format", "json"); got != want {
		t.Errorf("an export too big replied %q; want %q", got, want)
	}
	// Nothing was disclosed, so nothing is recorded.
	checkAudit(t, h.store)
}

// TestCappedWriter writes up to and past the upload limit, through
// writers that share one count.
func TestCappedWriter(t *testing.T) {
	tests := []struct {
		name   string
		writes []int
		err    error
	}{
		{"under", []int{10, 20}, nil},
		{"exactly the limit", []int{maxUploadBytes - 1, 1}, nil},
		{"one byte over", []int{maxUploadBytes, 1}, errTooBig},
		{"one write over", []int{maxUploadBytes + 1}, errTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var total int
			var err error
			for i, n := range tt.writes {
				// Alternate two writers on the one count, as a zip's files do.
				w := cappedWriter{w: io.Discard, total: &total}
				if i%2 == 1 {
					w = cappedWriter{w: &bytes.Buffer{}, total: &total}
				}
				if _, err = w.Write(make([]byte, n)); err != nil {
					break
				}
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("writes %v: error %v; want %v", tt.writes, err, tt.err)
			}
		})
	}
}
