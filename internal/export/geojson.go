package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/assetbot/assetbot/internal/store"
)

// Area is a named area of the neighbourhood and where a map shows it:
// people appear on a map only as a count at their area's point.
type Area struct {
	Name     string
	Lat, Lon float64
}

// residentAreaKey is the people flow's answer naming the area a person
// lives in, matched against the areas' names.
const residentAreaKey = "area"

// coordScale rounds coordinates to 6 decimals (about 10 cm, RFC 7946 §11.2):
// more digits say nothing true about a place shared from a phone.
const coordScale = 1e6

// The bounds of WGS 84 decimal degrees.
const (
	maxLat = 90
	maxLon = 180
)

// reserved are the properties every asset feature has: a field with the
// same key is renamed <kind>_<key> so it does not overwrite them.
var reserved = []string{"id", "kind", "name", "area"}

// geoFeature is one GeoJSON Feature with a Point geometry.
type geoFeature struct {
	Type       string            `json:"type"`
	Geometry   geoPoint          `json:"geometry"`
	Properties map[string]string `json:"properties"`
}

type geoPoint struct {
	Type        string     `json:"type"`
	Coordinates [2]float64 `json:"coordinates"`
}

// areaFeature is the count of people in one area.
type areaFeature struct {
	Type       string         `json:"type"`
	Geometry   geoPoint       `json:"geometry"`
	Properties areaProperties `json:"properties"`
}

type areaProperties struct {
	Kind   string `json:"kind"`
	Area   string `json:"area"`
	People int    `json:"people"`
}

// point is a GeoJSON point at lat, lon (longitude first), rounded.
func point(lat, lon float64) geoPoint {
	round := func(x float64) float64 { return math.Round(x*coordScale) / coordScale }
	return geoPoint{Type: "Point", Coordinates: [2]float64{round(lon), round(lat)}}
}

// inRange says whether lat, lon are WGS 84 degrees.
func inRange(lat, lon float64) bool {
	return math.Abs(lat) <= maxLat && math.Abs(lon) <= maxLon
}

// GeoJSON writes the map as an RFC 7946 FeatureCollection: a point for
// each asset that has one, with its name, kind, area and readable fields
// as flat properties; then, for each of areas, the number of consenting
// people whose area answer names it (ignoring case), at the area's point.
// People are never points of their own, and those in areas not listed
// are left out. It returns how many assets and people it placed.
func (e *Exporter) GeoJSON(ctx context.Context, w io.Writer, areas []Area) (Counts, error) {
	var c Counts
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	sep := ""
	feature := func(v any) error {
		if _, err := bw.WriteString(sep); err != nil {
			return fmt.Errorf("write geojson: %w", err)
		}
		sep = ",\n"
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("write geojson: %w", err)
		}
		return nil
	}
	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[` + "\n"); err != nil {
		return c, fmt.Errorf("write geojson: %w", err)
	}
	err := e.st.ConsentedAssets(ctx, "", e.purpose, func(a store.Asset) error {
		if a.Point == nil || !inRange(a.Point.Lat, a.Point.Lon) {
			return nil
		}
		c.Assets++
		return feature(geoFeature{Type: "Feature", Geometry: point(a.Point.Lat, a.Point.Lon), Properties: e.properties(a)})
	})
	if err != nil {
		return c, err
	}
	counts, err := e.peopleByArea(ctx, areas)
	if err != nil {
		return c, err
	}
	for i, ar := range areas {
		c.People += counts[i]
		err := feature(areaFeature{Type: "Feature", Geometry: point(ar.Lat, ar.Lon),
			Properties: areaProperties{Kind: "people", Area: ar.Name, People: counts[i]}})
		if err != nil {
			return c, err
		}
	}
	if _, err := bw.WriteString("]}\n"); err != nil {
		return c, fmt.Errorf("write geojson: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return c, fmt.Errorf("write geojson: %w", err)
	}
	return c, nil
}

// properties are an asset's flat feature properties: its uid, kind, name
// and area, then each field as readable text, except those that name or
// place it and those skipped (a popup has no use for "Skipped").
func (e *Exporter) properties(a store.Asset) map[string]string {
	f := e.flows[a.Kind] // nil when its flow is no longer in use
	p := map[string]string{"id": a.UID, "kind": a.Kind, "name": a.Name, "area": a.Area}
	for _, k := range withExtra(flowKeys(f), slices.Sorted(maps.Keys(a.Fields))) {
		v, ok := a.Fields[k]
		if !ok || v.Skipped || v.Location != nil || f != nil && f.Asset != nil && (k == f.Asset.Name || k == f.Asset.Area) {
			continue
		}
		name := k
		if slices.Contains(reserved, k) {
			name = a.Kind + "_" + k
		}
		p[name] = e.readable(f, k, v, cellSep)
	}
	return p
}

// peopleByArea counts the consenting people whose area answer is each of
// areas' names, ignoring case and surrounding space.
func (e *Exporter) peopleByArea(ctx context.Context, areas []Area) ([]int, error) {
	counts := make([]int, len(areas))
	if len(areas) == 0 {
		return counts, nil
	}
	index := make(map[string]int, len(areas))
	for i, ar := range areas {
		index[areaKey(ar.Name)] = i
	}
	texts, err := e.st.ConsentedTexts(ctx, e.people.ID, e.purpose, residentAreaKey)
	if err != nil {
		return nil, err
	}
	for _, t := range texts {
		if i, ok := index[areaKey(t.Text)]; ok {
			counts[i] += t.Count
		}
	}
	return counts, nil
}

// areaKey is how an area's name is compared: case and surrounding space
// do not matter.
func areaKey(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}
