package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/export"
)

// folder is an export's files, in memory.
type folder map[string]*bytes.Buffer

func (f folder) create(name string) (io.Writer, error) {
	if _, ok := f[name]; ok {
		return nil, fmt.Errorf("%s created twice", name)
	}
	f[name] = &bytes.Buffer{}
	return f[name], nil
}

// table reads the CSV file name, without the byte order mark if bom; it
// fails the test if the file is missing or is not CSV with one header.
func (f folder) table(t *testing.T, name string, bom bool) (header []string, rows []map[string]string) {
	t.Helper()
	b, ok := f[name]
	if !ok {
		t.Fatalf("no %s among %v", name, slices.Sorted(maps.Keys(f)))
	}
	text, hasBOM := strings.CutPrefix(b.String(), "\uFEFF")
	if hasBOM != bom {
		t.Errorf("%s: byte order mark %v; want %v", name, hasBOM, bom)
	}
	records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("%s: %v, %d records; want CSV with a header", name, err, len(records))
	}
	for _, r := range records[1:] {
		row := map[string]string{}
		for i, h := range records[0] {
			row[h] = r[i]
		}
		rows = append(rows, row)
	}
	return records[0], rows
}

func TestKumu(t *testing.T) {
	w := newWorld(t)
	m := newMap(t, w)
	files := folder{}
	c, err := exporter(t, w).Kumu(context.Background(), files.create)
	if err != nil {
		t.Fatal(err)
	}
	if want := (export.Counts{People: 2, Assets: 5, Links: 4}); c != want {
		t.Errorf("counts %+v; want %+v", c, want)
	}
	header, elements := files.table(t, export.KumuElements, true)
	if want := []string{"ID", "Label", "Type", "Description", "Tags"}; !slices.Equal(header, want) {
		t.Errorf("elements header %q; want %q", header, want)
	}
	ids := map[string]map[string]string{}
	var labels []string
	for _, e := range elements {
		if ids[e["ID"]] != nil || e["ID"] == "" {
			t.Errorf("element ID %q empty or repeated", e["ID"])
		}
		ids[e["ID"]] = e
		labels = append(labels, e["Type"]+":"+e["Label"])
	}
	wantLabels := []string{`person:'=HYPERLINK("http://x")`, "person:Bob", "place:St Mark's Hall", "association:Hyde Park Allotment Society",
		"association:'=cmd|' /C calc'!A0", "association:جمعية حديقة الحي", "association:🎸 Rock Choir 🎶"}
	if !slices.Equal(labels, wantLabels) {
		t.Errorf("elements %q;\nwant %q: consenting people by first name, assets by name, formulas defused", labels, wantLabels)
	}
	if e := ids[fmt.Sprintf("person-%d", m.ada)]; e == nil {
		t.Errorf("no element person-%d for ada", m.ada)
	}
	if e := elements[3]; e["Description"] != "LS6" || e["Tags"] != "Allotment / garden" {
		t.Errorf("allotment %v; want its area as description and its kind as a tag", e)
	}

	header, connections := files.table(t, export.KumuConnections, true)
	if want := []string{"From", "To", "Type"}; !slices.Equal(header, want) {
		t.Errorf("connections header %q; want %q", header, want)
	}
	var got []string
	for _, l := range connections {
		from, to := ids[l["From"]], ids[l["To"]]
		if from == nil || to == nil {
			t.Errorf("connection %v: an end is no element", l)
			continue
		}
		got = append(got, from["Label"]+" "+l["Type"]+" "+to["Label"])
	}
	want := []string{
		`'=HYPERLINK("http://x") member_of Hyde Park Allotment Society`,
		"Hyde Park Allotment Society uses St Mark's Hall",
		"Bob runs جمعية حديقة الحي",
		`'=HYPERLINK("http://x") connected_with Bob`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("connections %q;\nwant %q: none with cy, di or the removed asset", got, want)
	}
}
