package export_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// theMap is a map with people who consented (ada, bob), one who refused
// (cy) and one never asked (di); assets of two kinds, one removed; and
// links between them, some with an end at cy or di.
type theMap struct {
	ada, bob, cy, di                    int64
	allotment, formula, rtl, emoji, old int64 // associations; old is removed
	hall                                int64 // a place, with a point
}

var hallPoint = flow.Location{Lat: 53.8123, Lon: -1.5601}

func newMap(t testing.TB, w *world) theMap {
	t.Helper()
	var m theMap
	m.ada, m.bob = residents(t, w)
	people := map[string]int64{}
	w.at(t, joined, func(tx *store.Tx) error {
		// residents made cy (refused) and di (never asked) too.
		for _, name := range []string{"cy", "di"} {
			p, err := tx.Person("terminal", name)
			if err != nil {
				return err
			}
			people[name] = p.ID
		}
		return nil
	})
	m.cy, m.di = people["cy"], people["di"]
	association := func(tx *store.Tx, name string, by int64, extra map[string]flow.Value) int64 {
		t.Helper()
		fields := map[string]flow.Value{
			"name": {Text: name}, "area": {Text: "LS6"},
			"purpose": {Text: "Grows veg"}, "kind": {Choice: "gardening"}, "newcomers": {Bool: &yes},
		}
		for k, v := range extra {
			fields[k] = v
		}
		a, err := tx.CreateAsset(store.Asset{Kind: "association", Name: name, Area: "LS6", Fields: fields, FlowVersion: 1}, by)
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	w.at(t, changed, func(tx *store.Tx) error {
		hall, err := tx.CreateAsset(store.Asset{Kind: "place", Name: "St Mark's Hall", Point: &hallPoint, FlowVersion: 1, Fields: map[string]flow.Value{
			"name": {Text: "St Mark's Hall"}, "kind": {Choice: "hall"}, "location": {Location: &hallPoint},
			"access": {Choices: []string{"public", "free"}, Other: "ask at the café"},
		}}, m.ada)
		if err != nil {
			return err
		}
		m.hall = hall.ID
		m.allotment = association(tx, "Hyde Park Allotment Society", m.ada, map[string]flow.Value{
			"meets_at": {Asset: m.hall, Text: "St Mark's Hall"},
			// A question a later version of the flow no longer asks.
			"founded": {Text: "1921"},
		})
		m.formula = association(tx, "=cmd|' /C calc'!A0", m.cy, nil)
		m.rtl = association(tx, "جمعية حديقة الحي", m.bob, nil)
		m.emoji = association(tx, "🎸 Rock Choir 🎶", 0, nil)
		m.old = association(tx, "Gone Club", m.ada, nil)
		return tx.RemoveAsset(m.old, m.ada)
	})
	w.at(t, confirmed, func(tx *store.Tx) error {
		links := []struct {
			source string
			l      store.Link
		}{
			{"association", store.Link{Type: flow.LinkMemberOf, From: store.PersonEnd(m.ada), To: store.AssetEnd(m.allotment), RecordedBy: m.ada}},
			{"association/cy", store.Link{Type: flow.LinkMemberOf, From: store.PersonEnd(m.cy), To: store.AssetEnd(m.allotment), RecordedBy: m.cy}},
			{"association/meets_at", store.Link{Type: flow.LinkUses, From: store.AssetEnd(m.allotment), To: store.AssetEnd(m.hall), RecordedBy: m.cy}},
			{"association/bob", store.Link{Type: flow.LinkRuns, From: store.PersonEnd(m.bob), To: store.AssetEnd(m.rtl), RecordedBy: m.bob}},
			{"resident/di", store.Link{Type: flow.LinkConnectedWith, From: store.PersonEnd(m.di), To: store.PersonEnd(m.ada), RecordedBy: m.di}},
			{"resident/ada", store.Link{Type: flow.LinkConnectedWith, From: store.PersonEnd(m.ada), To: store.PersonEnd(m.bob), RecordedBy: m.ada}},
			// Made after the asset went: still never exported.
			{"association/old", store.Link{Type: flow.LinkMemberOf, From: store.PersonEnd(m.ada), To: store.AssetEnd(m.old), RecordedBy: m.ada}},
		}
		for _, l := range links {
			if err := tx.ReplaceLinks(l.source, []store.Link{l.l}); err != nil {
				return err
			}
		}
		return nil
	})
	return m
}

func TestJSONAssets(t *testing.T) {
	w := newWorld(t)
	m := newMap(t, w)
	got := decode(t, exportJSON(t, w))
	var ids []int64
	for _, a := range got.Assets {
		ids = append(ids, a.ID)
	}
	if want := []int64{m.hall, m.allotment, m.formula, m.rtl, m.emoji}; !slices.Equal(ids, want) {
		t.Fatalf("assets %v; want %v: every kind, in id order, not the removed one", ids, want)
	}
	hall, allotment := got.Assets[0], got.Assets[1]
	if hall.Kind != "place" || hall.Location == nil || *hall.Location != hallPoint || len(hall.UID) != len("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx") ||
		!hall.CreatedAt.Equal(changed) || !hall.UpdatedAt.Equal(changed) || !hall.ConfirmedAt.Equal(changed) || !hall.StaleSince.IsZero() || hall.FlowVersion != 1 {
		t.Errorf("hall = %+v; want a place with its point, uid and times", hall)
	}
	if allotment.Location != nil || allotment.Area != "LS6" || allotment.Name != "Hyde Park Allotment Society" {
		t.Errorf("allotment = %+v; want no location, its area and name", allotment)
	}
	var keys []string
	for _, f := range allotment.Fields {
		keys = append(keys, f.Key)
	}
	if want := []string{"name", "area", "purpose", "kind", "meets_at", "newcomers", "founded"}; !slices.Equal(keys, want) {
		t.Errorf("allotment's fields %q; want %q: flow order, then keys the flow no longer asks", keys, want)
	}
	for _, f := range allotment.Fields {
		want := map[string]struct{ question, text string }{
			"kind":      {"What kind of group is it?", "Allotment / garden"},
			"meets_at":  {"Where does {name} usually meet? Type the place's name and I'll look for it on the map.", "St Mark's Hall"},
			"newcomers": {"Is {name} open to newcomers?", "Yes"},
			"founded":   {"", "1921"},
		}[f.Key]
		if want.text != "" && (f.Question != want.question || f.Text != want.text) {
			t.Errorf("field %s = %q, %q; want %q, %q", f.Key, f.Question, f.Text, want.question, want.text)
		}
		if f.Key == "meets_at" && f.Value.Asset != m.hall {
			t.Errorf("meets_at value = %+v; want the hall's id", f.Value)
		}
	}
	for _, f := range hall.Fields {
		if f.Key == "access" && f.Text != "Open to the public, Free, ask at the café" {
			t.Errorf("hall's access = %q; want its choices, readable", f.Text)
		}
	}
	if got.Assets[3].Name != "جمعية حديقة الحي" || got.Assets[4].Name != "🎸 Rock Choir 🎶" {
		t.Errorf("names %q, %q; want RTL and emoji names as given", got.Assets[3].Name, got.Assets[4].Name)
	}
}

// TestPrivacy: a person appears (in people, as who added an asset or
// recorded a link, or at either end of a link) only if their latest
// decision on the resident flow's consent purpose is consent.
func TestPrivacy(t *testing.T) {
	w := newWorld(t)
	m := newMap(t, w)
	out := exportJSON(t, w)
	got := decode(t, out)
	consenting := []int64{m.ada, m.bob}
	var people []int64
	for _, p := range got.People {
		people = append(people, p.ID)
	}
	if !slices.Equal(people, consenting) {
		t.Errorf("people %v; want only those who consented, %v", people, consenting)
	}
	addedBy := map[int64]*int64{}
	for _, a := range got.Assets {
		addedBy[a.ID] = a.AddedBy
	}
	for _, tt := range []struct {
		name  string
		asset int64
		want  int64 // 0: omitted
	}{
		{"added by ada", m.allotment, m.ada},
		{"added by bob", m.rtl, m.bob},
		{"added by cy, who refused", m.formula, 0},
		{"added by nobody known", m.emoji, 0},
	} {
		if by := addedBy[tt.asset]; (by == nil) != (tt.want == 0) || by != nil && *by != tt.want {
			t.Errorf("%s: added_by = %v; want %d (0: omitted)", tt.name, by, tt.want)
		}
	}
	type link struct {
		typ        string
		from, to   jsonEnd
		recordedBy int64
	}
	var links []link
	for _, l := range got.Links {
		var by int64
		if l.RecordedBy != nil {
			by = *l.RecordedBy
		}
		links = append(links, link{l.Type, l.From, l.To, by})
	}
	want := []link{
		{flow.LinkMemberOf, jsonEnd{Person: m.ada}, jsonEnd{Asset: m.allotment}, m.ada},
		// cy recorded it: the link stays, who recorded it does not.
		{flow.LinkUses, jsonEnd{Asset: m.allotment}, jsonEnd{Asset: m.hall}, 0},
		{flow.LinkRuns, jsonEnd{Person: m.bob}, jsonEnd{Asset: m.rtl}, m.bob},
		{flow.LinkConnectedWith, jsonEnd{Person: m.ada}, jsonEnd{Person: m.bob}, m.ada},
	}
	if !slices.Equal(links, want) {
		t.Errorf("links = %+v;\nwant    %+v: none with an end at cy or di, nor at a removed asset", links, want)
	}
	if strings.Contains(out, "secret") || strings.Contains(out, `"Cy"`) {
		t.Error("the JSON holds what cy, who refused, said")
	}
}

// assetsCSV exports the assets of kind as CSV and returns the rows.
func assetsCSV(t testing.TB, w *world, kind string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	n, err := exporter(t, w).AssetsCSV(context.Background(), &buf, mapFlows(t)[kind])
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.String())
	if n != len(rows)-1 {
		t.Errorf("AssetsCSV says it wrote %d; the CSV has %d rows", n, len(rows)-1)
	}
	return rows
}

func TestAssetsCSV(t *testing.T) {
	w := newWorld(t)
	m := newMap(t, w)
	rows := assetsCSV(t, w, "association")
	wantHeader := []string{"asset_id", "uid", "name", "area", "latitude", "longitude", "added_by", "created_at", "updated_at", "last_confirmed_at", "stale_since",
		"purpose", "kind", "meets_at", "meets_when", "size", "newcomers", "contact", "offer", "need", "founded"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Errorf("header = %q;\nwant     %q", rows[0], wantHeader)
	}
	tests := []struct {
		asset                   int64
		name, addedBy, question string
	}{
		{m.allotment, "Hyde Park Allotment Society", id(m.ada), "St Mark's Hall"},
		{m.formula, "'=cmd|' /C calc'!A0", "", ""},
		{m.rtl, "جمعية حديقة الحي", id(m.bob), ""},
		{m.emoji, "🎸 Rock Choir 🎶", "", ""},
	}
	if len(rows) != len(tests)+1 {
		t.Fatalf("%d rows; want a header and the %d associations on the map", len(rows), len(tests))
	}
	col := func(name string) int { return slices.Index(wantHeader, name) }
	for i, tt := range tests {
		row := rows[i+1]
		if row[0] != id(tt.asset) || row[2] != tt.name || row[6] != tt.addedBy || row[col("meets_at")] != tt.question {
			t.Errorf("row %d = %q; want asset %d named %q, added by %q, meeting at %q", i+1, row, tt.asset, tt.name, tt.addedBy, tt.question)
		}
		if row[4] != "" || row[5] != "" || row[7] != "2026-03-15T09:30:00Z" || row[3] != "LS6" || row[col("kind")] != "Allotment / garden" || row[col("newcomers")] != "Yes" {
			t.Errorf("row %d = %q; want no point, created at the changed time, readable kind and newcomers", i+1, row)
		}
	}
	if founded := rows[1][col("founded")]; founded != "1921" {
		t.Errorf("founded = %q; want the answer the flow no longer asks kept", founded)
	}

	place := assetsCSV(t, w, "place")
	if len(place) != 2 {
		t.Fatalf("place CSV = %q; want the hall alone", place)
	}
	hall := byHeader(place[0], place[1])
	if hall["latitude"] != "53.8123" || hall["longitude"] != "-1.5601" || hall["access"] != "Open to the public; Free; ask at the café" || hall["kind"] != "Community hall" {
		t.Errorf("hall = %q; want its point, readable kind and choices joined by \"; \"", hall)
	}
}

func TestLinksCSV(t *testing.T) {
	w := newWorld(t)
	m := newMap(t, w)
	var buf bytes.Buffer
	n, err := exporter(t, w).LinksCSV(context.Background(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.String())
	wantHeader := []string{"link_id", "type", "from_type", "from_id", "from_name", "to_type", "to_id", "to_name", "recorded_by", "created_at"}
	if !slices.Equal(rows[0], wantHeader) {
		t.Errorf("header = %q; want %q", rows[0], wantHeader)
	}
	ada := "'=HYPERLINK(\"http://x\")" // defused
	want := [][]string{
		{"member_of", "person", id(m.ada), ada, "asset", id(m.allotment), "Hyde Park Allotment Society", id(m.ada)},
		{"uses", "asset", id(m.allotment), "Hyde Park Allotment Society", "asset", id(m.hall), "St Mark's Hall", ""},
		{"runs", "person", id(m.bob), "Bob", "asset", id(m.rtl), "جمعية حديقة الحي", id(m.bob)},
		{"connected_with", "person", id(m.ada), ada, "person", id(m.bob), "Bob", id(m.ada)},
	}
	if n != len(want) || len(rows) != len(want)+1 {
		t.Fatalf("wrote %d links, %q; want %d", n, rows, len(want))
	}
	for i, w := range want {
		row := rows[i+1]
		if !slices.Equal(row[1:9], w) || row[9] != "2026-03-16T09:30:00Z" {
			t.Errorf("link %d = %q; want %q at the time it was made", i+1, row, w)
		}
	}
}

// TestJSONAssetOfAnOldKind: an asset whose flow is no longer in use is
// still exported, its fields by key, readable without questions.
func TestJSONAssetOfAnOldKind(t *testing.T) {
	w := newWorld(t)
	w.at(t, joined, func(tx *store.Tx) error {
		_, err := tx.CreateAsset(store.Asset{Kind: "stall", Name: "Veg stall", FlowVersion: 1, Fields: map[string]flow.Value{
			"name": {Text: "Veg stall"}, "open": {Bool: &yes}, "sells": {Choices: []string{"veg", "eggs"}}, "hours": {Skipped: true},
		}}, 0)
		return err
	})
	got := decode(t, exportJSON(t, w))
	if len(got.Assets) != 1 {
		t.Fatalf("assets = %+v; want the stall", got.Assets)
	}
	type field struct{ key, question, text string }
	var fields []field
	for _, f := range got.Assets[0].Fields {
		fields = append(fields, field{f.Key, f.Question, f.Text})
	}
	want := []field{{"hours", "", "(skipped)"}, {"name", "", "Veg stall"}, {"open", "", "Yes"}, {"sells", "", "veg, eggs"}}
	if !slices.Equal(fields, want) {
		t.Errorf("fields = %q; want %q", fields, want)
	}
}

func TestMisuse(t *testing.T) {
	w := newWorld(t)
	fl := mapFlows(t)
	if _, err := export.New(w.st, fl, fl["association"]); err == nil || !strings.Contains(err.Error(), `flow "association" asks no consent`) {
		t.Errorf("New with a flow that asks no consent: %v; want an error saying so", err)
	}
	var buf bytes.Buffer
	if _, err := exporter(t, w).AssetsCSV(context.Background(), &buf, fl["resident"]); err == nil || !strings.Contains(err.Error(), `flow "resident" records people, not assets`) {
		t.Errorf("AssetsCSV of the resident flow: %v; want an error saying it is no kind of asset", err)
	}
}
