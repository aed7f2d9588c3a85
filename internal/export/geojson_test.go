package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// geoCollection is what a GeoJSON reader such as QGIS needs to find.
type geoCollection struct {
	Type     string `json:"type"`
	Features []struct {
		Type     string `json:"type"`
		Geometry struct {
			Type        string    `json:"type"`
			Coordinates []float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

// exportGeoJSON exports w as GeoJSON with areas and decodes it.
func exportGeoJSON(t *testing.T, w *world, areas []export.Area) (geoCollection, string) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := exporter(t, w).GeoJSON(context.Background(), &buf, areas); err != nil {
		t.Fatal(err)
	}
	var got geoCollection
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode: %v\n%s", err, buf.String())
	}
	return got, buf.String()
}

func TestGeoJSON(t *testing.T) {
	w := newWorld(t)
	m := newMap(t, w)
	rtlPoint := flow.Location{Lat: -33.8688197123, Lon: 151.2092955987}
	w.at(t, confirmed, func(tx *store.Tx) error {
		_, err := tx.CreateAsset(store.Asset{Kind: "place", Name: "مكتبة 📚", Point: &rtlPoint, FlowVersion: 1, Fields: map[string]flow.Value{
			"name": {Text: "مكتبة 📚"}, "location": {Location: &rtlPoint}, "kind": {Choice: "hall"}, "hours": {Skipped: true},
		}}, m.bob)
		return err
	})
	areas := []export.Area{{Name: "ls6", Lat: 53.8195, Lon: -1.5766}, {Name: "Headingley", Lat: 53.8262, Lon: -1.5803}}
	got, raw := exportGeoJSON(t, w, areas)
	if got.Type != "FeatureCollection" || strings.Contains(raw, `"crs"`) {
		t.Fatalf("type %q; want a FeatureCollection with no crs", got.Type)
	}
	type feature struct {
		kind, name string
		lon, lat   float64
		people     float64
	}
	var features []feature
	for i, f := range got.Features {
		c := f.Geometry.Coordinates
		if f.Type != "Feature" || f.Geometry.Type != "Point" || len(c) != 2 || math.Abs(c[0]) > 180 || math.Abs(c[1]) > 90 {
			t.Fatalf("feature %d = %+v; want a Point with lon, lat in range", i, f)
		}
		name, _ := f.Properties["name"].(string)
		if name == "" {
			name, _ = f.Properties["area"].(string)
		}
		people, _ := f.Properties["people"].(float64)
		features = append(features, feature{f.Properties["kind"].(string), name, c[0], c[1], people})
	}
	want := []feature{
		{"place", "St Mark's Hall", hallPoint.Lon, hallPoint.Lat, 0},
		{"place", "مكتبة 📚", 151.209296, -33.86882, 0},
		{"people", "ls6", -1.5766, 53.8195, 1},
		{"people", "Headingley", -1.5803, 53.8262, 0},
	}
	if fmt.Sprint(features) != fmt.Sprint(want) {
		t.Errorf("features %v;\nwant %v: located assets lon first rounded to 6 places, then a count per listed area", features, want)
	}
	hall := got.Features[0].Properties
	if hall["id"] == "" || hall["place_kind"] != "Community hall" || hall["access"] != "Open to the public; Free; ask at the café" {
		t.Errorf("hall properties %v; want its uid, its readable fields, kind field renamed", hall)
	}
	if rtl := got.Features[1].Properties; rtl["hours"] != nil || rtl["place_kind"] != "Community hall" {
		t.Errorf("RTL place properties %v; want its kind and no skipped hours", rtl)
	}
	for _, f := range got.Features {
		for k, v := range f.Properties {
			s := fmt.Sprint(v)
			for _, person := range []string{"Bob", "HYPERLINK", "LS7"} {
				if strings.Contains(s, person) {
					t.Errorf("property %s = %q carries a person's %q", k, s, person)
				}
			}
			if k == "added_by" || k == "person_id" {
				t.Errorf("property %s names who added an asset", k)
			}
		}
	}
}

// TestGeoJSONNoAreas: with no areas listed, nobody is placed at all.
func TestGeoJSONNoAreas(t *testing.T) {
	w := newWorld(t)
	newMap(t, w)
	got, _ := exportGeoJSON(t, w, nil)
	for _, f := range got.Features {
		if f.Properties["kind"] == "people" {
			t.Errorf("feature %v; want no people without areas", f.Properties)
		}
	}
	if len(got.Features) != 1 {
		t.Errorf("%d features; want 1, the hall", len(got.Features))
	}
}
